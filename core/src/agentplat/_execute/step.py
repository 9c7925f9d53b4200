"""Running one step: resolve ``$N`` references, call the tool (or the agent), retry if transient."""

from __future__ import annotations

from typing import Any, Awaitable, Callable

from .._errors import AgentplatError, ToolError, TransientError
from .._jsondata import show
from .._plan.graph import EMBEDDED_REFERENCE, REFERENCE, Step
from .._plugin.registry import Registry
from .._retry import describe, with_retries
from .scheduler import Completed, StepFailed
from .tools import call_tool

def lookup(value: Any, path: str) -> Any:
    """Follow ``.field`` / ``.0`` parts of a ``$N.field`` reference into a result."""
    for part in filter(None, path.split(".")):
        if isinstance(value, dict) and part in value:
            value = value[part]
        elif isinstance(value, (list, tuple)) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        elif hasattr(value, part):
            value = getattr(value, part)
        else:
            raise ToolError(f"reference .{path.lstrip('.')} does not exist in the result")
    return value


def resolve(value: Any, inputs: dict[int, Any]) -> Any:
    """Replace ``"$N"`` with step N's result (a whole-string reference keeps the result's type)."""
    if isinstance(value, str):
        whole = REFERENCE.match(value)
        if whole:
            return lookup(inputs[int(whole.group(1))], whole.group(2))
        return EMBEDDED_REFERENCE.sub(
            lambda m: show(lookup(inputs[int(m.group(1))], m.group(2))), value
        )
    if isinstance(value, dict):
        return {k: resolve(v, inputs) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve(v, inputs) for v in value]
    return value


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

    try:
        if step.is_direct:
            args = resolve(step.args or {}, inputs)
            result = await with_retries(lambda: call_tool(step.agent, step.tool, args, registry), on_attempt=count)
            return Completed(result, attempts=attempts)
        if run_task is None:
            raise AgentplatError(f"step needs agent {step.agent!r} to run a task, but no model is configured")
        attempts = 1
        return await run_task(step, inputs)
    except (ToolError, TransientError, AgentplatError) as exc:
        message = str(exc) + (f" (after {attempts} attempts)" if attempts > 1 else "")
        raise StepFailed(message, attempts=max(attempts, 1), usage=getattr(exc, "usage", None)) from exc
    except Exception as exc:  # noqa: BLE001 - a step's failure is data, not a crash
        raise StepFailed(describe(exc), attempts=max(attempts, 1), usage=getattr(exc, "usage", None)) from exc
