"""agentplat as an MCP server: the SDK's own client drives `agentplat mcp serve` in a real
subprocess, over stdio and over Streamable HTTP."""

from __future__ import annotations

import asyncio
import os
import sys
import textwrap

from agentplat.extend import run_store
from agentplat.testing import cli_command

REQUEST = "Add 3 and 4, multiply 6 by 7, then add the two results"


def serve_env(home, plugins: str = "agentplat-mcp,agentplat-math", site=None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "AGENTPLAT_MODEL")}
    env.update({"AGENTPLAT_HOME": str(home), "AGENTPLAT_LOAD_PLUGINS": plugins,
                "AGENTPLAT_ENGINE": "inline", "AGENTPLAT_FLYTE_RECORDS": "0"})
    if site is not None:
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(site), env.get("PYTHONPATH", "")) if p)
    return env


NOTES = """
from agentplat import Agent, hookimpl, tool


@tool(effect="write")
async def pin(text: str) -> str:
    \"\"\"Pin a note.\"\"\"
    return f"pinned {text}"


@tool(effect="destructive")
async def shred(text: str) -> str:
    \"\"\"Shred a note for good.\"\"\"
    return f"shredded {text}"


@tool
async def peek(text: str) -> str:
    \"\"\"Peek at a note, ``as is``.\"\"\"
    return text


@hookimpl
def register_agents(register):
    register(Agent(name="notes", description="Notes.", tools=[pin, shred, peek]))
"""


