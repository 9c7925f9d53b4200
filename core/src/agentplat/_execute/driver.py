"""The body of a run, shared by every engine: plan (maybe streaming) while steps execute.

Planning and execution overlap: the planner hands each step to a ``PlanFeed`` as soon as
it is known and the scheduler dispatches it once its dependencies are done.
"""

from __future__ import annotations

import asyncio
import sys
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, Protocol

from .._common import errors
from .._common.errors import AgentplatError
from .._common.provenance import for_request
from .._common.resources import resource_scope
from .._llm.usage import Usage
from .._plan.graph import Plan, Step
from .outcome import StepOutcome
from .scheduler import PlanFeed, run_dag

#: Runs one step: ``execute_step(step, index, inputs)``.
ExecuteStep = Callable[[Step, int, dict[int, Any]], Awaitable[Any]]


class RunListener(Protocol):
    """Told what happens during a run (the CLI's live output, the run store)."""

    def planned(self, index: int, step: Step) -> None: ...

    def plan_ready(self, plan: Plan) -> None: ...

    def step_event(self, index: int, outcome: StepOutcome) -> None: ...


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
                    print(f"agentplat: warning: {type(item).__name__} failed: {exc}", file=sys.stderr)

    def planned(self, index: int, step: Step) -> None:
        self._each("planned", index, step)

    def plan_ready(self, plan: Plan) -> None:
        self._each("plan_ready", plan)

    def step_event(self, index: int, outcome: StepOutcome) -> None:
        self._each("step_event", index, outcome)


@dataclass
class Driven:
    steps: list[Step]
    outcomes: dict[int, StepOutcome]
    planner_usage: Usage = field(default_factory=Usage)
    error: AgentplatError | None = None
    complete: bool = False  # the whole plan was known and valid

    def to_json(self) -> dict[str, Any]:
        return {
            "steps": [s.model_dump() for s in self.steps],
            "outcomes": {str(i): o.__dict__ for i, o in self.outcomes.items()},
            "planner_usage": self.planner_usage.as_dict(),
            "error": str(self.error) if self.error else None,
            "error_type": type(self.error).__name__ if self.error else None,
            "complete": self.complete,
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
        return cls(
            steps=[Step.model_validate(s) for s in raw["steps"]],
            outcomes={int(i): StepOutcome.from_json(data) for i, data in raw["outcomes"].items()},
            planner_usage=usage,
            error=error,
            complete=raw["complete"],
        )


async def drive(
    request: str,
    *,
    model,
    registry,
    execute: ExecuteStep,
    max_parallel: int,
    listener: RunListener | None = None,
    plan: Plan | None = None,
    done: dict[int, StepOutcome] | None = None,
) -> Driven:
    """Plan ``request`` (unless ``plan`` is given) and run it; errors end up in ``Driven.error``."""
    feed = PlanFeed()
    steps: list[Step] = []
    result = Driven(steps=steps, outcomes={})

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
                planned = await model.plan(request, registry, on_step=on_step)
                result.planner_usage.add(planned.usage)
                complete = planned.plan
            result.complete = True
            if listener is not None:
                listener.plan_ready(complete)
            feed.close()
        except AgentplatError as exc:
            if exc.usage is not None:
                result.planner_usage.add(exc.usage)
            feed.close(exc)
        except BaseException as exc:
            feed.close(exc)
            if isinstance(exc, asyncio.CancelledError):
                raise

    async def by_index(index: int, inputs: dict[int, Any]) -> Any:
        return await execute(steps[index], index, inputs)

    async with resource_scope():  # what steps open for this run (a server, a session) closes with it
        planner = asyncio.ensure_future(planning())
        try:
            on_event = listener.step_event if listener is not None else None
            with for_request(request):  # the user's words: what a task step may take network targets from
                result.outcomes = await run_dag(feed, by_index, max_parallel=max_parallel, on_event=on_event,
                                                done=done)
        finally:
            if not planner.done():
                planner.cancel()
            await asyncio.gather(planner, return_exceptions=True)
    if feed.error is not None:
        if not isinstance(feed.error, AgentplatError):
            raise feed.error
        result.error = feed.error
    return result
