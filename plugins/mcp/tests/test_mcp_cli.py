"""End to end in fresh processes, offline (no key, AGENTPLAT_HOME in tmp_path): `agentplat mcp
add/list/remove`, `agentplat agents` and `agentplat run` through a configured stdio server,
secrets never shown, and `--remote` refused for a server's steps."""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from pathlib import Path

import pytest

from agentplat.testing import CliResult, run_cli

SERVER = Path(__file__).parent / "servers" / "shout_server.py"

TOKEN = "sk-live-0123456789abcdef"


def agentplat(home, *args: str, engine: str | None = "inline", timeout: float = 120, cwd=None,
              env: dict | None = None) -> CliResult:
    """``agentplat ARGS`` with ``home`` as AGENTPLAT_HOME (and cwd), offline, every plugin loaded."""
    env = {"AGENTPLAT_FLYTE_RECORDS": "0", **({"AGENTPLAT_ENGINE": engine} if engine else {}), **(env or {})}
    return run_cli(*args, env=env, home=home, cwd=cwd or home, timeout=timeout,
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
    added = agentplat(home, "mcp", "add", "ghost", "--force", "--", "/nonexistent/mcp-server")
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


def test_agents_plan_and_list_show_what_tools_do(home, tmp_path):
    assert add_loud(home, tmp_path / "s").code == 0
    agents = agentplat(home, "agents")
    assert agents.code == 0, agents.stderr
    lines = agents.stdout.splitlines()
    assert "    - pin(text) [writes]: Pin a note (adds, never overwrites)." in lines
    assert "    - shred(text) [destructive]: Shred a note for good." in lines
    assert "    - mystery(text) [destructive]: Says nothing about what it does." in lines
    assert "    - shout(text): Shout text: upper-case it and add an exclamation mark." in lines, "reading is bare"
    assert any(line.startswith("    - add(a, b): Add two numbers") for line in lines)
    described = {t["name"]: t for a in agentplat(home, "agents", "--json").json() if a["name"] == "loud"
                 for t in a["tools"]}
    assert (described["pin"]["effect"], described["pin"]["open_world"]) == ("write", False)
    assert (described["shout"]["effect"], described["mystery"]["open_world"]) == ("read", True)

    planned = agentplat(home, "plan", "Pin 'milk', shred 'old list' and shout 'done'")
    assert planned.code == 0, planned.stderr
    assert "[0] loud.pin(text=milk) [writes]" in planned.stdout
    assert "[1] loud.shred(text=old list) [destructive]" in planned.stdout
    assert "[2] loud.shout(text=done)\n" in planned.stdout + "\n"

    listed = agentplat(home, "mcp", "list")
    assert "  - pin [writes]: Pin a note" in listed.stdout and "  - shout: Shout text" in listed.stdout
    tools = {t["name"]: t for t in agentplat(home, "mcp", "list", "--json").json()["servers"][0]["tools"]}
    assert tools["shred"]["annotations"] == {"destructiveHint": True} and tools["shred"]["effect"] == "destructive"


def saved(home) -> dict:
    path = home / "mcp.json"
    return json.loads(path.read_text())["mcpServers"] if path.exists() else {}


def test_add_refuses_a_server_that_does_not_list_its_tools(home, tmp_path):
    for name, command, says in [("cat", ["/bin/cat"], "failed to start"),
                                ("ghost", ["no-such-mcp-server", "x"], "command not found: no-such-mcp-server")]:
        refused = agentplat(home, "mcp", "add", name, "--", *command)
        assert refused.code == 1, refused.stdout
        assert refused.stderr.splitlines() == [f"agentplat: error: {name} not added: " + refused.stderr.split(
            " not added: ", 1)[1].strip()], "one line"
        assert says in refused.stderr and "--force" in refused.stderr and refused.stdout == ""
        assert saved(home) == {} and "cat" not in (home / "mcp-tools.json").read_text() \
            if (home / "mcp-tools.json").exists() else saved(home) == {}

    started = time.monotonic()  # a server that never answers: cut off at the deadline, and stopped
    starts = tmp_path / "starts.txt"
    hung = agentplat(home, "mcp", "add", "hung", "--timeout", "4", "--env", f"SHOUT_STARTS={starts}", "--",
                     sys.executable, str(SERVER), "hang")
    assert hung.code == 1 and "did not list its tools within 4s" in hung.stderr, hung.stderr
    assert time.monotonic() - started < 30 and saved(home) == {}
    if starts.exists():  # it got as far as starting (on a busy machine it may not have): it was stopped
        pid = int(starts.read_text().split()[0])
        assert not Path(f"/proc/{pid}").exists() or Path(f"/proc/{pid}/stat").read_text().split()[2] == "Z"

    forced = agentplat(home, "mcp", "add", "cat", "--force", "--", "/bin/cat")
    assert forced.code == 0 and "did not list its tools" in forced.stdout and list(saved(home)) == ["cat"]


def test_add_saves_absolute_paths_so_the_server_starts_from_any_folder(home, tmp_path):
    python = Path(sys.executable)
    env = {"PATH": f"{python.parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    added = agentplat(home, "mcp", "add", "loud", "--", python.name, SERVER.name, "stdio", cwd=SERVER.parent, env=env)
    assert added.code == 0, added.stderr
    entry = saved(home)["loud"]
    assert entry == {"command": str(python.parent / python.name), "args": [str(SERVER), "stdio"]}
    assert f"command: {python.parent / python.name} {SERVER} stdio" in added.stdout
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    ran = agentplat(home, "run", "Shout 'from elsewhere'", cwd=elsewhere, env={"PATH": "/usr/bin:/bin"})
    assert ran.code == 0 and "Answer: FROM ELSEWHERE!" in ran.stdout, ran.stderr
    helped = agentplat(home, "mcp", "add", "--help")
    assert "absolute path" in " ".join(helped.stdout.split())


def test_adding_a_server_lists_only_that_server(home, tmp_path):
    """The tool cache is per server: adding, editing or removing one leaves the others cached."""
    starts = tmp_path / "starts.txt"

    def add(name: str) -> None:
        done = agentplat(home, "mcp", "add", name, "--env", f"SHOUT_STARTS={starts}", "--", sys.executable, str(SERVER))
        assert done.code == 0, done.stderr

    def count() -> int:
        return len(starts.read_text().split()) if starts.exists() else 0

    add("loud1")
    add("loud2")
    assert count() == 2
    assert agentplat(home, "agents").code == 0 and count() == 2, "each server was listed when it was added"
    add("loud3")
    assert count() == 3
    agents = agentplat(home, "agents")
    assert agents.code == 0 and "loud3  (agentplat-mcp)" in agents.stdout
    assert count() == 3, "listing after an add starts no server"
    assert agentplat(home, "mcp", "remove", "loud1").code == 0
    assert "loud1" not in agentplat(home, "agents").stdout and count() == 3
    assert agentplat(home, "mcp", "add", "--replace", "loud2", "--", sys.executable, str(SERVER)).code == 0
    assert count() == 3  # the new entry has no SHOUT_STARTS
    assert agentplat(home, "agents").code == 0 and count() == 3


def test_a_broken_server_is_one_line_on_stderr_and_the_sdks_words_only_with_debug(home):
    assert agentplat(home, "mcp", "add", "cat", "--force", "--", "/bin/cat").code == 0
    (home / "mcp-tools.json").unlink()  # listed again by the next command
    agents = agentplat(home, "agents")
    assert agents.code == 0
    assert agents.stderr.splitlines() == [agents.stderr.strip()], agents.stderr
    assert "MCP server 'cat' (stdio) failed to start" in agents.stderr
    listed = agentplat(home, "mcp", "list", "--refresh")
    assert "validation" not in listed.stderr and len(listed.stderr.strip().splitlines()) == 1, listed.stderr
    debugged = agentplat(home, "--debug", "mcp", "list", "--refresh")
    assert "Failed to validate request" in debugged.stderr and "validation error" in debugged.stderr


@pytest.mark.skipif(shutil.which("npx") is None, reason="needs Node.js (npx) for the reference filesystem server")
def test_the_reference_filesystem_server_from_npm(home, tmp_path):
    """The MCP project's own filesystem server: its annotations mark what writes and what
    destroys, and a folder given relative to where `mcp add` ran is saved absolute."""
    project = tmp_path / "project"
    (project / "files").mkdir(parents=True)
    (project / "files" / "a.txt").write_text("hello from a file\n")
    added = agentplat(home, "mcp", "add", "fs", "--timeout", "120", "--", "npx", "-y",
                      "@modelcontextprotocol/server-filesystem", "files", cwd=project, timeout=180)
    assert added.code == 0, added.stderr
    entry = saved(home)["fs"]
    assert entry["command"] == shutil.which("npx") and entry["args"][-1] == str(project / "files")
    agents = agentplat(home, "agents")
    assert agents.code == 0, agents.stderr
    marks = {line.split("(")[0].strip("- "): line for line in agents.stdout.splitlines()
             if line.startswith("    - ")}
    assert "[destructive]:" in marks["write_file"] and "[destructive]:" in marks["move_file"]
    assert "[writes]:" in marks["create_directory"]
    assert "[" not in marks["read_text_file"].split(":")[0] and "[" not in marks["list_directory"].split(":")[0]
    ran = agentplat(home, "run", f"Read the text file '{project / 'files' / 'a.txt'}'", cwd=tmp_path, timeout=180)
    assert ran.code == 0 and "hello from a file" in ran.stdout, ran.stderr

    # a tool that writes is never run on a vague request, nor without approval
    files = project / "files"
    target = files / "new.txt"
    for vague in ("Create an entity named Alice of type person", f"Write 'hello' '{target}'",
                  "Make a directory for the report", f"Write 'hello' to '{target}' and 'other'"):
        refused = agentplat(home, "run", vague, cwd=tmp_path, timeout=180)
        assert refused.code != 0 and "Traceback" not in refused.stderr, (vague, refused.stdout)
        assert len(refused.stderr.strip().splitlines()) == 1, refused.stderr
    assert sorted(p.name for p in files.iterdir()) == ["a.txt"] and not (tmp_path / "hello").exists()
    unapproved = agentplat(home, "run", f"Write 'hello' to the file '{target}'", cwd=tmp_path, timeout=180)
    assert unapproved.code != 0 and "fs.write_file" in unapproved.stderr and "--approve" in unapproved.stderr
    assert not target.exists()
    approved = agentplat(home, "run", f"Write 'hello' to the file '{target}'", "--approve", "fs.write_file",
                         cwd=tmp_path, timeout=180)
    assert approved.code == 0, approved.stderr
    assert target.read_text() == "hello"


# A server name typed into mcp.json by hand never takes an installed plugin's agent: `mcp add`
# refuses such a name, and a hand edit must not get around it. The installed agent keeps its
# name, the server is left out with one warning line saying how to fix it, the other servers
# load as before; only an explicit [agents] choice gives the name to the server.

def hand_written(home, *names: str) -> None:
    """mcp.json as a person writes it: servers whose ``add`` tool always answers 666."""
    entry = {"command": sys.executable, "args": [str(SERVER)], "env": {"SHOUT_WRONG_ADD": "1"}}
    (home / "mcp.json").write_text(json.dumps({"mcpServers": {name: entry for name in names}}))


def warnings(result) -> list[str]:
    return [line for line in result.stderr.splitlines() if "warning" in line]


def test_a_server_named_like_an_installed_agent_is_left_out_with_one_warning(home):
    hand_written(home, "math", "other")

    ran = agentplat(home, "run", "--json", "Add 3 and 4")
    assert ran.code == 0, ran.stderr
    assert ran.json()["answer"] == "7"
    assert [(s["agent"], s["tool"]) for s in ran.json()["plan"]["steps"]] == [("math", "add")]
    mcp_json = home / "mcp.json"
    [warning] = warnings(ran)
    assert f"the MCP server 'math' in {mcp_json} is not loaded" in warning
    assert "rename it in mcp.json" in warning and "agentplat mcp remove math" in warning

    listed = agentplat(home, "agents", "--json")
    assert listed.code == 0 and len(warnings(listed)) == 1
    owners = {a["name"]: a["plugin"] for a in listed.json()}
    assert owners["math"] == "agentplat-math" and owners["other"] == "agentplat-mcp"
    plugins = {p["name"]: p for p in agentplat(home, "plugins", "--json").json()}
    assert plugins["agentplat-mcp"]["status"] == plugins["agentplat-math"]["status"] == "ok"
    assert plugins["agentplat-mcp"]["agents"] == ["other"]
    servers = {s["name"]: s for s in agentplat(home, "mcp", "list", "--json").json()["servers"]}
    assert servers["other"]["status"] == "ok" and servers["math"]["status"] == "error"
    assert servers["math"]["error"] == "not loaded: the agent name 'math' is agentplat-math's (rename the server)"

    # only an explicit choice gives the name to the server
    (home / "config.toml").write_text('[agents]\nmath = "agentplat-mcp"\n')
    listed = agentplat(home, "agents", "--json")
    assert listed.code == 0, listed.stderr
    assert {a["name"]: a["plugin"] for a in listed.json()}["math"] == "agentplat-mcp"
    assert warnings(listed) == []


def test_an_mcp_json_that_is_not_utf8_or_not_json_names_its_line_and_column(home):
    """A hand-edited mcp.json that is broken leaves the servers out, naming the place to fix."""
    mcp_json = home / "mcp.json"
    for content, where in [(b'{"mcpServers": {\n  "a": {"command": "x\xff"}}}', "2:22: not valid UTF-8 text (byte 0xff)"),
                           (b'{"mcpServers": {\n  "a": {"command": }}}', "2:20: not valid JSON (Expecting value)")]:
        mcp_json.write_bytes(content)
        listed = agentplat(home, "agents")
        assert listed.code == 0 and "Traceback" not in listed.stderr
        assert listed.stderr.splitlines() == [f"agentplat: warning: MCP servers not loaded: {mcp_json}:{where}"]
