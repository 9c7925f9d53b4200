"""Every rule of the plan format is checked before anything runs."""

from __future__ import annotations

import pytest

from agentplat import Agent, Plan, PlanValidationError, validate_plan
from agentplat._plugin.registry import Registry


async def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


async def greet(name: str, excited: bool = False) -> str:
    """Greet someone by name."""
    return f"Hello, {name}{'!' if excited else '.'}"


@pytest.fixture
def registry():
    return Registry(agents={
        "calc": Agent(name="calc", description="Adds.", tools=[add]),
        "greeter": Agent(name="greeter", description="Greets.", tools=[greet]),
    })


def check(registry, steps):
    return validate_plan(Plan.parse({"steps": steps}), registry)


def rejects(registry, steps, fragment):
    with pytest.raises(PlanValidationError) as info:
        check(registry, steps)
    assert fragment in str(info.value)
    return str(info.value)


def test_a_valid_plan_with_references_and_a_task_step(registry):
    plan = check(registry, [
        {"agent": "calc", "tool": "add", "args": {"a": 1, "b": 2}, "dependencies": []},
        {"agent": "calc", "tool": "add", "args": {"a": "$0", "b": 5}, "dependencies": [0]},
        {"agent": "greeter", "task": "Greet the person named in step 1", "dependencies": [1]},
    ])
    assert plan.waves() == [[0], [1], [2]]
    assert plan.final_steps() == [2]


def test_a_cycle_is_rejected_and_named(registry):
    message = rejects(registry, [
        {"agent": "calc", "tool": "add", "args": {"a": "$1", "b": 1}, "dependencies": [1]},
        {"agent": "calc", "tool": "add", "args": {"a": "$0", "b": 1}, "dependencies": [0]},
    ], "cycle")
    assert "0 -> 1 -> 0" in message or "1 -> 0 -> 1" in message


def test_a_self_dependency_is_a_cycle(registry):
    rejects(registry, [{"agent": "calc", "tool": "add", "args": {"a": 1, "b": 1}, "dependencies": [0]}], "cycle: 0 -> 0")


@pytest.mark.parametrize("bad", [5, -1])
def test_dependency_indices_must_be_in_range(registry, bad):
    rejects(registry, [{"agent": "calc", "tool": "add", "args": {"a": 1, "b": 1}, "dependencies": [bad]}], "out of range")


def test_unknown_agent_lists_the_installed_ones(registry):
    message = rejects(registry, [{"agent": "astrologer", "task": "read the stars"}], "unknown agent 'astrologer'")
    assert "calc" in message and "greeter" in message


def test_unknown_tool_lists_the_agents_tools(registry):
    rejects(registry, [{"agent": "calc", "tool": "subtract", "args": {"a": 1, "b": 1}}], "no tool 'subtract'")


@pytest.mark.parametrize("args, fragment", [
    ({"a": "seven", "b": 1}, "a:"),
    ({"a": 1}, "b: Field required"),
    ({"a": 1, "b": 2, "c": 3}, "c: Extra inputs are not permitted"),
])
def test_arguments_are_checked_against_the_tool_schema(registry, args, fragment):
    rejects(registry, [{"agent": "calc", "tool": "add", "args": args}], fragment)


def test_a_reference_must_be_a_declared_dependency(registry):
    rejects(registry, [
        {"agent": "calc", "tool": "add", "args": {"a": 1, "b": 2}},
        {"agent": "calc", "tool": "add", "args": {"a": "$0", "b": 1}, "dependencies": []},
    ], "not among its dependencies")


def test_a_reference_to_an_unknown_parameter_is_rejected(registry):
    rejects(registry, [
        {"agent": "calc", "tool": "add", "args": {"a": 1, "b": 2}},
        {"agent": "calc", "tool": "add", "args": {"a": 1, "b": 1, "z": "$0"}, "dependencies": [0]},
    ], "z: Extra inputs")


def test_a_step_needs_a_tool_or_a_task(registry):
    rejects(registry, [{"agent": "calc"}], "needs either 'tool'")
    rejects(registry, [{"agent": "calc", "tool": "add", "args": {"a": 1, "b": 1}, "task": "x"}], "both 'tool' and 'task'")


def test_empty_plans_and_plans_over_the_limit_are_rejected(registry):
    rejects(registry, [], "no steps")
    step = {"agent": "calc", "tool": "add", "args": {"a": 1, "b": 1}}
    with pytest.raises(PlanValidationError, match="limit is 3"):
        validate_plan(Plan.parse({"steps": [step] * 4}), registry, max_steps=3)


def test_shape_errors_are_plan_validation_errors():
    with pytest.raises(PlanValidationError, match="not valid JSON"):
        Plan.parse("{steps: [")
    with pytest.raises(PlanValidationError, match="wrong shape"):
        Plan.parse({"steps": [{"agent": "calc", "dependencies": "zero"}]})
    with pytest.raises(PlanValidationError, match="wrong shape"):
        Plan.parse({"steps": [{"agent": "calc", "colour": "red"}]})


def test_plan_json_is_exactly_the_design_format(registry):
    plan = check(registry, [
        {"agent": "calc", "tool": "add", "args": {"a": 10, "b": 5}, "dependencies": []},
        {"agent": "greeter", "task": "Greet Ada", "dependencies": []},
    ])
    assert plan.to_json() == {"steps": [
        {"agent": "calc", "tool": "add", "args": {"a": 10, "b": 5}, "dependencies": []},
        {"agent": "greeter", "task": "Greet Ada", "dependencies": []},
    ]}


def test_mermaid_draws_every_edge_and_colours_by_status(registry):
    plan = check(registry, [
        {"agent": "calc", "tool": "add", "args": {"a": 1, "b": 2}},
        {"agent": "calc", "tool": "add", "args": {"a": "$0", "b": 1}, "dependencies": [0]},
    ])
    drawing = plan.mermaid({0: "succeeded", 1: "failed"})
    assert drawing.startswith("flowchart TD")
    assert "s0 --> s1" in drawing
    assert "class s1 failed" in drawing
