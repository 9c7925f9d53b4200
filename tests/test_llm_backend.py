"""The real ``openai`` client over loopback HTTP: planning, repairs, streaming, specialists, retries."""

from __future__ import annotations

import asyncio
import json
import time

import pytest

from agentplat._common.errors import PlanningError
from agentplat._run.request import run_request
from agentplat.testing import ScriptedToolCall, run_cli

PLAN = {"steps": [
    {"agent": "math", "tool": "multiply", "args": {"a": 10, "b": 5}, "dependencies": []},
    {"agent": "math", "tool": "multiply", "args": {"a": 7, "b": 8}, "dependencies": []},
    {"agent": "math", "tool": "add", "args": {"a": "$0", "b": "$1"}, "dependencies": [0, 1]},
]}
REQUEST = "Calculate 10 times 5 and 7 times 8, then add them"


def cli_env(server):
    return {"OPENAI_BASE_URL": server.base_url, "OPENAI_API_KEY": "sk-test", "AGENTPLAT_RETRY_WAIT": "0.01"}


def run(request=REQUEST, **kwargs):
    return asyncio.run(run_request(request, **kwargs))


def test_a_fenced_chatty_plan_is_accepted_and_direct_tool_steps_cost_no_extra_call(endpoint):
    endpoint.reply("Sure! Here is the plan:\n```json\n" + json.dumps(PLAN, indent=2) + "\n```\nLet me know!")
    result = run()
    assert result.status == "succeeded"
    assert result.answer == "106"
    assert result.llm_calls == 1
    assert len(endpoint.chat_requests) == 1
    assert result.usage.prompt_tokens > 0 and result.usage.completion_tokens > 0


def test_the_planner_prompt_shows_each_tool_as_an_example_step_and_constrains_the_plan(endpoint):
    endpoint.reply(json.dumps(PLAN))
    run()
    body = endpoint.chat_requests[0].body
    system = body["messages"][0]["content"]
    assert "- math: " in system  # the agents, for task steps
    assert '{"agent": "math", "tool": "multiply", "args": {"a": 1, "b": 1}, "dependencies": []}' in system
    assert '"args": {"a": "$0", "b": 5}, "dependencies": [0]}' in system  # a worked example of chaining
    assert "weather." not in system and "report." not in system  # tools the request does not call for
    schema = body["response_format"]["json_schema"]["schema"]
    variants = schema["properties"]["steps"]["items"]["anyOf"]
    multiply = next(v for v in variants if v["properties"].get("tool") == {"type": "string", "enum": ["multiply"]})
    assert multiply["properties"]["agent"] == {"type": "string", "enum": ["math"]}
    assert multiply["properties"]["args"]["required"] == ["a", "b"]
    assert body["temperature"] == 0 and 512 <= body["max_tokens"] <= 4096


def test_a_plan_with_a_cycle_is_repaired_on_the_second_try(endpoint):
    cyclic = {"steps": [
        {"agent": "math", "tool": "add", "args": {"a": "$1", "b": 1}, "dependencies": [1]},
        {"agent": "math", "tool": "add", "args": {"a": "$0", "b": 1}, "dependencies": [0]},
    ]}
    endpoint.reply(json.dumps(cyclic)).reply(json.dumps(PLAN))
    result = run()
    assert result.answer == "106"
    assert result.llm_calls == 2
    repair = endpoint.chat_requests[1].messages
    assert repair[-2] == {"role": "assistant", "content": json.dumps(cyclic)}
    assert "cycle" in repair[-1]["content"]


def test_a_plan_that_never_becomes_valid_fails_with_one_clear_line(endpoint):
    bad = json.dumps({"steps": [{"agent": "astrologer", "task": "read the stars"}]})
    for _ in range(3):
        endpoint.reply(bad)
    result = run_cli("run", "What do the stars say?", env=cli_env(endpoint))
    assert result.code != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr
    assert "after 2 repairs" in lines[0] and "unknown agent 'astrologer'" in lines[0]
    assert len(endpoint.chat_requests) == 3


