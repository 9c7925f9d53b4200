"""The offline planner routes clauses to any installed tool by its words, with no extra code."""

from __future__ import annotations

import asyncio

import pytest

from agentplat import Agent, NoCapableAgent, PlanningError, tool
from agentplat._planners.offline.planner import OfflinePlanner
from agentplat._planners.offline.reading import resolve_references, segments
from agentplat._plugin.registry import Registry


@tool(examples=["say hello to Alice", "greet Bob"])
async def greet(name: str) -> str:
    """Greet a person by name."""
    return f"Hello, {name}!"


@tool(examples=["convert 10 km to miles"])
async def km_to_miles(km: float) -> float:
    """Convert kilometres to miles."""
    return km * 0.621371


@tool(examples=["count the words in 'a b c'"])
async def count_words(text: str) -> int:
    """Count the words in a text."""
    return len(text.split())


@pytest.fixture
def planner():
    registry = Registry(agents={
        "greeter": Agent(name="greeter", description="Greets people.", tools=[greet]),
        "units": Agent(name="units", description="Converts units.", tools=[km_to_miles]),
        "text": Agent(name="text", description="Text utilities.", tools=[count_words]),
    })
    return OfflinePlanner(registry)


def steps(planner, request):
    return [s.to_json() for s in planner.plan(request).steps]


def test_a_tool_is_chosen_by_its_examples_and_a_string_argument_is_the_rest_of_the_clause(planner):
    assert steps(planner, "Say hello to Grace Hopper") == [
        {"agent": "greeter", "tool": "greet", "args": {"name": "Grace Hopper"}, "dependencies": []}
    ]


def test_numbers_fill_numeric_parameters(planner):
    [step] = steps(planner, "convert 42.195 km to miles")
    assert step["tool"] == "km_to_miles" and str(step["args"]["km"]) == "42.195"


def test_quoted_strings_fill_string_parameters(planner):
    [step] = steps(planner, 'count the words in "to be or not to be"')
    assert step["args"] == {"text": "to be or not to be"}


def test_independent_clauses_become_parallel_steps(planner):
    plan = planner.plan("greet Ada and greet Alan")
    assert [s.args["name"] for s in plan.steps] == ["Ada", "Alan"]
    assert plan.waves() == [[0, 1]]


def test_a_reference_makes_a_dependency(planner):
    plan = planner.plan("Say hello to Ada, then count the words in it")
    assert plan.steps[1].args == {"text": "$0"}
    assert plan.steps[1].dependencies == [0]


def test_a_request_no_tool_can_serve_names_the_clause(planner):
    with pytest.raises(NoCapableAgent, match="'book a flight to Rome'"):
        planner.plan("book a flight to Rome")


def test_an_empty_request_is_an_error(planner):
    with pytest.raises(PlanningError, match="empty"):
        planner.plan("   ")


def test_segments_split_on_commas_and_sequencing_words_but_not_inside_numbers():
    assert [(s.text, s.chained) for s in segments("Add 1,000 and 2, then double it. After that, halve it")] == [
        ("Add 1,000 and 2", False), ("double it", True), ("halve it", True),
    ]


@pytest.mark.parametrize("text, expected", [
    ("add them", [1, 2]),
    ("add the two results", [1, 2]),
    ("multiply both", [1, 2]),
    ("double it", [2]),
    ("add step 1 and step 2", [0, 1]),
    ("add 4 and 5", []),
])
def test_references_resolve_to_earlier_steps(text, expected):
    assert resolve_references(text, index=3, previous=2, frontier=[1, 2]) == expected


def test_the_offline_model_runs_a_task_step_with_its_agents_tools(planner):
    from agentplat._models.offline import OfflineModel
    from agentplat._plan.graph import Step

    step = Step(agent="greeter", task="greet Margaret Hamilton")
    done = asyncio.run(OfflineModel().run_task(step, {}, planner.registry))
    assert done.result == "Hello, Margaret Hamilton!"


def test_docstring_args_become_parameter_descriptions():
    from agentplat import Tool

    async def scale(value: float, factor: float = 2.0) -> float:
        """Scale a value.

        Longer explanation that is not part of the summary.

        Args:
            value: The number to scale.
            factor: How much to multiply by,
                defaulting to two.
        """
        return value * factor

    t = Tool.from_function(scale)
    assert t.description == "Scale a value."
    assert t.parameters["properties"]["value"]["description"] == "The number to scale."
    assert t.parameters["properties"]["factor"]["description"] == "How much to multiply by, defaulting to two."
    assert t.parameters["required"] == ["value"]


def test_a_result_named_by_what_made_it_points_at_that_step():
    from agentplat._planners.offline.reading import resolve_references

    earlier = [{"math", "multiply", "calculate", "numbers"}, {"text", "count", "words", "letters"}]
    refs = resolve_references("multiply the word count by the calculation result", index=2, previous=1,
                              frontier=[0, 1], earlier=earlier)
    assert refs == [1, 0]
    # a name that fits two steps equally names neither
    both = [{"math", "multiply", "calculate"}, {"math", "add", "calculate"}]
    assert resolve_references("double the calculation result", index=2, previous=1, frontier=[0, 1],
                              earlier=both) == []
    # "the square root of 81" is a value to compute, not a name of an earlier result
    roots = [{"math", "square", "root"}]
    assert resolve_references("add the square root of 81", index=1, previous=0, frontier=[0], earlier=roots) == []


def test_a_parser_may_answer_one_clause_with_several_independent_calls():
    """"greet Ada and Grace": a parser that reads the list answers one call per name, each a step
    of its own; its parts alone ("Grace") plan nothing, so the whole clause reaches it."""
    from agentplat import Clause, ToolCall
    from agentplat._plugin.registry import OfflineParser

    def parse(clause: Clause):
        words = clause.text.split()
        if words[0] != "greet":
            return None
        calls = [ToolCall(tool="greet", args={"name": name}) for name in words[1:] if name != "and"]
        return calls if len(calls) > 1 else calls[0]

    agent = Agent(name="greeter", description="Greets people.", tools=[greet])
    planner = OfflinePlanner(Registry(agents={"greeter": agent}, parsers=[OfflineParser(agent="greeter", source=parse)]))
    planned = planner.plan("greet Ada and Grace, then greet Linus")
    assert [(s.agent, s.tool, s.args, s.dependencies) for s in planned.steps] == [
        ("greeter", "greet", {"name": "Ada"}, []), ("greeter", "greet", {"name": "Grace"}, []),
        ("greeter", "greet", {"name": "Linus"}, [])]
