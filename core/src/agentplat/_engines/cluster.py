"""The cluster engine: a run submitted to a Flyte cluster and followed to its end.

The tasks it submits are ``agentplat.cluster.tasks`` (their module path is how a
container finds them); this engine is the only code that submits a run's driver. Flyte is
imported only once a session's endpoint answered (``_cluster.remote.preflight``). The run's
context crosses as the driver's inputs (request, model name): on the cluster each task
makes its own context from them.
"""

from __future__ import annotations

import json
from typing import Any, Callable

from .._cluster import remote
from .._cluster.remote import ClusterError, Session
from .._execute.driver import Driven
from .base import RunJob


class RemoteRunFailed(ClusterError):
    """A run on the cluster ended without succeeding."""

    def __init__(self, run, phase: str, error: str):
        super().__init__(f"run {run.name} {phase}" + (f": {error}" if error else "") + f" ({run.url})")
        self.run, self.phase, self.error = run, phase, error


def cluster_tasks():
    """``agentplat.cluster.tasks``, imported after ``remote.init`` so its images pick up the
    configured registry."""
    from ..cluster import tasks

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
                                           request=job.ctx.request, model=job.ctx.model_spec,
                                           max_parallel=job.max_parallel, approvals_json=_policy(job.ctx),
                                           rounds_json=json.dumps(job.ctx.rounds.to_json()) if job.ctx.rounds else "")
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


def _policy(ctx) -> str:
    """The submitter's approval policy as data: no one can be asked in the cluster."""
    return json.dumps(ctx.approvals.to_json()) if ctx.approvals is not None else ""


async def deploy(session: Session, *, quiet_stdout: bool = False) -> tuple[Any, list[str]]:
    """Deploy the driver's environment and every agent's on the cluster of ``session``: the
    spec deployed and the names of the environments the cluster took."""
    import flyte

    await remote.init(session)
    tasks = cluster_tasks()
    with remote.stdout_to_stderr(quiet_stdout):
        deployments = await flyte.deploy.aio(tasks.driver_env, version=tasks.SPEC.version(), copy_style="none")
    return tasks.SPEC, sorted({name for d in deployments for name in getattr(d, "envs", {})})
