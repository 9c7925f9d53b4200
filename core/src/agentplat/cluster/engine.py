"""A plugin's job on a Flyte cluster (``agentplat.extend.run_job_remote``): submitted beside
the tasks it runs, followed to its end. Runs of requests go through the cluster engine
(``_engines.cluster``)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import click

from .._cluster import remote
from .._cluster.remote import ClusterError
from .._engines import cluster as cluster_engine
from .._plugin.entries import resolve_entry


def run_job_remote(entry: str, args: dict[str, Any], *, config: str | None, wait: bool, as_json: bool,
                   what: str = "job") -> dict[str, Any]:
    """Submit a plugin's job (``entry``: ``module:function`` of an installed plugin, called in
    the cluster as ``function(out, **args)``) and print its URL; with ``wait`` follow it until
    its output folder is written. Returns ``{"run", "url", "phase", "output", "error"}``;
    raises ``ClusterError`` when a followed run does not succeed."""
    resolve_entry(entry)  # a typo fails here, not in the cluster
    session = remote.preflight(config)

    def say(line: str) -> None:
        click.echo(line, err=as_json)

    async def main() -> dict[str, Any]:
        await remote.init(session)
        tasks = cluster_engine.cluster_tasks()
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
        raise ClusterError(f"run {outcome['run']} {outcome['phase']}"
                           + (f": {outcome['error']}" if outcome["error"] else ""))
    return outcome

