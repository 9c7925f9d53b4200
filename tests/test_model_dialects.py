"""What real OpenAI-compatible servers do, replayed by the loopback server's dialects: schema
forms negotiated once per endpoint and remembered, replies bounded and cut replies named,
streams without usage or without an end, tool calls that only come when asked for, and the
lenient reading of what small models write."""

from __future__ import annotations

import asyncio
import json
import re

import pytest

from agentplat import PlanningError, get_registry, run_request
from agentplat._planners.lenient import normalize_step
from agentplat.testing import OpenAIServer
from agentplat.testing import run_cli

PLAN = {"steps": [
    {"agent": "math", "tool": "multiply", "args": {"a": 10, "b": 5}, "dependencies": []},
    {"agent": "math", "tool": "add", "args": {"a": "$0", "b": 3}, "dependencies": [0]},
]}
REQUEST = "Multiply 10 by 5, then add 3"


@pytest.fixture
def dialect(monkeypatch, request):
    """A loopback server speaking one dialect, with agentplat pointed at it."""
    from agentplat._llm import forms

    forms.forget()
    with OpenAIServer(**request.param) as server:
        monkeypatch.setenv("OPENAI_BASE_URL", server.base_url)
        monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
        monkeypatch.setenv("AGENTPLAT_RETRY_WAIT", "0.01")
        monkeypatch.delenv("AGENTPLAT_MODEL", raising=False)
        yield server
    forms.forget()


def run(request=REQUEST, **kwargs):
    return asyncio.run(run_request(request, engine="inline", **kwargs))


def formats(server):
    return [(r.body.get("response_format") or {}).get("type") + ("+schema" if "schema" in
            (r.body.get("response_format") or {}) else "") if r.body.get("response_format") else None
            for r in server.chat_requests]


LLAMA_CPP = {"response_formats": ["json_object_schema", "json_object"], "refusal_status": 500, "stream_usage": False}


@pytest.mark.parametrize("dialect", [LLAMA_CPP], indirect=True)
def test_a_server_that_refuses_json_schema_gets_its_own_form_once_and_then_first(dialect, home):
    dialect.handler = lambda body: json.dumps(PLAN)
    assert run().answer == "53"
    assert formats(dialect) == ["json_schema", "json_object+schema"]
    sent = dialect.chat_requests[1].body["response_format"]["schema"]
    assert sent["properties"]["steps"]["type"] == "array" and "x-strict" not in sent
    dialect.reset()
    dialect.handler = lambda body: json.dumps(PLAN)
    assert run().answer == "53"
    assert formats(dialect) == ["json_object+schema"]  # remembered in this process...
    remembered = json.loads((home / "endpoints.json").read_text())
    assert list(remembered.values()) == ["json_object_schema"]  # ...and for the next one
    dialect.reset()
    dialect.handler = lambda body: json.dumps(PLAN)
    result = run_cli("run", REQUEST, "--json", env={"OPENAI_BASE_URL": dialect.base_url, "OPENAI_API_KEY": "sk-test"})
    assert result.code == 0, result.stderr
    assert formats(dialect) == ["json_object+schema"]


@pytest.mark.parametrize("dialect", [{"response_formats": ["json_schema", "json_object"]}], indirect=True)
def test_openai_gets_a_strict_schema_from_the_first_request(dialect):
    dialect.handler = lambda body: json.dumps(PLAN)
    assert run().answer == "53"
    assert formats(dialect) == ["json_schema"]
    sent = dialect.chat_requests[0].body["response_format"]["json_schema"]
    assert sent["strict"] is True and sent["name"] == "reply"


@pytest.mark.parametrize("dialect", [{}], indirect=True)
def test_an_overloaded_server_is_retried_without_giving_up_the_schema(dialect):
    dialect.fail(500)
    dialect.reply(json.dumps(PLAN))
    assert run().answer == "53"
    assert formats(dialect) == ["json_schema", "json_schema"]


@pytest.mark.parametrize("dialect", [{}], indirect=True)
def test_a_runaway_plan_is_cut_at_the_limit_and_named(dialect):
    dialect.reply('{"steps": [{"agent": "math", "tool": "multiply", "args": {"a": 1' + "0" * 40000)
    with pytest.raises(PlanningError, match=r"reached the length limit \(\d+ tokens\)"):
        run()
    assert len(dialect.chat_requests) == 1  # no repair round that would send it all back
    assert dialect.chat_requests[0].body["max_tokens"] < 2000


