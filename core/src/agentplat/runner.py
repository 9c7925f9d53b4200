"""From a request to a finished run: plan, execute, collect the answer."""

from __future__ import annotations

import os
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from .jsonutil import show, to_jsonable
from .models import Model, Planned, Usage, select_model
from .plan import Plan
from .registry import Registry, get_registry
from .scheduler import OnEvent, StepOutcome


@dataclass
class StepResult:
    index: int
    agent: str
    tool: str | None
    task: str | None
    args: dict[str, Any] | None
    dependencies: list[int]
    status: str
    result: Any
    error: str | None
    started_at: float | None
    ended_at: float | None
    attempts: int = 0
    usage: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        data = to_jsonable(self.__dict__)
        data["started_at"] = _iso(self.started_at)
        data["ended_at"] = _iso(self.ended_at)
        data["seconds"] = (
            round(self.ended_at - self.started_at, 4) if self.started_at and self.ended_at else None
        )
        return data


@dataclass
class RunResult:
    run_id: str
    request: str
    plan: Plan
    steps: list[StepResult]
    model: str
    usage: Usage
    started_at: float
    ended_at: float

    @property
    def status(self) -> str:
        statuses = {s.status for s in self.steps}
        if statuses <= {"succeeded"}:
            return "succeeded"
        finals = self.plan.final_steps()
        if any(self.steps[i].status == "succeeded" for i in finals):
            return "partial"
        return "failed"

    @property
    def answer(self) -> str:
        """The results of the final steps (those nothing else depends on)."""
        finals = [self.steps[i] for i in self.plan.final_steps()]
        done = [s for s in finals if s.status == "succeeded"]
        if len(finals) == 1 and done:
            return show(done[0].result)
        return "\n".join(f"step {s.index}: {show(s.result)}" for s in done)

    @property
    def llm_calls(self) -> int:
        return self.usage.llm_calls

    def first_error(self) -> str | None:
        failed = next((s for s in self.steps if s.status == "failed"), None)
        return f"step {failed.index} ({failed.agent}.{failed.tool or 'task'}) failed: {failed.error}" if failed else None

    def to_json(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "request": self.request,
            "status": self.status,
            "answer": self.answer,
            "model": self.model,
            "llm_calls": self.llm_calls,
            "usage": self.usage.as_dict(),
            "started_at": _iso(self.started_at),
            "ended_at": _iso(self.ended_at),
            "seconds": round(self.ended_at - self.started_at, 4),
            "plan": self.plan.to_json(),
            "steps": [s.to_json() for s in self.steps],
        }


def _iso(ts: float | None) -> str | None:
    return datetime.fromtimestamp(ts, timezone.utc).isoformat() if ts else None


async def plan_request(
    request: str, *, model: Model | str | None = None, registry: Registry | None = None
) -> Planned:
    registry = registry or get_registry()
    chosen = model if model is not None and not isinstance(model, str) else select_model(registry, model)
    return await chosen.plan(request, registry)


def default_engine() -> str:
    return os.environ.get("AGENTPLAT_ENGINE", "flyte")


async def execute(
    plan: Plan,
    *,
    model: str,
    max_parallel: int,
    on_event: OnEvent | None,
    engine: str | None = None,
    registry: Registry | None = None,
) -> dict[int, StepOutcome]:
    """Run ``plan`` on Flyte (default) or directly in this event loop (``engine="inline"``)."""
    if (engine or default_engine()) == "flyte":
        from .execution import execute_plan_on_flyte

        return await execute_plan_on_flyte(plan, max_parallel=max_parallel, model=model, on_event=on_event)
    from .scheduler import run_dag
    from .steps import execute_step

    registry = registry or get_registry()
    chosen = select_model(registry, model)

    async def run_task(step, inputs):
        return await chosen.run_task(step, inputs, registry)

    async def one(index: int, inputs: dict[int, Any]):
        return await execute_step(plan.steps[index], inputs, registry=registry, run_task=run_task)

    return await run_dag(plan, one, max_parallel=max_parallel, on_event=on_event)


async def run_request(
    request: str,
    *,
    model: str | None = None,
    max_parallel: int = 8,
    on_plan=None,
    on_event: OnEvent | None = None,
    engine: str | None = None,
    registry: Registry | None = None,
) -> RunResult:
    """Plan ``request`` and run the plan; planning errors raise, step errors are in the result."""
    registry = registry or get_registry()
    started = time.time()
    chosen = select_model(registry, model)
    planned = await chosen.plan(request, registry)
    if on_plan is not None:
        on_plan(planned.plan)
    outcomes = await execute(
        planned.plan, model=model or chosen.name, max_parallel=max_parallel,
        on_event=on_event, engine=engine, registry=registry,
    )
    usage = Usage()
    usage.add(planned.usage)
    steps = []
    for index, step in enumerate(planned.plan.steps):
        outcome = outcomes[index]
        usage.add(outcome.usage)
        steps.append(
            StepResult(
                index=index, agent=step.agent, tool=step.tool, task=step.task, args=step.args,
                dependencies=list(step.dependencies), status=outcome.status, result=outcome.result,
                error=outcome.error, started_at=outcome.started_at, ended_at=outcome.ended_at,
                attempts=outcome.attempts, usage=outcome.usage,
            )
        )
    return RunResult(
        run_id=uuid.uuid4().hex[:12], request=request, plan=planned.plan, steps=steps,
        model=chosen.name, usage=usage, started_at=started, ended_at=time.time(),
    )
