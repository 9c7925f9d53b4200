"""Running a request from the command line: live view or plain lines, the store, the outcome."""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import sys

import click

from .._common.errors import AgentplatError
from .._common.secrets import redact
from . import eventloop as event_loop
from .support import fail, for_screen


def execute_and_report(start, *, run_id: str, as_json: bool, synthesize: bool = False, model: str | None = None,
                       approve: tuple[str, ...] = (), yes: bool = False, stream_json: bool = False):
    """Run with the live view (a terminal) or plain lines, record it, print the outcome.
    ``start(listener, store, approvals)`` starts the run; a call that acts is asked about on a
    terminal (the live view pauses meanwhile), else allowed only by ``approve``/``yes``/config.

    Ctrl-C or SIGTERM cancels running steps, marks the run interrupted and says how to resume it.
    """
    from .printing import RunPrinter
    from .._run.recorded import DamagedStore, best_effort, open_store

    def unrecorded(exc: DamagedStore) -> None:  # a run does not need the history to work
        click.echo(f"agentplat: warning: {redact(_first_line(exc))}; this run is not recorded", err=True)

    try:
        store = best_effort(open_store(), on_failure=unrecorded)
    except DamagedStore as exc:
        unrecorded(exc)
        store = None
    as_json = as_json or stream_json
    live = not as_json and sys.stdout.isatty()
    if live:
        from .live import LiveView

        listener = LiveView()
    elif stream_json:
        from .events import JsonEvents

        listener = JsonEvents()
    else:
        listener = RunPrinter(enabled=not as_json)
    from .approving import build_approvals, can_ask

    approvals = build_approvals(approve, yes, interactive=can_ask(as_json),
                                pause=listener.paused if live else None)
    terminated = []
    try:
        with listener if live else contextlib.nullcontext():
            result = event_loop.run(_terminable(start(listener, store, approvals), terminated))
    except (KeyboardInterrupt, asyncio.CancelledError):
        how, code = ("terminated", 128 + signal.SIGTERM) if terminated else ("interrupted", 130)
        fail(f"{how}; finished steps are kept. Resume with: agentplat resume {run_id}", code=code)
    except AgentplatError as exc:
        run = store.get_run(run_id) if store is not None else None
        if run is None:  # refused before a run was created (an unknown model...)
            raise
        if as_json:
            from .._run.request import load_result

            _print_run(load_result(store, run_id).to_json(), listener if stream_json else None)
        message = _first_line(exc)
        raise AgentplatError(message if run_id in message else f"{message} (run {run_id})") from exc
    printer = RunPrinter() if live else listener
    if synthesize and result.steps and not result.synthesized:  # the joiner's words are not paid for twice
        from .._run.synthesis import synthesize_answer

        if as_json:
            event_loop.run(synthesize_answer(result, model=model,
                                             on_text=listener.answer_delta if stream_json else None))
        else:
            printer.finish(result, between=lambda: _synthesize(result, model))
        if store is not None:
            store.finish_run(result.run_id, status=result.status, answer=result.answer,
                             error=result.error, usage=result.usage.as_dict())
    elif not as_json:
        printer.finish(result)
    if as_json:
        _print_run(result.to_json(), listener if stream_json else None)
    if result.status != "succeeded":
        fail((result.error or f"run {result.status}") + f" (run {result.run_id})")


def _print_run(run: dict, events=None) -> None:
    """The run's one JSON object: alone (``--json``), or as the last event (``--stream-json``)."""
    if events is not None:
        events.done(run)
    else:
        click.echo(json.dumps(redact(run), indent=2, ensure_ascii=False))


async def _terminable(work, terminated: list):
    """``work``, cancelled by SIGTERM the way Ctrl-C cancels it (a service manager, ``kill``,
    a container stopping), so the run is marked interrupted instead of left "running"."""
    loop = asyncio.get_running_loop()
    task = asyncio.current_task()

    def on_term() -> None:
        terminated.append(True)
        task.cancel()

    try:
        loop.add_signal_handler(signal.SIGTERM, on_term)
    except (NotImplementedError, RuntimeError, ValueError):  # not the main thread, or no such signal here
        return await work
    try:
        return await work
    finally:
        loop.remove_signal_handler(signal.SIGTERM)


def _synthesize(result, model: str | None) -> None:
    from .._run.synthesis import synthesize_answer

    if event_loop.run(synthesize_answer(result, model=model, on_text=_stream_out)) is None:
        click.echo("agentplat: note: --synthesize: the offline model writes no prose; the answer is the steps' "
                   "results", err=True)


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def _stream_out(text: str) -> None:
    click.echo(for_screen(text), nl=False)
