"""The Flyte engine: a run is a driver task, every step a task, every tool/LLM call a trace.

Locally this is ``flyte.init()`` in-process; on a cluster the same step and driver bodies
run in ``agentplat.cluster.tasks``. Values cross task boundaries as JSON text so every
plugin's results travel alike. What cannot cross (the listener, the run's model, a job's
callbacks) stays in the run context, which Flyte's local runs carry into their tasks; in a
cluster's container there is none, and each task makes its own from its inputs (the model
selected by name).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import uuid
from typing import Any, Callable, ContextManager

import flyte

from .._common import jsondata
from .._common.context import RunContext, current, entered, narrowed
from .._execute.approval import Approvals
from .._execute.driver import Driven, drive
from .._execute.outcome import StepResult
from .._execute.rounds import History, RoundPolicy
from .._execute.step import execute_step
from .._llm.chat import ChatResponse
from .._models.select import select_model
from .._plan.graph import Plan, Step
from .._plugin.entries import call_entry, resolve_entry
from .._plugin.registry import get_registry
from .base import JobFailed, RunJob, failure

env = flyte.TaskEnvironment(name="agentplat")


# ---------------------------------------------------------------- traces


@flyte.trace
async def traced_tool_call(agent: str, tool: str, args_json: str) -> str:
    """One tool invocation, recorded by Flyte with its inputs and output (capped: a huge result
    is cut before Flyte or anyone else keeps it)."""
    return jsondata.dumps(await current().pending())


@flyte.trace
async def traced_llm_call(role: str, request_json: str) -> str:
    """One LLM call, recorded by Flyte (``role`` names it in Flyte's records)."""
    return jsondata.dumps((await current().pending()).to_json())


class FlyteTracer:
    """Tool and LLM calls as ``flyte.trace``s: a retried task replays them instead of paying
    again. A trace's inputs are plain data (Flyte keys its replay on them); the call itself
    travels beside them in the run context (``pending``)."""

    @property
    def in_task(self) -> bool:
        return bool(flyte.ctx())

    async def tool(self, agent: str, tool: str, args: dict[str, Any], call) -> Any:
        with narrowed(pending=call):
            return jsondata.loads(await traced_tool_call(agent, tool, jsondata.dumps(args)))

    async def llm(self, role: str, request: dict[str, Any], call) -> ChatResponse:
        with narrowed(pending=call):
            return ChatResponse.from_json(json.loads(await traced_llm_call(role, jsondata.dumps(request))))

    def group(self, name: str) -> ContextManager[Any]:
        return flyte.group(name) if flyte.ctx() else contextlib.nullcontext()


TRACER = FlyteTracer()


def _task_context(model: str, run_id: str, request: str, approvals_json: str = "", rounds_json: str = "") -> RunContext:
    """The run context inside a task: the engine's (carried into local tasks), else one made
    from the task's inputs (a cluster's container, where nothing else came along: the approval
    policy comes as data, and no one is there to ask)."""
    ctx = current()
    if ctx.registry is not None:
        return ctx
    registry = get_registry()
    return RunContext(run_id=run_id, request=request, model=select_model(registry, model or None),
                      model_spec=model, registry=registry, tracer=TRACER,
                      approvals=Approvals.from_json(jsondata.loads(approvals_json) if approvals_json else None),
                      rounds=RoundPolicy.from_json(jsondata.loads(rounds_json)) if rounds_json else None)



# ---------------------------------------------------------------- tasks


@env.task
async def run_step(step_json: str, inputs_json: str, model: str, run_id: str = "", index: int = -1,
                   request: str = "", approvals_json: str = "", sources_json: str = "") -> str:
    """One step; failures come back as data so the driver keeps other branches going."""
    return await step_body(step_json, inputs_json, model, run_id, index, request, approvals_json, sources_json)


async def step_body(step_json: str, inputs_json: str, model: str, run_id: str = "", index: int = -1,
                    request: str = "", approvals_json: str = "", sources_json: str = "") -> str:
    """The body of every step task: this module's ``run_step`` and, on a cluster, each
    agent's own ``run_step_<agent>`` (``agentplat.cluster.tasks``). ``sources_json``: where each
    input came from (none given: every input is untrusted)."""
    ctx = _task_context(model, run_id, request, approvals_json)
    if sources_json:
        ctx = ctx.narrowed(sources={int(k): v for k, v in jsondata.loads(sources_json).items()})
    step = Step.model_validate_json(step_json)
    inputs = {int(k): v for k, v in jsondata.loads(inputs_json).items()}
    return jsondata.dumps((await execute_step(step, index, inputs, ctx)).to_state())


@env.task
async def agentplat_run(
    request: str, model: str, max_parallel: int, plan_json: str = "", done_json: str = "", run_id: str = "",
    approvals_json: str = "", history_json: str = "", rounds_json: str = "",
) -> str:
    """The driver: plan the request (streaming when it can), dispatch each step when ready, and
    let the joiner adapt the run in rounds."""
    return await drive_body(request, model, max_parallel, plan_json, done_json, run_id,
                            approvals_json=approvals_json, history_json=history_json, rounds_json=rounds_json)


async def drive_body(
    request: str, model: str, max_parallel: int, plan_json: str = "", done_json: str = "", run_id: str = "",
    route: Callable[[str], Any] | None = None, approvals_json: str = "", history_json: str = "",
    rounds_json: str = "",
) -> str:
    """The body of every driver task. ``route(agent)`` names the task that runs that agent's
    steps: locally ``run_step`` for all; on a cluster each agent's own environment."""
    ctx = _task_context(model, run_id, request, approvals_json, rounds_json)

    async def execute(step: Step, index: int, inputs: dict[int, Any], step_ctx: RunContext) -> StepResult:
        # the step's own context reaches a local task through the context variable (``current``)
        task = route(step.agent) if route is not None else run_step
        with flyte.group(f"step {index}: {step.agent}.{step.tool or 'task'}"):
            state = jsondata.loads(await task(step.model_dump_json(), jsondata.dumps(inputs), model, run_id, index,
                                              request, approvals_json, jsondata.dumps(step_ctx.sources or {})))
        return StepResult.from_state(state)

    done = ({int(i): StepResult.from_state(o) for i, o in jsondata.loads(done_json).items()}
            if done_json else None)
    driven = await drive(ctx, execute, max_parallel=max_parallel,
                         plan=Plan.model_validate_json(plan_json) if plan_json else None, done=done,
                         history=History.from_json(jsondata.loads(history_json)) if history_json else None)
    return jsondata.dumps(driven.to_json())


@env.task
async def run_jobs(entry: str, items_json: str, shared_json: str = "{}", labels_json: str = "[]",
                   limit: int = 4) -> str:
    """A plugin's jobs: ``entry`` over every item, at most ``limit`` at once, each its own task."""
    items = json.loads(items_json)
    labels = json.loads(labels_json)
    gate = asyncio.Semaphore(max(1, limit))

    async def one(index: int, item: dict[str, Any]) -> dict[str, Any]:
        async with gate:
            with flyte.group(labels[index] if index < len(labels) else f"job {index}"):
                return json.loads(await run_job(entry, json.dumps(item, ensure_ascii=False), shared_json))

    return json.dumps(await asyncio.gather(*(one(i, item) for i, item in enumerate(items))), ensure_ascii=False)


@env.task
async def run_job(entry: str, item_json: str, shared_json: str = "{}") -> str:
    """One job; a failure comes back as data, so the other jobs go on."""
    kwargs = {**json.loads(item_json), **json.loads(shared_json), **current().job_kwargs}
    try:
        result = await call_entry(resolve_entry(entry), **kwargs)
    except Exception as exc:  # noqa: BLE001 - one job's failure is its own
        return json.dumps({"ok": False, "error": failure(exc).message})
    return json.dumps({"ok": True, "result": result}, ensure_ascii=False)


_initialised = False


def ensure_initialised() -> None:
    """``flyte.init`` once per process.

    Flyte's own local run records (``~/.flyte/local-cache``, for its TUI) are off unless
    ``AGENTPLAT_FLYTE_RECORDS=1``: they hold every task's and trace's inputs and outputs as
    they are, prompts and tool results included, so a key that reached a step would sit there
    unmasked, outside ``AGENTPLAT_HOME`` (agentplat's own run store masks it); they also
    double the per-step cost and copy every result again. Flyte's log lines would land on
    stdout (and in ``--json`` output): agentplat reports failures itself, so they are off
    unless ``AGENTPLAT_FLYTE_LOG_LEVEL`` asks for them."""
    global _initialised
    if not _initialised:
        import logging

        level = getattr(logging, os.environ.get("AGENTPLAT_FLYTE_LOG_LEVEL", "CRITICAL").upper(), logging.CRITICAL)
        records = os.environ.get("AGENTPLAT_FLYTE_RECORDS", "").strip().lower() in ("1", "true", "yes")
        if records:
            _use_wal_for_flyte_records()
        flyte.init(local_persistence=records, log_level=level, user_log_level=level)
        _initialised = True


def _use_wal_for_flyte_records() -> None:
    """Flyte writes a record per action; in WAL mode those commits cost half as much.
    (The journal mode is a property of the database file, so this is set once.)"""
    import sqlite3

    try:
        from flyte._persistence._db import LocalDB

        conn = sqlite3.connect(LocalDB._get_db_path(), timeout=5)
        try:
            conn.execute("PRAGMA journal_mode=WAL")
        finally:
            conn.close()
    except Exception:  # noqa: BLE001 - an optimisation only; Flyte works without it
        pass


class FlyteEngine:
    """Local Flyte runs, in this process."""

    name = "flyte"

    async def drive(self, job: RunJob) -> Driven:
        ensure_initialised()
        ctx = job.ctx.narrowed(tracer=TRACER)
        with entered(ctx):  # Flyte's local runs carry it into their tasks
            name = f"agentplat-{ctx.run_id}-{uuid.uuid4().hex[:6]}" if ctx.run_id else None
            runner = flyte.with_runcontext(name=name) if name else flyte
            run = await runner.run.aio(
                agentplat_run,
                request=ctx.request,
                model=ctx.model_spec,
                max_parallel=job.max_parallel,
                plan_json=job.plan.model_dump_json() if job.plan else "",
                done_json=jsondata.dumps({str(i): o.to_state() for i, o in job.done.items()}) if job.done else "",
                run_id=ctx.run_id,
                history_json=jsondata.dumps(job.history.to_json()) if job.history else "",
            )
            raw = jsondata.loads(run.outputs()[0])
        return Driven.from_json(raw)

    async def map(self, entry: str, items: list[dict[str, Any]], *, limit: int,
                  shared: dict[str, Any] | None = None, local: dict[str, Any] | None = None,
                  labels: list[str] | None = None) -> list[Any]:
        resolve_entry(entry)  # a typo fails here, once, not in every task
        if not items:
            return []
        ensure_initialised()
        base = current()
        ctx = base.narrowed(registry=base.registry or get_registry(), tracer=TRACER, job_kwargs=dict(local or {}))
        with entered(ctx):
            run = await flyte.run.aio(run_jobs, entry=entry, items_json=json.dumps(items, ensure_ascii=False),
                                      shared_json=json.dumps(shared or {}, ensure_ascii=False),
                                      labels_json=json.dumps(labels or []), limit=limit)
            replies = json.loads(run.outputs()[0])
        return [r["result"] if r["ok"] else JobFailed(r["error"]) for r in replies]
