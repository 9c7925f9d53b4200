"""Calling a tool: a ``flyte.trace`` inside a Flyte task (Flyte records its inputs and output,
so a retried task replays it), a plain call everywhere else, with Flyte never imported."""

from __future__ import annotations

from typing import Any

from .._common.flytectx import in_flyte_task
from .._plugin.registry import Registry, get_registry
from .results import capped


async def call_tool(agent: str, tool: str, args: dict[str, Any], registry: Registry | None = None) -> Any:
    """Invoke ``agent.tool(**args)``; traced inside a Flyte task; the result capped in size."""
    registry = registry or get_registry()
    if in_flyte_task():
        from .traced import traced_call

        return await traced_call(registry, agent, tool, args)
    return capped(await registry.tool(agent, tool)(**args))
