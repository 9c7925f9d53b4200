"""From a request to a finished run: plan, execute, collect the answer."""

from __future__ import annotations

import asyncio
import os
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from .._jsondata import show, to_jsonable
from .._models.select import Model, Planned, Usage, select_model
from .._plan.graph import Plan
from .._plugin.registry import Registry, get_registry
from .._execute.scheduler import StepOutcome


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
    error: str | None = None  # a planning error that stopped the run
    synthesized: str | None = None

    @property
    def status(self) -> str:
        statuses = {s.status for s in self.steps}
        if self.error:  # the plan itself broke: the request was not served, whatever ran
            return "failed"
        if statuses <= {"succeeded"} and not self.error:
            return "succeeded"
        finals = self.plan.final_steps()
        if any(self.steps[i].status == "succeeded" for i in finals):
            return "partial"
        return "failed"

    @property
    def answer(self) -> str:
        """The results of the final steps (those nothing else depends on), or the prose
        answer when one was synthesized."""
        if self.synthesized:
            return self.synthesized
        finals = [self.steps[i] for i in self.plan.final_steps()]
        done = [s for s in finals if s.status == "succeeded"]
        if len(finals) == 1 and done:
            return show(done[0].result)
        return "\n".join(f"step {s.index}: {show(s.result)}" for s in done)

    @property
    def llm_calls(self) -> int:
        return self.usage.llm_calls

    def first_error(self) -> str | None:
        if self.error:
            return self.error
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
            "error": self.error,
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


async def drive_inline(request: str, *, model: Model, registry: Registry, max_parallel: int,
                       listener=None, plan: Plan | None = None, done=None, run_id: str = "", spec: str = ""):
    """The same run as on Flyte, in this event loop: for tests, benchmarks and embedding."""
    from .._execute.driver import drive
    from .._models.select import run_model
    from .._llm.recording import in_run
    from .._execute.step import execute_step

    async def run_task(step, inputs):
        return await model.run_task(step, inputs, registry)

    async def one(step, index: int, inputs: dict[int, Any]):
        with in_run(run_id, index), run_model(spec):
            return await execute_step(step, inputs, registry=registry, run_task=run_task)

    with in_run(run_id):
        return await drive(request, model=model, registry=registry, execute=one, max_parallel=max_parallel,
                           listener=listener, plan=plan, done=done)


def new_run_id() -> str:
    return uuid.uuid4().hex[:12]


async def run_request(
    request: str,
    *,
    model: str | None = None,
    max_parallel: int = 8,
    listener=None,
    engine: str | None = None,
    registry: Registry | None = None,
    plan: Plan | None = None,
    done=None,
    run_id: str | None = None,
    store=None,
    tags: dict[str, str] | None = None,
    resuming: bool = False,
    prior_usage: dict | None = None,
) -> RunResult:
    """Plan ``request`` and run the plan. A planning error before any step raises; step
    errors (and a plan that breaks after steps started) are reported in the result.

    With a ``store`` the run is recorded as it goes (plan, steps, LLM calls), so it can be
    inspected and resumed; an interruption marks it ``interrupted`` and re-raises.
    """
    from .._execute.driver import FanOut
    from .._errors import PlanningError

    registry = registry or get_registry()
    if plan is None and not (request or "").strip():
        raise PlanningError("the request is empty")
    started = time.time()
    chosen = select_model(registry, model)  # fails fast on a misconfigured model
    spec = model or os.environ.get("AGENTPLAT_MODEL") or ""
    run_id = run_id or new_run_id()
    if store is not None:
        from .._store.runs import StoreRecorder

        if resuming:
            store.mark_running(run_id)
        else:
            store.create_run(run_id, request, model=chosen.name, max_parallel=max_parallel, tags=tags)
        listener = FanOut([StoreRecorder(store, run_id), listener])
    try:
        if (engine or default_engine()) == "flyte":
            from .._engines.flyte import run_on_flyte

            driven = await run_on_flyte(request, model=spec, max_parallel=max_parallel, listener=listener,
                                        plan=plan, done=done, run_id=run_id if store is not None else "")
        else:
            driven = await drive_inline(request, model=chosen, registry=registry, max_parallel=max_parallel,
                                        listener=listener, plan=plan, done=done,
                                        run_id=run_id if store is not None else "", spec=spec)
    except BaseException as exc:
        if store is not None:
            interrupted = isinstance(exc, (KeyboardInterrupt, asyncio.CancelledError))
            store.finish_run(run_id, status="interrupted" if interrupted else "failed", answer=None,
                             error="interrupted" if interrupted else str(exc), usage=prior_usage or {})
        raise
    usage = Usage()
    usage.add(prior_usage or {})
    usage.add(driven.planner_usage)
    steps = []
    for index, step in enumerate(driven.steps):
        outcome = driven.outcomes.get(index) or StepOutcome(status="skipped", error="not started")
        if not (done and index in done and done[index].status == "succeeded"):
            usage.add(outcome.usage)  # a step finished before a resume was paid for already
        steps.append(
            StepResult(
                index=index, agent=step.agent, tool=step.tool, task=step.task, args=step.args,
                dependencies=list(step.dependencies), status=outcome.status, result=outcome.result,
                error=outcome.error, started_at=outcome.started_at, ended_at=outcome.ended_at,
                attempts=outcome.attempts, usage=outcome.usage,
            )
        )
    result = RunResult(
        run_id=run_id, request=request, plan=Plan(steps=driven.steps), steps=steps,
        model=chosen.name, usage=usage, started_at=started, ended_at=time.time(),
        error=str(driven.error) if driven.error else None,
    )
    if store is not None:
        store.finish_run(run_id, status=result.status, answer=result.answer, error=result.first_error(),
                         usage=usage.as_dict())
    if driven.error is not None and not driven.steps:
        raise driven.error
    return result
