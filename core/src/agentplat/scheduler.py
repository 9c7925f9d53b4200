"""Dependency-driven scheduling: a step starts the moment its last dependency finishes.

There is no wave barrier; a concurrency limit bounds how many steps run at once. A failed
step fails only its dependents (skipped, with the reason); independent branches finish.
The scheduler is engine-agnostic: it is given ``execute(index, inputs)``.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable

from .plan import Plan


@dataclass
class StepOutcome:
    status: str = "waiting"  # waiting, running, succeeded, failed, skipped
    result: Any = None
    error: str | None = None
    started_at: float | None = None
    ended_at: float | None = None
    attempts: int = 0
    usage: dict[str, Any] = field(default_factory=dict)


@dataclass
class Completed:
    """What ``execute`` may return instead of a bare result, to report attempts and usage."""

    result: Any
    attempts: int = 1
    usage: dict[str, Any] = field(default_factory=dict)


class StepFailed(Exception):
    """Raised by ``execute`` to fail a step with a message (and its attempt count)."""

    def __init__(self, message: str, attempts: int = 1):
        super().__init__(message)
        self.attempts = attempts


Execute = Callable[[int, dict[int, Any]], Awaitable[Any]]
OnEvent = Callable[[int, StepOutcome], None]


async def run_dag(
    plan: Plan,
    execute: Execute,
    *,
    max_parallel: int = 8,
    on_event: OnEvent | None = None,
    done: dict[int, StepOutcome] | None = None,
) -> dict[int, StepOutcome]:
    """Run every step of ``plan``; ``done`` holds outcomes already known (for resuming)."""
    if max_parallel < 1:
        raise ValueError("max_parallel must be at least 1")
    outcomes = {i: StepOutcome() for i in range(len(plan.steps))}
    for i, known in (done or {}).items():
        if known.status == "succeeded":
            outcomes[i] = known
    dependents = plan.dependents()
    remaining = {
        i: sum(1 for d in s.dependencies if outcomes[d].status != "succeeded")
        for i, s in enumerate(plan.steps)
        if outcomes[i].status != "succeeded"
    }
    ready = [i for i, n in remaining.items() if n == 0]
    running: dict[asyncio.Task, int] = {}

    def emit(index: int) -> None:
        if on_event is not None:
            on_event(index, outcomes[index])

    def skip_dependents(index: int, reason: str) -> None:
        stack = list(dependents[index])
        while stack:
            child = stack.pop()
            if outcomes[child].status == "waiting":
                outcomes[child].status = "skipped"
                outcomes[child].error = reason
                remaining.pop(child, None)
                emit(child)
                stack.extend(dependents[child])

    async def start(index: int) -> Any:
        inputs = {d: outcomes[d].result for d in plan.steps[index].dependencies}
        return await execute(index, inputs)

    try:
        while ready or running:
            while ready and len(running) < max_parallel:
                index = ready.pop(0)
                remaining.pop(index, None)
                outcome = outcomes[index]
                outcome.status, outcome.started_at = "running", time.time()
                emit(index)
                running[asyncio.ensure_future(start(index))] = index
            finished, _ = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
            for task in finished:
                index = running.pop(task)
                outcome = outcomes[index]
                outcome.ended_at = time.time()
                error = task.exception()
                if error is None:
                    value = task.result()
                    if not isinstance(value, Completed):
                        value = Completed(value)
                    outcome.status, outcome.result = "succeeded", value.result
                    outcome.attempts, outcome.usage = value.attempts, value.usage
                    emit(index)
                    for child in dependents[index]:
                        if child in remaining:
                            remaining[child] -= 1
                            if remaining[child] == 0:
                                ready.append(child)
                    ready.sort()
                else:
                    outcome.status, outcome.error = "failed", _message(error)
                    outcome.attempts = getattr(error, "attempts", 1)
                    outcome.usage = getattr(error, "usage", {}) or {}
                    emit(index)
                    skip_dependents(index, f"skipped: step {index} failed")
    finally:
        for task in running:
            task.cancel()
        if running:
            await asyncio.gather(*running, return_exceptions=True)
    return outcomes


def _message(error: BaseException) -> str:
    text = str(error).strip()
    return text if isinstance(error, StepFailed) else f"{type(error).__name__}: {text}" if text else type(error).__name__