def notes_plugin(site) -> None:
    """A third-party plugin whose tools write, destroy and read, laid out as an installer would."""
    site.mkdir(parents=True, exist_ok=True)
    (site / "agentplat_notes.py").write_text(textwrap.dedent(NOTES))
    info = site / "agentplat_notes-0.1.0.dist-info"
    info.mkdir(exist_ok=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: agentplat-notes\nVersion: 0.1.0\n")
    (info / "entry_points.txt").write_text("[agentplat]\nnotes = agentplat_notes\n")
    (info / "RECORD").write_text("")


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
    # plain text for clients (and the models they feed): no reStructuredText literals
    assert all("``" not in t.description and "``" not in str(t.inputSchema) for t in tools.values())
    assert "of `of`" in tools["math__percentage"].description
    assert tools["math__convert"].inputSchema["properties"]["value"]["description"] == "The amount, in `from_unit`."
    add = tools["math__add"].annotations
    assert (add.readOnlyHint, add.destructiveHint, add.openWorldHint) == (True, False, False)
    assert tools["run"].annotations.readOnlyHint is True, "nothing installed acts, so neither can run"
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


def test_http_serve_a_client_that_hangs_up_leaves_no_traceback(home, spawn, port):
    """A client that closes its session, one that gives up mid-call, and one that vanishes:
    the server's stderr says only where it listens."""
    import httpx
    from mcp import ClientSession
    from mcp.client.streamable_http import streamable_http_client

    server = spawn([sys.executable, *agentplat_args("mcp", "serve", "--http", str(port))], port, env=serve_env(home))
    url = f"http://127.0.0.1:{port}/mcp"

    async def politely():
        async with streamable_http_client(url) as (read, write, _):
            async with ClientSession(read, write) as session:
                await session.initialize()
                await session.list_tools()

    async def giving_up():
        async with streamable_http_client(url) as (read, write, _):
            async with ClientSession(read, write) as session:
                await session.initialize()
                try:
                    async with asyncio.timeout(0.05):
                        await session.call_tool("run", {"request": REQUEST})
                except TimeoutError:
                    pass

    async def vanishing():  # a raw stream dropped in the middle of a call
        headers = {"Accept": "application/json, text/event-stream"}
        async with httpx.AsyncClient(timeout=10) as http:
            init = await http.post(url, headers=headers, json={"jsonrpc": "2.0", "id": 1, "method": "initialize",
                                   "params": {"protocolVersion": "2025-06-18", "capabilities": {},
                                              "clientInfo": {"name": "t", "version": "1"}}})
            headers.update({"mcp-session-id": init.headers["mcp-session-id"], "mcp-protocol-version": "2025-06-18"})
            await http.post(url, headers=headers, json={"jsonrpc": "2.0", "method": "notifications/initialized"})
            async with http.stream("GET", url, headers=headers):
                pass
            async with http.stream("POST", url, headers=headers, json={"jsonrpc": "2.0", "id": 2, "method":
                                   "tools/call", "params": {"name": "run", "arguments": {"request": REQUEST}}}):
                pass

    async def main():
        for client in (politely, giving_up, vanishing, politely):
            await client()
        await asyncio.sleep(2)  # what the server does after the clients left

    asyncio.run(asyncio.wait_for(main(), 90))
    server.terminate()
    _, err = server.communicate(timeout=20)
    assert err.strip().splitlines() == [f"agentplat MCP server: http://127.0.0.1:{port}/mcp"], err


def test_served_tools_that_act_are_refused_unless_approved(home, tmp_path):
    """Annotations say what each tool does; a tool that writes or destroys runs only when the
    server was started with --approve naming it (a glob may)."""
    from mcp import ClientSession, StdioServerParameters
    from mcp.client.stdio import stdio_client

    site = tmp_path / "site"
    notes_plugin(site)
    env = serve_env(home, "agentplat-mcp,agentplat-notes", site)

    async def serve(*options: str) -> dict:
        params = StdioServerParameters(command=sys.executable, args=agentplat_args("mcp", "serve", *options), env=env)
        async with stdio_client(params) as (read, write):
            async with ClientSession(read, write) as session:
                await session.initialize()
                tools = {t.name: t for t in (await session.list_tools()).tools}
                calls = {name: await session.call_tool(f"notes__{name}", {"text": "milk"})
                         for name in ("pin", "shred", "peek")}
                calls["run"] = await session.call_tool("run", {"request": "Pin 'bread'"})
                return {"tools": tools, "calls": calls}

    plain = asyncio.run(asyncio.wait_for(serve(), 90))
    hints = {n: (t.annotations.readOnlyHint, t.annotations.destructiveHint) for n, t in plain["tools"].items()}
    assert hints == {"run": (True, False), "notes__pin": (False, False), "notes__shred": (False, True),
                     "notes__peek": (True, False)}, "run reaches only what is approved: here, reading"
    assert plain["tools"]["notes__peek"].description == "Peek at a note, `as is`."
    calls = plain["calls"]
    assert calls["peek"].structuredContent == {"result": "milk"}
    assert calls["pin"].isError and "notes.pin changes things; not approved" in calls["pin"].content[0].text
    assert "--approve notes.pin" in calls["pin"].content[0].text
    assert "cannot be asked" in calls["pin"].content[0].text
    assert calls["shred"].isError and "notes.shred deletes or overwrites; not approved" in calls["shred"].content[0].text
    assert calls["run"].isError and "pinned" not in calls["run"].content[0].text, "a run cannot reach it either"

    approved = asyncio.run(asyncio.wait_for(serve("--approve", "notes.p*", "--approve", "other.*"), 90))
    allowed = approved["calls"]
    assert allowed["pin"].structuredContent == {"result": "pinned milk"}
    assert allowed["shred"].isError, "a pattern approves only what it matches"
    assert allowed["run"].structuredContent["answer"] == "pinned bread", allowed["run"].content
    run = approved["tools"]["run"].annotations
    assert (run.readOnlyHint, run.destructiveHint) == (False, False), "run may now write, not destroy"
    everything = asyncio.run(asyncio.wait_for(serve("--approve", "notes__*"), 90))["calls"]
    assert everything["shred"].structuredContent == {"result": "shredded milk"}


def test_a_client_that_can_be_asked_approves_and_declines_through_elicitation(home, tmp_path):
    """With MCP elicitation the server asks its client about each call that acts: the exact call
    in the question; "yes" runs it, declining refuses it, "always" covers the rest of a run."""
    import mcp.types as types
    from mcp import ClientSession, StdioServerParameters
    from mcp.client.stdio import stdio_client

    site = tmp_path / "site"
    notes_plugin(site)
    env = serve_env(home, "agentplat-mcp,agentplat-notes", site)
    questions: list[str] = []

    async def answer(context, params):
        questions.append(params.message)
        if "shred" in params.message:
            return types.ElicitResult(action="decline")
        return types.ElicitResult(action="accept", content={"decision": "yes"})

    async def serve() -> dict:
        params = StdioServerParameters(command=sys.executable, args=agentplat_args("mcp", "serve"), env=env)
        async with stdio_client(params) as (read, write):
            async with ClientSession(read, write, elicitation_callback=answer) as session:
                await session.initialize()
                return {name: await session.call_tool(f"notes__{name}", {"text": "milk"})
                        for name in ("pin", "shred", "peek")} | {
                    "run": await session.call_tool("run", {"request": "Pin 'bread'"})}

    calls = asyncio.run(asyncio.wait_for(serve(), 90))
    assert calls["pin"].structuredContent == {"result": "pinned milk"}
    assert calls["shred"].isError and "declined" in calls["shred"].content[0].text
    assert calls["peek"].structuredContent == {"result": "milk"}  # reading asks nothing
    assert calls["run"].structuredContent["answer"] == "pinned bread", calls["run"].content
    assert questions[0] == 'agentplat wants to run notes.pin(text="milk"), which writes. Allow it?'
    assert 'notes.shred(text="milk")' in questions[1] and "deletes" in questions[1]
    assert 'notes.pin(text="bread")' in questions[2] and len(questions) == 3


def test_the_run_tool_takes_attachments(home):
    """A client gives the run a file as text (or base64 data), as `agentplat run -a` does."""
    import base64

    from mcp import ClientSession, StdioServerParameters
    from mcp.client.stdio import stdio_client

    async def main():
        params = StdioServerParameters(command=sys.executable, args=agentplat_args("mcp", "serve"),
                                       env=serve_env(home, plugins="agentplat-mcp,agentplat-text"))
        async with stdio_client(params) as (read, write):
            async with ClientSession(read, write) as session:
                await session.initialize()
                tools = {t.name: t for t in (await session.list_tools()).tools}
                as_text = await session.call_tool("run", {"request": "count the words in the attached file",
                                                          "attachments": [{"name": "notes.txt", "text": "a b c d"}]})
                as_data = await session.call_tool("run", {"request": "How many words are in list.txt?", "attachments": [
                    {"name": "list.txt", "data": base64.b64encode(b"one two three").decode()}]})
                bad = await session.call_tool("run", {"request": "count the words in the attached file",
                                                      "attachments": [{"name": "x.bin", "data": "%%%"}]})
                return tools, as_text, as_data, bad

    tools, as_text, as_data, bad = asyncio.run(asyncio.wait_for(main(), 90))
    assert "attachments" in tools["run"].inputSchema["properties"]
    assert not as_text.isError and as_text.structuredContent["answer"] == "4", as_text.content
    assert not as_data.isError and as_data.structuredContent["answer"] == "3", as_data.content
    assert bad.isError and "not base64" in bad.content[0].text


def test_an_image_a_server_returns_is_passed_on_to_the_run():
    """An MCP tool's image joins the run's attachments (later model calls see it as an image
    part); the step's result names it. Outside a run it is only counted."""
    import base64
    import struct
    import zlib

    import mcp.types as types

    from agentplat import Agent, Plan, get_registry, run_request
    from agentplat_mcp.results import as_value

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
           + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00")) + chunk(b"IEND", b""))
    result = types.CallToolResult(content=[
        types.TextContent(type="text", text="a chart"),
        types.ImageContent(type="image", data=base64.b64encode(png).decode(), mimeType="image/png")])

    def answer_of_a_run_whose_tool_returns(returned) -> str:
        """The answer of a one-step run whose tool reads ``returned`` as the MCP plugin's tools
        read a server's result (in the step, where the run is current)."""
        async def plot() -> str:
            """Plot."""
            return as_value(returned, server="charts", tool="plot")

        registry = get_registry()
        registry.agents["charts"] = Agent(name="charts", description="Charts.", tools=[plot])
        try:
            return asyncio.run(run_request("plot", model="offline", plan=Plan.parse(
                {"steps": [{"agent": "charts", "tool": "plot", "args": {}}]}))).answer
        finally:
            registry.agents.pop("charts", None)

    assert answer_of_a_run_whose_tool_returns(result) == "a chart\n[image ⟦charts-plot-1.png⟧ attached to the run]"
    assert as_value(result, server="charts", tool="plot") == "a chart\n[1 image item(s) not shown]"
    # "image" content that is really text is not passed on: its token could reach a tool's arguments
    posing = types.CallToolResult(content=[types.ImageContent(type="image", mimeType="image/png",
                                                              data=base64.b64encode(b"/etc/passwd").decode())])
    assert answer_of_a_run_whose_tool_returns(posing) == "[1 image item(s) not shown]"
