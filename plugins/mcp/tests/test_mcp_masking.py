"""Secrets through the MCP doors: a server given a secret with `mcp add --env` that echoes it,
and `mcp serve`, whose protocol stream bypasses the command line's masked output."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from agentplat.testing import cli_command, run_cli

ECHO = Path(__file__).parent / "servers" / "echo_env_server.py"
SECRET = "Zx9-echo-Qw7Lp2Vn5Rt8"
KEY = "sk-live-Hb6Gf3Dk8Ms1Pq4Wz7Xc"


def serve_env(home) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "AGENTPLAT_MODEL")}
    return env | {"AGENTPLAT_HOME": str(home), "AGENTPLAT_LOAD_PLUGINS": "agentplat-mcp,agentplat-math",
                  "AGENTPLAT_ENGINE": "inline", "AGENTPLAT_FLYTE_RECORDS": "0"}


def agentplat(home, *args: str, env: dict | None = None):
    env = {"AGENTPLAT_FLYTE_RECORDS": "0", "AGENTPLAT_ENGINE": "inline", "AGENTPLAT_MODEL": "offline", **(env or {})}
    return run_cli(*args, env=env, home=home, cwd=home, timeout=120,
                   drop=("AGENTPLAT_LOAD_PLUGINS", "AGENTPLAT_ENGINE", "FLYTE_CONFIG"))


def files_holding(root: Path, needle: str) -> list[str]:
    return sorted(p.name for p in root.rglob("*")
                  if p.is_file() and any(f.encode() in p.read_bytes() for f in (needle, needle.lower(), needle.upper())))


def test_a_secret_given_to_a_server_and_echoed_back_is_masked_everywhere(home):
    added = agentplat(home, "mcp", "add", "hush", "--env", f"ECHO_TOKEN={SECRET}", "--env", "ECHO_LEVEL=1",
                      "--", sys.executable, str(ECHO))
    assert added.code == 0, added.stderr
    listed = agentplat(home, "mcp", "list")
    assert listed.code == 0, listed.stderr
    assert "\x1b" not in listed.stdout and "\x07" not in listed.stdout, "a description cannot act on the terminal"
    assert "Whisper the token back.\\x1b]0;owned\\x07" in listed.stdout
    agents = agentplat(home, "agents")
    assert agents.code == 0 and "\x1b" not in agents.stdout and "back.\\x1b]0;owned\\x07" in agents.stdout

    ran = agentplat(home, "run", "Whisper the token")
    assert ran.code == 0, ran.stderr
    assert "the token is ***" in ran.stdout, ran.stdout
    assert SECRET not in ran.stdout + ran.stderr
    assert "1 steps" in ran.stdout, "a value too plain to be a secret (ECHO_LEVEL=1) is not masked"
    run_id = agentplat(home, "runs", "--json").json()[0]["run_id"]
    shown = agentplat(home, "show", "--json", run_id)
    assert shown.code == 0 and SECRET not in shown.stdout
    assert shown.json()["steps"][0]["result"] == "the token is ***"
    assert files_holding(home, SECRET) == ["mcp.json"], "only the configuration holds it"


def test_serve_masks_an_endpoint_error_that_echoes_the_key(home, openai_server):
    """`mcp serve`'s `run` over stdio with the SDK's client: the endpoint refuses the request
    quoting the key it was sent; the client gets the error with the key masked."""
    from mcp import ClientSession, StdioServerParameters
    from mcp.client.stdio import stdio_client

    openai_server.fail(400, message=f"invalid api key {KEY} (also {KEY.upper()})")
    env = serve_env(home) | {"OPENAI_BASE_URL": openai_server.base_url, "OPENAI_API_KEY": KEY,
                             "AGENTPLAT_RETRY_WAIT": "0.01"}

    async def main():
        params = StdioServerParameters(command=sys.executable, args=[*cli_command()[1:], "mcp", "serve"], env=env)
        async with stdio_client(params) as (read, write):
            async with ClientSession(read, write) as session:
                await session.initialize()
                return await session.call_tool("run", {"request": "Add 2 and 3"})

    check_masked(asyncio.run(asyncio.wait_for(main(), 90)), home)


def test_serve_over_http_masks_what_it_sends_too(home, openai_server, spawn, port):
    from mcp import ClientSession
    from mcp.client.streamable_http import streamable_http_client

    openai_server.fail(400, message=f"invalid api key {KEY} (also {KEY.upper()})")
    env = serve_env(home) | {"OPENAI_BASE_URL": openai_server.base_url, "OPENAI_API_KEY": KEY,
                             "AGENTPLAT_RETRY_WAIT": "0.01"}
    spawn([sys.executable, *cli_command()[1:], "mcp", "serve", "--http", str(port)], port, env=env)

    async def main():
        async with streamable_http_client(f"http://127.0.0.1:{port}/mcp") as (read, write, _):
            async with ClientSession(read, write) as session:
                await session.initialize()
                return await session.call_tool("run", {"request": "Add 2 and 3"})

    check_masked(asyncio.run(asyncio.wait_for(main(), 90)), home)


def check_masked(failed, home) -> None:
    assert failed.isError
    text = " ".join(c.text for c in failed.content)
    assert "invalid api key" in text, text
    assert KEY not in text and KEY.upper() not in text and KEY[len("sk-live-"):] not in text
    assert files_holding(home, KEY) == []


def test_a_failing_servers_last_words_cannot_act_on_the_terminal(home):
    """The warning about a server that did not start quotes its stderr: escapes in it are shown."""
    import json

    script = "read line; printf '\\033]0;pwned\\007 \\033[8mboom\\n' >&2; exit 2"
    (home / "mcp.json").write_text(json.dumps({"mcpServers": {"grim": {"command": "/bin/sh", "args": ["-c", script]}}}))
    listed = agentplat(home, "agents")
    assert "grim" in listed.stderr, listed.stderr
    assert "\x1b" not in listed.stderr and "\x07" not in listed.stderr
    assert "\\x1b]0;pwned\\x07" in listed.stderr
