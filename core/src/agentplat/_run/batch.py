"""Many requests at once: a bounded pool of workers, results in input order, fail-fast."""

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
) -> list[dict[str, Any]]:
    """Run every request as its own recorded run; ``emit`` gets each run's JSON (the one shape
    of a run, with the request's ``index``) in input order as soon as it and all before it are
    known. With ``fail_fast`` the first failure cancels the runs still going (their steps are
    cancelled) and the ones not started."""
    from .request import load_result, new_run_id, run_request
    from .result import RunResult
    from .._store.runs import run_store

    store = run_store()
    gate = asyncio.Semaphore(max_workers)
    outcomes: list[dict[str, Any] | None] = [None] * len(items)
    next_to_emit = 0
    stop = asyncio.Event()

    def flush() -> None:
        nonlocal next_to_emit
        while next_to_emit < len(items) and outcomes[next_to_emit] is not None:
            if emit is not None:
                emit(outcomes[next_to_emit])
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

    async def one(index: int, item: dict[str, Any]) -> None:
        run_id = new_run_id()
        try:
            async with gate:
                if stop.is_set():
                    raise asyncio.CancelledError
                result = await run_request(item["request"], model=model, max_parallel=max_parallel, store=store,
                                           run_id=run_id, tags={**(tags or {}), **item.get("tags", {})},
                                           approvals=approvals)
            outcomes[index] = line(index, result)
        except asyncio.CancelledError:
            outcomes[index] = ended_early(index, run_id, "cancelled", "cancelled (fail-fast)")
            outcomes[index]["status"] = "cancelled"
        except Exception as exc:  # noqa: BLE001 - one request's failure is its own line
            outcomes[index] = ended_early(index, run_id, "failed", str(exc) or type(exc).__name__)
        if fail_fast and outcomes[index]["status"] not in ("succeeded", "cancelled") and not stop.is_set():
            stop.set()
            for task in tasks:
                if task is not asyncio.current_task():
                    task.cancel()
        flush()

    tasks = [asyncio.ensure_future(one(i, item)) for i, item in enumerate(items)]
    await asyncio.gather(*tasks, return_exceptions=True)
    for index, outcome in enumerate(outcomes):  # a task cancelled before it started
        if outcome is None:
            outcomes[index] = ended_early(index, "", "cancelled", "cancelled (fail-fast)")
    flush()
    return outcomes
