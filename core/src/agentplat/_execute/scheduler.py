"""Dependency-driven scheduling: a step starts the moment its last dependency finishes.

There is no wave barrier; a concurrency limit bounds how many steps run at once. A failed
step fails only its dependents (skipped, with the reason); independent branches finish.
Steps may arrive while the scheduler runs (a plan streamed from an LLM): each is
dispatched as soon as it and its dependencies are ready. The scheduler is engine-agnostic:
it is given ``execute(index, inputs)``, which returns the step's ``StepResult``.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any, Awaitable, Callable

from .._common.wording import describe
from .._plan.graph import Plan, Step
from .outcome import StepResult


class PlanFeed:
    """Steps as they become known. A static plan is a feed that is already closed."""

    def __init__(self, steps: list[Step] | None = None, *, closed: bool = False):
        self.error: BaseException | None = None
        self._arrivals: asyncio.Queue[Step | None | BaseException] = asyncio.Queue()
        for step in steps or []:
            self.add(step)
        if closed:
            self.close()

    def add(self, step: Step) -> None:
        self._arrivals.put_nowait(step)

    def close(self, error: BaseException | None = None) -> None:
        """No more steps; with ``error`` the run stops: running steps are cancelled."""
        self._arrivals.put_nowait(error)


Execute = Callable[[int, dict[int, Any]], Awaitable[Any]]
OnEvent = Callable[[int, StepResult], None]


async def run_dag(
    plan: Plan | PlanFeed,
    execute: Execute,
    *,
    max_parallel: int = 8,
    on_event: OnEvent | None = None,
    done: dict[int, StepResult] | None = None,
) -> dict[int, StepResult]:
    """Run every step; ``done`` holds outcomes already known (finished steps of a resumed run).

    If the feed closes with an error, running steps are cancelled and the outcomes so far
    are returned; the error stays on ``feed.error`` for the caller to report.
    """
    if max_parallel < 1:
        raise ValueError("max_parallel must be at least 1")
    feed = plan if isinstance(plan, PlanFeed) else PlanFeed(plan.steps, closed=True)
    steps: list[Step] = []
    outcomes: dict[int, StepResult] = {}
    dependents: list[list[int]] = []
    remaining: dict[int, int] = {}
    ready: list[int] = []
    running: dict[asyncio.Future, int] = {}
    arrival: asyncio.Future | None = None
    open_feed = True

    def emit(index: int) -> None:
        if on_event is not None:
            on_event(index, outcomes[index])

    def skip(index: int, reason: str) -> None:
        outcomes[index].status, outcomes[index].error = "skipped", reason
        remaining.pop(index, None)
        emit(index)
        for child in dependents[index]:
            if outcomes[child].status == "waiting":
                skip(child, reason)

    def admit(step: Step) -> None:
        index = len(steps)
        steps.append(step)
        dependents.append([])
        known = (done or {}).get(index)
        outcomes[index] = known if known is not None and known.status == "succeeded" else StepResult()
        outcomes[index].index, outcomes[index].step = index, step
        for dep in step.dependencies:
            dependents[dep].append(index)
        if outcomes[index].status == "succeeded":
            emit(index)  # finished in an earlier attempt of this run: reported, not re-run
            return
        broken = next((d for d in step.dependencies if outcomes[d].status in ("failed", "skipped")), None)
        if broken is not None:
            skip(index, f"skipped: step {broken} failed" if outcomes[broken].status == "failed"
                 else outcomes[broken].error or f"skipped: step {broken} was skipped")
            return
        remaining[index] = sum(1 for d in step.dependencies if outcomes[d].status != "succeeded")
        if remaining[index] == 0:
            ready.append(index)

    async def start(index: int) -> Any:
        return await execute(index, outcomes[index].inputs or {})

    def finish(task: asyncio.Future, index: int) -> None:
        outcome = outcomes[index]
        outcome.ended_at = time.time()
        error = task.exception()
        reported = task.result() if error is None else StepResult.failed(describe(error))
        outcome.settle(reported if isinstance(reported, StepResult) else StepResult.succeeded(reported))
        if outcome.status == "succeeded":
            emit(index)
            for child in dependents[index]:
                if child in remaining:
                    remaining[child] -= 1
                    if remaining[child] == 0:
                        ready.append(child)
            ready.sort()
        else:
            emit(index)
            for child in dependents[index]:
                if outcomes[child].status == "waiting":
                    skip(child, f"skipped: step {index} failed")

    try:
        while True:
            while ready and len(running) < max_parallel:
                index = ready.pop(0)
                remaining.pop(index, None)
                outcomes[index].status, outcomes[index].started_at = "running", time.time()
                outcomes[index].inputs = {d: outcomes[d].result for d in steps[index].dependencies}
                emit(index)
                running[asyncio.ensure_future(start(index))] = index
            if open_feed and arrival is None:
                arrival = asyncio.ensure_future(feed._arrivals.get())
            waiting = set(running) | ({arrival} if arrival is not None else set())
            if not waiting:
                break
            finished, _ = await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
            # steps that ended together are reported in plan order (a set's order is an accident)
            for task in sorted(finished, key=lambda t: running.get(t, len(steps))):
                if task is arrival:
                    arrival = None
                    item = task.result()
                    if isinstance(item, Step):
                        admit(item)
                        continue
                    open_feed = False
                    if isinstance(item, BaseException):
                        feed.error = item
                        return _cancel_running(running, outcomes, "cancelled: the plan turned out invalid", emit)
                else:
                    finish(task, running.pop(task))
            # drain steps that arrived together, so dispatch order follows plan order
            while open_feed and arrival is None and not feed._arrivals.empty():
                item = feed._arrivals.get_nowait()
                if isinstance(item, Step):
                    admit(item)
                else:
                    open_feed = False
                    if isinstance(item, BaseException):
                        feed.error = item
                        return _cancel_running(running, outcomes, "cancelled: the plan turned out invalid", emit)
    finally:
        pending = list(running) + ([arrival] if arrival is not None else [])
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.gather(*pending, return_exceptions=True)
        _cancel_running(running, outcomes, "cancelled", lambda index: None)  # an interruption: the store marks them
    return outcomes


def _cancel_running(running: dict, outcomes: dict[int, StepResult], reason: str,
                    emit: Callable[[int], None]) -> dict[int, StepResult]:
    """Mark steps still running as cancelled (their tasks are cancelled by run_dag's finally)
    and steps still waiting as skipped, and tell the listener, so nothing stays "running"."""
    for index in list(running.values()):
        outcome = outcomes[index]
        if outcome.status == "running":
            outcome.status, outcome.error, outcome.ended_at = "failed", reason, time.time()
            emit(index)
    for index, outcome in outcomes.items():
        if outcome.status == "waiting":
            outcome.status, outcome.error = "skipped", reason
            emit(index)
    return outcomes