@pytest.mark.parametrize("dialect", [{}], indirect=True)
def test_a_repair_quotes_a_bounded_excerpt_of_the_bad_reply(dialect):
    dialect.reply("x" * 2000 + " no plan here")
    dialect.reply(json.dumps(PLAN))
    assert run().answer == "53"
    repair = dialect.chat_requests[1].body["messages"]
    assert len(repair[2]["content"]) < 1300 and "more characters cut" in repair[2]["content"]


@pytest.mark.parametrize("dialect", [{"stream_usage": False}], indirect=True)
def test_a_stream_without_usage_is_counted_from_its_text(dialect):
    dialect.reply(json.dumps(PLAN))
    result = run()
    assert result.usage.llm_calls == 1
    assert result.usage.prompt_tokens > 100 and result.usage.completion_tokens > 20


@pytest.mark.parametrize("dialect", [{}], indirect=True)
def test_the_specialist_asks_for_a_tool_call_when_it_needs_one(dialect):
    plan = {"steps": [{"agent": "math", "task": "Compute 5 factorial", "dependencies": []}]}
    dialect.reply(json.dumps(plan))
    dialect.reply_tool_call("factorial", {"n": 5})
    dialect.reply("120")
    assert run("Compute 5 factorial").answer == "120"
    first, second = dialect.chat_requests[1].body, dialect.chat_requests[2].body
    assert first["tool_choice"] == "required"  # nothing done yet: a tool call is needed
    assert second.get("tool_choice", "auto") == "auto"  # a result is in: the model may finish


@pytest.mark.parametrize("dialect", [{}], indirect=True)
def test_a_tool_call_written_as_text_is_taken_as_the_call(dialect):
    plan = {"steps": [{"agent": "math", "task": "Compute 5 factorial", "dependencies": []}]}
    dialect.reply(json.dumps(plan))
    dialect.reply('<tool_call>\n{"name": "factorial", "arguments": {"n": 5}}\n</tool_call>')
    dialect.reply("The answer is 120.")
    result = run("Compute 5 factorial")
    assert result.answer == "120" and result.status == "succeeded"


@pytest.mark.parametrize("dialect", [{}], indirect=True)
def test_a_text_tool_call_of_an_unknown_tool_is_refused_to_the_model(dialect):
    plan = {"steps": [{"agent": "math", "task": "Compute 5 factorial", "dependencies": []}]}
    dialect.reply(json.dumps(plan))
    dialect.reply('{"name": "fact", "arguments": {"n": 5}}')
    dialect.reply_tool_call("factorial", {"n": 5})
    dialect.reply("done")
    assert run("Compute 5 factorial").answer == "120"
    told = dialect.chat_requests[2].body["messages"][-1]["content"]
    assert "no tool 'fact'" in told


# ------------------------------------------------------------------ lenient reading


def step(**data):
    return normalize_step({"agent": "math", "dependencies": [], **data}, get_registry())


@pytest.mark.parametrize("given, expected", [
    ("factorial(n: integer)", "factorial"),
    ("factorial(n: integer) - Compute n!", "factorial"),
    ("math.factorial", "factorial"),
    ("factorial", "factorial"),
    ("fact", "fact"),  # not an exact name: left for validation to refuse
    ("factorials(n)", "factorials(n)"),
    ("weather.forecast", "weather.forecast"),  # another agent's tool is never borrowed
])
def test_a_tool_name_is_read_out_of_a_signature_line_only_when_exact(given, expected):
    assert step(tool=given, args={"n": 5})["tool"] == expected


def test_positional_arguments_are_mapped_in_order_when_the_count_matches():
    assert step(tool="multiply", args=[6, 7])["args"] == {"a": 6, "b": 7}
    assert step(tool="factorial", args=[5])["args"] == {"n": 5}
    assert step(tool="multiply", args=[6])["args"] == [6]  # one short: not guessed


def test_dependencies_are_read_and_completed_from_whole_references():
    assert step(tool="add", args={"a": "$0", "b": "$1.value"}, dependencies=["0"])["dependencies"] == [0, 1]
    assert step(tool="evaluate", args={"expression": "costs $5"})["dependencies"] == []  # money, not a step


def test_other_keys_and_a_description_beside_a_tool_call_are_dropped_and_nulls_mean_default():
    normalized = normalize_step({"agent": "web_search", "tool": "search", "id": 3, "task": "Search it",
                                 "args": {"query": "asyncio", "max_results": None}}, get_registry())
    assert normalized == {"agent": "web_search", "tool": "search", "args": {"query": "asyncio"},
                          "dependencies": []}


def test_an_unknown_agent_is_left_alone():
    assert normalize_step({"agent": "maths", "tool": "math.add", "args": [1, 2]}, get_registry()) == \
        {"agent": "maths", "tool": "math.add", "args": [1, 2], "dependencies": []}


