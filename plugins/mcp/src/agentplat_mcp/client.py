"""Talking to a configured MCP server with the SDK's client: one session per server per run.

Inside a run the session is a run resource (``agentplat.extend.run_resources``): the first
step that needs the server starts it, later steps of the run share the session, and the run
closes it at its end. Outside a run (a tool called directly) a session lasts one call.
Every wait is bounded: start-up by ``AGENTPLAT_MCP_START_TIMEOUT`` (20 s), each call by
``AGENTPLAT_MCP_CALL_TIMEOUT`` (120 s); failures name the server and never its secrets.
"""

from __future__ import annotations

import asyncio
import contextlib
import tempfile
import threading
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, AsyncIterator

from agentplat import ToolError, http

from .config import NESTED, ServerSpec
from .results import as_value

# ``NESTED`` (in ``config``) is set for the stdio servers agentplat starts. An agentplat started
# that way (``mcp serve`` configured in mcp.json, directly or through another server) offers its
# own tools but none of its configured MCP servers: otherwise it would start itself again.


def start_timeout() -> float:
    return http.env_number("AGENTPLAT_MCP_START_TIMEOUT", 20.0, unit="seconds")


def call_timeout() -> float:
    return http.env_number("AGENTPLAT_MCP_CALL_TIMEOUT", 120.0, unit="seconds")


@dataclass
class Connected:
    session: Any  # mcp.ClientSession
    server_name: str
    instructions: str
    stderr: Any  # the stdio server's stderr (a temporary file), for its last words


@contextlib.asynccontextmanager
async def open_session(spec: ServerSpec) -> AsyncIterator[Connected]:
    """Start (stdio) or reach (HTTP) the server and initialise an MCP session."""
    from mcp import ClientSession

    from .logs import quiet_sdk

    quiet_sdk()

    async with contextlib.AsyncExitStack() as stack:
        stderr = None
        if spec.url:
            import httpx
            from mcp.client.streamable_http import streamable_http_client

            client = await stack.enter_async_context(httpx.AsyncClient(
                headers=spec.headers, timeout=httpx.Timeout(call_timeout(), connect=start_timeout())))
            read, write, _ = await stack.enter_async_context(streamable_http_client(spec.url, http_client=client))
        else:
            from mcp import StdioServerParameters
            from mcp.client.stdio import stdio_client

            from agentplat.extend import max_result_bytes, tethered

            stderr = stack.enter_context(tempfile.TemporaryFile("w+", encoding="utf-8", errors="replace"))
            env = {**(spec.env or {}), NESTED: "1"}  # an agentplat it starts serves no MCP servers itself
            # the server, and what it starts, dies with agentplat, however agentplat ends
            # and a message far past the result cap is dropped as it arrives, never held whole
            command, *args = tethered([_executable(spec.command or "", spec.env, spec.cwd), *spec.args],
                                      max_line_bytes=4 * max_result_bytes() + (1 << 20))
            params = StdioServerParameters(command=command, args=args, env=env, cwd=spec.cwd)
            read, write = await stack.enter_async_context(stdio_client(params, errlog=stderr))
        try:
            session = await stack.enter_async_context(
                ClientSession(read, write, read_timeout_seconds=timedelta(seconds=call_timeout())))
            init = await session.initialize()
        except Exception as exc:  # noqa: BLE001 - said with the server's last words, while they can be read
            raise StartFailed(_reason(exc), _last_words(stderr)) from None
        yield Connected(session=session, server_name=init.serverInfo.name, instructions=init.instructions or "",
                        stderr=stderr)


def _executable(command: str, env: dict | None, cwd: str | None) -> str:
    """The command as the SDK would find it (on the server's PATH, or relative to its folder),
    so a missing one is still "command not found" rather than the launcher's complaint."""
    import os
    import shutil

    if os.sep in command:
        path = os.path.join(cwd or os.getcwd(), command)
        found = path if os.path.isfile(path) and os.access(path, os.X_OK) else None
    else:
        found = shutil.which(command, path=(env or {}).get("PATH") or os.environ.get("PATH"))
    if not found:
        raise FileNotFoundError(2, "No such file or directory", command)
    return os.path.abspath(found) if os.sep in command else found


class StartFailed(Exception):
    """The server did not complete the MCP handshake; ``last`` is its last stderr line."""

    def __init__(self, reason: str, last: str):
        super().__init__(reason)
        self.last = last


def failure(spec: ServerSpec, exc: BaseException, doing: str) -> ToolError:
    """One line naming the server and what went wrong, secrets masked."""
    while isinstance(exc, BaseExceptionGroup) and len(exc.exceptions) == 1:  # the SDK's task groups wrap
        exc = exc.exceptions[0]
    if isinstance(exc, ToolError):
        return exc
    if isinstance(exc, (TimeoutError, asyncio.TimeoutError)):
        reason = f"no answer within {start_timeout() if doing == 'start' else call_timeout():g}s"
    else:
        reason = _reason(exc)
    if "connection closed" in reason.lower():
        reason = "the connection closed (the server exited or dropped the session)"
    last = exc.last if isinstance(exc, StartFailed) else ""
    message = f"MCP server {spec.name!r} ({spec.transport}) failed to {doing}: {reason}"
    if last:
        message += f" (its stderr: {last})"
    return ToolError(spec.mask(message))


