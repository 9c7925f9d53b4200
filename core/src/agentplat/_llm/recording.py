"""Recording LLM calls of a run, and replaying them when the run is resumed.

The run and step an LLM call belongs to travel in a context variable that the driver and
step tasks set, so ``LLM.call`` can record each answer and, on resume, serve the
answer already paid for instead of asking the endpoint again. Identical requests are
matched in order: the n-th identical request of a run gets the n-th recorded answer.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, Iterator


@dataclass(frozen=True)
class RunContext:
    run_id: str
    step_index: int | None = None  # None: the planner (or a run-level call)


current_run: ContextVar[RunContext | None] = ContextVar("agentplat_current_run", default=None)

_occurrences: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
_lock = threading.Lock()


@contextmanager
def in_run(run_id: str | None, step_index: int | None = None) -> Iterator[None]:
    if not run_id:
        yield
        return
    token = current_run.set(RunContext(run_id, step_index))
    try:
        yield
    finally:
        current_run.reset(token)


def forget(run_id: str) -> None:
    """Reset replay counting for a run (each process attempt counts from the start)."""
    with _lock:
        _occurrences.pop(run_id, None)


def replay(request: dict[str, Any]) -> dict[str, Any] | None:
    """The recorded response for this request in the current run, if one is left to replay."""
    context = current_run.get()
    if context is None:
        return None
    from .._store.runs import get_store, request_hash

    key = request_hash(request)
    recorded = get_store().recorded_responses(context.run_id, request)
    with _lock:
        seen = _occurrences[context.run_id][key]
        _occurrences[context.run_id][key] = seen + 1
    return recorded[seen] if seen < len(recorded) else None


def record(request: dict[str, Any], response: dict[str, Any], latency: float) -> None:
    context = current_run.get()
    if context is None:
        return
    from .._store.runs import get_store

    get_store().record_llm_call(
        context.run_id, step_index=context.step_index, role=request.get("role", ""),
        model=request.get("model", ""), request=request, response=response, latency=latency,
    )
