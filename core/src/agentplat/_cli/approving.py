"""The command line's side of approvals: ``--approve``/``--yes``, and the question on a terminal.

A run asks only where a person can answer: stdin is a terminal and the output is not JSON.
Everywhere else (a pipe, ``--json``, ``batch``) a call that acts and is not allowed fails its
step with one line naming the tool and how to allow it.
"""

from __future__ import annotations

import contextlib
import sys
from typing import Any, Callable, ContextManager

import click

from .support import for_screen

APPROVE_HELP = ("Allow tool calls that write or delete for TOOL (agent.tool; wildcards like 'fs.*'); "
                "repeatable.")
YES_HELP = "Allow every tool call that writes or deletes, without asking (config.toml [approvals] deny still wins)."
#: a question unanswered this long is a "no": every wait has a deadline
ANSWER_SECONDS = 300.0


def approval_options(command: Callable) -> Callable:
    """``--approve TOOL`` (repeatable) and ``--yes`` on a command that runs requests."""
    command = click.option("--yes", "-y", "yes", is_flag=True, help=YES_HELP)(command)
    return click.option("--approve", "approve", multiple=True, metavar="TOOL", help=APPROVE_HELP)(command)


def build_approvals(approve: tuple[str, ...], yes: bool, *, interactive: bool,
                    pause: Callable[[], ContextManager[Any]] | None = None):
    """The run's approvals: config.toml's ``[approvals]``, the command line's, and the terminal's
    question when ``interactive``."""
    from .._run.request import Approvals

    ask = TerminalQuestion(pause) if interactive else None
    return Approvals.from_config(allow=approve, yes=yes, ask=ask)


def can_ask(as_json: bool) -> bool:
    """Whether a person can answer a question: stdin and stderr are terminals, output is not JSON."""
    return not as_json and sys.stdin.isatty() and sys.stderr.isatty()


class TerminalQuestion:
    """Shows the exact call and reads yes / no / always from stdin, without blocking the run's
    other steps (the read happens in a thread)."""

    def __init__(self, pause: Callable[[], ContextManager[Any]] | None = None):
        self.pause = pause or contextlib.nullcontext

    async def __call__(self, call) -> str:
        import asyncio  # not at import time: ``--help`` loads this module for its options

        effect = "deletes or overwrites" if call.effect == "destructive" else "writes"
        where = f"step {call.step}: " if call.step is not None else ""
        with self.pause():
            click.echo(for_screen(f"\n{where}{call.name} {effect}:\n  {call.describe()}"), err=True)
            for _ in range(3):
                click.echo(f"Allow it? [y]es / [n]o / [a]lways for {call.name} in this run: ", err=True, nl=False)
                try:
                    line = await asyncio.wait_for(asyncio.to_thread(sys.stdin.readline), ANSWER_SECONDS)
                except TimeoutError:
                    click.echo(f"\nno answer in {ANSWER_SECONDS:g} s: declined", err=True)
                    return "no"
                if not line:  # end of input
                    click.echo("", err=True)
                    return "no"
                answer = {"y": "yes", "yes": "yes", "n": "no", "no": "no", "a": "always",
                          "always": "always"}.get(line.strip().lower())
                if answer is not None:
                    return answer
            return "no"
