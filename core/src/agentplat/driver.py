"""The body of a run, shared by every engine: plan (maybe streaming) while steps execute.

Planning and execution overlap: the planner hands each step to a ``PlanFeed`` as soon as
it is known and the scheduler dispatches it once its dependencies are done.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any, Protocol

from .errors import AgentplatError
from .models.base import Usage
from .plan import Plan, Step
from .scheduler import Execute, PlanFeed, StepOutcome, run_dag


class RunListener(Protocol):
    """Told what happens during a run (the CLI's live output, the run store)."""

    def planned(self, index: int, step: Step) -> None: ...

    def plan_ready(self, plan: Plan) -> None: ...

    def step_event(self, index: int, outcome: StepOutcome) -> None: ...


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


async def drive(
    request: str,
    *,
    model,
    registry,
    execute: Execute,
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

    planner = asyncio.ensure_future(planning())
    try:
        on_event = listener.step_event if listener is not None else None
        result.outcomes = await run_dag(feed, execute, max_parallel=max_parallel, on_event=on_event, done=done)
    finally:
        if not planner.done():
            planner.cancel()
        await asyncio.gather(planner, return_exceptions=True)
    if feed.error is not None:
        if not isinstance(feed.error, AgentplatError):
            raise feed.error
        result.error = feed.error
    return result
