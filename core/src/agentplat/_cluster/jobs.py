"""A plugin's batch job on the cluster, whose output is a folder (a ``flyte.io.Dir``).

A plugin command offers ``--remote`` by naming an *entry*: ``"module:function"`` in its
own package, called in the cluster as ``function(out, **args)`` (sync or async) with a
fresh folder ``out`` to write into. The job runs as ``agentplat_job`` in the driver
environment (whose image holds every plugin); the folder becomes the run's output, which
an app can be wired to (``agentplat.cluster.apps``, ``flyte.app.RunOutput``). Inside a job
work runs in-process (``AGENTPLAT_ENGINE=inline``): the container is the unit of work.

Only modules of installed plugins (or of agentplat) can be named, never arbitrary code.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import json
import os
import tempfile
from typing import Any, Callable, Iterator

import click

from .._errors import AgentplatError
from .environments import DRIVER_ENV, JOB_TASK

JOB_TASK_NAME = f"{DRIVER_ENV}.{JOB_TASK}"


def allowed_packages() -> set[str]:
    """Top-level packages a job entry may come from: agentplat and the installed plugins."""
    from .._plugin.registry import get_registry

    allowed = {"agentplat"}
    for plugin in get_registry().plugins:
        if plugin.status == "ok" and plugin.module:
            allowed.add(plugin.module.split(":", 1)[0].split(".", 1)[0])
    return allowed


def resolve_entry(entry: str) -> Callable[..., Any]:
    """The function an entry (``module:function``) names, if it belongs to an installed plugin."""
    from importlib import import_module

    module_name, sep, attribute = entry.partition(":")
    if not sep or not module_name or not attribute.isidentifier():
        raise AgentplatError(f"a job entry looks like module:function, not {entry!r}")
    if module_name.split(".", 1)[0] not in allowed_packages():
        raise AgentplatError(f"job entry {entry!r} is not in an installed agentplat plugin")
    function = getattr(import_module(module_name), attribute, None)
    if not callable(function):
        raise AgentplatError(f"job entry {entry!r} names nothing callable")
    return function


@contextlib.contextmanager
def inline_engine() -> Iterator[None]:
    saved = os.environ.get("AGENTPLAT_ENGINE")
    os.environ["AGENTPLAT_ENGINE"] = "inline"
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("AGENTPLAT_ENGINE", None)
        else:
            os.environ["AGENTPLAT_ENGINE"] = saved


async def run_entry(entry: str, args_json: str) -> str:
    """Call the entry with a fresh output folder; the folder's local path."""
    function = resolve_entry(entry)
    args = json.loads(args_json or "{}")
    if not isinstance(args, dict):
        raise AgentplatError("job arguments must be a JSON object")
    out = tempfile.mkdtemp(prefix="agentplat-job-")
    with inline_engine():
        outcome = function(out, **args)
        if inspect.isawaitable(outcome):
            await outcome
    return out


def run_job_remote(entry: str, args: dict[str, Any], *, config: str | None, wait: bool, as_json: bool,
                   what: str = "job") -> dict[str, Any]:
    """Submit a plugin's job to the cluster, print its URL; with ``wait`` follow it until the
    output folder is written. Returns ``{"run", "url", "phase", "output"}``; fails (one line,
    non-zero exit) when the run does not succeed."""
    from .._cli.main import fail
    from . import remote

    resolve_entry(entry)  # a typo fails here, not in the cluster
    session = remote.preflight(config)

    def say(line: str) -> None:
        click.echo(line, err=as_json)

    async def main() -> dict[str, Any]:
        await remote.init(session)
        tasks = remote.cluster_tasks()
        with remote.stdout_to_stderr(as_json):
            run = await remote.submit(tasks.agentplat_job, version=tasks.SPEC.version(), entry=entry,
                                      args_json=json.dumps(args, ensure_ascii=False))
        say(f"Run {run.name} ({what}): {run.url}")
        outcome = {"run": run.name, "url": run.url, "phase": remote.phase_name(run.phase), "output": None,
                   "error": None}
        if wait:
            outcome["phase"] = await remote.follow(run, lambda p: say(f"  {p}"))
            if outcome["phase"] == "succeeded":
                outputs = await run.outputs.aio()
                outcome["output"] = getattr(outputs[0], "path", None) if outputs else None
            else:
                outcome["error"] = await remote.error_of(run)
        return outcome

    outcome = asyncio.run(main())
    if as_json:
        click.echo(json.dumps(outcome, indent=2, ensure_ascii=False))
    elif outcome["output"]:
        click.echo(f"Output: {outcome['output']}")
    if wait and outcome["phase"] != "succeeded":
        fail(f"run {outcome['run']} {outcome['phase']}" + (f": {outcome['error']}" if outcome["error"] else ""))
    return outcome


async def latest_job_run(entry: str, *, scan: int = 50) -> str | None:
    """The newest succeeded ``agentplat_job`` run of ``entry`` (needs an initialised Flyte)."""
    from flyte.remote import Run

    async for run in Run.listall.aio(task_name=JOB_TASK_NAME, in_phase=("succeeded",),
                                     sort_by=("created_at", "desc"), limit=scan):
        try:
            inputs = await run.inputs.aio()
        except Exception:  # noqa: BLE001 - skip a run whose inputs cannot be read
            continue
        if inputs.get("entry") == entry:
            return run.name
    return None
