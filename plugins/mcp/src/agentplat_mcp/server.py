"""agentplat as an MCP server (``agentplat mcp serve``), with the SDK's low-level server.

The tools of the installed plugins are MCP tools named ``agent__tool`` (see ``names``) with
their JSON schemas, plain-text descriptions and annotations (what they do to the world);
``run`` plans and runs a whole request and returns the answer and the run id (``agentplat
show RUN_ID`` shows it). The tools of agents this plugin made from other MCP servers are not
served again: a client can use those servers directly, and an agentplat configured as a
server of another would otherwise offer that server's tools back to it; ``run`` may still
use them. Transports: stdio, or Streamable HTTP on loopback with ``--http PORT``.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import sys
from decimal import Decimal
from typing import Any

from .names import served_name

PLUGIN = "agentplat-mcp"
RUN_TOOL = "run"
RUN_SCHEMA = {
    "type": "object",
    "properties": {
        "request": {"type": "string", "description": "What to do, in plain words."},
        "attachments": {
            "type": "array", "maxItems": 10,
            "description": "Files for the run: a text the request refers to (\"count the words in the attached "
                           "file\") or an image for the model.",
            "items": {"type": "object", "properties": {
                "name": {"type": "string", "description": "The file's name, as the request may call it."},
                "text": {"type": "string", "description": "A text file's content."},
                "data": {"type": "string", "description": "An image (or any file) as base64."},
            }, "required": ["name"]},
        },
    },
    "required": ["request"],
}


def plain(value: Any) -> Any:
    """A tool result as JSON data (exact decimals as numbers, models and dataclasses as objects)."""
    def default(obj: Any) -> Any:
        if isinstance(obj, Decimal):
            return int(obj) if obj == obj.to_integral_value() else float(obj)
        if hasattr(obj, "model_dump"):
            return obj.model_dump(mode="json")
        if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
            return dataclasses.asdict(obj)
        return str(obj)

    return json.loads(json.dumps(value, default=default, ensure_ascii=False))


def text_of(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


_ROLE = re.compile(r":[a-z]+(?::[a-z]+)?:`([^`]+)`")  # Sphinx roles: :func:`x`, :py:class:`x`
_LITERAL = re.compile(r"``(.+?)``")


def plain_text(text: str) -> str:
    """A docstring's reStructuredText as the plain text MCP clients show and pass to models:
    ``x`` and :func:`x` become `x`."""
    return _LITERAL.sub(r"`\1`", _ROLE.sub(r"`\1`", text or ""))


def plain_schema(schema: Any) -> Any:
    """The schema with every ``description`` in plain text (parameters' docs are docstrings too)."""
    if isinstance(schema, dict):
        return {k: plain_text(v) if k == "description" and isinstance(v, str) else plain_schema(v)
                for k, v in schema.items()}
    if isinstance(schema, list):
        return [plain_schema(v) for v in schema]
    return schema


def annotations_of(effect: str, open_world: bool) -> dict[str, bool]:
    """MCP's hints for agentplat's declared effect (the mapping the client side reads back)."""
    return {"readOnlyHint": effect == "read", "destructiveHint": effect == "destructive",
            "openWorldHint": bool(open_world)}


def served_tools(registry) -> dict[str, tuple[str, Any]]:
    """MCP name -> (agent name, tool) for every tool served."""
    served: dict[str, tuple[str, Any]] = {}
    for agent in registry.agents.values():
        if agent.plugin == PLUGIN:
            continue
        for tool in agent.tools:
            served[served_name(agent.name, tool.name)] = (agent.name, tool)
    return served


def approved(patterns: list[str] | None, agent: str, tool: str) -> bool:
    """Whether ``agent.tool`` matches one of the ``--approve`` patterns (``fs.*``, ``*``), given
    as ``agent.tool`` or as the served name ``agent__tool``."""
    from fnmatch import fnmatchcase

    names = (f"{agent}.{tool}", served_name(agent, tool))
    return any(fnmatchcase(name, pattern) for pattern in patterns or () for name in names)


def core_patterns(patterns: list[str] | None, registry) -> list[str]:
    """The ``--approve`` patterns as the core reads them (``agent.tool``): a served name
    (``agent__tool``) becomes the tool it serves."""
    from fnmatch import fnmatchcase

    tools = served_tools(registry)
    out = []
    for pattern in patterns or ():
        if "." in pattern or pattern == "*":
            out.append(pattern)
        else:
            out.extend(f"{agent}.{tool.name}" for name, (agent, tool) in tools.items()
                       if fnmatchcase(name, pattern))
    return out


def within(registry, patterns: list[str] | None):
    """The registry ``run`` plans with when no one can be asked: a tool that writes or destroys
    is in it only when ``--approve`` names it, so a plan never reaches for one that would be
    refused anyway (an agent left with no tools is left out)."""
    agents = {}
    for name, agent in registry.agents.items():
        tools = [t for t in agent.tools if not t.acts or approved(patterns, name, t.name)]
        if len(tools) == len(agent.tools):
            agents[name] = agent
        elif tools:
            agents[name] = dataclasses.replace(agent, tools=tools)
    return dataclasses.replace(registry, agents=agents)


#: what a client is asked to fill in when a call would write or delete (MCP elicitation)
DECISION_SCHEMA = {
    "type": "object",
    "properties": {"decision": {
        "type": "string", "title": "Allow this call?", "enum": ["yes", "no", "always"],
        "description": "yes: this call; no: refuse it; always: this tool for the rest of the run"}},
    "required": ["decision"],
}


def asker(context):
    """An ``ask`` for the core's approvals that puts the question to the MCP client (elicitation),
    or ``None`` when the client cannot be asked. Declining or cancelling the form is a no."""
    import mcp.types as types

    session = context.session
    if not session.check_client_capability(types.ClientCapabilities(elicitation=types.ElicitationCapability())):
        return None

    async def ask(call) -> str:
        effect = "deletes or overwrites" if call.effect == "destructive" else "writes"
        result = await session.elicit_form(
            f"agentplat wants to run {call.describe()}, which {effect}. Allow it?", DECISION_SCHEMA,
            related_request_id=context.request_id)
        decision = (result.content or {}).get("decision") if result.action == "accept" else None
        return decision if decision in ("yes", "always") else "no"

    return ask


def run_annotations(registry) -> dict[str, bool]:
    """What ``run`` may do: whatever the installed tools may (read-only only when none acts)."""
    tools = [t for agent in registry.agents.values() for t in agent.tools]
    effect = ("destructive" if any(t.effect == "destructive" for t in tools)
              else "write" if any(t.acts for t in tools) else "read")
    return annotations_of(effect, any(t.open_world for t in tools))


class MaskedWrites:
    """The stream a session writes its messages to, masking every string in each message on
    its way out (results, structured content, errors, questions, log notifications): the
    protocol's output bypasses the CLI's masked stdout, so it has a door of its own."""

    def __init__(self, stream):
        self._stream = stream

    async def send(self, message) -> None:
        from agentplat.extend import redact
        from mcp.shared.message import SessionMessage
        from mcp.types import JSONRPCMessage

        data = message.message.model_dump(by_alias=True, mode="json", exclude_none=True)
        masked = redact(data)
        if masked != data:
            message = SessionMessage(message=JSONRPCMessage.model_validate(masked), metadata=message.metadata)
        await self._stream.send(message)

    async def __aenter__(self):
        await self._stream.__aenter__()
        return self

    async def __aexit__(self, *exc):
        return await self._stream.__aexit__(*exc)

    def __getattr__(self, name: str):
        return getattr(self._stream, name)


def masked_server_class():
    """The SDK's low-level ``Server`` whose sessions (stdio and HTTP alike) write through
    ``MaskedWrites``."""
    from mcp.server.lowlevel import Server

    class MaskedServer(Server):
        async def run(self, read_stream, write_stream, *args, **kwargs):
            return await super().run(read_stream, MaskedWrites(write_stream), *args, **kwargs)

    return MaskedServer


def build_server(registry, approve: list[str] | None = None):
    """The MCP server object: its tool list and its tool calls. A call that writes or destroys
    (a served tool's, or one a ``run`` makes) runs when ``approve`` (``agent.tool`` patterns,
    globs) or config.toml's ``[approvals]`` allow it, else when the client, asked through MCP
    elicitation, says yes; a client that cannot be asked gets a refusal."""
    import mcp.types as types

    from agentplat import __version__

    server = masked_server_class()("agentplat", version=__version__,
                    instructions="agentplat's agents: call `run` with a request in plain words, or a tool directly.")
    tools = served_tools(registry)
    runnable = within(registry, approve)

    @server.list_tools()
    async def list_tools() -> list[types.Tool]:
        listed = [types.Tool(name=RUN_TOOL, description=(
            "Plan and run a whole request with agentplat's agents (several steps, results passed between "
            "them); returns the answer and the run id."), inputSchema=RUN_SCHEMA,
            annotations=types.ToolAnnotations(**run_annotations(runnable)))]
        for name, (agent, tool) in tools.items():
            listed.append(types.Tool(name=name, title=f"{agent}.{tool.name}", description=plain_text(tool.description),
                                     inputSchema=plain_schema(tool.parameters),
                                     annotations=types.ToolAnnotations(**annotations_of(tool.effect, tool.open_world))))
        return listed

    allow = core_patterns(approve, registry)

    def approvals():
        """This call's approvals: the allow-list and config, and the client if it can be asked."""
        from agentplat import Approvals

        ask = asker(server.request_context)
        how = ("start `agentplat mcp serve` with --approve {tool} (or a pattern that matches it), or allow it "
               "in config.toml [approvals]; this client cannot be asked (no MCP elicitation)")
        return Approvals.from_config(allow=allow, ask=ask, how_to_allow=None if ask else how), ask is not None

    @server.call_tool()
    async def call_tool(name: str, arguments: dict[str, Any]):
        policy, can_ask = approvals()
        if name == RUN_TOOL:
            return await run(registry if can_ask else runnable, arguments["request"], approvals=policy,
                             attachments=arguments.get("attachments"))
        if name not in tools:
            raise ValueError(f"unknown tool {name!r}")
        from agentplat.extend import call_tool as call

        agent, tool = tools[name]
        value = plain(await call(agent, tool.name, arguments, registry, approvals=policy))
        return [types.TextContent(type="text", text=text_of(value))], {"result": value}

    return server


async def run(registry, request: str, approvals=None, attachments: list[dict] | None = None):
    """The ``run`` tool: the answer and the run id, recorded like a run of ``agentplat run``;
    its calls that act are approved by ``approvals``; ``attachments`` as ``run -a`` takes them
    (``{"name", "text"}`` or ``{"name", "data": base64}``)."""
    import base64
    import binascii

    import mcp.types as types

    from agentplat import AgentplatError, run_request
    from agentplat.extend import attachment, run_store

    given = []
    for item in attachments or []:
        name = str(item.get("name") or "attachment")
        if isinstance(item.get("text"), str):
            given.append(attachment(name, item["text"]))
        elif isinstance(item.get("data"), str):
            try:
                given.append(attachment(name, base64.b64decode(item["data"], validate=True)))
            except (binascii.Error, ValueError):
                raise AgentplatError(f"attachment {name}: data is not base64") from None
        else:
            raise AgentplatError(f"attachment {name}: give its text or its data (base64)")
    result = await run_request(request, registry=registry, store=run_store(damaged_ok=True), approvals=approvals,
                               attachments=given)
    if result.status != "succeeded":
        raise RuntimeError(f"{result.first_error() or 'run ' + result.status} (run {result.run_id})")
    answer = result.answer
    return ([types.TextContent(type="text", text=f"{answer}\n(run {result.run_id})")],
            {"answer": answer, "run_id": result.run_id, "status": result.status})


async def serve_stdio(registry, approve: list[str] | None = None) -> None:
    """Serve on stdin/stdout. The protocol gets its own copy of stdout; everything else that
    would print there (a library's log line) goes to stderr instead of corrupting it."""
    import io

    import anyio
    from mcp.server.stdio import stdio_server

    sys.stdout.flush()
    protocol_fd = os.dup(1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    out = anyio.wrap_file(io.TextIOWrapper(os.fdopen(protocol_fd, "wb"), encoding="utf-8", write_through=True))
    server = build_server(registry, approve)
    async with stdio_server(stdout=out) as (read, write):
        await server.run(read, write, server.create_initialization_options())


async def serve_http(registry, port: int, host: str = "127.0.0.1", on_ready=None,
                     approve: list[str] | None = None) -> None:
    """Serve Streamable HTTP at ``http://HOST:PORT/mcp`` (loopback only)."""
    import contextlib

    import uvicorn
    from mcp.server.streamable_http_manager import StreamableHTTPSessionManager
    from mcp.server.transport_security import TransportSecuritySettings
    from starlette.applications import Starlette
    from starlette.routing import Route

    security = TransportSecuritySettings(  # loopback only: refuse DNS-rebinding requests from web pages
        enable_dns_rebinding_protection=True,
        allowed_hosts=["127.0.0.1:*", "localhost:*", "[::1]:*"],
        allowed_origins=["http://127.0.0.1:*", "http://localhost:*", "http://[::1]:*"],
    )
    manager = StreamableHTTPSessionManager(app=build_server(registry, approve), security_settings=security)

    class Endpoint:
        async def __call__(self, scope, receive, send) -> None:
            await manager.handle_request(scope, receive, send)

    @contextlib.asynccontextmanager
    async def lifespan(app):
        async with manager.run():
            if on_ready is not None:
                on_ready()
            yield

    app = Starlette(routes=[Route("/mcp", endpoint=Endpoint())], lifespan=lifespan)
    config = uvicorn.Config(app, host=host, port=port, log_level="warning", lifespan="on")
    await uvicorn.Server(config).serve()
