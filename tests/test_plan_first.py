"""Deterministic first, and operations accounted for: the real ``openai`` client over loopback.

With a model configured, the exact offline plan runs when it serves the whole request (no model
call); the model plans the rest, and its plan must compute what the offline planner reads
exactly ("35% of 200" is 70, whatever numbers the plan copies from the request).
"""

from __future__ import annotations

import asyncio
import json

import pytest

from agentplat import tool
from agentplat._common.errors import PlanningError
from agentplat._plan.graph import Plan, Step
from agentplat._planners import agreement
from agentplat._plugin.registry import Registry
from agentplat._run.request import run_request
from agentplat.testing import run_cli


def step(tool_name, **args):
    deps = sorted({int(v[1:]) for v in args.values() if isinstance(v, str) and v.startswith("$")})
    return {"agent": "math", "tool": tool_name, "args": args, "dependencies": deps}


def env(server):
    """What a user sets to use the endpoint (``run_cli`` passes no OPENAI_* variable on its own)."""
    return {"OPENAI_BASE_URL": server.base_url, "OPENAI_API_KEY": "sk-test"}


def plan_reply(*steps):
    return json.dumps({"steps": list(steps)})


@pytest.fixture
def first(endpoint, monkeypatch):
    """The endpoint with deterministic-first as a user gets it (on unless turned off)."""
    monkeypatch.delenv("AGENTPLAT_DETERMINISTIC_FIRST")
    return endpoint


# -- deterministic first ------------------------------------------------------------------


def test_a_request_the_offline_planner_serves_whole_costs_no_model_call(first):
    result = run_cli("run", "Multiply 6 by 7, then add 8 to the result", "--json", env=env(first))
    data = result.json()
    assert data["answer"] == "50" and data["status"] == "succeeded"
    assert data["planner"] == "offline" and data["model"] == "openai"  # the model was there, and not asked
    assert data["llm_calls"] == 0 and data["usage"]["prompt_tokens"] == 0
    assert first.chat_requests == []
    shown = run_cli("show", data["run_id"], "--json", env=env(first)).json()
    assert shown["planner"] == "offline"  # recorded with the run


def test_model_plans_lets_the_model_plan_what_the_offline_planner_could(first):
    first.reply(plan_reply(step("multiply", a=6, b=7), step("add", a="$0", b=8)))
    data = run_cli("run", "Multiply 6 by 7, then add 8 to the result", "--json", "--model-plans", env=env(first)).json()
    assert data["answer"] == "50"
    assert data["planner"] == "model" and data["llm_calls"] == 1
    assert len(first.chat_requests) == 1


@pytest.mark.parametrize("how", ["env", "config"])
def test_deterministic_first_is_turned_off_by_the_environment_or_config(first, home, monkeypatch, how):
    if how == "env":
        monkeypatch.setenv("AGENTPLAT_DETERMINISTIC_FIRST", "off")
    else:
        (home / "config.toml").write_text("[planner]\ndeterministic_first = false\n")
    first.reply(plan_reply(step("multiply", a=6, b=7)))
    data = run_cli("run", "Multiply 6 by 7", "--json", env=env(first)).json()
    assert data["planner"] == "model" and data["answer"] == "42"
    assert len(first.chat_requests) == 1


@pytest.mark.parametrize("how", ["env", "config"])
def test_a_bad_switch_value_is_one_clear_line(first, home, monkeypatch, how):
    if how == "env":
        monkeypatch.setenv("AGENTPLAT_DETERMINISTIC_FIRST", "maybe")
    else:
        (home / "config.toml").write_text('[planner]\ndeterministic_first = "sometimes"\n')
    result = run_cli("run", "Multiply 6 by 7", env=env(first))
    assert result.code != 0 and len(result.stderr.strip().splitlines()) == 1
    assert "deterministic_first" in result.stderr.lower() and "Traceback" not in result.stderr
    assert first.chat_requests == []


def test_a_request_the_offline_planner_serves_only_in_part_goes_to_the_model(first):
    first.reply(plan_reply(step("multiply", a=6, b=7)))
    data = run_cli("run", "Multiply 6 by 7, then frobnicate the result", "--json", env=env(first)).json()
    assert data["planner"] == "model" and data["answer"] == "42"
    assert len(first.chat_requests) == 1


