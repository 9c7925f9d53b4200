"""A plugin's job on a Flyte cluster (``agentplat.extend.run_job_remote``): submitted beside
the tasks it runs, followed to its end. Runs of requests go through the cluster engine
(``_engines.cluster``)."""

from __future__ import annotations

import asyncio
import json
from typing import Any, Callable

from .._cluster import remote
from .._engines import cluster as cluster_engine
from .._plugin.entries import resolve_entry


def run_job_remote(entry: str, args: dict[str, Any], *, config: str | None = None, wait: bool = False,
                   what: str = "job", on_event: Callable[[str], None] | None = None,
                   clean_stdout: bool = False) -> dict[str, Any]:
    """Submit a plugin's job (``entry``: ``module:function`` of an installed plugin, called in
    the cluster as ``function(out, **args)``); with ``wait`` follow it until it ends.

    Returns ``{"run", "url", "phase", "output", "error"}``: a followed run that did not succeed
    has its final ``phase`` and ``error`` (the caller says so; nothing is raised for it).
    ``on_event`` gets one line per event: the submitted run and its URL, then each phase
    change while following it. ``clean_stdout`` sends what Flyte prints while submitting
    (image builds) to stderr, for a caller whose stdout is JSON."""
    resolve_entry(entry)  # a typo fails here, not in the cluster
    session = remote.preflight(config)

    def say(line: str) -> None:
        if on_event is not None:
            on_event(line)

    async def main() -> dict[str, Any]:
        await remote.init(session)
        tasks = cluster_engine.cluster_tasks()
        with remote.stdout_to_stderr(clean_stdout):
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

    return asyncio.run(main())

