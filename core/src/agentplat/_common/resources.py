"""Resources that live as long as one run: opened by the first step that needs them, shared
by every later step of that run, closed when the run ends.

A plugin whose tools talk to something costly to start (a subprocess, a session with a
server) asks ``run_resources()`` for the current run's scope and ``await scope.get(key, open)``
with an async context manager factory. Each resource is entered in a task of its own, so it
can be opened from any step's task and closed from the run's, and a resource that hangs
while opening or closing is cut off after a deadline instead of hanging the run.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any, AsyncContextManager, AsyncIterator, Callable, Hashable

from .context import current

#: Seconds a resource gets to close at the end of a run before its task is cancelled.
CLOSE_TIMEOUT = 5.0


class _Held:
    """One resource: the task that holds its context open until told to stop."""

    def __init__(self, opener: Callable[[], AsyncContextManager[Any]]):
        self.ready: asyncio.Future = asyncio.get_running_loop().create_future()
        self.stop = asyncio.Event()
        self.task = asyncio.get_running_loop().create_task(self._hold(opener))

    async def _hold(self, opener: Callable[[], AsyncContextManager[Any]]) -> None:
        try:
            async with opener() as value:
                if not self.ready.done():
                    self.ready.set_result(value)
                await self.stop.wait()
        except BaseException as exc:  # noqa: BLE001 - handed to whoever waits for the resource
            if not self.ready.done():
                self.ready.set_exception(exc if isinstance(exc, Exception) else RuntimeError(str(exc) or "cancelled"))
            if isinstance(exc, asyncio.CancelledError):
                raise

    async def close(self, timeout: float) -> None:
        self.stop.set()
        done, _ = await asyncio.wait({self.task}, timeout=timeout)
        if not done:
            self.task.cancel()
            await asyncio.wait({self.task}, timeout=timeout)
        if not self.ready.done():
            self.ready.cancel()
        elif not self.ready.cancelled():
            self.ready.exception()  # retrieved: a failure was already reported to the step


class RunResources:
    """The resources of one run, by key; see the module docstring."""

    def __init__(self, run_id: str = "") -> None:
        self.run_id = run_id  # the recorded run these resources belong to ("" for a run not recorded)
        self._held: dict[Hashable, _Held] = {}
        self.closed = False
        #: set before the resources close when every step of the run's whole plan succeeded:
        #: a resource that keeps state for a resume (a sandbox's variables) drops it then
        self.finished = False

    async def get(self, key: Hashable, opener: Callable[[], AsyncContextManager[Any]], *,
                  timeout: float | None = None) -> Any:
        """The resource ``key``, opened with ``opener()`` the first time in this run.

        A resource that failed to open fails every later ``get`` of the run the same way (it
        is not started again); one that takes longer than ``timeout`` seconds to open is
        cancelled and raises ``TimeoutError``.
        """
        if self.closed:
            raise RuntimeError("the run has ended; its resources are closed")
        held = self._held.get(key)
        if held is None:
            held = self._held[key] = _Held(opener)
        if timeout is None:
            return await asyncio.shield(held.ready)
        try:
            return await asyncio.wait_for(asyncio.shield(held.ready), timeout)
        except asyncio.TimeoutError:
            if not held.ready.done():
                held.task.cancel()
                held.ready.set_exception(TimeoutError(f"not ready within {timeout:g}s"))
            raise TimeoutError(f"not ready within {timeout:g}s") from None

    async def aclose(self, timeout: float = CLOSE_TIMEOUT) -> None:
        """Close every resource (all at once), each within ``timeout`` seconds."""
        self.closed = True
        held, self._held = list(self._held.values()), {}
        if held:
            await asyncio.gather(*(h.close(timeout) for h in held), return_exceptions=True)


def run_resources() -> RunResources | None:
    """The current run's resources, or ``None`` outside a run (then open and close your own)."""
    return current().resources


@contextlib.asynccontextmanager
async def resource_scope(run_id: str = "") -> AsyncIterator[RunResources]:
    """The resources of one run: every one opened in it is closed when the block ends. The
    run's front door puts the scope in the run context, so every step (and task) finds it."""
    scope = RunResources(run_id)
    try:
        yield scope
    finally:
        await scope.aclose()
