"""Each configured MCP server as an agent whose tools are the server's tools."""

from __future__ import annotations

import re
from typing import Any

from agentplat import Agent, Tool

from . import client
from .config import ServerSpec
from .names import safe_tool_name


def effect_of(annotations: dict[str, Any] | None) -> tuple[str, bool]:
    """``(effect, open_world)`` from a tool's MCP annotations, with the spec's defaults: a tool
    is read-only only if it says so (``readOnlyHint``, default false), destructive unless it
    says otherwise (``destructiveHint``, default true), and reaches the open world unless it
    says otherwise (``openWorldHint``, default true). A tool that says nothing is destructive
    and open-world: the hints are a server's claims, so silence never buys less caution."""
    hints = annotations if isinstance(annotations, dict) else {}
    if hints.get("readOnlyHint") is True:
        effect = "read"
    elif hints.get("destructiveHint") is False:
        effect = "write"
    else:
        effect = "destructive"
    return effect, hints.get("openWorldHint") is not False


def declared_effect(spec: ServerSpec, raw: dict[str, Any], name: str | None = None) -> tuple[str, bool]:
    """``effect_of`` the listed tool ``raw``, unless the server's entry names its effect
    (under the server's name for it, or agentplat's ``name``)."""
    effect, open_world = effect_of(raw.get("annotations"))
    return spec.effects.get(raw["name"], spec.effects.get(name or raw["name"], effect)), open_world


def make_tool(spec: ServerSpec, raw: dict[str, Any], taken: set[str]) -> Tool:
    """An agentplat tool that calls ``raw["name"]`` on the server, with its schema and
    description as the server gives them (under a safe name when the original is not one),
    and the effect its annotations declare unless the server's entry overrides it."""
    original = raw["name"]
    name = safe_tool_name(original, taken)
    taken.add(name)

    async def call(**args: Any) -> Any:
        return await client.call(spec, original, args)

    description = raw.get("description") or original
    if name != original:
        description += f" (MCP tool {original!r})"
    schema = raw.get("input_schema") or {"type": "object"}
    effect, open_world = declared_effect(spec, raw, name)
    # the call's own limits (starting the server, then the call) say more than the core's default deadline
    return Tool.from_schema(name, description, schema, call, network_targets=address_parameters(schema),
                            timeout=client.start_timeout() + client.call_timeout() + 5,
                            effect=effect, open_world=open_world)


_ADDRESS = re.compile(r"(?i)^(url|uri|href|link|endpoint|address|website)$|(_url|_uri|Url|Uri|URL)$")


def address_parameters(schema: dict[str, Any]) -> list[str]:
    """The parameters of a foreign tool that look like network addresses (named ``url``,
    ``*_url``, ``href``..., or of ``"format": "uri"``): a server's fetch tool then gets
    agentplat's rule that a task step reaches only addresses from trusted text, and its
    results, like any page reader's, vouch for no address."""
    properties = schema.get("properties") if isinstance(schema, dict) else None
    if not isinstance(properties, dict):
        return []
    return [name for name, prop in properties.items()
            if _ADDRESS.search(name) or (isinstance(prop, dict) and prop.get("format") in ("uri", "uri-reference", "iri"))]


def make_agent(spec: ServerSpec, listed: dict[str, Any]) -> Agent:
    taken: set[str] = set()
    tools = [make_tool(spec, raw, taken) for raw in listed.get("tools", [])]
    names = ", ".join(t.name for t in tools[:8]) + (", ..." if len(tools) > 8 else "")
    about = " ".join((listed.get("instructions") or "").split())[:300]
    description = f"Tools of the MCP server {spec.name}: {names}." + (f" {about}" if about else "")
    return Agent(name=spec.name, description=description, tools=tools, local_only=True,
                 system_prompt="You use the tools of an MCP server. Answer with what the tool returned.")