def _reason(exc: BaseException) -> str:
    if isinstance(exc, BaseExceptionGroup):
        return "; ".join(_reason(e) for e in exc.exceptions[:3])
    if isinstance(exc, FileNotFoundError):
        return f"command not found: {exc.filename or exc}"
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text[:300]


def _last_words(stderr: Any) -> str:
    if stderr is None:
        return ""
    try:
        stderr.flush()
        stderr.seek(0)
        lines = [line.strip() for line in stderr.read()[-4000:].splitlines() if line.strip()]
    except (OSError, ValueError):
        return ""
    return lines[-1][:200] if lines else ""


async def _connected(spec: ServerSpec, stack: contextlib.AsyncExitStack) -> Connected:
    from agentplat.extend import run_resources

    scope = run_resources()
    try:
        if scope is not None:
            return await scope.get(("agentplat-mcp", spec.name, spec.key()), lambda: open_session(spec),
                                   timeout=start_timeout())
        async with asyncio.timeout(start_timeout()):
            return await stack.enter_async_context(open_session(spec))
    except Exception as exc:  # noqa: BLE001 - any failure to start is this server's step failure
        raise failure(spec, exc, "start") from None


async def call(spec: ServerSpec, tool: str, args: dict[str, Any]) -> Any:
    """``tool(**args)`` on the server, as a step result."""
    async with contextlib.AsyncExitStack() as stack:
        connected = await _connected(spec, stack)
        try:
            async with asyncio.timeout(call_timeout() + 1):
                result = await connected.session.call_tool(tool, args)
        except Exception as exc:  # noqa: BLE001 - a dead or hung server fails this step, cleanly
            raise failure(spec, exc, f"run {tool}") from None
        return as_value(result, server=spec.name, tool=tool)


async def fetch_tools(spec: ServerSpec) -> dict[str, Any]:
    """The server's tools (name, description, input schema) and how it describes itself."""
    async with contextlib.AsyncExitStack() as stack:
        connected = await _connected(spec, stack)
        try:
            async with asyncio.timeout(call_timeout()):
                tools, cursor = [], None
                while True:
                    page = await connected.session.list_tools(cursor=cursor) if cursor else \
                        await connected.session.list_tools()
                    tools.extend(page.tools)
                    cursor = page.nextCursor
                    if not cursor:
                        break
        except Exception as exc:  # noqa: BLE001
            raise failure(spec, exc, "list its tools") from None
    return {
        "server": connected.server_name,
        "instructions": connected.instructions,
        "tools": [{"name": t.name, "description": t.description or t.title or t.name,
                   "input_schema": t.inputSchema or {"type": "object", "properties": {}},
                   "annotations": hints(t)} for t in tools],
    }


HINTS = ("readOnlyHint", "destructiveHint", "idempotentHint", "openWorldHint")


def hints(tool: Any) -> dict[str, bool]:
    """The behaviour hints a tool's annotations give (only those it gives: a missing hint
    takes the spec's default when it is read, see ``agents.effect_of``)."""
    annotations = getattr(tool, "annotations", None)
    return {h: v for h in HINTS if isinstance(v := getattr(annotations, h, None), bool)}


def fetch_all(specs: list[ServerSpec], deadline: float | None = None) -> dict[str, dict[str, Any] | ToolError]:
    """``fetch_tools`` of every server at once, from synchronous code (a hook, a command),
    whether or not an event loop is running in this thread: it runs in a thread of its own.
    All of it ends by ``deadline`` seconds (default: the start-up and call limits); a server
    still busy then is stopped and reported."""
    from .logs import quiet_sdk

    quiet_sdk()
    limit = deadline if deadline is not None else start_timeout() + call_timeout() + 5
    found: dict[str, Any] = {}

    async def each(spec: ServerSpec) -> None:
        try:
            found[spec.name] = await fetch_tools(spec)
        except ToolError as exc:
            found[spec.name] = exc

    def main() -> None:
        async def gather() -> None:
            try:
                async with asyncio.timeout(limit):
                    await asyncio.gather(*(each(s) for s in specs))
            except TimeoutError:
                pass  # the late ones are reported below

        asyncio.run(gather())

    worker = threading.Thread(target=main, name="agentplat-mcp-list", daemon=True)
    worker.start()
    worker.join(limit + 10)  # and the time to stop the late servers
    for spec in specs:
        found.setdefault(spec.name, ToolError(f"MCP server {spec.name!r} did not list its tools within {limit:g}s"))
    return found