def test_a_specialist_step_runs_a_two_tool_chain(endpoint):
    plan = {"steps": [{"agent": "math", "task": "Multiply 6 by 7, then add 8 to the product", "dependencies": []}]}

    def specialist(body):
        tool_results = [m for m in body["messages"] if m["role"] == "tool"]
        if not tool_results:
            return ScriptedToolCall("multiply", {"a": 6, "b": 7})
        if len(tool_results) == 1:
            return ScriptedToolCall("add", {"a": json.loads(tool_results[0]["content"]), "b": 8})
        return "The answer is 50."

    endpoint.reply(json.dumps(plan))
    endpoint.handler = specialist
    result = run("Multiply 6 by 7 and add 8, via the math agent")
    assert result.status == "succeeded"
    assert result.answer == "50"  # the last tool result, not the prose
    assert result.llm_calls == 4  # plan + three specialist turns
    calls = endpoint.chat_requests
    assert [t["function"]["name"] for t in calls[1].body["tools"]] == [
        t["function"]["name"] for t in calls[2].body["tools"]
    ]


def test_malformed_tool_arguments_go_back_to_the_model_as_a_tool_error(endpoint):
    plan = {"steps": [{"agent": "math", "task": "Add 2 and 3", "dependencies": []}]}
    endpoint.reply(json.dumps(plan))
    endpoint.reply(ScriptedToolCall("add", '{"a": 2, "b": '))  # truncated JSON
    endpoint.reply(ScriptedToolCall("add", {"a": 2, "b": 3}))
    endpoint.reply("5")
    result = run("Add 2 and 3 with the math agent")
    assert result.answer == "5"
    error_message = [m for m in endpoint.chat_requests[2].messages if m["role"] == "tool"][0]
    assert "not valid JSON" in error_message["content"]


def test_dependency_results_reach_a_specialist_as_context(endpoint):
    plan = {"steps": [
        {"agent": "math", "tool": "multiply", "args": {"a": 6, "b": 7}, "dependencies": []},
        {"agent": "math", "task": "Add 8 to the previous result", "dependencies": [0]},
    ]}
    endpoint.reply(json.dumps(plan)).reply(ScriptedToolCall("add", {"a": 42, "b": 8})).reply("50")
    result = run("Multiply 6 by 7, then add 8 to the previous result")
    assert result.answer == "50"
    system = endpoint.chat_requests[1].messages[0]["content"]
    assert "step 0: 42" in system


class Timeline:
    """A run listener that notes when each step started (monotonic clock, as the server's)."""

    def __init__(self):
        self.started: dict[int, float] = {}

    def planned(self, index, step):
        pass

    def plan_ready(self, plan, planner=""):
        pass

    def step_event(self, index, outcome):
        if outcome.status == "running":
            self.started.setdefault(index, time.monotonic())


def test_a_streamed_plan_starts_its_first_step_before_the_last_token_arrives(endpoint):
    endpoint.chunk_size = 12
    endpoint.chunk_delay = 0.03
    endpoint.reply(json.dumps(PLAN))
    timeline = Timeline()
    result = run(listener=timeline)
    assert result.answer == "106"
    last_chunk = endpoint.chat_requests[0].chunk_times[-1]
    assert endpoint.chat_requests[0].stream
    assert timeline.started[0] < last_chunk


def test_a_streamed_step_that_turns_out_invalid_stops_the_run_cleanly(endpoint):
    endpoint.chunk_size = 12
    endpoint.chunk_delay = 0.02
    broken = {"steps": [PLAN["steps"][0], {"agent": "math", "tool": "teleport", "args": {}, "dependencies": []}]}
    for _ in range(3):
        endpoint.reply(json.dumps(broken))
    result = run()
    assert result.status == "failed"
    assert "no tool 'teleport'" in result.error
    assert len(result.steps) == 1  # the valid first step ran; nothing after the bad one
    assert result.steps[0].status == "succeeded" and result.steps[0].result == 50


