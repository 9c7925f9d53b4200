"""Many requests at once: a bounded pool of workers, results in input order, fail-fast.

Memory stays flat however many requests: ``max_workers`` workers take the requests one by
one (no task per request waits up front), and a run's JSON is kept only until it and all
before it are emitted. The runs share this process's registry, store connection and model
clients."""

from __future__ import annotations

import asyncio
from typing import Any, Callable


async def run_batch(
    items: list[dict[str, Any]],
    *,
    max_workers: int,
    max_parallel: int = 8,
    fail_fast: bool = False,
    tags: dict[str, str] | None = None,
    model: str | None = None,
    emit: Callable[[dict[str, Any]], None] | None = None,
    approvals=None,
) -> list[str]:
    """Run every request as its own recorded run; ``emit`` gets each run's JSON (the one shape
    of a run, with the request's ``index``) in input order as soon as it and all before it are
    known. With ``fail_fast`` the first failure cancels the runs still going (their steps are
    cancelled) and the ones not started. Returns each request's status, in input order."""
    from .request import load_result, new_run_id, run_request
    from .result import RunResult
    from .._store.runs import run_store

    store = run_store()
    statuses: list[str] = [""] * len(items)
    waiting: dict[int, dict[str, Any]] = {}  # known, not yet emitted (a later one finished first)
    next_to_emit = 0
    stop = asyncio.Event()
    pending = iter(enumerate(items))  # shared by the workers: each request is taken once
    workers: list[asyncio.Task] = []

    def known(index: int, outcome: dict[str, Any]) -> None:
        nonlocal next_to_emit
        statuses[index] = outcome["status"]
        waiting[index] = outcome
        while next_to_emit in waiting:
            line = waiting.pop(next_to_emit)
            if emit is not None:
                emit(line)
            next_to_emit += 1

    def line(index: int, result: RunResult) -> dict[str, Any]:
        return {"index": index, **result.to_json()}

    def ended_early(index: int, run_id: str, status: str, error: str) -> dict[str, Any]:
        """A run that raised or was cancelled: as recorded if it got that far, else unstarted."""
        item = items[index]
        run = store.get_run(run_id) if run_id else None
        if run is not None and run["status"] != "running":
            return line(index, load_result(store, run_id))
        return line(index, RunResult.unstarted(item["request"], run_id=None, status=status, error=error,
                                               tags={**(tags or {}), **item.get("tags", {})}))

    def cancelled(index: int, run_id: str = "") -> dict[str, Any]:
        outcome = ended_early(index, run_id, "cancelled", "cancelled (fail-fast)")
        outcome["status"] = "cancelled"
        return outcome

    async def one(index: int, item: dict[str, Any]) -> None:
        run_id = new_run_id()
        try:
            result = await run_request(item["request"], model=model, max_parallel=max_parallel, store=store,
                                       run_id=run_id, tags={**(tags or {}), **item.get("tags", {})},
                                       approvals=approvals)
            outcome = line(index, result)
        except asyncio.CancelledError:
            known(index, cancelled(index, run_id))
            raise
        except Exception as exc:  # noqa: BLE001 - one request's failure is its own line
            outcome = ended_early(index, run_id, "failed", str(exc) or type(exc).__name__)
        known(index, outcome)
        if fail_fast and outcome["status"] != "succeeded" and not stop.is_set():
            stop.set()
            for worker in workers:
                if worker is not asyncio.current_task():
                    worker.cancel()

    async def worker() -> None:
        for index, item in pending:
            if stop.is_set():
                known(index, cancelled(index))
                continue
            await one(index, item)

    workers.extend(asyncio.ensure_future(worker()) for _ in range(max(1, min(max_workers, len(items)))))
    await asyncio.gather(*workers, return_exceptions=True)
    for index, _ in pending:  # not started: their workers were cancelled
        known(index, cancelled(index))
    return statuses
