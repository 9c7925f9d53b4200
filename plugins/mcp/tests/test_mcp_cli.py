"""End to end in fresh processes, offline (no key, AGENTPLAT_HOME in tmp_path): `agentplat mcp
add/list/remove`, `agentplat agents` and `agentplat run` through a configured stdio server,
secrets never shown, and `--remote` refused for a server's steps."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

from agentplat.testing import CliResult, run_cli

SERVER = Path(__file__).parent / "servers" / "shout_server.py"

TOKEN = "sk-live-0123456789abcdef"


def agentplat(home, *args: str, engine: str | None = "inline", timeout: float = 120) -> CliResult:
    """``agentplat ARGS`` with ``home`` as AGENTPLAT_HOME (and cwd), offline, every plugin loaded."""
    env = {"AGENTPLAT_FLYTE_RECORDS": "0", **({"AGENTPLAT_ENGINE": engine} if engine else {})}
    return run_cli(*args, env=env, home=home, cwd=home, timeout=timeout,
                   drop=("AGENTPLAT_MODEL", "AGENTPLAT_LOAD_PLUGINS", "AGENTPLAT_ENGINE", "FLYTE_CONFIG"))


def add_loud(home, starts) -> CliResult:
    return agentplat(home, "mcp", "add", "loud", "--env", f"SHOUT_TOKEN={TOKEN}", "--env", f"SHOUT_STARTS={starts}",
                     "--", sys.executable, str(SERVER))


def test_add_list_agents_run_remove(home, tmp_path):
    starts = tmp_path / "starts.txt"
    added = add_loud(home, starts)
    assert added.code == 0, added.stderr
    assert "Added loud" in added.stdout and "shout" in added.stdout
    listed = agentplat(home, "mcp", "list")
    assert listed.code == 0, listed.stderr
    assert "loud  [ok]  stdio:" in listed.stdout and "SHOUT_TOKEN=***" in listed.stdout
    assert "- word.stats: Count the words" in listed.stdout and "--refresh" in listed.stdout
    count = len(starts.read_text().split())

    agents = agentplat(home, "agents", "--json")
    assert agents.code == 0, agents.stderr
    loud = next(a for a in agents.json() if a["name"] == "loud")
    assert loud["local_only"] and [t["name"] for t in loud["tools"]][:2] == ["shout", "word_stats"]
    helped = agentplat(home, "--help")
    assert helped.code == 0 and "mcp" in helped.stdout
    assert len(starts.read_text().split()) == count, "--help and a cached listing start no server"

    # the default engine (Flyte, locally), as a user runs it
    ran = agentplat(home, "run", "--json", "Shout 'hello mcp'", engine=None)
    assert ran.code == 0, ran.stderr
    result = ran.json()
    assert result["answer"] == "HELLO MCP!"
    assert [(s["agent"], s["tool"]) for s in result["plan"]["steps"]] == [("loud", "shout")]
    assert len(starts.read_text().split()) == count + 1

    everything = "".join(p.read_text(errors="replace") for p in home.rglob("*") if p.is_file() and p.name != "mcp.json")
    for done in (added, listed, agents, ran):
        everything += done.stdout + done.stderr
    assert TOKEN not in everything, "a secret of mcp.json is never printed, cached or recorded"

    removed = agentplat(home, "mcp", "remove", "loud")
    assert removed.code == 0 and "Removed loud" in removed.stdout
    assert "loud" not in agentplat(home, "agents").stdout


def test_add_refuses_bad_and_taken_names(home, tmp_path):
    bad = agentplat(home, "mcp", "add", "a.b", "--", sys.executable, str(SERVER))
    assert bad.code == 1 and "letters, digits" in bad.stderr and "Traceback" not in bad.stderr
    taken = agentplat(home, "mcp", "add", "math", "--", sys.executable, str(SERVER))
    assert taken.code == 1 and "agent of agentplat-math" in taken.stderr
    assert add_loud(home, tmp_path / "s").code == 0
    again = add_loud(home, tmp_path / "s")
    assert again.code == 1 and "--replace" in again.stderr
    nothing = agentplat(home, "mcp", "add", "quiet")
    assert nothing.code != 0 and "command after --" in nothing.stderr
    missing = agentplat(home, "mcp", "remove", "nope")
    assert missing.code == 1 and "no MCP server named 'nope'" in missing.stderr


def test_a_server_that_cannot_start_is_reported_not_fatal(home):
    added = agentplat(home, "mcp", "add", "ghost", "--", "/nonexistent/mcp-server")
    assert added.code == 0 and "did not list its tools" in added.stdout
    listed = agentplat(home, "mcp", "list")
    assert "ghost  [error]" in listed.stdout and "command not found" in listed.stdout
    started = time.monotonic()
    ran = agentplat(home, "run", "Add 2 and 3")
    assert ran.code == 0 and "Answer: 5" in ran.stdout, ran.stderr
    assert "MCP server 'ghost'" in ran.stderr  # a warning, not a failure of other agents
    assert time.monotonic() - started < 60


def test_remote_refuses_a_request_for_a_local_only_agent(home, tmp_path):
    assert add_loud(home, tmp_path / "s").code == 0
    refused = agentplat(home, "run", "Shout 'x'", "--remote")
    assert refused.code == 1
    assert "needs agent 'loud', which runs only on this machine" in refused.stderr
    assert "without --remote" in refused.stderr and "Traceback" not in refused.stderr
    dry = agentplat(home, "deploy", "--dry-run", "--json")
    assert dry.code == 0, dry.stderr
    environments = [e["name"] for e in dry.json()["environments"]]
    assert "agentplat-math" in environments and not any("loud" in e for e in environments)


def test_agentplat_serving_itself_through_mcp_json_does_not_start_itself_again(home, tmp_path):
    """`agentplat mcp serve` configured as a server of the same agentplat (same mcp.json): the
    served agentplat offers its own tools, not its MCP servers, so it is started once, not
    again by itself without end."""
    starts = tmp_path / "starts.txt"
    launcher = tmp_path / "serve_itself.py"  # notes each start, then becomes `agentplat mcp serve`
    launcher.write_text(
        "import os, sys\n"
        f"open({str(starts)!r}, 'a').write(f'{{os.getpid()}}\\n')\n"
        "os.execv(sys.executable, [sys.executable, '-m', 'agentplat', 'mcp', 'serve'])\n")
    config = {"mcpServers": {"itself": {"command": sys.executable, "args": [str(launcher)],
                                        "env": {"AGENTPLAT_HOME": str(home), "AGENTPLAT_MODEL": "offline"}}}}
    (home / "mcp.json").write_text(json.dumps(config))
    try:
        listed = agentplat(home, "mcp", "list", timeout=90)  # the cache is cold: its tools are listed once
        assert listed.code == 0, listed.stderr
        assert "itself  [ok]" in listed.stdout and "- math__add:" in listed.stdout and "- run:" in listed.stdout
        assert "itself__" not in listed.stdout
        # no waiting needed: a nested start would happen while the served agentplat loads its
        # plugins, before it answers the listing (and the launcher notes a start first thing)
        assert len(starts.read_text().split()) == 1
    finally:  # were it to loop, end every start it made
        for pid in starts.read_text().split() if starts.exists() else []:
            try:
                os.kill(int(pid), 9)
            except ProcessLookupError:
                pass
    ran = agentplat(home, "run", "--json", "Add 3 and 4", timeout=90)
    assert ran.code == 0 and ran.json()["answer"] == "7", ran.stderr
