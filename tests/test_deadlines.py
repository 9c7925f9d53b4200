"""Every wait in a run has a deadline: a tool call, a step, an LLM call (a whole stream, not one
read), and a plugin that takes long to import is named while agentplat waits for it."""

from __future__ import annotations

import asyncio
import json
import time

import pytest

from agentplat import Agent, ModelError, Registry, run_request, tool
from agentplat.testing import ScriptedModel
from agentplat.testing import run_cli
from cli_helpers import install_fake_distribution


@tool(timeout=0.5)
async def hang() -> str:
    """Wait for an answer that never comes."""
    await asyncio.Event().wait()
    return "never"


@tool
async def block(seconds: float) -> str:
    """Block a thread (a sync library call) for a while."""
    await asyncio.to_thread(time.sleep, seconds)
    return "woke"


@tool
async def nap(seconds: float) -> str:
    """Sleep for a while."""
    await asyncio.sleep(seconds)
    return "rested"


@tool
async def echo(text: str) -> str:
    """Repeat text."""
    return text


REGISTRY = Registry(agents={"slow": Agent(name="slow", description="Slow tools.", tools=[hang, block, nap, echo])})


def run(steps: list[dict], engine: str = "inline"):
    model = ScriptedModel([json.dumps({"steps": steps})])
    started = time.monotonic()
    # every value of the plan is the user's (the arguments; not the plan's own step numbers)
    request = "exercise the slow tools: " + json.dumps([step["args"] for step in steps])
    # the model scripts only the plan: the joiner a failed step would call is test_adaptive_runs' subject
    result = asyncio.run(run_request(request, model=model, engine=engine, registry=REGISTRY, reflect=False))
    return result, time.monotonic() - started


def direct(tool_name: str, args: dict | None = None, deps: list[int] | None = None) -> dict:
    return {"agent": "slow", "tool": tool_name, "args": args or {}, "dependencies": deps or []}


@pytest.mark.parametrize("engine", ["inline", "flyte"])
def test_a_tool_that_never_returns_fails_its_step_on_time_and_other_branches_finish(engine):
    result, _ = run([direct("hang"), direct("echo", {"text": "independent"}), direct("echo", {"text": "x"}, [0])],
                    engine)

    hung, independent, dependent = result.steps
    assert hung.status == "failed"
    assert hung.error == "tool slow.hang took longer than 0.5 s (its timeout)"
    assert hung.ended_at - hung.started_at < 3
    assert independent.status == "succeeded" and independent.result == "independent"
    assert dependent.status == "skipped"


def test_a_tool_blocked_in_a_thread_fails_on_time_with_the_default_deadline(monkeypatch):
    monkeypatch.setenv("AGENTPLAT_TOOL_TIMEOUT", "0.5")
    result, _ = run([direct("block", {"seconds": 3})])  # the thread cannot be killed; nothing waits for it
    step = result.steps[0]
    assert step.status == "failed"
    assert step.error == "tool slow.block took longer than 0.5 s (AGENTPLAT_TOOL_TIMEOUT)"
    assert step.ended_at - step.started_at < 2


@pytest.mark.parametrize("engine", ["inline", "flyte"])
def test_a_step_past_its_deadline_fails_with_the_reason(engine, monkeypatch):
    monkeypatch.setenv("AGENTPLAT_STEP_TIMEOUT", "0.5")
    result, _ = run([direct("nap", {"seconds": 30}), direct("echo", {"text": "fine"})], engine)
    step = result.steps[0]
    assert step.status == "failed"
    assert step.error == "step slow.nap took longer than 0.5 s (AGENTPLAT_STEP_TIMEOUT)"
    assert step.ended_at - step.started_at < 3
    assert result.steps[1].status == "succeeded"


