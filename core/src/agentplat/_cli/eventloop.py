"""The CLI's event loop: a tool stuck in a thread never keeps the command from ending.

A tool's deadline fails its step on time, but work it handed to a thread (``asyncio.to_thread``)
cannot be killed, and Python waits for such threads twice: when ``asyncio.run`` ends and when
the interpreter exits. The command has already reported everything by then, so it says that
it leaves that work behind and exits without waiting for it.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import time
from typing import Any, Coroutine, TypeVar

T = TypeVar("T")
PREFIX = "agentplat-thread"


def run(coro: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run`` whose end does not wait for threads still busy with timed-out work.
    (asyncio is imported here, not with the module: ``--help`` needs none of it.)"""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    class _NoWaitExecutor(ThreadPoolExecutor):
        """The loop's default executor; at the loop's end it stops taking work but waits for none."""

        def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
            super().shutdown(wait=False, cancel_futures=True)

    with asyncio.Runner() as runner:
        runner.get_loop().set_default_executor(_NoWaitExecutor(thread_name_prefix=PREFIX))
        return runner.run(coro)


#: Seconds the interpreter may spend on its own exit once a tool call was abandoned.
EXIT_GRACE = 1.0


def exit_without_waiting_for_abandoned_work(code: int) -> None:
    """If a tool call timed out in this process, let the interpreter's exit (which joins every
    worker thread) take at most ``EXIT_GRACE`` seconds; then say what is left and end now."""
    if "agentplat._run.request" not in sys.modules:  # no run in this process: nothing was abandoned
        return
    from .._run.request import abandoned_calls

    count = abandoned_calls()
    if not count:
        return

    def force() -> None:
        time.sleep(EXIT_GRACE)
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):
                stream.flush()
        with contextlib.suppress(Exception):
            sys.stderr.write(f"agentplat: note: {count} timed-out tool call(s) may still be running in a thread; "
                             "exiting without waiting for them\n")
            sys.stderr.flush()
        os._exit(code)

    threading.Thread(target=force, name="agentplat-exit-watchdog", daemon=True).start()
