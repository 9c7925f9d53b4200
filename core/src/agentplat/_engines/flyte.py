"""Running on Flyte: a run is a driver task, every step a task, every tool/LLM call a trace.

Locally this is ``flyte.init()`` in-process; on a cluster the same tasks resolve by module
path. Values cross task boundaries as JSON text so every plugin's results travel alike.
"""

from __future__ import annotations

import uuid
from typing import Any, Callable

import flyte

from .. import _jsondata as jsonutil
from .._execute.driver import Driven, RunListener, drive
from .._plan.graph import Plan, Step
from .._plugin.registry import get_registry
from .._execute.scheduler import Completed, StepFailed, StepOutcome
from .._execute.step import execute_step

env = flyte.TaskEnvironment(name="agentplat")

# Listeners of runs in this process, keyed by a token passed to the driver task.
_listeners: dict[str, RunListener] = {}
_initialised = False


@flyte.trace
async def traced_tool_call(agent: str, tool: str, args_json: str) -> str:
    """One tool invocation, recorded by Flyte with its inputs and output."""
    result = await get_registry().tool(agent, tool)(**jsonutil.loads(args_json))
    return jsonutil.dumps(result)


@flyte.trace
async def traced_llm_call(role: str, request_json: str) -> str:
    """One LLM call, recorded by Flyte: on a cluster a retried task replays it, not re-sends it."""
    from .._llm.chat import ChatRequest
    from .._models.chat import current_call

    client, on_text = current_call.get()
    response = await client.chat(ChatRequest(**jsonutil.loads(request_json)), on_text=on_text)
    return jsonutil.dumps(response.to_json())


@env.task
async def run_step(step_json: str, inputs_json: str, model: str, run_id: str = "", index: int = -1) -> str:
    """One step; failures come back as data so the driver keeps other branches going."""
    return await step_body(step_json, inputs_json, model, run_id, index)


async def step_body(step_json: str, inputs_json: str, model: str, run_id: str = "", index: int = -1) -> str:
    """The body of every step task: this module's ``run_step`` and, on a cluster, each
    agent's own ``run_step_<agent>`` (``agentplat.cluster.tasks``)."""
    from .._models.select import run_model, select_model
    from .._llm.recording import in_run

    registry = get_registry()
    step = Step.model_validate_json(step_json)
    inputs = {int(k): v for k, v in jsonutil.loads(inputs_json).items()}

    async def run_task(s: Step, i: dict[int, Any]) -> Completed:
        return await select_model(registry, model or None).run_task(s, i, registry)

    try:
        with in_run(run_id, index), run_model(model):
            done = await execute_step(step, inputs, registry=registry, run_task=run_task)
    except StepFailed as exc:
        return jsonutil.dumps({"ok": False, "error": str(exc), "attempts": exc.attempts, "usage": exc.usage})
    return jsonutil.dumps({"ok": True, "result": done.result, "attempts": done.attempts, "usage": done.usage})


@env.task
async def agentplat_run(
    request: str, model: str, max_parallel: int, plan_json: str = "", done_json: str = "", listener: str = "",
    run_id: str = "",
) -> str:
    """The driver: plan the request (streaming when it can) and dispatch each step when ready."""
    return await drive_body(request, model, max_parallel, plan_json, done_json, listener, run_id)


async def drive_body(
    request: str, model: str, max_parallel: int, plan_json: str = "", done_json: str = "", listener: str = "",
    run_id: str = "", route: Callable[[str], Any] | None = None,
) -> str:
    """The body of every driver task. ``route(agent)`` names the task that runs that agent's
    steps: locally ``run_step`` for all; on a cluster each agent's own environment."""
    from .._models.select import select_model
    from .._llm.recording import in_run

    registry = get_registry()

    async def execute(step: Step, index: int, inputs: dict[int, Any]) -> Completed:
        task = route(step.agent) if route is not None else run_step
        with flyte.group(f"step {index}: {step.agent}.{step.tool or 'task'}"):
            reply = jsonutil.loads(
                await task(step.model_dump_json(), jsonutil.dumps(inputs), model, run_id, index)
            )
        if not reply["ok"]:
            raise StepFailed(reply["error"], attempts=reply["attempts"], usage=reply.get("usage"))
        return Completed(reply["result"], attempts=reply["attempts"], usage=reply.get("usage") or {})

    done = {int(i): StepOutcome.from_json(o) for i, o in jsonutil.loads(done_json).items()} if done_json else None
    with in_run(run_id):
        driven = await drive(
            request,
            model=select_model(registry, model or None),
            registry=registry,
            execute=execute,
            max_parallel=max_parallel,
            listener=_listeners.get(listener),
            plan=Plan.model_validate_json(plan_json) if plan_json else None,
            done=done,
        )
    return jsonutil.dumps(driven.to_json())


def ensure_initialised() -> None:
    """``flyte.init`` once per process; Flyte's own run records (for its TUI) are kept
    unless ``AGENTPLAT_FLYTE_RECORDS=0``. Flyte's log lines would land on stdout (and in
    ``--json`` output): agentplat reports failures itself, so they are off unless
    ``AGENTPLAT_FLYTE_LOG_LEVEL`` asks for them."""
    global _initialised
    if not _initialised:
        import logging
        import os

        level = getattr(logging, os.environ.get("AGENTPLAT_FLYTE_LOG_LEVEL", "CRITICAL").upper(), logging.CRITICAL)
        records = os.environ.get("AGENTPLAT_FLYTE_RECORDS", "1") != "0"
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


async def run_on_flyte(
    request: str,
    *,
    model: str,
    max_parallel: int,
    listener: RunListener | None = None,
    plan: Plan | None = None,
    done: dict[int, StepOutcome] | None = None,
    run_id: str = "",
) -> Driven:
    """A local Flyte run of ``request``; returns what the driver task reported."""
    ensure_initialised()
    token = uuid.uuid4().hex
    if listener is not None:
        _listeners[token] = listener
    try:
        runner = flyte.with_runcontext(name=f"agentplat-{run_id}-{uuid.uuid4().hex[:6]}") if run_id else flyte
        run = await runner.run.aio(
            agentplat_run,
            request=request,
            model=model,
            max_parallel=max_parallel,
            plan_json=plan.model_dump_json() if plan else "",
            done_json=jsonutil.dumps({str(i): o.__dict__ for i, o in (done or {}).items()}) if done else "",
            listener=token,
            run_id=run_id,
        )
        raw = jsonutil.loads(run.outputs()[0])
    finally:
        _listeners.pop(token, None)
    return driven_from_json(raw)


def driven_from_json(raw: dict[str, Any]) -> Driven:
    """What a driver task returned (``Driven.to_json``), back as a ``Driven``."""
    from .._errors import AgentplatError
    from .._models.base import Usage

    outcomes = {int(i): StepOutcome.from_json(data) for i, data in raw["outcomes"].items()}
    usage = Usage()
    usage.add(raw["planner_usage"])
    error = None
    if raw["error"]:
        from .. import _errors as errors

        error = getattr(errors, raw["error_type"], AgentplatError)(raw["error"])
    return Driven(
        steps=[Step.model_validate(s) for s in raw["steps"]],
        outcomes=outcomes,
        planner_usage=usage,
        error=error,
        complete=raw["complete"],
    )
