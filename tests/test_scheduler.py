"""Steps start when their own dependencies are done; failures stay on their branch."""

from __future__ import annotations

import asyncio

from agentplat import Plan, ToolError, TransientError
from agentplat._plugin.agents import Agent
from agentplat._plugin.registry import Registry
from agentplat._execute.scheduler import run_dag
from agentplat._execute.step import execute_step
from agentplat._common.context import RunContext


def plan_of(deps: list[list[int]]) -> Plan:
    return Plan.parse({"steps": [{"agent": "x", "task": f"step {i}", "dependencies": d} for i, d in enumerate(deps)]})


def run(plan, durations, *, fail=(), max_parallel=8, events=None):
    async def execute(index, inputs):
        await asyncio.sleep(durations[index])
        if index in fail:
            raise ToolError(f"step {index} exploded")
        return sum(inputs.values()) + index

    return asyncio.run(run_dag(plan, execute, max_parallel=max_parallel,
                               on_event=(lambda i, o: events.append((i, o.status))) if events is not None else None))


def test_a_step_starts_when_its_own_dependencies_finish_not_when_the_wave_does():
    # 0 (short) and 1 (long) have no dependencies; 2 needs only 0; 3 needs 1 and 2.
    plan = plan_of([[], [], [0], [1, 2]])
    out = run(plan, {0: 0.05, 1: 0.6, 2: 0.05, 3: 0.01})
    assert out[2].started_at < out[1].ended_at  # no barrier after wave 1
    assert out[2].started_at >= out[0].ended_at
    assert out[3].started_at >= max(out[1].ended_at, out[2].ended_at)
    assert out[3].result == (1) + (0 + 2) + 3


def test_the_concurrency_limit_is_respected():
    plan = plan_of([[] for _ in range(6)])
    running = 0
    peak = 0

    async def execute(index, inputs):
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        await asyncio.sleep(0.02)
        running -= 1
        return index

    out = asyncio.run(run_dag(plan, execute, max_parallel=2))
    assert peak == 2
    assert all(o.status == "succeeded" for o in out.values())


def test_a_failure_skips_only_its_dependents_and_independent_branches_finish():
    # 0 fails; 1 and 3 depend on it (3 transitively); 2 is independent; 4 depends on 2.
    plan = plan_of([[], [0], [], [1], [2]])
    events = []
    out = run(plan, {i: 0.01 for i in range(5)}, fail={0}, events=events)
    assert out[0].status == "failed" and "exploded" in out[0].error
    assert out[1].status == "skipped" and "step 0 failed" in out[1].error
    assert out[3].status == "skipped"
    assert out[2].status == out[4].status == "succeeded"
    assert (1, "skipped") in events and (3, "skipped") in events


def test_finished_steps_are_not_run_again_when_resuming():
    from agentplat._execute.outcome import StepResult

    plan = plan_of([[], [0]])
    calls = []

    async def execute(index, inputs):
        calls.append(index)
        return inputs[0] * 10

    done = {0: StepResult(status="succeeded", result=4)}
    out = asyncio.run(run_dag(plan, execute, done=done))
    assert calls == [1]
    assert out[1].result == 40


async def flaky_factory():
    state = {"calls": 0}

    async def flaky(n: int) -> int:
        """Fails once with a transient error, then works."""
        state["calls"] += 1
        if state["calls"] == 1:
            raise TransientError("503 from upstream")
        return n * 2

    return flaky, state


def test_transient_errors_are_retried_and_counted(monkeypatch):
    monkeypatch.setenv("AGENTPLAT_RETRY_WAIT", "0.01")
    flaky, state = asyncio.run(flaky_factory())
    registry = Registry(agents={"x": Agent(name="x", description="d", tools=[flaky])})
    step = Plan.parse({"steps": [{"agent": "x", "tool": "flaky", "args": {"n": 4}}]}).steps[0]
    done = asyncio.run(execute_step(step, 0, {}, RunContext(registry=registry)))
    assert done.status == "succeeded" and done.result == 8
    assert done.attempts == 2
    assert state["calls"] == 2


def test_errors_that_cannot_change_are_not_retried(monkeypatch):
    monkeypatch.setenv("AGENTPLAT_RETRY_WAIT", "0.01")
    calls = []

    async def divide(a: int, b: int) -> float:
        """Divide a by b."""
        calls.append(1)
        if b == 0:
            raise ToolError("division by zero")
        return a / b

    registry = Registry(agents={"x": Agent(name="x", description="d", tools=[divide])})
    step = Plan.parse({"steps": [{"agent": "x", "tool": "divide", "args": {"a": 1, "b": 0}}]}).steps[0]
    failed = asyncio.run(execute_step(step, 0, {}, RunContext(registry=registry)))
    assert failed.status == "failed" and "division by zero" in failed.error
    assert failed.attempts == 1 and len(calls) == 1


def test_references_pass_results_and_fields_between_steps():
    from agentplat._plan.refs import resolve

    inputs = {0: {"city": "Paris", "temp": 14}, 1: [3, 4]}
    assert resolve({"a": "$0.temp", "b": "$1.1", "c": "Weather in $0.city"}, inputs) == {
        "a": 14, "b": 4, "c": "Weather in Paris"
    }