@pytest.mark.parametrize("status", [429, 500, 503])
def test_transient_endpoint_errors_are_retried(endpoint, status):
    endpoint.fail(status).reply(json.dumps(PLAN))
    result = run()
    assert result.answer == "106"
    assert [r.status for r in endpoint.chat_requests] == [status, 200]
    assert result.llm_calls == 1  # a retried call is one call


def test_synthesize_streams_prose_beside_the_computed_answer_never_instead_of_it(endpoint):
    endpoint.reply(json.dumps(PLAN)).reply("No part could not be done.")
    result = run_cli("run", REQUEST, "--synthesize", env=cli_env(endpoint))
    assert result.code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[-3:-1] == ["Answer: 106", "In words: No part could not be done."]
    assert endpoint.chat_requests[1].stream
    endpoint.reply(json.dumps(PLAN)).reply("Together they make 106.")
    data = run_cli("run", REQUEST, "--synthesize", "--json", env=cli_env(endpoint)).json()
    assert data["answer"] == "106" and data["synthesis"] == "Together they make 106."
    assert data["llm_calls"] == 2


def test_synthesize_with_the_offline_model_says_it_adds_nothing():
    result = run_cli("run", "What is 2 plus 3", "--synthesize", "--model", "offline")
    assert result.code == 0 and "Answer: 5" in result.stdout
    assert "the offline model writes no prose" in result.stderr


def test_a_failed_plan_still_prints_the_run_as_json_with_its_id(endpoint):
    endpoint.handler = lambda body: "no plan, sorry"
    result = run_cli("run", REQUEST, "--json", env=cli_env(endpoint))
    assert result.code == 1
    data = result.json()
    assert data["status"] == "failed" and data["steps"] == [] and data["answer"] is None
    assert "did not produce a valid plan" in data["error"] and data["llm_calls"] == 3
    assert result.stderr.strip().endswith(f"(run {data['run_id']})")
    shown = run_cli("show", data["run_id"], "--json").json()
    assert shown["status"] == "failed" and shown["llm_calls"] == 3


def test_run_json_reports_usage(endpoint):
    endpoint.reply(json.dumps(PLAN))
    result = run_cli("run", REQUEST, "--json", env=cli_env(endpoint))
    data = result.json()
    assert data["llm_calls"] == 1
    assert data["usage"]["prompt_tokens"] > 0 and data["usage"]["total_tokens"] > data["usage"]["prompt_tokens"]


def test_an_unknown_model_is_one_clear_line(endpoint):
    result = run_cli("run", REQUEST, "--model", "no-such-model", env=cli_env(endpoint))
    assert result.code != 0
    assert result.stderr.strip() .count("\n") == 0
    assert "model 'no-such-model' was not found" in result.stderr


def test_a_wrong_key_is_one_clear_line(endpoint):
    endpoint.api_key = "sk-test"
    env = cli_env(endpoint) | {"OPENAI_API_KEY": "sk-wrong"}
    result = run_cli("run", REQUEST, env=env)
    assert result.code != 0 and "rejected the API key" in result.stderr
    assert "Traceback" not in result.stderr


def test_an_unreachable_endpoint_is_one_clear_line():
    env = {"OPENAI_BASE_URL": "http://127.0.0.1:9/v1", "OPENAI_API_KEY": "x", "AGENTPLAT_RETRY_WAIT": "0.01",
           "AGENTPLAT_DETERMINISTIC_FIRST": "0"}  # the offline plan would serve it with no call
    result = run_cli("run", REQUEST, env=env)
    assert result.code != 0
    assert "cannot get an answer from http://127.0.0.1:9/v1" in result.stderr
    assert result.stderr.strip().count("\n") == 0


def test_a_missing_key_for_openai_itself_is_one_clear_line():
    result = run_cli("run", REQUEST, "--model", "openai:gpt-4o-mini", env={"OPENAI_API_KEY": "", "OPENAI_BASE_URL": ""})
    assert result.code != 0
    assert "OPENAI_API_KEY is not set" in result.stderr