# ------------------------------------------------------------------ values accounted for


def grounded(request: str, *steps: dict):
    from agentplat import Plan
    from agentplat._planners.grounding import Grounding

    return Grounding(request).check_plan(Plan.parse({"steps": list(steps)}))


def tool_step(tool, agent="math", deps=(), **args):
    return {"agent": agent, "tool": tool, "args": args, "dependencies": list(deps)}


@pytest.mark.parametrize("request_text, steps", [
    ("Multiply 6 by 7, then add 8", [tool_step("multiply", a=6, b=7), tool_step("add", deps=[0], a="$0", b=8)]),
    ("Multiply five by six", [tool_step("multiply", a=5, b=6)]),
    ("Double 21", [tool_step("multiply", a=21, b=2)]),
    ("What is 15% of 200", [tool_step("percentage", percent=15, of=200)]),
    ("Square 12", [tool_step("power", base=12, exponent=2)]),
    ("Add 3 and 3", [tool_step("add", a=3, b=3)]),
    ("What's the weather in Rio de Janeiro?", [tool_step("current_weather", agent="weather", place="Rio de Janeiro")]),
    ("Fetch https://example.com/a and summarize it",
     [tool_step("fetch_page", agent="web_search", url="https://example.com/a")]),
    # text copied from the request keeps its number words as text, however they would parse as numbers
    ("Count the words in 'one two three'", [tool_step("count_words", agent="text", text="one two three")]),
    ('Upper-case "Three  Little Pigs" and add 3 and 4',
     [tool_step("upper", agent="text", text="three little pigs"), tool_step("add", a=3, b=4)]),
])
def test_plans_whose_values_come_from_the_request_pass(request_text, steps):
    grounded(request_text, *steps)


@pytest.mark.parametrize("request_text, steps, message", [
    ("Calculate 2 to the power of 10, then subtract 24", [tool_step("power", base=2.5, exponent=10)],
     "base=2.5 is a number the request does not give"),
    ("What is the square root of 81 plus 10?", [tool_step("square_root", x=81), tool_step("add", a=10, b=10)],
     "uses a number the request gives 1 time(s) 2 times"),
    ("Add 12 and 30, then multiply the result by 2", [tool_step("write_report", agent="report", topic="text")],
     "topic='text' is not taken from the request"),
    ("Fetch https://example.com", [tool_step("fetch_page", agent="web_search", url="http://169.254.169.254/")],
     "not in the request"),
    ("Add 3 to the result of 4 times 5", [tool_step("multiply", a=4, b=5),
                                          {"agent": "math", "task": "Add 7 to it", "dependencies": [0]}],
     "task=7"),
    ("Count the words in 'one two three'", [tool_step("count_words", agent="text", text="one two 4")],
     "text=4 is a number the request does not give"),
])
def test_values_the_request_does_not_give_are_refused(request_text, steps, message):
    from agentplat import PlanValidationError

    with pytest.raises(PlanValidationError, match=re.escape(message)):
        grounded(request_text, *steps)


@pytest.mark.parametrize("dialect", [{}], indirect=True)
def test_a_copied_value_goes_back_to_the_model_and_a_right_plan_runs(dialect):
    dialect.reply(json.dumps({"steps": [tool_step("power", base=2.5, exponent=10)]}))
    dialect.reply(json.dumps({"steps": [tool_step("power", base=2, exponent=10),
                                        tool_step("subtract", deps=[0], a="$0", b=24)]}))
    result = run("Calculate 2 to the power of 10, then subtract 24")
    assert result.answer == "1000"
    assert "base=2.5 is a number the request does not give" in dialect.chat_requests[1].body["messages"][-1]["content"]


@pytest.mark.parametrize("dialect", [{}], indirect=True)
def test_a_model_that_keeps_inventing_values_is_refused_not_answered(dialect):
    dialect.handler = lambda body: json.dumps({"steps": [tool_step("add", a=10, b=10)]})
    with pytest.raises(PlanningError, match="uses a number the request gives 1 time"):
        run("What is the square root of 81 plus 10?")


