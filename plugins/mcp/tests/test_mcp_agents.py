"""MCP servers as agents: real servers written with the SDK (stdio and Streamable HTTP),
listed, cached, planned by the offline and LLM planners, called in the specialist loop,
one session per server per run, and clean failures."""

from __future__ import annotations

import asyncio
import json
import os
import time


import agentplat
from agentplat import Step, plan_request, run_request
from agentplat.testing import ScriptedModel, ScriptedToolCall, wait_until


def load() -> agentplat.Registry:
    return agentplat.Registry.load()


def run(request: str, registry, **options):
    options.setdefault("model", "offline")
    options.setdefault("engine", "inline")
    return asyncio.run(asyncio.wait_for(run_request(request, registry=registry, **options), 60))


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as fh:  # a zombie is not running
        return fh.read().split()[2] != "Z"


def gone(pid: int, timeout: float = 10) -> bool:
    try:
        return wait_until(lambda: not alive(pid), timeout, interval=0.05)
    except TimeoutError:
        return False


def test_each_server_is_an_agent_with_the_servers_tools(servers):
    servers.stdio("loud")
    registry = load()
    agent = registry.agent("loud")
    assert agent.plugin == "agentplat-mcp" and agent.local_only
    assert [t.name for t in agent.tools] == ["shout", "word_stats", "secret_length", "explode", "snooze", "flood",
                                             "burrow", "refuse", "pin", "shred", "mystery"]
    shout = agent.tool("shout")
    assert shout.description == "Shout text: upper-case it and add an exclamation mark."
    assert shout.parameters["properties"]["text"]["type"] == "string"
    assert shout.parameters["required"] == ["text"]
    # a dotted MCP name is served under a name the planner and OpenAI accept, and says so
    assert "'word.stats'" in agent.tool("word_stats").description


def test_listing_is_cached_and_keyed_by_the_config(servers, home):
    servers.stdio("loud")
    load()
    assert len(servers.starts()) == 1
    load()
    load()
    assert len(servers.starts()) == 1, "a fresh cache must not start the server"
    cached = (home / "mcp-tools.json").read_text()
    servers.stdio("loud", env={"SHOUT_TOKEN": "s3cret-value"})  # an edit lists the tools again
    assert load().agent("loud").tool("shout")
    assert len(servers.starts()) == 2
    assert "s3cret-value" not in (home / "mcp-tools.json").read_text() and cached


def test_offline_run_uses_one_session_per_server_and_stops_it(servers):
    servers.stdio("loud")
    registry = load()
    before = len(servers.starts())
    result = run("Shout 'hello' and shout 'world'", registry)
    assert result.status == "succeeded", result.first_error()
    assert [s.result for s in result.steps] == ["HELLO!", "WORLD!"]
    started = servers.starts()[before:]
    assert len(started) == 1, "two steps of one run share one server"
    assert gone(int(started[0])), "the server is stopped when the run ends"
    run("Shout 'again'", registry)
    assert len(servers.starts()) == before + 2, "each run has its own session"


def test_offline_planner_routes_by_name_and_description(servers):
    servers.stdio("loud")
    planned = asyncio.run(plan_request("Shout 'hi'", model="offline", registry=load()))
    assert [(s.agent, s.tool, s.args) for s in planned.plan.steps] == [("loud", "shout", {"text": "hi"})]