def test_a_task_step_past_its_deadline_fails_with_the_reason(monkeypatch):
    """The specialist's loop is bounded as a whole, not only call by call."""
    from agentplat.testing import ScriptedToolCall

    monkeypatch.setenv("AGENTPLAT_STEP_TIMEOUT", "1")
    plan = {"steps": [{"agent": "slow", "task": "Nap a few times, 0.4 seconds each", "dependencies": []}]}

    def reply(request):
        return json.dumps(plan) if request.role == "planner" else ScriptedToolCall("nap", {"seconds": 0.4})

    result = asyncio.run(run_request("nap a few times, 0.4 seconds each", model=ScriptedModel(handler=reply),
                                     engine="inline",
                                     registry=REGISTRY))
    step = result.steps[0]
    assert step.status == "failed" and step.error == "step slow (task) took longer than 1 s (AGENTPLAT_STEP_TIMEOUT)"
    assert step.usage["llm_calls"] >= 2  # what the step spent stays accounted for


def test_a_stream_that_drips_is_cut_by_the_calls_total_deadline(endpoint, monkeypatch):
    """A chunk every 0.5 s never trips the per-read timeout (1 s); the whole call's deadline does."""
    from agentplat._llm.call import LLM
    from agentplat._llm.openai_client import OpenAIChatClient

    monkeypatch.setenv("AGENTPLAT_LLM_TIMEOUT", "1")
    monkeypatch.setenv("AGENTPLAT_LLM_DEADLINE", "2")
    endpoint.reply("word " * 40, chunk_size=5, chunk_delay=0.5)  # 40 chunks: 20 s if nothing cuts it
    llm = LLM(OpenAIChatClient(), default_model="gpt-4o-mini")
    seen: list[str] = []

    started = time.monotonic()
    with pytest.raises(ModelError, match=r"no complete answer from .* within 2s"):
        asyncio.run(llm.call("writer", [{"role": "user", "content": "write"}], on_text=seen.append))
    elapsed = time.monotonic() - started

    assert 1.9 < elapsed < 4
    assert seen  # it was streaming when the deadline cut it


SLOW_PLUGIN = '''
import time

time.sleep(2.6)

from agentplat import hookimpl, Agent

async def wave() -> str:
    """Wave."""
    return "hello"

@hookimpl
def register_agents(register):
    register(Agent(name="waver", description="Waves.", tools=[wave]))
'''


def test_a_plugin_slow_to_import_is_named_while_agentplat_waits(plugin_site):
    site, env = plugin_site
    install_fake_distribution(site, "agentplat-slowpoke", "agentplat_slowpoke", SLOW_PLUGIN, entry_point="slowpoke")
    env = {**env, "AGENTPLAT_LOAD_PLUGINS": "agentplat-slowpoke"}

    result = run_cli("plugins", env=env)

    assert result.code == 0, result.stderr
    assert result.stderr.count("agentplat: loading plugin agentplat-slowpoke (entry point slowpoke) "
                               "is taking long...") == 1
    assert "agentplat-slowpoke" in result.stdout


STUCK_PLUGIN = '''
import asyncio
import time

from agentplat import hookimpl, Agent, tool

@tool(examples=["get stuck"])
async def get_stuck() -> str:
    """Get stuck in a thread (a sync library call that never returns)."""
    await asyncio.to_thread(time.sleep, 60)
    return "free"

@hookimpl
def register_agents(register):
    register(Agent(name="stuck", description="Gets stuck.", tools=[get_stuck]))
'''


@pytest.mark.parametrize("engine", ["inline", "flyte"])
def test_the_command_ends_on_time_when_a_tool_is_stuck_in_a_thread(engine, plugin_site):
    """The thread cannot be killed: the step fails at the tool's deadline, the command reports
    it and exits without waiting for the thread (Python would, at asyncio.run's end and at exit)."""
    site, env = plugin_site
    install_fake_distribution(site, "agentplat-stuck", "agentplat_stuck", STUCK_PLUGIN)
    env = {**env, "AGENTPLAT_LOAD_PLUGINS": "agentplat-stuck", "AGENTPLAT_TOOL_TIMEOUT": "1",
           "AGENTPLAT_ENGINE": engine}

    started = time.monotonic()
    result = run_cli("run", "get stuck", "--model", "offline", env=env)
    elapsed = time.monotonic() - started

    assert result.code == 1
    assert "tool stuck.get_stuck took longer than 1 s (AGENTPLAT_TOOL_TIMEOUT)" in result.stderr
    assert "exiting without waiting for them" in result.stderr
    assert elapsed < 20
