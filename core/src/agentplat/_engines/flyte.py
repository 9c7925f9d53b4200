"""The Flyte engine: a run is a driver task, every step a task, every tool/LLM call a trace.

Locally this is ``flyte.init()`` in-process; on a cluster the same step and driver bodies
run in ``agentplat.cluster.tasks``. Values cross task boundaries as JSON text so every
plugin's results travel alike. What cannot cross (the listener, the run's model, a job's
callbacks) is handed to this process's tasks in a context variable, which Flyte's local
runs carry into their tasks; on a cluster there is none, and each task selects the model
by name.
"""

from __future__ import annotations

import asyncio
import json
import os
import uuid
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, Callable

import flyte

from .._common import jsondata
from .._execute.driver import Driven, RunListener, drive
from .._execute.outcome import Completed, StepFailed, StepOutcome
from .._execute.step import execute_step
from .._llm.recording import in_run
from .._models.base import Model
from .._models.select import run_model, select_model
from .._plan.graph import Plan, Step
from .._plugin.entries import call_entry, resolve_entry
from .._plugin.registry import Registry, get_registry
from .base import JobFailed, RunJob, failure

env = flyte.TaskEnvironment(name="agentplat")


@dataclass
class _Local:
    """What this process's tasks get from the engine that started them."""

    registry: Registry
    model: Model | None = None
    listener: RunListener | None = None
    job_kwargs: dict[str, Any] = field(default_factory=dict)


_local: ContextVar[_Local | None] = ContextVar("agentplat_flyte_local", default=None)


def _registry() -> Registry:
    local = _local.get()
    return local.registry if local is not None else get_registry()


def _model(registry: Registry, spec: str) -> Model:
    local = _local.get()
    if local is not None and local.model is not None:
        return local.model
    return select_model(registry, spec or None)


@env.task
async def run_step(step_json: str, inputs_json: str, model: str, run_id: str = "", index: int = -1) -> str:
    """One step; failures come back as data so the driver keeps other branches going."""
    return await step_body(step_json, inputs_json, model, run_id, index)


async def step_body(step_json: str, inputs_json: str, model: str, run_id: str = "", index: int = -1) -> str:
    """The body of every step task: this module's ``run_step`` and, on a cluster, each
    agent's own ``run_step_<agent>`` (``agentplat.cluster.tasks``)."""
    registry = _registry()
    step = Step.model_validate_json(step_json)
    inputs = {int(k): v for k, v in jsondata.loads(inputs_json).items()}
    local = _local.get()

    async def run_task(s: Step, i: dict[int, Any]) -> Completed:
        return await _model(registry, model).run_task(s, i, registry)

    try:
        with in_run(run_id, index), run_model(local.model if local is not None and local.model else model):
            done = await execute_step(step, inputs, registry=registry, run_task=run_task)
    except StepFailed as exc:
        return jsondata.dumps({"ok": False, "error": str(exc), "attempts": exc.attempts, "usage": exc.usage})
    return jsondata.dumps({"ok": True, "result": done.result, "attempts": done.attempts, "usage": done.usage,
                           "refused": done.refused})


@env.task
async def agentplat_run(
    request: str, model: str, max_parallel: int, plan_json: str = "", done_json: str = "", run_id: str = "",
) -> str:
    """The driver: plan the request (streaming when it can) and dispatch each step when ready."""
    return await drive_body(request, model, max_parallel, plan_json, done_json, run_id)


async def drive_body(
    request: str, model: str, max_parallel: int, plan_json: str = "", done_json: str = "", run_id: str = "",
    route: Callable[[str], Any] | None = None,
) -> str:
    """The body of every driver task. ``route(agent)`` names the task that runs that agent's
    steps: locally ``run_step`` for all; on a cluster each agent's own environment."""
    registry = _registry()
    local = _local.get()

    async def execute(step: Step, index: int, inputs: dict[int, Any]) -> Completed:
        task = route(step.agent) if route is not None else run_step
        with flyte.group(f"step {index}: {step.agent}.{step.tool or 'task'}"):
            reply = jsondata.loads(
                await task(step.model_dump_json(), jsondata.dumps(inputs), model, run_id, index)
            )
        if not reply["ok"]:
            raise StepFailed(reply["error"], attempts=reply["attempts"], usage=reply.get("usage"))
        return Completed(reply["result"], attempts=reply["attempts"], usage=reply.get("usage") or {},
                         refused=reply.get("refused") or [])

    done = {int(i): StepOutcome.from_json(o) for i, o in jsondata.loads(done_json).items()} if done_json else None
    with in_run(run_id):
        driven = await drive(
            request,
            model=_model(registry, model),
            registry=registry,
            execute=execute,
            max_parallel=max_parallel,
            listener=local.listener if local is not None else None,
            plan=Plan.model_validate_json(plan_json) if plan_json else None,
            done=done,
        )
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
    local = _local.get()
    kwargs = {**json.loads(item_json), **json.loads(shared_json), **(local.job_kwargs if local else {})}
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
        token = _local.set(_Local(registry=job.registry, model=job.model, listener=job.listener))
        try:
            name = f"agentplat-{job.run_id}-{uuid.uuid4().hex[:6]}" if job.run_id else None
            runner = flyte.with_runcontext(name=name) if name else flyte
            run = await runner.run.aio(
                agentplat_run,
                request=job.request,
                model=job.spec,
                max_parallel=job.max_parallel,
                plan_json=job.plan.model_dump_json() if job.plan else "",
                done_json=jsondata.dumps({str(i): o.__dict__ for i, o in job.done.items()}) if job.done else "",
                run_id=job.run_id,
            )
            raw = jsondata.loads(run.outputs()[0])
        finally:
            _local.reset(token)
        return Driven.from_json(raw)

    async def map(self, entry: str, items: list[dict[str, Any]], *, limit: int,
                  shared: dict[str, Any] | None = None, local: dict[str, Any] | None = None,
                  labels: list[str] | None = None) -> list[Any]:
        resolve_entry(entry)  # a typo fails here, once, not in every task
        if not items:
            return []
        ensure_initialised()
        token = _local.set(_Local(registry=get_registry(), job_kwargs=dict(local or {})))
        try:
            run = await flyte.run.aio(run_jobs, entry=entry, items_json=json.dumps(items, ensure_ascii=False),
                                      shared_json=json.dumps(shared or {}, ensure_ascii=False),
                                      labels_json=json.dumps(labels or []), limit=limit)
            replies = json.loads(run.outputs()[0])
        finally:
            _local.reset(token)
        return [r["result"] if r["ok"] else JobFailed(r["error"]) for r in replies]

