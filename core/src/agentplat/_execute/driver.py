"""The body of a run, shared by every engine: plan (maybe streaming) while steps execute.

Planning and execution overlap: the planner hands each step to a ``PlanFeed`` as soon as
it is known and the scheduler dispatches it once its dependencies are done.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, Protocol

from .._common import errors
from .._common.errors import AgentplatError
from .._common.log import log
from .._common.context import RunContext, entered
from .._common.provenance import TRUSTED, UNTRUSTED, URLS, source_of
from .._common.resources import resource_scope
from .._llm.usage import Usage, collecting
from .._plan.graph import Plan, Step
from .._planners import first
from .outcome import StepResult
from .scheduler import PlanFeed, run_dag

#: Runs one step where the engine runs it: ``execute(step, index, inputs, ctx) -> StepResult``
#: (``ctx``: the run's context, with its resources).
ExecuteStep = Callable[[Step, int, dict[int, Any], RunContext], Awaitable[StepResult]]


def input_sources(steps: list[Step], index: int, registry: Any) -> dict[int, str]:
    """Where each dependency's result of step ``index`` came from (``_common.provenance``):
    ``trusted`` for a closed-world tool fed only trusted results; ``urls`` for an open-world
    tool that vouches for the URLs it returns (a search); ``untrusted`` for the rest (a page, a
    remote or MCP answer, a task step of an agent with an open-world tool, and whatever was
    computed from those)."""
    known: dict[int, str] = {}

    def source(i: int) -> str:
        if i not in known:
            known[i] = UNTRUSTED  # a broken plan's cycle is never trusted
            known[i] = _source(steps[i], [source(d) for d in steps[i].dependencies if 0 <= d < i], registry)
        return known[i]

    return {d: source(d) for d in steps[index].dependencies if 0 <= d < len(steps)}


def _source(step: Step, inherited: list[str], registry: Any) -> str:
    try:
        tools = [registry.tool(step.agent, step.tool)] if step.is_direct else list(registry.agent(step.agent).tools)
    except Exception:  # noqa: BLE001 - an unknown agent or tool fails in its own step; its result is not trusted
        return UNTRUSTED
    outside = [t for t in tools if t.untrusted_results]
    if not outside:
        return TRUSTED if all(kind == TRUSTED for kind in inherited) else UNTRUSTED
    if step.is_direct and not any(kind != TRUSTED for kind in inherited):
        return source_of(untrusted=True, returns_urls=outside[0].returns_urls)
    if not step.is_direct and all(t.returns_urls for t in outside) and all(kind == TRUSTED for kind in inherited):
        return URLS  # a task step's result is its last call's: only URL-vouching tools reach outside
    return UNTRUSTED


class RunListener(Protocol):
    """Told what happens during a run (the CLI's live output, the run store)."""

    def planned(self, index: int, step: Step) -> None: ...

    def plan_ready(self, plan: Plan, planner: str = "") -> None:
        """The whole plan is known; ``planner`` made it ("offline", "model"; "" for a given plan)."""

    def step_event(self, index: int, outcome: StepResult) -> None: ...


class FanOut:
    """Several listeners as one; ``None`` entries are ignored. A listener that fails (a
    full disk under the store, a broken terminal) is reported once, never stops the run."""

    def __init__(self, listeners):
        self.listeners = [item for item in listeners if item is not None]
        self.reported: set[int] = set()

    def _each(self, method: str, *args: Any) -> None:
        for item in self.listeners:
            try:
                getattr(item, method)(*args)
            except Exception as exc:  # noqa: BLE001 - observers must not break the run
                if id(item) not in self.reported:
                    self.reported.add(id(item))
                    log.warning("agentplat: warning: %s failed: %s", type(item).__name__, exc)

    def planned(self, index: int, step: Step) -> None:
        self._each("planned", index, step)

    def plan_ready(self, plan: Plan, planner: str = "") -> None:
        self._each("plan_ready", plan, planner)

    def step_event(self, index: int, outcome: StepResult) -> None:
        self._each("step_event", index, outcome)


@dataclass
class Driven:
    steps: list[Step]
    outcomes: dict[int, StepResult]
    planner_usage: Usage = field(default_factory=Usage)
    error: AgentplatError | None = None
    complete: bool = False  # the whole plan was known and valid
    planner: str = ""  # who planned: "offline" or "model" ("" for a plan given, or none)

    def to_json(self) -> dict[str, Any]:
        return {
            "steps": [s.model_dump() for s in self.steps],
            "outcomes": {str(i): o.to_state() for i, o in self.outcomes.items()},
            "planner_usage": self.planner_usage.as_dict(),
            "error": str(self.error) if self.error else None,
            "error_type": type(self.error).__name__ if self.error else None,
            "complete": self.complete,
            "planner": self.planner,
        }

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> "Driven":
        """What a driver task returned (``to_json``), back as a ``Driven``."""
        usage = Usage()
        usage.add(raw["planner_usage"])
        error = None
        if raw["error"]:
            kind = getattr(errors, raw["error_type"] or "", None)
            if not (isinstance(kind, type) and issubclass(kind, AgentplatError)):
                kind = AgentplatError
            error = kind(raw["error"])
        steps = [Step.model_validate(s) for s in raw["steps"]]
        return cls(
            steps=steps,
            outcomes={int(i): StepResult.from_state(data, index=int(i), step=steps[int(i)])
                      for i, data in raw["outcomes"].items()},
            planner_usage=usage,
            error=error,
            complete=raw["complete"],
            planner=raw.get("planner", ""),
        )


async def drive(
    ctx: RunContext,
    execute: ExecuteStep,
    *,
    max_parallel: int,
    plan: Plan | None = None,
    done: dict[int, StepResult] | None = None,
) -> Driven:
    """Plan ``ctx.request`` with ``ctx.model`` (unless ``plan`` is given) and run it; errors end
    up in ``Driven.error``. The run's resources open and close within this call."""
    feed = PlanFeed()
    steps: list[Step] = []
    result = Driven(steps=steps, outcomes={})
    listener = ctx.listener

    def on_step(step: Step) -> None:
        steps.append(step)
        if listener is not None:
            listener.planned(len(steps) - 1, step)
        feed.add(step)

    async def planning() -> None:
        try:
            if plan is not None:
                for step in plan.steps:
                    on_step(step)
                complete = plan
            else:
                with collecting(into=result.planner_usage):  # what planning spent, even when it fails
                    planned = await first.plan(ctx.model, ctx.request, ctx.registry, on_step=on_step,
                                               offline_first=ctx.offline_first)
                result.planner_usage.add(planned.usage)
                result.planner = planned.planner
                complete = planned.plan
            result.complete = True
            if listener is not None:
                listener.plan_ready(complete, result.planner)
            feed.close()
        except BaseException as exc:
            feed.close(exc)
            if isinstance(exc, asyncio.CancelledError):
                raise

    # what steps open for this run (a server, a session) closes with it
    async with resource_scope(ctx.run_id) as resources:
        ctx = ctx.narrowed(resources=resources, step=None, usage=None, grounds=None)

        async def by_index(index: int, inputs: dict[int, Any]) -> StepResult:
            sources = input_sources(steps, index, ctx.registry)  # what a task step may trust of its inputs
            return await execute(steps[index], index, inputs, ctx.narrowed(sources=sources))

        with entered(ctx):
            planner = asyncio.ensure_future(planning())
            try:
                on_event = listener.step_event if listener is not None else None
                result.outcomes = await run_dag(feed, by_index, max_parallel=max_parallel, on_event=on_event,
                                                done=done)
                resources.finished = (result.complete and len(result.outcomes) == len(steps)
                                      and all(o.status == "succeeded" for o in result.outcomes.values()))
            finally:
                if not planner.done():
                    planner.cancel()
                await asyncio.gather(planner, return_exceptions=True)
    if feed.error is not None:
        if not isinstance(feed.error, AgentplatError):
            raise feed.error
        result.error = feed.error
    return result