def test_an_offline_plan_that_leaves_out_quoted_text_is_not_taken_for_the_whole_request(first):
    from agentplat._planners.first import exact_offline_plan
    from agentplat._planners.offline.whole import unused_values

    registry = Registry.load()
    served = exact_offline_plan("Count the words in 'alpha beta gamma'", registry)
    assert served is not None and served.planner == "offline"
    left = Plan(steps=[Step(agent="text", tool="word_count", args={"text": "alpha"})])
    assert unused_values("Count the words in 'alpha beta' and 'gamma'", left) == ["alpha beta", "gamma"]


def test_plan_says_who_planned_without_running(first):
    result = run_cli("plan", "What is 15 percent of 200?", "--json", env=env(first))
    assert result.code == 0 and first.chat_requests == []
    assert json.loads(result.stdout)["steps"][0]["tool"] == "percentage"


# -- operations accounted for ----------------------------------------------------------------


def run(request):
    return asyncio.run(run_request(request, engine="inline"))


def test_a_product_for_a_percentage_goes_back_to_the_model_with_the_disagreement(endpoint):
    endpoint.reply(plan_reply(step("multiply", a=35, b=200)))
    endpoint.reply(plan_reply(step("percentage", percent=35, of=200)))
    result = run("What is 35% of 200?")
    assert result.answer == "70" and result.planner == "model"
    assert [s.step.tool for s in result.steps] == ["percentage"]  # the product never ran
    repair = endpoint.chat_requests[1].messages[-1]["content"]
    assert "35% of 200" in repair and "percentage" in repair and "70" in repair


