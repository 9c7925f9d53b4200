"""The web_search offline parser, and the plugin as the core's registry and planner see it."""

from __future__ import annotations

import asyncio

import pytest
from agentplat import Clause, plan_request
from agentplat import Registry
from agentplat_web_search.parser import parse_search_clause


def parse(text: str, references: list[int] | None = None):
    refs = references or []
    return parse_search_clause(
        Clause.from_text(text, index=len(refs), references=refs)
    )


@pytest.mark.parametrize(
    "text, query",
    [
        ("search for python asyncio", "python asyncio"),
        ("Search python asyncio", "python asyncio"),
        ("look up the population of France", "the population of France"),
        ("find the tallest building in the world", "the tallest building in the world"),
        ("find out who wrote Hamlet", "who wrote Hamlet"),
        ("find articles about rust async runtimes", "rust async runtimes"),
        ("find the population of Tokyo in 2020", "the population of Tokyo in 2020"),
        ("search the web for rust async runtimes", "rust async runtimes"),
        ("search the internet for the best pizza in Naples", "the best pizza in Naples"),
        ("what does the web say about quantum computing", "quantum computing"),
        ("can you search for cheap flights to Rome please", "cheap flights to Rome"),
        ("google the history of the bicycle", "the history of the bicycle"),
        ("look the capital of Peru up", "the capital of Peru"),
        ('search for "exact phrase" online', "exact phrase"),
    ],
)
def test_search_clauses(text, query):
    call = parse(text)
    assert call is not None, text
    assert (call.tool, call.args) == ("search", {"query": query})


@pytest.mark.parametrize(
    "text",
    ["find the sum of 3 and 4", "find 3 times 4", "what is 3 + 4", "multiply 10 by 5", "weather in Paris",
     "forecast for London", "", "hello"],
)
def test_other_clauses_are_not_claimed(text):
    assert parse(text) is None


def test_math_find_with_earlier_results_is_not_claimed():
    assert parse("find the average of them", references=[0, 1]) is None


def test_fetch_clauses():
    assert parse("fetch https://example.com/a?b=1").args == {"url": "https://example.com/a?b=1"}
    assert parse("read https://example.com/post.").args == {"url": "https://example.com/post"}
    assert parse("https://example.com").tool == "fetch_page"
    assert parse("open the first result", references=[0]).args == {"url": "$0.0.url"}
    assert parse("read the second result", references=[2]).args == {"url": "$2.1.url"}


def test_pronouns_refer_to_earlier_steps():
    assert parse("search for it", references=[0]).args == {"query": "$0"}
    assert parse("look that up", references=[1]).args == {"query": "$1"}
    assert parse("search for it") is None


def test_registered_through_its_entry_point():
    registry = Registry.load(only=["agentplat-web-search"])
    [info] = registry.plugins
    assert (info.name, info.status, info.agents) == ("agentplat-web-search", "ok", ["web_search"])
    agent = registry.agent("web_search")
    assert [t.name for t in agent.tools] == ["search", "fetch_page"]
    assert agent.tool("search").parameters["properties"]["max_results"]["maximum"] == 20
    assert [p.agent for p in registry.parsers] == ["web_search"]


def test_offline_planner_chains_search_and_fetch():
    registry = Registry.load(only=["agentplat-web-search"])
    planned = asyncio.run(plan_request("search for python asyncio, then open the first result", model="offline",
                                       registry=registry))
    steps = [(s.agent, s.tool, s.args, s.dependencies) for s in planned.plan.steps]
    assert steps == [
        ("web_search", "search", {"query": "python asyncio"}, []),
        ("web_search", "fetch_page", {"url": "$0.0.url"}, [0]),
    ]


@pytest.mark.parametrize("text", ["Fetch https://example.com and summarize it",
                                  "open https://example.com then translate it"])
def test_a_fetch_with_more_asked_after_the_url_is_not_taken(text):
    assert parse_search_clause(Clause.from_text(text)) is None


def test_a_plain_fetch_is_taken():
    call = parse_search_clause(Clause.from_text("fetch https://example.com/a please"))
    assert call.tool == "fetch_page" and call.args == {"url": "https://example.com/a"}
