"""What every command shares: one line on stderr and an exit code for errors, tags."""

from __future__ import annotations

import functools
import sys
import traceback
from typing import Any, Callable

import click

from .._common.errors import AgentplatError
from .._common.secrets import redact
from .._common.terminal import visible
from .._common.wording import describe


def for_screen(text: str) -> str:
    """Text for a person to read: secrets masked, control characters and escape sequences
    shown as text (``\\x1b``), never acted on by the terminal. Every printer of text that came
    from a tool, a model, a server or the store passes through it."""
    return visible(redact(str(text)))


def fail(message: str, *, code: int = 1) -> None:
    """One line on stderr (whatever ``message`` holds), then exit with ``code``."""
    line = for_screen(" ".join(message.split()))  # an endpoint's error may quote the key it was sent
    click.echo(f"agentplat: error: {line if len(line) <= 1000 else line[:999] + '…'}", err=True)
    sys.exit(code)


def handles_errors(command: Callable) -> Callable:
    """One line on stderr and a non-zero exit for user errors; a traceback only with --debug."""

    @functools.wraps(command)
    def wrapper(*args: Any, debug: bool = False, **kwargs: Any) -> Any:
        debug = debug or bool(click.get_current_context().find_root().params.get("debug"))
        try:
            return command(*args, **kwargs)
        except (click.exceptions.Exit, click.ClickException, SystemExit):
            raise
        except KeyboardInterrupt:
            if debug:
                traceback.print_exc()
            fail("interrupted", code=130)
        except Exception as exc:  # noqa: BLE001 - the CLI's last line of defence
            if debug:
                traceback.print_exc()  # ours, on stderr: Flyte replaces sys.excepthook
            if isinstance(exc, AgentplatError):
                message = (str(exc).strip().splitlines() or [""])[0]
            else:
                message = describe(exc, first_line=True)
            fail(message or type(exc).__name__)

    return click.option("--debug", is_flag=True, help="Show tracebacks.")(wrapper)


def parse_tags(tags: tuple[str, ...]) -> dict[str, str]:
    parsed = {}
    for tag in tags:
        key, sep, value = tag.partition("=")
        if not sep or not key.strip():
            raise click.BadParameter(f"tags look like KEY=VALUE, not {tag!r}", param_hint="--tag")
        parsed[key.strip()] = value.strip()
    return parsed


def round_options(command):
    """``--max-rounds N`` and ``--reflect/--no-reflect`` on a command that runs requests: how far
    the joiner may adapt the run (``_execute.rounds``)."""
    command = click.option(
        "--reflect/--no-reflect", "reflect", default=None,
        help="Always ask the joiner after the steps run / never (default: only when a step failed, a step is "
             "a task, or the request states a condition or a choice).")(command)
    return click.option("--max-rounds", type=click.IntRange(min=1), default=None, metavar="N",
                        help="At most N rounds of steps, the first plan's included (default 3; [run] max_rounds).")(command)


def engine_option(command):
    """``--engine inline|flyte``: where this process runs its steps (and a plugin's jobs); it
    sets ``AGENTPLAT_ENGINE`` for the process, so every run and job of the command agrees."""

    def chosen(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
        if value:
            import os

            os.environ["AGENTPLAT_ENGINE"] = value

    return click.option("--engine", type=click.Choice(["inline", "flyte"]), default=None, expose_value=False,
                        callback=chosen, is_eager=True,
                        help="Run steps in this process (inline, the default) or as local Flyte tasks "
                             "(flyte; the default when AGENTPLAT_FLYTE_RECORDS=1).")(command)
