"""One Python interpreter session in Monty's sandbox, shared by the code steps of one run.

Why Monty (``pydantic-monty``): a Python interpreter written in Rust for code written by
models. Sandboxed code has no host files, no network, no environment, no ``import`` of anything
that reaches the host (``os.system``, ``socket``, ``ctypes``, ``subprocess`` do not exist), and no
object model to climb (``().__class__`` is not there); it runs in a worker process, so even a
crash of the interpreter is the worker's, never agentplat's. Limits of time, memory, recursion
and printed output are enforced inside the worker, with the pool killing a worker that overruns.

How code reaches tools: a call of ``call_tool("agent.tool", **args)`` (a name the sandbox does
not define) pauses the interpreter; the host makes the call through the core's own door
(``agentplat.extend.tool_caller``) and resumes the code with the result, or with a
``RuntimeError`` saying why the call failed or was refused. ``tools()`` lists what may be called.
``await call_tool(...)`` works too (for code written as async).

State: the session's variables persist from one run of code to the next within a run. After
each run that succeeds the session is dumped (a few hundred microseconds): a run that hits a
limit (after which the interpreter's heap is not to be trusted) goes back to that state, and a
recorded run keeps the dump in ``$AGENTPLAT_HOME/code`` so ``agentplat resume`` continues with the
same variables. The file is removed when the run finishes with every step succeeded.
"""

from __future__ import annotations

import asyncio
import contextlib
import keyword
import math
import os
import re
import time
from pathlib import Path
from typing import Any

import pydantic_monty as monty

from agentplat import ToolError

from .limits import Limits

#: Names the sandbox gets from the host.
CALL_TOOL, LIST_TOOLS = "call_tool", "tools"
_AWAITED = re.compile(rb"\bawait\s*\(?\s*$")
_STATE_MAX_BYTES = 32 * 1024 * 1024  # a larger session is not kept for a resume
_STATE_MAX_AGE = 14 * 24 * 3600  # kept sessions of runs never resumed are pruned after two weeks
_SETTLE = 0.01  # seconds the pool's threads get after it closes (see ``Sandbox.__aexit__``)


class CodeError(ToolError):
    """The code failed: its traceback, as the sandbox wrote it (for the model to repair)."""


