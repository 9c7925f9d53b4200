"""From a request to a finished run: choose the model once, hand the run to an engine,
record it as it goes, and build the result."""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
import uuid

from .._common.errors import PlanningError
from .._engines.base import Engine, RunJob
from .._engines.select import current_engine
from .._execute.driver import FanOut
from .._models.base import Model
from .._models.select import exact_spec, select_model
from .._plan.graph import Plan
from .._planners.planned import Planned
from .._plugin.registry import Registry, get_registry
from .._store.runs import StoreRecorder
from .result import RunResult, StepResult

__all__ = ["RunResult", "StepResult", "new_run_id", "plan_request", "run_request"]


async def plan_request(
    request: str, *, model: Model | str | None = None, registry: Registry | None = None
) -> Planned:
    """The plan for ``request``, without running it."""
    registry = registry or get_registry()
    return await select_model(registry, model).plan(request, registry)


def new_run_id() -> str:
    return uuid.uuid4().hex[:12]


async def run_request(
    request: str,
    *,
    model: Model | str | None = None,
    max_parallel: int = 8,
    listener=None,
    engine: Engine | str | None = None,
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

    ``model`` is a name (``offline``, ``openai:gpt-4o``) or a ``Model`` object; it is chosen
    once and serves the whole run. With a ``store`` the run is recorded as it goes (plan,
    steps, LLM calls, the exact model) so it can be inspected and resumed, by one process at a
    time (``RunBusy`` otherwise); an interruption marks it ``interrupted`` and re-raises.
    """
    registry = registry or get_registry()
    if plan is None and not (request or "").strip():
        raise PlanningError("the request is empty")
    started = time.time()
    chosen = select_model(registry, model)  # once per run, and a misconfigured model fails fast
    spec = model if isinstance(model, str) and model else os.environ.get("AGENTPLAT_MODEL") or ""
    runner = engine if engine is not None and not isinstance(engine, str) else current_engine(engine)
    run_id = run_id or new_run_id()
    with store.lease(run_id) if store is not None else contextlib.nullcontext():  # one process per run
        if store is not None:
            if resuming:
                store.mark_running(run_id)
            else:
                store.create_run(run_id, request, model=exact_spec(registry, model, chosen),
                                 max_parallel=max_parallel, tags=tags)
            listener = FanOut([StoreRecorder(store, run_id), listener])
        job = RunJob(request=request, model=chosen, spec=spec, registry=registry, max_parallel=max_parallel,
                     listener=listener, plan=plan, done=done, run_id=run_id if store is not None else "")
        try:
            driven = await runner.drive(job)
        except BaseException as exc:
            if store is not None:
                interrupted = isinstance(exc, (KeyboardInterrupt, asyncio.CancelledError))
                store.finish_run(run_id, status="interrupted" if interrupted else "failed", answer=None,
                                 error="interrupted" if interrupted else str(exc), usage=prior_usage or {})
            raise
        result = RunResult.from_driven(driven, run_id=run_id, request=request, model=chosen.name,
                                       started=started, ended=time.time(), prior_usage=prior_usage, done=done)
        if store is not None:
            store.finish_run(run_id, status=result.status, answer=result.answer, error=result.first_error(),
                             usage=result.usage.as_dict())
    if driven.error is not None and not driven.steps:
        raise driven.error
    return result
