"""Running a request from the command line: live view or plain lines, the store, the outcome."""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys

import click

from .support import fail


def execute_and_report(start, *, run_id: str, as_json: bool, synthesize: bool = False, model: str | None = None):
    """Run with the live view (a terminal) or plain lines, record it, print the outcome.

    Ctrl-C cancels running steps, marks the run interrupted and says how to resume it.
    """
    from .printing import RunPrinter
    from .._store.runs import get_store

    store = get_store()
    live = not as_json and sys.stdout.isatty()
    if live:
        from .live import LiveView

        listener = LiveView()
    else:
        listener = RunPrinter(enabled=not as_json)
    try:
        with listener if live else contextlib.nullcontext():
            result = asyncio.run(start(listener, store))
    except KeyboardInterrupt:
        fail(f"interrupted; finished steps are kept. Resume with: agentplat resume {run_id}", code=130)
    if synthesize and result.steps:
        from .._run.synthesis import synthesize_answer

        asyncio.run(synthesize_answer(result, model=model, on_text=None if as_json else _stream_out))
        store.finish_run(result.run_id, status=result.status, answer=result.answer,
                         error=result.first_error(), usage=result.usage.as_dict())
    if as_json:
        click.echo(json.dumps(result.to_json(), indent=2, ensure_ascii=False))
    else:
        (RunPrinter() if live else listener).finish(result)
    if result.status != "succeeded":
        fail((result.first_error() or f"run {result.status}") + f" (run {result.run_id})")


def _stream_out(text: str) -> None:
    click.echo(text, nl=False)
