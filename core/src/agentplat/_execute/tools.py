"""Tool and LLM calls become Flyte traces when they happen inside a Flyte task.

Outside Flyte (tests, the inline engine, ``agentplat plan``) they are plain calls, and
Flyte is never imported for them.
"""

from __future__ import annotations

import sys
from typing import Any


def in_flyte_task() -> bool:
    if "flyte" not in sys.modules:
        return False
    import flyte

    return bool(flyte.ctx())


async def call_tool(agent: str, tool: str, args: dict[str, Any], registry=None) -> Any:
    """Invoke a tool; traced (inputs and output recorded by Flyte) inside a task."""
    if in_flyte_task():
        from .. import _jsondata as jsonutil
        from .._engines.flyte import traced_tool_call

        return jsonutil.loads(await traced_tool_call(agent, tool, jsonutil.dumps(args)))
    if registry is None:
        from .._plugin.registry import get_registry

        registry = get_registry()
    return await registry.tool(agent, tool)(**args)
