"""Run-scoped resources (``agentplat.extend.run_resources``) and schema tools
(``Tool.from_schema``): the generic seams a plugin uses for a server it talks to."""

from __future__ import annotations

import asyncio

import pytest

import agentplat
from agentplat import Agent, Tool, ToolError, run_request
from agentplat.extend import RunResources, run_resources


class Opened:
    """An async context manager that records, per task, where it was entered and exited."""

    def __init__(self, log: list, fail: bool = False, hang: bool = False):
        self.log, self.fail, self.hang = log, fail, hang

    async def __aenter__(self):
        self.log.append(("enter", id(asyncio.current_task())))
        if self.hang:
            await asyncio.sleep(60)
        if self.fail:
            raise RuntimeError("cannot open")
        return self

    async def __aexit__(self, *exc):
        self.log.append(("exit", id(asyncio.current_task())))


def test_a_resource_is_opened_once_shared_and_closed_in_its_own_task():
    log: list = []

    async def main():
        scope = RunResources()
        got = await asyncio.gather(*(scope.get("k", lambda: Opened(log)) for _ in range(5)))
        assert len({id(g) for g in got}) == 1
        await scope.aclose()
        with pytest.raises(RuntimeError, match="ended"):
            await scope.get("k", lambda: Opened(log))

    asyncio.run(main())
    assert [e for e, _ in log] == ["enter", "exit"] and log[0][1] == log[1][1]


def test_a_failed_resource_fails_every_get_without_opening_again():
    log: list = []

    async def main():
        scope = RunResources()
        for _ in range(3):
            with pytest.raises(RuntimeError, match="cannot open"):
                await scope.get("k", lambda: Opened(log, fail=True))
        await scope.aclose()

    asyncio.run(main())
    assert [e for e, _ in log] == ["enter"]


def test_a_hanging_resource_is_cut_off_after_its_timeout():
    log: list = []

    async def main():
        scope = RunResources()
        with pytest.raises(TimeoutError):
            await scope.get("k", lambda: Opened(log, hang=True), timeout=0.2)
        with pytest.raises(TimeoutError):
            await scope.get("k", lambda: Opened(log, hang=True), timeout=0.2)
        await asyncio.wait_for(scope.aclose(), 5)

    asyncio.run(asyncio.wait_for(main(), 10))
    assert [e for e, _ in log] == ["enter"]


def _probe_registry(log: list) -> agentplat.Registry:
    async def probe(text: str) -> str:
        """Probe a shared resource with text."""
        scope = run_resources()
        assert scope is not None, "a step runs inside its run's scope"
        opened = await scope.get("probe", lambda: Opened(log))
        return f"{text}:{id(opened)}"

    registry = agentplat.Registry.load(only=[])
    registry.agents["prober"] = Agent(name="prober", description="Probes things.", tools=[probe])
    return registry


@pytest.mark.parametrize("engine", ["inline", "flyte"])
def test_every_step_of_a_run_shares_its_resources_and_the_run_closes_them(engine):
    log: list = []
    registry = _probe_registry(log)
    plan = agentplat.Plan.model_validate({"steps": [
        {"agent": "prober", "tool": "probe", "args": {"text": "a"}, "dependencies": []},
        {"agent": "prober", "tool": "probe", "args": {"text": "b"}, "dependencies": []},
    ]})
    result = asyncio.run(run_request("probe", registry=registry, model="offline", engine=engine, plan=plan))
    assert result.status == "succeeded", result.first_error()
    assert len({s.result.split(":")[1] for s in result.steps}) == 1
    assert [e for e, _ in log] == ["enter", "exit"], "opened once per run, closed when it ends"
    asyncio.run(run_request("probe", registry=registry, model="offline", engine="inline", plan=plan))
    assert [e for e, _ in log] == ["enter", "exit", "enter", "exit"], "each run has its own"
    assert run_resources() is None


SCHEMA = {
    "type": "object",
    "properties": {
        "text": {"type": "string", "description": "The text."},
        "times": {"type": "integer", "default": 1},
        "mode": {"enum": ["loud", "quiet"]},
        "file-path": {"type": ["string", "null"]},
        "tags": {"type": "array", "items": {"type": "string"}},
    },
    "required": ["text"],
}


def test_a_schema_tool_keeps_its_schema_checks_arguments_and_sends_only_what_was_given():
    sent: list = []

    async def call(**args):
        sent.append(args)
        return "ok"

    tool = Tool.from_schema("remote.thing", "Does a remote thing.", SCHEMA, call)
    assert tool.parameters == {**SCHEMA}
    assert asyncio.run(tool(text="hi", **{"file-path": "/x"})) == "ok"
    assert sent == [{"text": "hi", "file-path": "/x"}], "defaults are the service's, names are its own"
    for bad, message in [({}, "text"), ({"text": "a", "times": "many"}, "times"), ({"text": "a", "mode": "x"}, "mode"),
                         ({"text": "a", "colour": "red"}, "colour")]:
        with pytest.raises(ToolError, match=message):
            asyncio.run(tool(**bad))
    tool.check_args({"text": "$0", "file-path": "$1"}, deferred={"text", "file-path"})


def test_a_schema_tool_is_routed_offline_like_any_tool():

    async def call(**args):
        return args["text"][::-1]

    registry = agentplat.Registry.load(only=[])
    registry.agents["mirror"] = Agent(name="mirror", description="Mirrors.", tools=[
        Tool.from_schema("mirror_text", "Mirror a text backwards.", {
            "type": "object", "properties": {"text": {"type": "string"}}, "required": ["text"]}, call)])
    result = asyncio.run(run_request("Mirror 'abc'", registry=registry, model="offline", engine="inline"))
    assert [(s.agent, s.tool, s.args) for s in result.plan.steps] == [("mirror", "mirror_text", {"text": "abc"})]
    assert result.answer == "cba"
