"""The engine seam: a whole run driven by a scripted model with no HTTP, on both local engines;
the model chosen once and swapped for a block; a plugin's jobs mapped over items."""

from __future__ import annotations

import asyncio
import json

import pytest

from agentplat import PlanningError, Step, get_registry, plan_request, run_request
from agentplat.extend import JobFailed, current_engine, select_model
from agentplat.testing import ScriptedModel, ScriptedToolCall, override_model
from cli_helpers import install_fake_distribution

PLAN = {"steps": [
    {"agent": "math", "tool": "multiply", "args": {"a": 10, "b": 5}, "dependencies": []},
    {"agent": "math", "task": "Add 3 to the result", "dependencies": [0]},
]}

JOBS = '''
import asyncio

calls = []

async def square(n, offset=0, seen=None):
    if n < 0:
        raise ValueError(f"no square of {n}\\n(negative)")
    if seen is not None:
        seen.append(n)
    await asyncio.sleep(0)
    return n * n + offset

def plain(word, suffix=""):
    return word + suffix

def register_agents(register):
    pass
'''


@pytest.fixture
def jobs_plugin(tmp_path, monkeypatch):
    """An installed plugin distribution whose module holds job functions."""
    from agentplat._plugin.registry import reset_registry

    site = tmp_path / "site"
    install_fake_distribution(site, "agentplat-jobs-probe", "agentplat_jobs_probe", JOBS)
    monkeypatch.syspath_prepend(str(site))
    reset_registry()
    yield "agentplat_jobs_probe"
    reset_registry()


@pytest.mark.parametrize("engine", ["inline", "flyte"])
def test_a_scripted_model_drives_a_whole_run_with_no_http(engine, monkeypatch):
    monkeypatch.delenv("OPENAI_BASE_URL", raising=False)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    model = ScriptedModel([json.dumps(PLAN), ScriptedToolCall("add", {"a": 50, "b": 3}), "53"])
    result = asyncio.run(run_request("Multiply 10 by 5, then add 3", model=model, engine=engine))
    assert result.status == "succeeded", result.first_error()
    assert result.answer == "53"
    assert result.model == "scripted"
    assert [r.role for r in model.requests] == ["planner", "specialist", "specialist"]
    assert result.llm_calls == 3


def test_override_model_swaps_every_selection_in_a_block():
    model = ScriptedModel([json.dumps({"steps": [PLAN["steps"][0]]})])
    with override_model(model):
        assert select_model(get_registry(), "offline") is model
        planned = asyncio.run(plan_request("Multiply 10 by 5", model="openai:gpt-4o"))
    assert planned.plan.steps == [Step.model_validate(PLAN["steps"][0])]
    assert select_model(get_registry(), "offline") is not model  # the block is over


def test_tools_that_select_a_model_get_the_runs_own_model():
    """A tool asking for "the model" inside a run gets the object the run was started with."""
    from agentplat import Agent, Registry, tool

    seen = []

    @tool
    async def which_model() -> str:
        """Name the model of the run."""
        chosen = select_model(get_registry())
        seen.append(chosen)
        return chosen.name

    registry = Registry(agents={"probe": Agent(name="probe", description="Probe.", tools=[which_model])})
    model = ScriptedModel([json.dumps({"steps": [{"agent": "probe", "tool": "which_model", "args": {},
                                                  "dependencies": []}]})])
    result = asyncio.run(run_request("which model?", model=model, engine="inline", registry=registry))
    assert result.answer == "scripted" and seen == [model]


def test_a_planning_error_raises_with_the_scripted_model():
    model = ScriptedModel(["no plan here"] * 3)
    with pytest.raises(PlanningError, match="did not produce a valid plan"):
        asyncio.run(run_request("Multiply 10 by 5", model=model, engine="inline"))


@pytest.mark.parametrize("engine", ["inline", "flyte"])
def test_map_runs_a_plugins_function_over_items_in_order_and_keeps_failures_local(engine, jobs_plugin):
    seen: list[int] = []
    results = asyncio.run(current_engine(engine).map(
        f"{jobs_plugin}:square", [{"n": 3}, {"n": -1}, {"n": 4}], limit=2, shared={"offset": 1},
        local={"seen": seen}, labels=["three", "minus one", "four"],
    ))
    assert results[0] == 10 and results[2] == 17
    assert isinstance(results[1], JobFailed) and results[1].message == "no square of -1 (negative)"
    assert sorted(seen) == [3, 4]  # process-local objects reach the jobs on both engines


def test_map_calls_plain_functions_too(jobs_plugin):
    results = asyncio.run(current_engine("inline").map(f"{jobs_plugin}:plain", [{"word": "a"}], limit=1,
                                                       shared={"suffix": "!"}))
    assert results == ["a!"]


@pytest.mark.parametrize("entry, message", [
    ("os:getcwd", "is not in an installed agentplat plugin"),
    ("not an entry", "looks like module:function"),
    ("agentplat_jobs_probe:nothing_here", "names nothing callable"),
])
def test_map_refuses_what_is_not_a_plugins_function(entry, message, jobs_plugin):
    with pytest.raises(Exception, match=message):
        asyncio.run(current_engine("inline").map(entry, [{}], limit=1))


def test_an_unknown_engine_is_one_clear_error(monkeypatch):
    monkeypatch.setenv("AGENTPLAT_ENGINE", "spark")
    with pytest.raises(Exception, match="AGENTPLAT_ENGINE='spark' is not an engine here"):
        current_engine()


def test_llm_calls_made_inside_a_tool_are_counted_with_the_step_and_the_run():
    from agentplat import Agent, Registry, tool

    @tool
    async def summarize(text: str) -> str:
        """Summarize text with the run's model."""
        reply = await select_model(get_registry()).llm("writer", [{"role": "user", "content": text}])
        return reply.text

    registry = Registry(agents={"writer": Agent(name="writer", description="Writes.", tools=[summarize])})
    plan = {"steps": [{"agent": "writer", "tool": "summarize", "args": {"text": "a long text"}, "dependencies": []}]}
    model = ScriptedModel([json.dumps(plan), "short"])
    result = asyncio.run(run_request("summarize a long text", model=model, engine="inline", registry=registry))
    assert result.answer == "short"
    assert result.steps[0].usage["llm_calls"] == 1
    assert result.llm_calls == 2  # the plan and the tool's own call


def test_a_step_cancelled_by_a_failed_plan_is_not_left_running_in_the_store(monkeypatch):
    from agentplat import Agent, Registry, tool
    from agentplat._store.runs import run_store

    monkeypatch.setenv("AGENTPLAT_PLAN_REPAIRS", "0")

    @tool
    async def nap(seconds: float) -> str:
        """Sleep."""
        await asyncio.sleep(float(seconds))
        return "rested"

    registry = Registry(agents={"sleeper": Agent(name="sleeper", description="Sleeps.", tools=[nap])})
    text = json.dumps({"steps": [{"agent": "sleeper", "tool": "nap", "args": {"seconds": 5}, "dependencies": []},
                                 {"agent": "sleeper", "tool": "snore", "args": {}, "dependencies": []}]})
    store = run_store()
    result = asyncio.run(run_request("nap for 5 seconds then snore", model=ScriptedModel([text]), engine="inline",
                                     registry=registry, store=store, run_id="cancelled1"))
    assert result.status == "failed" and "no tool 'snore'" in result.error
    steps = store.steps("cancelled1")
    assert len(steps) == 1 and steps[0]["status"] in ("failed", "skipped")  # never left "running"/"waiting"
    assert steps[0]["error"] == "cancelled: the plan turned out invalid"