def test_llm_planner_direct_steps_pass_structured_results(servers, openai_server, monkeypatch):
    servers.stdio("loud")
    monkeypatch.setenv("OPENAI_BASE_URL", openai_server.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    registry = load()
    openai_server.reply(json.dumps({"steps": [
        {"agent": "loud", "tool": "shout", "args": {"text": "ab cd ef"}, "dependencies": []},
        {"agent": "loud", "tool": "word_stats", "args": {"text": "$0"}, "dependencies": [0]},
        {"agent": "math", "tool": "multiply", "args": {"a": "$1.words", "b": 10}, "dependencies": [1]},
    ]}))
    result = run("Shout 'ab cd ef', count its words and multiply them by 10", registry, model=None)
    assert result.status == "succeeded", result.first_error()
    assert result.steps[0].result == "AB CD EF!"
    assert result.steps[1].result == {"words": 3, "letters": 6}
    assert result.answer == "30"
    planner_prompt = json.dumps(openai_server.chat_requests[0].body)
    assert "word_stats" in planner_prompt and "loud" in planner_prompt


def test_specialist_loop_calls_server_tools(servers):
    servers.stdio("loud")
    registry = load()
    model = ScriptedModel([ScriptedToolCall("shout", {"text": "abc"}), "ABC!"])
    done = asyncio.run(asyncio.wait_for(model.run_task(Step(agent="loud", task="Shout abc"), {}, registry), 60))
    assert done.result == "ABC!"
    offered = {t["function"]["name"] if "function" in t else t["name"] for t in model.requests[0].tools}
    assert {"shout", "word_stats"} <= offered


def test_streamable_http_server(servers, http_server):
    servers.url("remote_loud", http_server)
    registry = load()
    assert registry.agent("remote_loud").tool("shout")
    result = run("Shout 'over http'", registry)
    assert result.status == "succeeded", result.first_error()
    assert result.answer == "OVER HTTP!"


def test_a_tool_error_is_a_step_failure_with_the_servers_message(servers):
    servers.stdio("loud")
    result = run("Refuse 'this'", load())
    assert result.status == "failed"
    assert "MCP server 'loud'" in result.first_error() and "refusing this" in result.first_error()


def test_a_server_that_dies_mid_run_fails_the_step_cleanly(servers):
    servers.stdio("loud")
    registry = load()
    started = time.monotonic()
    result = run("Explode 'boom'", registry)
    assert result.status == "failed"
    assert "MCP server 'loud'" in result.first_error() and "closed" in result.first_error()
    assert time.monotonic() - started < 15


def test_a_server_that_fails_to_start_names_itself_and_hides_its_secrets(servers, tmp_path):
    flag = tmp_path / "break"
    servers.stdio("loud", env={"SHOUT_TOKEN": "tok-12345678", "SHOUT_BREAK_FILE": str(flag)})
    registry = load()  # listed while it worked
    flag.write_text("broken")
    result = run("Shout 'x' and shout 'y'", registry)
    assert result.status == "failed"
    errors = [s.error for s in result.steps]
    assert all("MCP server 'loud' (stdio) failed to start" in e for e in errors), errors
    assert "cannot start: bad token ***" in errors[0]
    assert "tok-12345678" not in json.dumps(result.to_json())
    assert len(servers.starts()) == 2, "a server that failed to start is not started again in the run"


def test_a_server_that_hangs_is_cut_off(servers, tmp_path, monkeypatch):
    flag = tmp_path / "break"
    servers.stdio("loud", env={"SHOUT_BREAK_FILE": str(flag)})
    registry = load()
    flag.write_text("hang")
    monkeypatch.setenv("AGENTPLAT_MCP_START_TIMEOUT", "2")
    started = time.monotonic()
    result = run("Shout 'x'", registry)
    assert result.status == "failed"
    assert "MCP server 'loud' (stdio) failed to start: no answer within 2s" in result.first_error()
    assert time.monotonic() - started < 12
    assert gone(int(servers.starts()[-1])), "a hung server is stopped"


def test_a_call_that_hangs_is_cut_off_and_the_run_ends(servers, monkeypatch):
    servers.stdio("loud")
    registry = load()
    monkeypatch.setenv("AGENTPLAT_MCP_CALL_TIMEOUT", "6")  # room for the other call on a busy machine
    started = time.monotonic()
    result = run("Snooze 'zzz' and shout 'awake'", registry)
    assert result.status == "partial", [s.error for s in result.steps]
    assert result.steps[1].result == "AWAKE!"
    assert "MCP server 'loud' (stdio) failed to run snooze" in result.steps[0].error
    assert time.monotonic() - started < 30
    assert gone(int(servers.starts()[-1])), "the run stops its server even with a call in flight"


def test_a_server_that_cannot_list_is_left_out_and_reported(servers, capfd):
    servers.add("missing", {"command": "/nonexistent/mcp-server"})
    servers.stdio("loud")
    registry = load()
    assert "missing" not in registry.agents and "loud" in registry.agents
    assert "MCP server 'missing'" in capfd.readouterr().err


def test_effects_come_from_the_annotations_with_the_specs_defaults(servers):
    servers.stdio("loud")
    agent = load().agent("loud")
    found = {t.name: (t.effect, t.open_world, t.acts) for t in agent.tools}
    assert found["shout"] == ("read", False, False)  # readOnlyHint, openWorldHint false
    assert found["pin"] == ("write", False, True)  # destructiveHint false: adds only
    assert found["shred"] == ("destructive", True, True)  # says destructive; open world by default
    assert found["mystery"] == ("destructive", True, True), "a tool that says nothing is destructive"


def test_effect_of_each_combination_of_hints():
    from agentplat_mcp.agents import effect_of

    assert effect_of(None) == ("destructive", True)
    assert effect_of({}) == ("destructive", True)
    assert effect_of({"readOnlyHint": True}) == ("read", True)
    assert effect_of({"readOnlyHint": True, "destructiveHint": True}) == ("read", True), \
        "destructiveHint means nothing for a read-only tool"
    assert effect_of({"readOnlyHint": False, "destructiveHint": False}) == ("write", True)
    assert effect_of({"destructiveHint": False, "idempotentHint": True}) == ("write", True)
    assert effect_of({"destructiveHint": True, "openWorldHint": False}) == ("destructive", False)
    assert effect_of({"readOnlyHint": True, "openWorldHint": False}) == ("read", False)


def test_the_config_overrides_named_tools_effects(servers, home):
    entry = servers.stdio("loud")
    servers.add("loud", {**entry, "effects": {"mystery": "read", "word.stats": "write", "shout": "destructive"}})
    agent = load().agent("loud")
    assert agent.tool("mystery").effect == "read"
    assert agent.tool("word_stats").effect == "write", "the server's own (dotted) name works"
    assert agent.tool("shout").effect == "destructive"
    assert agent.tool("shred").effect == "destructive"
    assert len(servers.starts()) == 1
    servers.add("loud", {**entry, "effects": {"mystery": "write"}})
    assert load().agent("loud").tool("mystery").effect == "write"
    assert len(servers.starts()) == 1, "an override changes no tool list: nothing is listed again"


def test_a_bad_effect_in_the_config_names_the_server(servers, capfd):
    entry = servers.stdio("loud")
    servers.add("loud", {**entry, "effects": {"mystery": "harmless"}})
    assert "loud" not in load().agents
    err = capfd.readouterr().err
    assert "server 'loud': effects: mystery=harmless: an effect is one of read, write, destructive" in err
    assert len(err.strip().splitlines()) == 1


def test_a_cache_of_an_older_format_is_listed_again_not_misread(servers, home):
    servers.stdio("loud")
    registry = load()
    assert len(servers.starts()) == 1
    current = json.loads((home / "mcp-tools.json").read_text())
    assert current["format"] == 2
    old = {"loud": {k: v for k, v in current["servers"]["loud"].items()}}
    for tool in old["loud"]["tools"]:
        del tool["annotations"]
    (home / "mcp-tools.json").write_text(json.dumps(old))  # the first format: a flat object, no annotations
    assert load().agent("loud").tool("shout").effect == "read"
    assert len(servers.starts()) == 2, "an older cache is rebuilt"
    assert json.loads((home / "mcp-tools.json").read_text())["format"] == 2
    assert registry.agent("loud").tool("pin").effect == "write"
