"""A tool call as a ``flyte.trace``. Imported only inside a Flyte task.

The registry cannot cross Flyte's trace boundary (only the call's JSON does), so it
travels beside it in a context variable.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

import flyte

from .._common.jsondata import dumps, loads
from .._plugin.registry import Registry
from .results import capped

_registry: ContextVar[Registry] = ContextVar("agentplat_trace_registry")


@flyte.trace
async def traced_tool_call(agent: str, tool: str, args_json: str) -> str:
    """One tool invocation, recorded by Flyte with its inputs and output (capped: a huge result
    is cut before Flyte or anyone else keeps it)."""
    result = await _registry.get().tool(agent, tool)(**loads(args_json))
    return dumps(capped(result))


async def traced_call(registry: Registry, agent: str, tool: str, args: dict[str, Any]) -> Any:
    token = _registry.set(registry)
    try:
        return loads(await traced_tool_call(agent, tool, dumps(args)))
    finally:
        _registry.reset(token)
