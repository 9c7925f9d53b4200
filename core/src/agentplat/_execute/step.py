"""Running one step: resolve ``$N`` references, call the tool (or the agent), retry if transient.

A step has a deadline (``AGENTPLAT_STEP_TIMEOUT``, default 600 s; at least a direct step's own
tool timeout): past it the step fails with that reason and only its dependents are skipped.
"""

from __future__ import annotations

import asyncio
from typing import Any, Callable

from .._common.errors import AgentplatError, ToolError, TransientError
from .._plan.graph import Step
from .._plan.refs import resolve
from .._plugin.registry import Registry
from .._common.retry import with_retries
from .._common.wording import describe
from .._common.settings import number
from .._common import telemetry
from .._common.context import RunContext, entered
from .._llm.usage import Usage
from .outcome import StepResult
from .toolcall import call_tool

DEFAULT_STEP_TIMEOUT = 600.0


def step_timeout(step: Step, registry: Registry) -> float:
    """Seconds ``step`` may take in all (retries, LLM rounds and tool calls included)."""
    limit = number("AGENTPLAT_STEP_TIMEOUT", DEFAULT_STEP_TIMEOUT, unit="seconds")
    if step.is_direct:
        try:
            declared = registry.tool(step.agent, step.tool).timeout
        except Exception:  # noqa: BLE001 - an unknown tool fails in the step itself, with its message
            declared = None
        if declared is not None:
            limit = max(limit, declared)
    return limit


async def execute_step(step: Step, index: int, inputs: dict[int, Any], ctx: RunContext) -> StepResult:
    """Execute ``step`` with its dependencies' results, in the step's own narrowing of ``ctx``
    (its index, its usage sink). A step's failure is data: a failed ``StepResult``.

    A direct tool step is retried as a whole on transient errors. A task step is not: its
    LLM and tool calls retry one by one, so a retry never pays again for finished calls.
    """
    usage = Usage()  # every LLM call of the step, a tool's own ones too
    decisions: list = []  # approvals asked for by the step's calls that act
    calls: list = []  # the calls a task step's model (or a step's code) made
    name = f"{step.agent}.{step.tool}" if step.is_direct else f"{step.agent} (task)"
    attributes = {"agentplat.run_id": ctx.run_id or None, "agentplat.step.index": index,
                  "agentplat.agent": step.agent, "agentplat.tool": step.tool if step.is_direct else None}
    with telemetry.span(f"step {index}: {name}", attributes, parent=ctx.span) as opened:
        result = await _in_scope(step, inputs, ctx.for_step(index, usage, decisions, calls, inputs, opened),
                                 usage, name)
        telemetry.annotate(opened, {"agentplat.status": result.status, "agentplat.attempts": result.attempts,
                                    "agentplat.llm_calls": usage.llm_calls or None})
        if result.status == "failed":
            telemetry.fail(opened, result.error or "failed")
    result.approvals = decisions
    result.calls = calls
    return result


async def _in_scope(step: Step, inputs: dict[int, Any], ctx: RunContext, usage: Usage, name: str) -> StepResult:
    """The step in its own context, within its deadline."""
    attempts = 0

    def counted(n: int) -> None:
        nonlocal attempts
        attempts = n

    with entered(ctx) as scoped:
        limit = step_timeout(step, ctx.registry)
        try:
            async with asyncio.timeout(limit):
                return await _execute(step, inputs, scoped, usage, counted)
        except TimeoutError:  # _execute turns every other error into a failed result: this is the deadline
            return StepResult.failed(f"step {name} took longer than {limit:g} s (AGENTPLAT_STEP_TIMEOUT)",
                                     attempts=max(attempts, 1), usage=_spent(usage))


async def _execute(step: Step, inputs: dict[int, Any], ctx: RunContext, usage: Usage,
                   count: Callable[[int], None]) -> StepResult:
    attempts = 0

    def counted(n: int) -> None:
        nonlocal attempts
        attempts = n
        count(n)

    try:
        if step.is_direct:
            args = resolve(step.args or {}, inputs)
            result = await with_retries(lambda: call_tool(step.agent, step.tool, args, ctx.registry, child=False),
                                        on_attempt=counted)
            return StepResult.succeeded(result, attempts=attempts, usage=_spent(usage))
        if ctx.model is None:
            raise AgentplatError(f"step needs agent {step.agent!r} to run a task, but no model is configured")
        counted(1)
        done = await ctx.model.run_task(step, inputs, ctx.registry)
        return StepResult.succeeded(done.result, attempts=max(done.attempts, 1), usage=_spent(usage),
                                    refused=done.refused)
    except (ToolError, TransientError, AgentplatError) as exc:
        message = str(exc) + (f" (after {attempts} attempts)" if attempts > 1 else "")
        return StepResult.failed(message, attempts=max(attempts, 1), usage=_spent(usage))
    except Exception as exc:  # noqa: BLE001 - a step's failure is data, not a crash
        return StepResult.failed(describe(exc), attempts=max(attempts, 1), usage=_spent(usage))


def _spent(usage: Usage) -> dict:
    """The step's usage, or ``{}`` when it made no LLM call (what a step without one reports)."""
    return usage.as_dict() if usage.llm_calls or usage.replayed_calls else {}
