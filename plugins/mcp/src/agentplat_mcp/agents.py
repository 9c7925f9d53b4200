"""Each configured MCP server as an agent whose tools are the server's tools."""

from __future__ import annotations

from typing import Any

from agentplat import Agent, Tool

from . import client
from .config import ServerSpec
from .names import safe_tool_name


def make_tool(spec: ServerSpec, raw: dict[str, Any], taken: set[str]) -> Tool:
    """An agentplat tool that calls ``raw["name"]`` on the server, with its schema and
    description as the server gives them (under a safe name when the original is not one)."""
    original = raw["name"]
    name = safe_tool_name(original, taken)
    taken.add(name)

    async def call(**args: Any) -> Any:
        return await client.call(spec, original, args)

    description = raw.get("description") or original
    if name != original:
        description += f" (MCP tool {original!r})"
    # the call's own limits (starting the server, then the call) say more than the core's default deadline
    return Tool.from_schema(name, description, raw.get("input_schema") or {"type": "object"}, call,
                            timeout=client.start_timeout() + client.call_timeout() + 5)


def make_agent(spec: ServerSpec, listed: dict[str, Any]) -> Agent:
    taken: set[str] = set()
    tools = [make_tool(spec, raw, taken) for raw in listed.get("tools", [])]
    names = ", ".join(t.name for t in tools[:8]) + (", ..." if len(tools) > 8 else "")
    about = " ".join((listed.get("instructions") or "").split())[:300]
    description = f"Tools of the MCP server {spec.name}: {names}." + (f" {about}" if about else "")
    return Agent(name=spec.name, description=description, tools=tools, local_only=True,
                 system_prompt="You use the tools of an MCP server. Answer with what the tool returned.")
