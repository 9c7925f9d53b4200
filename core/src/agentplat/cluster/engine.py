"""The cluster engine: runs and jobs submitted to a Flyte cluster, followed to their end.

It lives beside ``tasks`` (the tasks it submits) and is the only code that submits them:
``agentplat run --remote`` drives a run with it, and a plugin's ``--remote`` command submits
its job with it (``agentplat.extend.run_job_remote``). Flyte is imported only once a
session's endpoint answered (``_cluster.remote.preflight``).
"""

from __future__ import annotations

import asyncio
import json
from typing import Any, Callable

from .._cluster import remote
from .._cluster.remote import ClusterError, Session
from .._engines.base import RunJob
from .._execute.driver import Driven
from .._plugin.entries import resolve_entry


class RemoteRunFailed(ClusterError):
    """A run on the cluster ended without succeeding."""

    def __init__(self, run, phase: str, error: str):
        super().__init__(f"run {run.name} {phase}" + (f": {error}" if error else "") + f" ({run.url})")
        self.run, self.phase, self.error = run, phase, error


def cluster_tasks():
    """``agentplat.cluster.tasks``, imported after ``remote.init`` so its images pick up the
    configured registry."""
    from . import tasks

    return tasks


class ClusterEngine:
    """Submits to the cluster of ``session``; ``on_submitted(run)`` and ``on_phase(phase)``
    follow what happens there. With ``quiet_stdout`` Flyte's own messages go to stderr."""

    name = "cluster"

    def __init__(self, session: Session, *, labels: dict[str, str] | None = None, quiet_stdout: bool = False,
                 on_submitted: Callable[[Any], None] | None = None, on_phase: Callable[[str], None] | None = None):
        self.session = session
        self.labels = labels or {}
        self.quiet_stdout = quiet_stdout
        self.on_submitted = on_submitted or (lambda run: None)
        self.on_phase = on_phase or (lambda phase: None)
        self.run = None

    async def submit(self, job: RunJob):
        """Start the driver of ``job`` on the cluster; the remote run (name, url)."""
        await remote.init(self.session)
        tasks = cluster_tasks()
        with remote.stdout_to_stderr(self.quiet_stdout):
            self.run = await remote.submit(tasks.agentplat_run, version=tasks.SPEC.version(), labels=self.labels,
                                           request=job.request, model=job.spec, max_parallel=job.max_parallel)
        self.on_submitted(self.run)
        return self.run

    async def drive(self, job: RunJob) -> Driven:
        run = await self.submit(job)
        phase = await remote.follow(run, self.on_phase)
        if phase != "succeeded":
            raise RemoteRunFailed(run, phase, await remote.error_of(run))
        return Driven.from_json(await remote.driver_output(run))

    async def map(self, entry: str, items: list[dict[str, Any]], *, limit: int, shared=None, local=None,
                  labels=None) -> list[Any]:
        raise ClusterError("a plugin's jobs run on a cluster as one job (run_job_remote), not item by item")


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
        tasks = cluster_tasks()
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

