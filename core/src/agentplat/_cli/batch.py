"""``agentplat batch``: many requests from a file, one JSON line each, in input order."""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from .._common.errors import AgentplatError
from .._common.secrets import redact
from .._common.textinput import decode_file, read_text_file
from .approving import approval_options
from .support import engine_option, fail, handles_errors, parse_tags


def read_batch(path: str) -> list[dict[str, Any]]:
    """One request per line, or JSONL objects with ``request`` (and optional ``tags``)."""
    try:
        if path != "-":
            text = read_text_file(path)
        elif (raw := getattr(sys.stdin, "buffer", None)) is not None:
            text = decode_file(raw.read(), "<stdin>")
        else:  # a text stream a caller put in place of stdin
            text = sys.stdin.read()
    except OSError as exc:
        raise AgentplatError(f"cannot read {path}: {exc.strerror}") from None
    items = []
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("{"):
            try:
                data = json.loads(line)
            except json.JSONDecodeError as exc:
                raise AgentplatError(f"{path}:{number}: not valid JSON ({exc.msg})") from None
            if not isinstance(data.get("request"), str):
                raise AgentplatError(f"{path}:{number}: a JSON line needs a \"request\" string")
            items.append({"request": data["request"], "tags": {str(k): str(v) for k, v in (data.get("tags") or {}).items()}})
        else:
            items.append({"request": line, "tags": {}})
    if not items:
        raise AgentplatError(f"{path} holds no requests")
    return items


@click.command()
@click.argument("file")
@click.option("--max-workers", default=4, show_default=True, type=click.IntRange(min=1))
@click.option("--max-parallel", default=8, show_default=True, type=click.IntRange(min=1), help="Steps at once per run.")
@click.option("--fail-fast", is_flag=True, help="At the first failure, cancel what is still running or waiting.")
@click.option("--tag", "tags", multiple=True, metavar="KEY=VALUE", help="Tag every run of the batch.")
@click.option("--model", help="Model backend or name.")
@engine_option
@approval_options
@handles_errors
def batch(file: str, max_workers: int, max_parallel: int, fail_fast: bool, tags: tuple[str, ...],
          model: str | None, approve: tuple[str, ...], yes: bool) -> None:
    """Run many requests from FILE (one per line, or JSONL) concurrently; print one JSON line
    per request, in input order. No one is asked: calls that write or delete run only as
    --approve, --yes or config.toml allow."""
    from .._run.batch import run_batch
    from . import eventloop as event_loop
    from .approving import build_approvals

    items = read_batch(file)
    outcomes = event_loop.run(run_batch(items, max_workers=max_workers, max_parallel=max_parallel,
                                     fail_fast=fail_fast, tags=parse_tags(tags), model=model,
                                     approvals=build_approvals(approve, yes, interactive=False),
                                     emit=lambda line: click.echo(redact(json.dumps(line, ensure_ascii=False)))))
    failed = [status for status in outcomes if status != "succeeded"]
    if failed:
        fail(f"{len(failed)} of {len(outcomes)} requests did not succeed")