class Sandbox:
    """A session of one worker of Monty's pool; ``run`` runs code in it, one run at a time."""

    def __init__(self, limits: Limits, *, state_file: Path | None = None):
        self.limits = limits
        self.state_file = state_file
        self._stack = contextlib.AsyncExitStack()
        self._pool: monty.AsyncMonty | None = None
        self._session = None
        self._session_stack: contextlib.AsyncExitStack | None = None
        self._good: bytes | None = None  # the session as it was after the last run that succeeded
        self._lock = asyncio.Lock()
        self.restored = False  # whether the session began from a kept state (a resumed run)
        self.reset_reason = ""  # set when a limit cost the session what the last run made

    async def __aenter__(self) -> "Sandbox":
        self._pool = await self._stack.enter_async_context(monty.AsyncMonty(
            min_processes=1, max_processes=1, request_timeout=self.limits.cpu_seconds + 10,
            checkout_timeout=30))
        if self.state_file is not None and self.state_file.is_file():
            try:
                self._good = self.state_file.read_bytes()
            except OSError:
                self._good = None
        await self._start()
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self._stop()
        await self._stack.aclose()
        # The pool's own threads finish their work a few milliseconds after it closes; a
        # process that exits within that time can abort in the interpreter's finalisation
        # (measured: about one exit in four straight after a close, none after 5 ms).
        await asyncio.sleep(_SETTLE)

    async def _start(self) -> None:
        stack = contextlib.AsyncExitStack()
        limits = self.limits
        self._session = await stack.enter_async_context(self._pool.checkout(
            limits={"max_feed_duration_secs": limits.cpu_seconds, "max_memory": limits.memory_mb * 1024 * 1024,
                    "max_recursion_depth": limits.max_depth, "max_suspensions": 1_000_000},
            os_policy={"sleep_system_max": min(1.0, limits.wall_seconds)},
        ))
        self._session_stack = stack
        if self._good is not None:
            try:
                await self._session.load_session(self._good)
                self.restored = True
            except Exception:  # noqa: BLE001 - a state another version wrote: start afresh
                self._good = None
                await self._stop()
                await self._start()

    async def _stop(self) -> None:
        stack, self._session_stack, self._session = self._session_stack, None, None
        if stack is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(stack.aclose(), 5)

    async def _reset(self, why: str) -> None:
        """A limit stopped the interpreter mid-operation: its heap is not trusted any more.
        Back to the state after the last run that succeeded."""
        await self._stop()
        self.reset_reason = why
        await self._start()

    async def run(self, code: str, inputs: dict[str, Any] | None = None, caller: Any = None) -> Any:
        """Run ``code`` with ``inputs`` bound as variables; see ``tools.run_python`` for the result.
        ``caller`` (a ``ToolCaller``) serves the code's ``call_tool``; without it there are no tools."""
        inputs = dict(inputs or {})
        for name in inputs:
            if not (isinstance(name, str) and name.isidentifier() and not keyword.iskeyword(name)
                    and not name.startswith("__")):
                raise ToolError(f"inputs: {name!r} is not a variable name")
        async with self._lock:
            if self._session is None:
                await self._start()
            printed = monty.CollectString(max_bytes=self.limits.output_bytes)
            try:
                async with asyncio.timeout(self.limits.wall_seconds):
                    value = await self._drive(code, inputs, printed, caller)
            except TimeoutError:
                await self._reset("the run took too long")
                raise CodeError(f"the code took longer than {self.limits.wall_seconds:g} s in all "
                                f"(AGENTPLAT_CODE_WALL_SECONDS); its variables are as before it ran") from None
            except monty.MontySyntaxError as exc:
                raise CodeError(_shown(exc)) from None
            except monty.MontyRuntimeError as exc:
                kind = type(exc.exception()).__name__
                text = _shown(exc)
                if kind in ("TimeoutError", "MemoryError"):  # a limit: the heap may be half-changed
                    await self._reset(kind)
                    text += "\n" + _limit_advice(kind, text, self.limits)
                raise CodeError(text) from None
            except monty.MontyCrashedError as exc:
                await self._reset("the interpreter stopped")
                reason = "took too long" if getattr(exc, "timed_out", False) else "stopped"
                raise CodeError(f"the sandbox {reason} running this code; its variables are as before it ran") from None
            except monty.MontyError as exc:
                raise CodeError(_shown(exc)) from None
            self._good = await self._session.dump()
            self._keep()
            text = printed.output
            return _result(value, text)

    async def _drive(self, code: str, inputs: dict[str, Any], printed: Any, caller: Any) -> Any:
        source = code.encode()
        pending: dict[int, asyncio.Task] = {}
        snapshot = await self._session.feed_start(code, inputs=inputs or None, print_callback=printed)
        try:
            while not isinstance(snapshot, monty.MontyComplete):
                if isinstance(snapshot, monty.AsyncFunctionSnapshot):
                    snapshot = await self._answer(snapshot, source, pending, caller)
                elif isinstance(snapshot, monty.AsyncNameLookupSnapshot):
                    snapshot = await snapshot.resume()  # an undefined name: NameError, as in Python
                elif isinstance(snapshot, monty.AsyncFutureSnapshot):
                    waiting = [pending[i] for i in snapshot.pending_call_ids if i in pending]
                    if not waiting:
                        raise CodeError("the code awaits something that never comes")
                    await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
                    settled = {i: _settled(pending.pop(i)) for i in list(snapshot.pending_call_ids)
                               if i in pending and pending[i].done()}
                    snapshot = await snapshot.resume(settled)
                else:
                    raise CodeError(f"the sandbox paused in a way agentplat does not know ({type(snapshot).__name__})")
            return snapshot.output
        finally:
            for task in pending.values():
                task.cancel()

    async def _answer(self, snapshot: Any, source: bytes, pending: dict, caller: Any) -> Any:
        if snapshot.is_os_function:  # files, clock, environment: Monty's own answer (denied, or its clock)
            return await snapshot.resume_not_handled()
        name = snapshot.function_name
        if name == LIST_TOOLS:
            return await snapshot.resume({"return_value": caller.names() if caller is not None else []})
        if name != CALL_TOOL:
            return await snapshot.resume({"exception": NameError(f"name {name!r} is not defined")})
        call = _tool_call(snapshot.args, snapshot.kwargs, caller)
        position = snapshot.position
        awaited = snapshot.allow_eager_await or (
            position.filename.endswith(">") and _AWAITED.search(source[: position.start]) is not None)
        if awaited:  # ``await call_tool(...)``: answered as a future
            pending[snapshot.call_id] = asyncio.ensure_future(call)
            return await snapshot.resume({"future": ...})
        try:
            value = await call
        except ToolError as exc:
            return await snapshot.resume({"exception": RuntimeError(str(exc))})
        return await snapshot.resume({"return_value": value})

    def _keep(self) -> None:
        """Write the session's state for a resume of this run (recorded runs only)."""
        if self.state_file is None or self._good is None:
            return
        if len(self._good) > _STATE_MAX_BYTES:
            with contextlib.suppress(OSError):
                self.state_file.unlink()
            return
        with contextlib.suppress(OSError):
            self.state_file.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            partial = self.state_file.with_suffix(".partial")
            fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "wb") as out:
                out.write(self._good)
            os.replace(partial, self.state_file)

    def forget(self) -> None:
        """The run finished: nothing will resume it, so its kept state goes."""
        if self.state_file is not None:
            with contextlib.suppress(OSError):
                self.state_file.unlink()


