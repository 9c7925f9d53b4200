"""Running a plan on Flyte: the plan is a driver task, every step a task, every tool call a trace.

Locally this is ``flyte.init()`` in-process; on a cluster the same tasks resolve by module
path. Arguments cross task boundaries as JSON text so any plugin's results travel alike.
"""

from __future__ import annotations

import uuid
from typing import Any

import flyte

from . import jsonutil
from .plan import Plan, Step
from .registry import get_registry
from .scheduler import Completed, OnEvent, StepFailed, StepOutcome, run_dag
from .steps import execute_step

env = flyte.TaskEnvironment(name="agentplat")

# Progress listeners of runs in this process, keyed by a token passed to the driver task.
_listeners: dict[str, OnEvent] = {}
_initialised = False


@flyte.trace
async def tool_call(agent: str, tool: str, args_json: str) -> str:
    """One tool invocation, recorded by Flyte (inputs and output) as a trace."""
    registry = get_registry()
    result = await registry.tool(agent, tool)(**jsonutil.loads(args_json))
    return jsonutil.dumps(result)


async def _traced_call(agent: str, tool: str, args: dict[str, Any]) -> Any:
    return jsonutil.loads(await tool_call(agent, tool, jsonutil.dumps(args)))


@env.task
async def run_step(step_json: str, inputs_json: str, model: str) -> str:
    """Execute one step; failures come back as data so the driver can keep other branches going."""
    from .models import select_model

    registry = get_registry()
    step = Step.model_validate_json(step_json)
    inputs = {int(k): v for k, v in jsonutil.loads(inputs_json).items()}

    async def run_task(s: Step, i: dict[int, Any]) -> Completed:
        return await select_model(registry, model).run_task(s, i, registry)

    try:
        done = await execute_step(step, inputs, registry=registry, call_tool=_traced_call, run_task=run_task)
    except StepFailed as exc:
        return jsonutil.dumps({"ok": False, "error": str(exc), "attempts": exc.attempts})
    return jsonutil.dumps({"ok": True, "result": done.result, "attempts": done.attempts, "usage": done.usage})


@env.task
async def run_plan(plan_json: str, max_parallel: int, model: str, listener: str = "") -> str:
    """The driver: dispatch each step the moment its dependencies are done."""
    plan = Plan.model_validate_json(plan_json)

    async def execute(index: int, inputs: dict[int, Any]) -> Completed:
        step = plan.steps[index]
        with flyte.group(f"step {index}: {step.agent}.{step.tool or 'task'}"):
            reply = jsonutil.loads(await run_step(step.model_dump_json(), jsonutil.dumps(inputs), model))
        if not reply["ok"]:
            raise StepFailed(reply["error"], attempts=reply["attempts"])
        return Completed(reply["result"], attempts=reply["attempts"], usage=reply.get("usage") or {})

    outcomes = await run_dag(plan, execute, max_parallel=max_parallel, on_event=_listeners.get(listener))
    return jsonutil.dumps({str(i): o.__dict__ for i, o in outcomes.items()})


def ensure_initialised() -> None:
    global _initialised
    if not _initialised:
        flyte.init()
        _initialised = True


async def execute_plan_on_flyte(
    plan: Plan, *, max_parallel: int, model: str, on_event: OnEvent | None = None
) -> dict[int, StepOutcome]:
    """Run ``plan`` as a local Flyte run and return every step's outcome."""
    ensure_initialised()
    token = uuid.uuid4().hex
    if on_event is not None:
        _listeners[token] = on_event
    try:
        run = await flyte.run.aio(
            run_plan, plan_json=plan.model_dump_json(), max_parallel=max_parallel, model=model, listener=token
        )
        raw = jsonutil.loads(run.outputs()[0])
    finally:
        _listeners.pop(token, None)
    outcomes = {int(i): StepOutcome(**data) for i, data in raw.items()}
    for outcome in outcomes.values():  # JSON read times back as exact decimals
        outcome.started_at = float(outcome.started_at) if outcome.started_at is not None else None
        outcome.ended_at = float(outcome.ended_at) if outcome.ended_at is not None else None
    return outcomes