def test_offline_can_be_forced_while_an_endpoint_is_configured(endpoint):
    result = run_cli("run", REQUEST, "--model", "offline", "--json", env=cli_env(endpoint))
    assert result.json()["answer"] == "106"
    assert endpoint.chat_requests == []


def test_an_empty_request_never_reaches_the_model(endpoint):
    with pytest.raises(PlanningError, match="empty"):
        run("  ")
    assert endpoint.chat_requests == []


def test_a_model_can_be_chosen_per_role_in_the_config_file(endpoint, home):
    (home / "config.toml").write_text('[models]\ndefault = "gpt-4o-mini"\nplanner = "gpt-4o"\n')
    plan = {"steps": [{"agent": "math", "task": "Add 2 and 3", "dependencies": []}]}
    endpoint.reply(json.dumps(plan)).reply(ScriptedToolCall("add", {"a": 2, "b": 3})).reply("5")
    result = run("Add 2 and 3 via the math agent")
    assert result.answer == "5"
    assert [r.model for r in endpoint.chat_requests] == ["gpt-4o", "gpt-4o-mini", "gpt-4o-mini"]


def test_a_broken_config_file_is_one_clear_line(endpoint, home):
    (home / "config.toml").write_text("[models\nplanner = ")
    result = run_cli("run", REQUEST, env=cli_env(endpoint))
    assert result.code != 0
    assert "config.toml:1:8: not valid TOML" in result.stderr and "Traceback" not in result.stderr


def test_tools_that_use_a_model_follow_the_runs_model(endpoint, tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "tidal.md").write_text("# Tidal power\n\nTidal power turns the rise and fall of the tides into "
                                   "electricity. Tidal power stations use barrages or underwater turbines.\n")
    env = cli_env(endpoint) | {"AGENTPLAT_REPORTS_DIR": str(tmp_path / "reports"),
                               "AGENTPLAT_SEARCH_BACKEND": "local", "AGENTPLAT_SEARCH_PATH": str(docs)}
    result = run_cli("run", "write a report on tidal power", "--model", "offline", "--json", env=env)
    assert result.code == 0, result.stderr
    assert result.json()["answer"].endswith("report.md")
    assert endpoint.chat_requests == []  # --model offline held inside the report tool too


def test_an_endpoint_without_json_mode_is_asked_again_in_plain_text(endpoint):
    from agentplat.testing import Fail

    def no_json_mode(body):
        if "response_format" in body:
            return Fail(400, message="response_format is not supported by this server")
        return "```json\n" + json.dumps(PLAN) + "\n```"

    endpoint.handler = no_json_mode
    result = run()
    assert result.answer == "106"
    sent = [r.body for r in endpoint.chat_requests]
    # each form the server refuses is asked once: schema, schema in JSON mode, JSON mode, none
    assert [(b.get("response_format") or {}).get("type") for b in sent] == \
        ["json_schema", "json_object", "json_object", None]
    endpoint.reset()
    endpoint.handler = no_json_mode
    assert run().answer == "106"
    assert ["response_format" in r.body for r in endpoint.chat_requests] == [False]  # remembered


