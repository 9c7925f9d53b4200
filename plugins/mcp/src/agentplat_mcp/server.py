"""agentplat as an MCP server (``agentplat mcp serve``), with the SDK's low-level server.

Every installed tool is an MCP tool named ``agent__tool`` (see ``names``) with its JSON
schema and description; ``run`` plans and runs a whole request and returns the answer and
the run id (``agentplat show RUN_ID`` shows it). The tools of agents this plugin made from
other MCP servers are not served again (a client can use those servers directly); ``run``
may still use them. Transports: stdio, or Streamable HTTP on loopback with ``--http PORT``.
"""

from __future__ import annotations

import dataclasses
import json
import os
import sys
from decimal import Decimal
from typing import Any

from .names import served_name

PLUGIN = "agentplat-mcp"
RUN_TOOL = "run"
RUN_SCHEMA = {
    "type": "object",
    "properties": {"request": {"type": "string", "description": "What to do, in plain words."}},
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


def served_tools(registry) -> dict[str, tuple[str, Any]]:
    """MCP name -> (agent name, tool) for every tool served."""
    served: dict[str, tuple[str, Any]] = {}
    for agent in registry.agents.values():
        if agent.plugin == PLUGIN:
            continue
        for tool in agent.tools:
            served[served_name(agent.name, tool.name)] = (agent.name, tool)
    return served


def build_server(registry):
    """The MCP server object: its tool list and its tool calls."""
    import mcp.types as types
    from mcp.server.lowlevel import Server

    from agentplat import __version__

    server = Server("agentplat", version=__version__,
                    instructions="agentplat's agents: call `run` with a request in plain words, or a tool directly.")
    tools = served_tools(registry)

    @server.list_tools()
    async def list_tools() -> list[types.Tool]:
        listed = [types.Tool(name=RUN_TOOL, description=(
            "Plan and run a whole request with agentplat's agents (several steps, results passed between "
            "them); returns the answer and the run id."), inputSchema=RUN_SCHEMA)]
        for name, (agent, tool) in tools.items():
            listed.append(types.Tool(name=name, title=f"{agent}.{tool.name}", description=tool.description,
                                     inputSchema=tool.parameters))
        return listed

    @server.call_tool()
    async def call_tool(name: str, arguments: dict[str, Any]):
        if name == RUN_TOOL:
            return await run(registry, arguments["request"])
        if name not in tools:
            raise ValueError(f"unknown tool {name!r}")
        from agentplat.extend import call_tool as call

        agent, tool = tools[name]
        value = plain(await call(agent, tool.name, arguments, registry))
        return [types.TextContent(type="text", text=text_of(value))], {"result": value}

    return server


async def run(registry, request: str):
    """The ``run`` tool: the answer and the run id, recorded like a run of ``agentplat run``."""
    import mcp.types as types

    from agentplat import run_request
    from agentplat.extend import run_store

    result = await run_request(request, registry=registry, store=run_store(damaged_ok=True))
    if result.status != "succeeded":
        raise RuntimeError(f"{result.first_error() or 'run ' + result.status} (run {result.run_id})")
    answer = result.answer
    return ([types.TextContent(type="text", text=f"{answer}\n(run {result.run_id})")],
            {"answer": answer, "run_id": result.run_id, "status": result.status})


async def serve_stdio(registry) -> None:
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
    server = build_server(registry)
    async with stdio_server(stdout=out) as (read, write):
        await server.run(read, write, server.create_initialization_options())


async def serve_http(registry, port: int, host: str = "127.0.0.1", on_ready=None) -> None:
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
    manager = StreamableHTTPSessionManager(app=build_server(registry), security_settings=security)

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