async def _tool_call_of(caller: Any, name: Any, args: dict[str, Any]) -> Any:
    if caller is None:
        raise ToolError("no tools can be called here")
    try:
        return _plain(await caller.call(name, args))
    except ToolError as exc:
        raise ToolError(f"call_tool({name!r}): {exc}") from None
    except Exception as exc:  # noqa: BLE001 - any failure of the call is the code's to handle
        message = str(exc) or type(exc).__name__
        raise ToolError(f"call_tool({name!r}): {message}") from None


def _tool_call(args: tuple, kwargs: dict[str, Any], caller: Any):
    """The coroutine that serves ``call_tool(name, **args)`` (or ``call_tool(name, {args})``)."""
    if not args or len(args) > 2 or (len(args) == 2 and (kwargs or not isinstance(args[1], dict))):
        async def wrong() -> Any:
            raise ToolError("call it as call_tool('agent.tool', name=value, ...)")
        return wrong()
    arguments = dict(args[1]) if len(args) == 2 else dict(kwargs)
    return _tool_call_of(caller, args[0], arguments)


def _settled(task: asyncio.Task) -> dict[str, Any]:
    try:
        return {"return_value": task.result()}
    except ToolError as exc:
        return {"exception": RuntimeError(str(exc))}
    except BaseException as exc:  # noqa: BLE001 - told to the code, which may handle it
        return {"exception": RuntimeError(str(exc) or type(exc).__name__)}


def _shown(exc: Any) -> str:
    try:
        return exc.display("traceback")
    except Exception:  # noqa: BLE001
        return str(exc)


def _limit_advice(kind: str, text: str, limits: Limits) -> str:
    if kind == "TimeoutError":
        return (f"(the code ran longer than {limits.cpu_seconds:g} s (AGENTPLAT_CODE_CPU_SECONDS); "
                "its variables are as before it ran)")
    if "print" in text or "output" in text or f"> {limits.output_bytes} bytes" in text:
        return (f"(the code printed more than {limits.output_bytes} bytes (AGENTPLAT_CODE_OUTPUT_BYTES); "
                "its variables are as before it ran)")
    return (f"(the code needed more than {limits.memory_mb} MiB (AGENTPLAT_CODE_MEMORY_MB); "
            "its variables are as before it ran)")


def _result(value: Any, printed: str) -> Any:
    """What a run returns: the last expression's value; with what it printed when it printed
    (only the printed text when there is no value)."""
    value = _plain(value)
    if not printed:
        return value
    printed = printed.rstrip("\n")
    if value is None:
        return printed
    return {"value": value, "printed": printed}


def _plain(value: Any, depth: int = 0) -> Any:
    """``value`` as JSON data (what a step's result must be): containers as lists and objects,
    anything else as its text."""
    if depth > 100:
        return "..."
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, dict):
        return {k if isinstance(k, str) else str(_plain(k, depth + 1)): _plain(v, depth + 1) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v, depth + 1) for v in value]
    if isinstance(value, (set, frozenset)):
        items = [_plain(v, depth + 1) for v in value]
        try:
            return sorted(items)
        except TypeError:
            return items
    if isinstance(value, bytes):
        return repr(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def prune(folder: Path) -> None:
    """Remove kept sessions of runs not resumed for two weeks."""
    now = time.time()
    with contextlib.suppress(OSError):
        for path in folder.glob("*.session"):
            with contextlib.suppress(OSError):
                if now - path.stat().st_mtime > _STATE_MAX_AGE:
                    path.unlink()