def test_a_stream_cut_off_mid_way_is_retried_without_dispatching_a_step_twice(monkeypatch):
    from agentplat import TransientError
    from agentplat._llm.chat import ChatResponse
    from agentplat._models.chat_model import ChatModel
    from agentplat._plugin.registry import Registry, get_registry

    monkeypatch.setenv("AGENTPLAT_RETRY_WAIT", "0.01")
    monkeypatch.setenv("AGENTPLAT_DETERMINISTIC_FIRST", "0")  # the model plans, as this test is about its stream
    text = json.dumps(PLAN)
    cut = text.index('{"agent": "math", "tool": "add"')  # two whole steps, then the connection drops

    class FlakyStream:
        """A chat client whose first stream breaks after two steps."""

        calls = 0

        async def chat(self, request, on_text=None):
            FlakyStream.calls += 1
            if FlakyStream.calls == 1:
                on_text(text[:cut])
                raise TransientError("connection reset mid-stream")
            for i in range(0, len(text), 10):
                on_text(text[i:i + 10])
            return ChatResponse(text=text, prompt_tokens=10, completion_tokens=20)

    class Backend:
        name = "flaky"

        def configured(self):
            return True

        def create(self, model=None):
            return ChatModel(FlakyStream(), name="flaky", default_model="m")

    installed = get_registry()
    registry = Registry(agents=installed.agents, parsers=installed.parsers, models={"flaky": Backend()})
    handed_over = []

    class Count(Timeline):
        def planned(self, index, step):
            handed_over.append(index)

    result = asyncio.run(run_request(REQUEST, model="flaky", engine="inline", listener=Count(), registry=registry))
    assert result.answer == "106"
    assert handed_over == [0, 1, 2]  # steps 0 and 1 streamed twice, handed over once
    assert FlakyStream.calls == 2


def test_a_streamed_plan_over_the_step_limit_is_cut_there_and_leaves_nothing_running(endpoint, home):
    from agentplat._plan.graph import MAX_STEPS
    from agentplat.extend import run_store

    count = MAX_STEPS + 100
    (home / "config.toml").write_text("[llm.max_tokens]\nplanner = 1000000\n")  # the budget does not stop it
    endpoint.chunk_size, endpoint.chunk_delay = 64, 0.003
    reply = json.dumps({"steps": [
        {"agent": "math", "tool": "add", "args": {"a": i, "b": 1}, "dependencies": []} for i in range(count)]})
    for _ in range(3):  # what repairs would get
        endpoint.reply(reply)
    result = run_cli("run", " ".join(f"Add {i} and 1." for i in range(count)), env=cli_env(endpoint))
    assert result.code == 1
    [run] = run_store().list_runs()
    assert run["status"] == "failed"
    steps = run_store().steps(run["run_id"])
    assert steps and max(s["idx"] for s in steps) < MAX_STEPS  # nothing beyond the limit
    assert [s for s in steps if s["status"] in ("running", "waiting")] == []
    assert len(endpoint.chat_requests) == 1  # refused, not sent back for repairs
    sent, whole = len(endpoint.chat_requests[0].chunk_times), len(reply) // 64
    assert sent < whole * 0.95, f"the stream was read to its end ({sent} of {whole} chunks)"
    assert f"more than {MAX_STEPS} steps" in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_a_plan_that_drops_a_number_of_the_request_is_repaired_never_answered(endpoint):
    """A small model once planned only "add 12 and 30" for "... then multiply the result by 2"
    and the run answered 42 with exit 0: a plan that leaves out a number the request gives
    answers another question, so it goes back for repair, and is refused if it stays so."""
    partial = json.dumps({"steps": [{"agent": "math", "tool": "add", "args": {"a": 12, "b": 30}, "dependencies": []}]})
    whole = json.dumps({"steps": [
        {"agent": "math", "tool": "add", "args": {"a": 12, "b": 30}, "dependencies": []},
        {"agent": "math", "tool": "multiply", "args": {"a": "$0", "b": 2}, "dependencies": [0]}]})
    request = "Add 12 and 30, then multiply the result by 2"
    endpoint.reply(partial).reply(whole)
    result = run(request)
    assert result.answer == "84" and result.llm_calls == 2
    assert "no step uses the request's 2" in endpoint.chat_requests[1].messages[-1]["content"]
    for _ in range(3):
        endpoint.reply(partial)
    try:  # refused before any step ran, or (its step already streamed and ran) reported failed
        result = run(request)
    except PlanningError as exc:
        assert "no step uses the request's 2" in str(exc)
    else:
        assert result.status == "failed" and "no step uses the request's 2" in result.error, result.error
