"""Calling a tool the way a run does: within its deadline, traced by the run's engine (inside
a Flyte task a ``flyte.trace``: Flyte records its inputs and output, so a retried task
replays it), its result capped in size where it is produced.

Every call has a deadline (the tool's ``timeout``, else ``AGENTPLAT_TOOL_TIMEOUT``): a tool
that never returns fails its step on time instead of stalling the run. Work a tool handed to
a thread cannot be killed, but nothing waits for it any more.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from .._common import telemetry
from .._common.attachments import fill
from .._common.errors import ToolError
from .._common.context import current
from .._common.settings import number
from .._common.jsondata import show
from .._common.wording import describe
from .._plugin.registry import Registry, get_registry
from .approval import ActionCall, check
from .results import capped

DEFAULT_TOOL_TIMEOUT = 120.0
_abandoned = 0  # tool calls given up on at their deadline in this process


def abandoned_calls() -> int:
    """How many tool calls timed out in this process (their threads may still be busy)."""
    return _abandoned


def tool_timeout(declared: float | None = None) -> float:
    """Seconds one tool call may take: what the tool declares, else ``AGENTPLAT_TOOL_TIMEOUT``."""
    return declared if declared is not None else number("AGENTPLAT_TOOL_TIMEOUT", DEFAULT_TOOL_TIMEOUT,
                                                        unit="seconds")


async def call_tool(agent: str, tool: str, args: dict[str, Any], registry: Registry | None = None,
                    approvals=None, *, child: bool = True) -> Any:
    """Invoke ``agent.tool(**args)`` within its deadline, traced by the run's engine; the result
    capped in size. The registry is the run's unless one is given. A tool that acts (writes
    or destroys) runs only when ``approvals`` (default: the run's; outside a run, config.toml's)
    allow this very call (``approval``). Inside a step, a ``child`` call (one the step makes
    itself: its model's, its code's) is recorded in the step's ``calls``."""
    ctx = current()
    record = ctx.calls if child else None
    if record is None:
        return await _call(ctx, agent, tool, args, registry, approvals)
    started = time.monotonic()
    entry: dict[str, Any] = {"agent": agent, "tool": tool, "args": preview_args(args)}
    try:
        result = await _call(ctx, agent, tool, args, registry, approvals)
    except BaseException as exc:
        entry.update(status="failed", error=describe(exc) if not isinstance(exc, ToolError) else str(exc))
        raise
    else:
        entry.update(status="succeeded", result=_preview(result))
        return result
    finally:
        entry["seconds"] = round(time.monotonic() - started, 4)
        record.append(entry)


async def _call(ctx, agent: str, tool: str, args: dict[str, Any], registry: Registry | None, approvals) -> Any:
    registry = registry or ctx.registry or get_registry()
    function = registry.tool(agent, tool)
    if getattr(function, "acts", False):
        await check(approvals if approvals is not None else ctx.approvals,
                    ActionCall(agent, tool, dict(args), function.effect, ctx.step), ctx.decisions)
    args = fill(args, ctx.attachments)  # an attachment's token becomes its text (after approval: shown by name)
    limit = tool_timeout(getattr(function, "timeout", None))
    attributes = {"gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": f"{agent}.{tool}",
                  "agentplat.run_id": ctx.run_id or None, "agentplat.step.index": ctx.step,
                  "agentplat.agent": agent, "agentplat.tool": tool,
                  "agentplat.effect": getattr(function, "effect", None)}
    try:
        with telemetry.span(f"execute_tool {agent}.{tool}", attributes, parent=ctx.span):
            async with asyncio.timeout(limit) as deadline:
                async def call() -> Any:
                    return capped(await function(**args))

                return await ctx.tracer.tool(agent, tool, args, call)
    except TimeoutError:
        if not deadline.expired():
            raise  # the tool's own timeout (an HTTP wait): its message says what it was
        global _abandoned
        _abandoned += 1
        where = "its timeout" if getattr(function, "timeout", None) is not None else "AGENTPLAT_TOOL_TIMEOUT"
        raise ToolError(f"tool {agent}.{tool} took longer than {limit:g} s ({where})") from None


_PREVIEW = 300  # characters of a child call's result (and of each of its text arguments) kept in the record


def _preview(value: Any) -> str:
    text = show(value)
    return text if len(text) <= _PREVIEW else text[: _PREVIEW - 3] + "..."


def preview_args(args: dict[str, Any]) -> dict[str, Any]:
    return {k: (_preview(v) if isinstance(v, str) and len(v) > _PREVIEW else v) for k, v in args.items()}
