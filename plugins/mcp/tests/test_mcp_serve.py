"""agentplat as an MCP server: the SDK's own client drives `agentplat mcp serve` in a real
subprocess, over stdio and over Streamable HTTP."""

from __future__ import annotations

import asyncio
import os
import sys

from agentplat.extend import run_store
from agentplat.testing import cli_command

REQUEST = "Add 3 and 4, multiply 6 by 7, then add the two results"


def serve_env(home) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "AGENTPLAT_MODEL")}
    env.update({"AGENTPLAT_HOME": str(home), "AGENTPLAT_LOAD_PLUGINS": "agentplat-mcp,agentplat-math",
                "AGENTPLAT_ENGINE": "inline", "AGENTPLAT_FLYTE_RECORDS": "0"})
    return env


def agentplat_args(*args: str) -> list[str]:
    """The arguments after this Python that run ``agentplat ARGS``."""
    return [*cli_command()[1:], *args]


async def exercise(session) -> dict:
    await session.initialize()
    tools = {t.name: t for t in (await session.list_tools()).tools}
    added = await session.call_tool("math__add", {"a": 2, "b": 5})
    ran = await session.call_tool("run", {"request": REQUEST})
    failed = await session.call_tool("run", {"request": "Divide 1 by 0"})
    return {"tools": tools, "added": added, "ran": ran, "failed": failed}


def check(found: dict, home) -> None:
    tools = found["tools"]
    assert {"run", "math__add", "math__multiply", "math__evaluate"} <= set(tools)
    assert tools["math__add"].inputSchema["required"] == ["a", "b"]
    assert tools["math__add"].description.startswith("Add two numbers")
    assert tools["run"].inputSchema["required"] == ["request"]
    assert all(len(name) <= 64 and name.replace("_", "").replace("-", "").isalnum() for name in tools)
    assert found["added"].structuredContent == {"result": 7} and not found["added"].isError
    ran = found["ran"]
    assert not ran.isError, ran.content
    assert ran.structuredContent["answer"] == "49"
    run_id = ran.structuredContent["run_id"]
    assert ran.content[0].text.startswith("49")
    assert found["failed"].isError and "division by zero" in found["failed"].content[0].text.lower()
    # the run is recorded like one of `agentplat run`, in the same store `agentplat show RUN_ID` reads
    assert run_store().get_run(run_id)["answer"] == "49"


def test_stdio_serve_with_the_sdk_client(home):
    from mcp import ClientSession, StdioServerParameters
    from mcp.client.stdio import stdio_client

    async def main():
        params = StdioServerParameters(command=sys.executable, args=agentplat_args("mcp", "serve"),
                                       env=serve_env(home))
        async with stdio_client(params) as (read, write):
            async with ClientSession(read, write) as session:
                return await exercise(session)

    check(asyncio.run(asyncio.wait_for(main(), 90)), home)


def test_http_serve_with_the_sdk_client(home, spawn, port):
    from mcp import ClientSession
    from mcp.client.streamable_http import streamable_http_client

    spawn([sys.executable, *agentplat_args("mcp", "serve", "--http", str(port))], port, env=serve_env(home))

    async def main():
        async with streamable_http_client(f"http://127.0.0.1:{port}/mcp") as (read, write, _):
            async with ClientSession(read, write) as session:
                return await exercise(session)

    check(asyncio.run(asyncio.wait_for(main(), 90)), home)


def test_http_serve_refuses_a_foreign_host_header(home, spawn, port):
    """Loopback only, and a web page cannot reach it through DNS rebinding."""
    import httpx

    spawn([sys.executable, *agentplat_args("mcp", "serve", "--http", str(port))], port, env=serve_env(home))
    reply = httpx.post(f"http://127.0.0.1:{port}/mcp", headers={"Host": "evil.example", "Accept":
                       "application/json, text/event-stream"}, json={"jsonrpc": "2.0", "id": 1, "method": "ping"},
                       timeout=10)
    assert reply.status_code in (400, 403, 421)