def test_a_model_that_keeps_computing_the_wrong_operation_is_refused_not_answered(endpoint):
    for _ in range(3):
        endpoint.reply(plan_reply(step("multiply", a=35, b=200)))
    result = run_cli("run", "What is 35% of 200?", "--json", env=env(endpoint))
    assert result.code != 0
    assert "7000" not in result.stdout
    assert "35% of 200" in result.stderr and len(result.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("request_text, wrong, right, answer", [
    ("What is 10 minus 4?", step("add", a=10, b=4), step("subtract", a=10, b=4), "6"),
    ("Multiply 6 by 7, then add 8 to the result",
     [step("multiply", a=6, b=7), step("add", a=6, b=8)],
     [step("multiply", a=6, b=7), step("add", a="$0", b=8)], "50"),
    ("Divide 12 by 4", step("divide", a=4, b=12), step("divide", a=12, b=4), "3"),
])
def test_other_wrong_operations_are_caught(endpoint, request_text, wrong, right, answer):
    wrong = wrong if isinstance(wrong, list) else [wrong]
    right = right if isinstance(right, list) else [right]
    endpoint.reply(plan_reply(*wrong)).reply(plan_reply(*right))
    result = run(request_text)
    assert result.answer == answer
    assert result.llm_calls == 2


def test_a_plan_that_computes_the_same_value_another_way_is_accepted(endpoint):
    endpoint.reply(plan_reply(step("evaluate", expression="(3 + 4) * 5")))
    result = run("Add 3 and 4, then multiply the result by 5")
    assert result.answer == "35" and result.llm_calls == 1


def test_a_wrong_computation_in_a_streamed_plan_never_starts(endpoint):
    endpoint.chunk_size, endpoint.chunk_delay = 16, 0.002
    endpoint.reply(plan_reply(step("multiply", a=35, b=200), step("add", a="$0", b=3)))
    endpoint.reply(plan_reply(step("percentage", percent=35, of=200), step("add", a="$0", b=3)))
    started = []

    class Listener:
        def planned(self, index, s):
            started.append(s.tool)

        def plan_ready(self, plan, planner=""):
            pass

        def step_event(self, index, outcome):
            pass

    result = asyncio.run(run_request("What is 35% of 200, plus 3?", engine="inline", listener=Listener()))
    assert result.answer == "73"
    assert started == ["percentage", "add"]


def test_a_part_the_offline_planner_reads_is_checked_beside_a_part_it_cannot(endpoint):
    for _ in range(3):
        endpoint.reply(plan_reply(step("multiply", a=35, b=200)))
    with pytest.raises(PlanningError, match="35% of 200"):
        run("Compute 35% of 200, then frobnicate it")


# -- the reading itself ----------------------------------------------------------------------


def test_the_reading_ends_with_the_last_computation_and_leaves_holes_unchecked():
    registry = Registry.load()
    chained = agreement.read("Add 3 and 4, then multiply the result by 5", registry)
    assert [(e.value, e.final) for e in chained.expected] == [(35, True)]
    assert chained.values == [7, 35]
    holed = agreement.read("Compute 35% of 200, then frobnicate it", registry)
    assert [(e.value, e.final) for e in holed.expected] == [(70, False)]  # a later part may build on it
    assert agreement.read("frobnicate the zorblax", registry).expected == []


def test_a_pure_tool_only_computes():
    async def save(path: str) -> str:
        """Save."""
        return path

    with pytest.raises(TypeError, match="pure"):
        from agentplat._plugin.tools import Tool

        Tool.from_function(tool(effect="write", pure=True)(save))


def test_a_pure_tool_that_waits_on_something_is_not_run_while_planning():
    from agentplat import Agent

    ran = []

    @tool(pure=True)
    async def slow(x: int) -> int:
        """Claims to be pure, but waits."""
        await asyncio.sleep(0)
        ran.append(x)
        return x

    registry = Registry(agents={"t": Agent(name="t", description="t", tools=[slow])})
    value = agreement.compute(Step(agent="t", tool="slow", args={"x": 1}), {}, registry)
    assert agreement.unknown(value) and ran == []


def test_the_summary_and_show_say_the_offline_plan_ran_with_a_model_there(first):
    result = run_cli("run", "Multiply 6 by 7", env=env(first))
    assert result.code == 0 and "model openai, planned offline)" in result.stdout
    [run] = run_cli("runs", "--json", env=env(first)).json()
    assert ", planned offline" in run_cli("show", run["run_id"], env=env(first)).stdout.splitlines()[0]
    offline = run_cli("run", "Multiply 6 by 7", "--model", "offline", env=env(first)).stdout
    assert "planned offline" not in offline  # nothing to say: no model was there


def test_a_final_step_the_request_does_not_ask_for_goes_back_to_the_model(endpoint):
    """A real small model added ``uppercase(text="...")`` to "Convert 26.2 miles to km": the
    answer became two lines, one of them the prompt's placeholder."""
    convert = {"agent": "math", "tool": "convert", "args": {"value": 26.2, "from_unit": "miles", "to_unit": "km"},
               "dependencies": []}
    extra = {"agent": "text", "tool": "uppercase", "args": {"text": "miles"}, "dependencies": []}
    endpoint.reply(plan_reply(convert, extra)).reply(plan_reply(convert))
    result = run("Convert 26.2 miles to km")
    assert result.answer == "42.1648128" and result.llm_calls == 2
    assert "does not ask" in endpoint.chat_requests[1].messages[-1]["content"]


def test_the_prompts_placeholder_is_not_a_value(endpoint):
    from agentplat._common.errors import PlanValidationError
    from agentplat._planners.grounding import Grounding

    step = Step(agent="text", tool="uppercase", args={"text": "..."})
    with pytest.raises(PlanValidationError, match="placeholder"):
        Grounding("Convert 26.2 miles to km").check(1, step)
    Grounding("What does '...' mean in uppercase?").check(0, step)  # the request's own '...'


def test_tool_calls_written_one_per_line_are_taken_as_calls_not_as_the_answer():
    from agentplat._execute.specialist import text_tool_calls

    text = ('{"name": "square_root", "arguments": "{\\"x\\": 16}"}\n'
            '{"name": "percentage", "arguments": {"percent": 12.5, "of": 640}}')
    calls = text_tool_calls(text)
    assert [c.name for c in calls] == ["square_root", "percentage"]
    assert json.loads(calls[1].arguments) == {"percent": 12.5, "of": 640}
    assert text_tool_calls('{"name": "a", "arguments": {}} and then some prose') == []


def test_a_specialist_call_with_numbers_invented_inside_its_text_is_refused():
    """A real small model answered "take the square root" of 25 with the math agent's own
    example, ``evaluate("(3 + 4) * 5 - 2^3")`` = 27."""
    from decimal import Decimal

    from agentplat._planners.grounding import invented_numbers

    given = {Decimal(25)}
    assert invented_numbers({"expression": "(3 + 4) * 5 - 2^3"}, given) == ["3", "4", "5", "2"]
    assert invented_numbers({"expression": "sqrt(25)"}, given) == []
    assert invented_numbers({"url": "https://example.com/page/123"}, given) == []


def test_a_task_the_specialist_leaves_empty_fails_its_step(endpoint):
    """A real small model ended "then take the square root" with an empty reply and no tool
    call: the run said succeeded with an empty answer."""
    task = {"agent": "math", "task": "Take the square root of the result", "dependencies": [0]}
    endpoint.reply(plan_reply(step("multiply", a=5, b=5), task))
    endpoint.reply("")
    result = run("Multiply 5 by 5, then take the square root")
    assert result.status != "succeeded"
    assert "gave no answer" in (result.steps[1].error or "")
