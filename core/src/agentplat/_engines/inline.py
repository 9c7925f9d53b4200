"""The inline engine: the same run as on Flyte, in this event loop (tests, benchmarks,
embedding, and a cluster job's container, which is itself the unit of work). Calls are not
traced: the run context's tracer is the plain one."""

from __future__ import annotations

import asyncio
from typing import Any

from .._common.context import PLAIN
from .._execute.driver import Driven, drive
from .._execute.step import execute_step
from .._plugin.entries import call_entry, resolve_entry
from .base import RunJob, failure


class InlineEngine:
    name = "inline"

    async def drive(self, job: RunJob) -> Driven:
        return await drive(job.ctx.narrowed(tracer=PLAIN), execute_step, max_parallel=job.max_parallel,
                           plan=job.plan, done=job.done, history=job.history)

    async def map(self, entry: str, items: list[dict[str, Any]], *, limit: int,
                  shared: dict[str, Any] | None = None, local: dict[str, Any] | None = None,
                  labels: list[str] | None = None) -> list[Any]:
        function = resolve_entry(entry)
        gate = asyncio.Semaphore(max(1, limit))

        async def one(item: dict[str, Any]) -> Any:
            async with gate:
                try:
                    return await call_entry(function, **item, **(shared or {}), **(local or {}))
                except Exception as exc:  # noqa: BLE001 - one job's failure is its own
                    return failure(exc)

        return list(await asyncio.gather(*(one(item) for item in items)))
