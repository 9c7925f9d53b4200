"""Tool names both ways.

An MCP tool may be named with characters the planner's tool names and the OpenAI
function-name pattern (``^[a-zA-Z0-9_-]{1,64}$``) refuse (dots, slashes, spaces: the MCP
spec allows ``.`` since 2025-06). Such a name is mapped to a safe one and the original is
kept for the call. agentplat's own tools are served to MCP clients as ``agent__tool``: a
dot would be legal MCP, but many clients pass tool names straight to the OpenAI or
Anthropic function-calling APIs, which refuse dots; a double underscore is unambiguous
because agent and tool names are single words of ``[A-Za-z0-9_-]`` and a name that holds
``__`` itself is given a digest suffix instead.
"""

from __future__ import annotations

import hashlib
import re

SAFE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
SEPARATOR = "__"


def _shortened(name: str, limit: int = 64) -> str:
    if len(name) <= limit:
        return name
    digest = hashlib.sha256(name.encode()).hexdigest()[:8]
    return f"{name[:limit - 9]}_{digest}"


def safe_tool_name(name: str, taken: set[str]) -> str:
    """A name matching ``SAFE`` for an MCP tool, distinct from the names in ``taken``."""
    candidate = _shortened(re.sub(r"[^A-Za-z0-9_-]", "_", name) or "tool")
    if candidate in taken or (candidate != name and not SAFE.match(candidate)):
        candidate = _shortened(f"{candidate}_{hashlib.sha256(name.encode()).hexdigest()[:6]}")
    return candidate


def served_name(agent: str, tool: str) -> str:
    """The MCP name of agentplat's ``agent.tool``: ``agent__tool`` (see the module docstring)."""
    name = f"{agent}{SEPARATOR}{tool}"
    if SEPARATOR in agent or SEPARATOR in tool or len(name) > 64:
        digest = hashlib.sha256(f"{agent}.{tool}".encode()).hexdigest()[:8]
        name = _shortened(re.sub("_+", "_", f"{agent}_{tool}")[:55] + f"_{digest}")
    return name
