"""Running one step: resolve ``$N`` references, call the tool (or the agent), retry if transient."""

from __future__ import annotations

from typing import Any, Awaitable, Callable

from .._common.errors import AgentplatError, ToolError, TransientError
from .._plan.graph import Step
from .._plan.refs import resolve
from .._plugin.registry import Registry
from .._common.retry import with_retries
from .._common.text import describe
from .._llm.usage import Usage, collecting
from .outcome import Completed, StepFailed
from .tools import call_tool


async def execute_step(
    step: Step,
    inputs: dict[int, Any],
    *,
    registry: Registry,
    run_task: Callable[[Step, dict[int, Any]], Awaitable[Completed]] | None = None,
) -> Completed:
    """Execute ``step`` with its dependencies' results; raise ``StepFailed`` when it fails.

    A direct tool step is retried as a whole on transient errors. A task step is not: its
    LLM and tool calls retry one by one, so a retry never pays again for finished calls.
    """
    attempts = 0

    def count(n: int) -> None:
        nonlocal attempts
        attempts = n

    with collecting() as usage:  # every LLM call of the step, a tool's own ones too
        try:
            if step.is_direct:
                args = resolve(step.args or {}, inputs)
                result = await with_retries(lambda: call_tool(step.agent, step.tool, args, registry),
                                            on_attempt=count)
                return Completed(result, attempts=attempts, usage=_spent(usage))
            if run_task is None:
                raise AgentplatError(f"step needs agent {step.agent!r} to run a task, but no model is configured")
            attempts = 1
            done = await run_task(step, inputs)
            return Completed(done.result, attempts=done.attempts, usage=_spent(usage) or done.usage)
        except (ToolError, TransientError, AgentplatError) as exc:
            message = str(exc) + (f" (after {attempts} attempts)" if attempts > 1 else "")
            raise StepFailed(message, attempts=max(attempts, 1),
                             usage=_spent(usage) or getattr(exc, "usage", None)) from exc
        except Exception as exc:  # noqa: BLE001 - a step's failure is data, not a crash
            raise StepFailed(describe(exc), attempts=max(attempts, 1),
                             usage=_spent(usage) or getattr(exc, "usage", None)) from exc


def _spent(usage: Usage) -> dict:
    """The step's usage, or ``{}`` when it made no LLM call (what a step without one reports)."""
    return usage.as_dict() if usage.llm_calls or usage.replayed_calls else {}