@pytest.mark.parametrize("dialect", [{}], indirect=True)
def test_a_stream_that_stops_without_finishing_is_asked_again(dialect):
    from agentplat.testing import Reply

    text = json.dumps(PLAN)
    dialect.enqueue(Reply(content=text[: len(text) // 2], finish_reason="cut"))
    dialect.reply(text)
    result = run()
    assert result.answer == "53" and len(dialect.chat_requests) == 2
    assert [s.status for s in result.steps] == ["succeeded", "succeeded"]  # nothing ran twice


def test_a_plan_counted_from_one_is_read_as_counted_from_zero_only_when_nothing_else_fits():
    from agentplat._planners.lenient import normalize_plan

    def plan(*steps):
        return normalize_plan({"steps": list(steps)}, get_registry())["steps"]

    one_based = plan(tool_step("multiply", a=10, b=5), tool_step("multiply", deps=[0], a=7, b=8),
                     tool_step("add", a="$1", b="$2"))
    assert one_based[2]["args"] == {"a": "$0", "b": "$1"} and one_based[2]["dependencies"] == [0, 1]
    assert one_based[1]["dependencies"] == [0]
    # "$0" appears: the plan counts from 0, its self-reference stays an error for the model to fix
    mixed = plan(tool_step("multiply", a=3, b=4), tool_step("add", a="$0", b=5), tool_step("add", a="$2", b=1))
    assert mixed[2]["args"] == {"a": "$2", "b": 1}
    # counted from 0 already: untouched
    fine = plan(tool_step("multiply", a=3, b=4), tool_step("add", a="$0", b=5))
    assert fine[1]["args"] == {"a": "$0", "b": 5}
    # counted from 1 would point forward too: left alone
    odd = plan(tool_step("multiply", a=3, b=4), tool_step("add", a="$3", b=5))
    assert odd[1]["args"] == {"a": "$3", "b": 5}


def test_a_step_listed_as_its_own_dependency_is_read_without_it_unless_an_argument_names_itself():
    from agentplat._planners.lenient import normalize_plan

    def plan(*steps):
        return normalize_plan({"steps": list(steps)}, get_registry())["steps"]

    first = plan(tool_step("multiply", deps=[0], a=6, b=7), tool_step("add", deps=[0, 1], a="$0", b=8))
    assert [s["dependencies"] for s in first] == [[], [0]]  # "waits for itself" says nothing: dropped
    itself = plan(tool_step("multiply", deps=[0], a="$0", b=7))
    assert itself[0]["dependencies"] == [0]  # an argument names its own result: left for the model to fix


@pytest.mark.parametrize("dialect", [{}], indirect=True)
def test_a_streamed_plan_counted_from_one_runs_once_the_whole_reply_is_read(dialect):
    dialect.reply(json.dumps({"steps": [tool_step("multiply", a=10, b=5), tool_step("multiply", deps=[0], a=7, b=8),
                                        tool_step("add", a="$1", b="$2")]}))
    result = run("Calculate 10 times 5 and 7 times 8, then add them together")
    assert result.answer == "106" and len(dialect.chat_requests) == 1


def test_a_task_that_is_only_a_tools_name_is_sent_back_as_no_instruction():
    from agentplat import PlanValidationError

    with pytest.raises(PlanValidationError, match="the task 'add' is not an instruction"):
        grounded("Multiply 6 by 7, then add 8 to the result", tool_step("multiply", a=6, b=7),
                 {"agent": "math", "task": "add", "dependencies": [0]})


@pytest.mark.parametrize("dialect", [{}], indirect=True)
def test_a_specialist_call_with_an_invented_number_is_refused_to_the_model(dialect):
    plan = {"steps": [tool_step("multiply", a=6, b=7),
                      {"agent": "math", "task": "Add 8 to the previous result", "dependencies": [0]}]}
    dialect.reply(json.dumps(plan))
    dialect.reply_tool_call("add", {"a": 42, "b": 10})  # 10: given by nothing
    dialect.reply_tool_call("add", {"a": 42, "b": 8})
    dialect.reply("50")
    result = run("Multiply 6 by 7, then add 8 to the previous result")
    assert result.answer == "50"
    told = dialect.chat_requests[2].body["messages"][-1]["content"]
    assert told.startswith("error: 10 is not a number the task or an earlier result gives")


KEY = "sk-live-0123456789abcdefSECRET"


@pytest.mark.parametrize("status", [400, 403, 500])
def test_an_endpoint_error_that_quotes_the_key_never_prints_it(status, monkeypatch):
    from agentplat.testing import Fail

    with OpenAIServer() as server:
        server.handler = lambda body: Fail(status, message=f"bad request with header Authorization: Bearer {KEY}")
        env = {"OPENAI_BASE_URL": server.base_url, "OPENAI_API_KEY": KEY, "AGENTPLAT_RETRY_WAIT": "0.01",
               "AGENTPLAT_MAX_ATTEMPTS": "1"}
        for args in (("run", REQUEST), ("run", REQUEST, "--json"), ("plan", REQUEST)):
            result = run_cli(*args, env=env)
            assert result.code != 0
            assert KEY not in result.stderr and KEY not in result.stdout
            assert "***" in result.stderr
