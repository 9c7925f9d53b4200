"""The weather offline parser: which clauses it claims, and the place it reads out of them."""

from __future__ import annotations

import asyncio

import pytest
from agentplat import Clause, Registry, plan_request
from agentplat_weather.parser import parse_weather_clause


def parse(text: str, references: list[int] | None = None):
    clause = Clause.from_text(text, index=len(references or []), references=references or [])
    return parse_weather_clause(clause)


@pytest.mark.parametrize(
    "text, tool, place",
    [
        ("What's the weather in Paris", "current_weather", "Paris"),
        ("weather in Paris", "current_weather", "Paris"),
        ("what's the weather like in New York", "current_weather", "New York"),
        ("How's the weather in Rio de Janeiro today", "current_weather", "Rio de Janeiro"),
        ("temperature in Tokyo", "current_weather", "Tokyo"),
        ("what is the temperature in New York right now", "current_weather", "New York"),
        ("how cold is it in Oslo", "current_weather", "Oslo"),
        ("is it raining in Seattle", "current_weather", "Seattle"),
        ("Paris weather", "current_weather", "Paris"),
        ("forecast for São Paulo", "forecast", "São Paulo"),
        ("weather forecast for Rio de Janeiro", "forecast", "Rio de Janeiro"),
        ("will it rain in London tomorrow", "forecast", "London"),
        ("will it rain tomorrow in Buenos Aires", "forecast", "Buenos Aires"),
        ("What will the weather be like in Cape Town this weekend", "forecast", "Cape Town"),
        ("weather forecast for the next 3 days in Berlin", "forecast", "Berlin"),
        ("do I need an umbrella in Dublin tomorrow", "forecast", "Dublin"),
        ("New York's forecast", "forecast", "New York"),
        ('weather in "Paris, Texas"', "current_weather", "Paris, Texas"),
        ("weather in ../../x?y=z", "current_weather", "../../x?y=z"),
    ],
)
def test_weather_clauses(text, tool, place):
    call = parse(text)
    assert call is not None, text
    assert (call.tool, call.args) == (tool, {"place": place} | ({"days": 3} if "3 days" in text else {}))


@pytest.mark.parametrize(
    "text",
    [
        "what is 3 + 4",
        "multiply 10 by 5",
        "search for python asyncio",
        "search for the weather in Paris",
        "what's the weather",
        "what's the weather like today",
        "average temperature in Paris in July",
        "look up the population of France",
        "",
    ],
)
def test_other_clauses_are_not_claimed(text):
    assert parse(text) is None


def test_there_refers_to_an_earlier_step():
    assert parse("what's the weather there", references=[0]).args == {"place": "$0"}
    assert parse("what's the weather there") is None


def test_offline_planner_routes_weather_requests():
    registry = Registry.load(only=["agentplat-weather"])
    planned = asyncio.run(plan_request("What's the weather in Paris and will it rain in Rio de Janeiro tomorrow?",
                                       model="offline", registry=registry))
    steps = [(s.agent, s.tool, s.args) for s in planned.plan.steps]
    assert steps == [
        ("weather", "current_weather", {"place": "Paris"}),
        ("weather", "forecast", {"place": "Rio de Janeiro"}),
    ]


def test_registered_through_its_entry_point():
    registry = Registry.load(only=["agentplat-weather"])
    [info] = registry.plugins
    assert (info.name, info.status, info.agents) == ("agentplat-weather", "ok", ["weather"])
    agent = registry.agent("weather")
    assert [t.name for t in agent.tools] == ["current_weather", "forecast"]
    days = agent.tool("forecast").parameters["properties"]["days"]
    assert (days["type"], days["minimum"], days["maximum"], days["default"]) == ("integer", 1, 3, 3)
    assert [p.agent for p in registry.parsers] == ["weather"]


def test_there_after_then_means_the_previous_step():
    clause = Clause(text="what's the weather there", index=1, previous=0, chained=True)
    assert parse_weather_clause(clause).args == {"place": "$0"}


@pytest.mark.parametrize("text", ["weather in Berlin and Madrid, which one is warmer",
                                  "what's the weather in Rome; compare it"])
def test_more_than_one_place_is_not_taken_as_a_place(text):
    assert parse(text) is None


def test_places_listed_with_and_are_one_call_each():
    calls = parse("weather in Berlin and in Madrid")
    assert [(c.tool, c.args) for c in calls] == [("current_weather", {"place": "Berlin"}),
                                                 ("current_weather", {"place": "Madrid"})]


def test_a_place_with_its_country_is_one_place():
    assert parse("What's the weather in Paris, France").args == {"place": "Paris, France"}
