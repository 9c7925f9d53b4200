"""Hostile model replies (JSON nested past Python's recursion limit, integers longer than
``int()`` reads, thousands of stray braces) go the planner's ordinary way: a repair round
that names the problem, then one clean error line, on the inline and the Flyte engine.
The replies come from the real OpenAI-compatible loopback server."""

from __future__ import annotations

import json

import pytest

from agentplat._common.errors import PlanValidationError
from agentplat._common.wording import embedded_json
from agentplat._plan.graph import Plan
from agentplat._plan.extract import StepScanner, extract_plan
from agentplat._refine.critique import CritiqueError, parse_critique
from agentplat.testing import run_cli

GOOD = json.dumps({"steps": [{"agent": "math", "tool": "add", "args": {"a": 1, "b": 2}, "dependencies": []}]})
DEEP = ('{"steps": [{"agent": "math", "tool": "add", "args": {"a": ' + "[" * 3000 + "]" * 3000
        + ', "b": 1}, "dependencies": []}]}')
HUGE = '{"steps": [{"agent": "math", "tool": "factorial", "args": {"n": ' + "9" * 5000 + '}, "dependencies": []}]}'
REASONS = {"deep": "nests more than 64 levels deep", "huge": "a number with more than 4300 digits"}
REPLIES = {"deep": DEEP, "huge": HUGE}


@pytest.fixture
def big_plans(home):
    """Room for a long plan reply, as a user raises it in config.toml."""
    (home / "config.toml").write_text("[llm.max_tokens]\nplanner = 100000\n")


def env_for(server, engine):
    return {"OPENAI_BASE_URL": server.base_url, "OPENAI_API_KEY": "sk-test", "AGENTPLAT_RETRY_WAIT": "0.01",
            "AGENTPLAT_ENGINE": engine}


@pytest.mark.parametrize("engine", ["inline", "flyte"])
@pytest.mark.parametrize("kind", ["deep", "huge"])
def test_a_hostile_plan_reply_gets_a_repair_round_that_names_the_problem(openai_server, big_plans, kind, engine):
    openai_server.reply(REPLIES[kind]).reply(GOOD)
    result = run_cli("run", "add 1 and 2", env=env_for(openai_server, engine))
    assert result.code == 0, result.stderr
    assert "Answer: 3" in result.stdout
    assert "Traceback" not in result.stderr
    assert len(openai_server.chat_requests) == 2
    repair = openai_server.chat_requests[1].messages[-1]["content"]
    assert repair.startswith("That plan is invalid: the reply's JSON could not be read") and REASONS[kind] in repair


@pytest.mark.parametrize("engine", ["inline", "flyte"])
@pytest.mark.parametrize("kind", ["deep", "huge"])
def test_a_model_that_keeps_replying_hostile_json_fails_in_one_clean_line(openai_server, big_plans, kind, engine):
    for _ in range(3):
        openai_server.reply(REPLIES[kind])
    result = run_cli("run", "add 1 and 2", env=env_for(openai_server, engine))
    assert result.code != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("agentplat: error: the model did not produce a valid plan after 2 repairs")
    assert REASONS[kind] in lines[0]
    assert "RuntimeUserError" not in lines[0] and "RecursionError" not in lines[0]


def test_thirty_thousand_stray_braces_do_not_hide_the_plan_or_raise():
    # linear by construction (see benchmarks/plan_extraction.py for the figures); here: the answers
    for opener in "{[":
        assert extract_plan(opener * 30000 + "\n" + GOOD)["steps"][0]["tool"] == "add"
        with pytest.raises(PlanValidationError, match="nests more than"):
            extract_plan(opener * 30000)
    with pytest.raises(PlanValidationError, match="nests more than"):
        extract_plan("[" * 30000 + "]" * 30000)


def test_a_value_inside_a_decoded_one_is_still_found_once_in_text_order():
    text = 'x {"a": {"steps": [1]}, "b": [{"c": 2}]} y [3]'
    assert list(embedded_json(text, "{[")) == [
        {"a": {"steps": [1]}, "b": [{"c": 2}]}, {"steps": [1]}, [1], [{"c": 2}], {"c": 2}, [3]]


def test_a_quote_in_the_prose_does_not_hide_the_json_on_a_later_line():
    reply = 'Here it is (see [the "manual] for more).\n' + GOOD
    assert extract_plan(reply)["steps"][0]["tool"] == "add"


def test_a_plan_after_a_too_deep_bracket_is_found_and_the_reason_stays_known():
    from agentplat._common.wording import EmbeddedJSON

    found = EmbeddedJSON("[" * 100 + " " + GOOD, "{[")
    assert [v for v in found if isinstance(v, dict) and "steps" in v]
    assert found.problem and "nests more than" in found.problem


def test_streamed_steps_and_plan_text_survive_hostile_json():
    scanner = StepScanner()
    assert scanner.feed(HUGE) == [] and scanner.feed(DEEP) == []
    for text in (HUGE, "[" * 5000 + "]" * 5000):
        with pytest.raises(PlanValidationError):
            Plan.parse(text)


@pytest.mark.parametrize("reply, reason", [('{"score": ' + "7" * 5000 + "}", "4300 digits"),
                                           ('{"a": ' * 5000 + "}" * 5000, "nests more than")])
def test_a_hostile_critique_is_a_critique_error_with_its_reason(reply, reason):
    with pytest.raises(CritiqueError, match=reason):
        parse_critique(reply)


@pytest.mark.parametrize("arguments", ['{"a": ' + "[" * 5000 + "]" * 5000 + ', "b": 3}',
                                       '{"a": ' + "9" * 5000 + ', "b": 3}'])
def test_hostile_tool_call_arguments_go_back_to_the_specialist_as_a_tool_error(endpoint, arguments):
    import asyncio

    from agentplat._run.request import run_request
    from agentplat.testing import ScriptedToolCall

    endpoint.reply(json.dumps({"steps": [{"agent": "math", "task": "Add 2 and 3", "dependencies": []}]}))
    endpoint.reply(ScriptedToolCall("add", arguments))
    endpoint.reply(ScriptedToolCall("add", {"a": 2, "b": 3}))
    endpoint.reply("5")
    result = asyncio.run(run_request("Add 2 and 3 with the math agent", engine="inline"))
    assert result.answer == "5"
    error = [m for m in endpoint.chat_requests[2].messages if m["role"] == "tool"][0]["content"]
    assert error.startswith("error: the arguments are not valid JSON")
