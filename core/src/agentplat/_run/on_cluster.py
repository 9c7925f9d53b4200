"""Runs on a Flyte cluster, from this machine: submit a request (and follow it), or read a
run back. The result is the same ``RunResult`` a local run gives, built the same way
(``RunResult.from_driven`` over what the cluster's driver reported)."""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass
from typing import Any, Callable

from .._cluster import remote
from .._cluster.environments import DRIVER_ENV, DRIVER_TASK
from .._common.context import RunContext
from .._common.errors import AgentplatError, PlanningError
from .._common.clock import iso
from .._common.wording import squeezed
from .._engines.base import RunJob
from .._execute.rounds import RoundPolicy
from .._execute.approval import Approvals
from .._engines.cluster import ClusterEngine, RemoteRunFailed, deploy as deploy_environments
from .._execute.driver import Driven
from .._models.select import select_model
from .._plugin.registry import Registry, get_registry
from .result import RunResult

DRIVER_TASK_NAME = f"{DRIVER_ENV}.{DRIVER_TASK}"
TERMINAL_PHASES = remote.TERMINAL_PHASES


@dataclass
class RemoteRun:
    """A run on the cluster as this machine sees it: its name, URL and phase; once it ended,
    its result (a request run that succeeded) or its error."""

    run: Any  # flyte.remote.Run
    phase: str
    result: RunResult | None = None
    error: str | None = None
    task: str = DRIVER_TASK_NAME
    request: str | None = None
    model: str | None = None

    @property
    def name(self) -> str:
        return self.run.name

    @property
    def url(self) -> str:
        return self.run.url


async def submit_request(request: str, *, model: str | None, max_parallel: int, config: str | None, wait: bool,
                         tags: dict[str, str], quiet_stdout: bool = False,
                         on_submitted: Callable[[Any], None] | None = None,
                         on_phase: Callable[[str], None] | None = None, approvals=None) -> RemoteRun:
    """Submit ``request`` to the cluster; with ``wait`` follow it to its end. The model is
    chosen in the cluster, by name: the driver's environment holds the keys. Calls that write
    or delete run there only as ``approvals`` allows (its policy travels; no one is asked)."""
    if not (request or "").strip():
        raise PlanningError("the request is empty")
    registry = get_registry()
    await refuse_local_only(request, registry)
    session = remote.preflight(config)
    spec = model or os.environ.get("AGENTPLAT_MODEL") or ""
    engine = ClusterEngine(session, labels=tags, quiet_stdout=quiet_stdout, on_submitted=on_submitted,
                           on_phase=on_phase)
    if approvals is None:
        approvals = Approvals.from_config()
    job = RunJob(RunContext(request=request, model_spec=spec, registry=registry, approvals=approvals,
                            rounds=RoundPolicy.configured()),  # the submitter's [run] bounds travel too
                 max_parallel=max_parallel)
    if not wait:
        run = await engine.submit(job)
        return RemoteRun(run, phase=remote.phase_name(run.phase), request=request, model=spec or None)
    started = remote.now()
    try:
        driven = await engine.drive(job)
    except RemoteRunFailed as failed:
        return RemoteRun(failed.run, phase=failed.phase, error=failed.error, request=request, model=spec or None)
    result = RunResult.from_driven(driven, run_id=engine.run.name, request=request, model=spec or "default",
                                   started=started, ended=remote.now())
    return RemoteRun(engine.run, phase="succeeded", result=result, request=request, model=spec or None)


async def read_run(run_name: str, *, config: str | None) -> RemoteRun:
    """A run on the cluster: its phase and, once a request run succeeded, its result."""
    session = remote.preflight(config)
    await remote.init(session)
    try:
        run = await remote.get_run(run_name)
    except Exception as exc:  # noqa: BLE001 - most often: no such run
        raise AgentplatError(f"no run {run_name!r} on {session.endpoint} ({squeezed(exc)[:200]})") from None
    details = await run.details.aio()
    task = details.task_name
    phase = remote.phase_name(details.action_details.phase)
    asked = await request_of(run)
    found = RemoteRun(run, phase=phase, task=task, request=asked["request"], model=asked["model"])
    if task == DRIVER_TASK_NAME and phase == "succeeded":
        raw = await remote.driver_output(run)
        start = getattr(run.action, "start_time", None)
        started = start.timestamp() if start and start.year > 1970 else 0.0
        runtime = details.action_details.runtime.total_seconds() if details.action_details.runtime else 0.0
        found.result = RunResult.from_driven(Driven.from_json(raw), run_id=run.name, request=asked["request"] or "",
                                             model=asked["model"] or "default", started=started,
                                             ended=started + runtime)
    elif phase in remote.TERMINAL_PHASES:
        found.error = await remote.error_of(run) or None
    return found


async def request_of(run) -> dict[str, Any]:
    """What a driver run was asked (its inputs), or ``None``s when they cannot be read."""
    try:
        inputs = await run.inputs.aio()
        return {"request": inputs.get("request"), "model": inputs.get("model") or None}
    except Exception:  # noqa: BLE001 - a listing still shows the run without its inputs
        return {"request": None, "model": None}


async def refuse_local_only(request: str, registry: Registry) -> None:
    """Refuse, before anything is submitted, a request whose offline plan needs an agent that
    runs only on this machine (``Agent.local_only``): the cluster could not serve that step.
    Only the offline plan is checked here (it is deterministic and free); a request it cannot
    plan goes to the cluster, where such an agent has no environment and its steps fail."""
    local = {name for name, agent in registry.agents.items() if agent.local_only}
    if not local:
        return
    try:
        planned = await select_model(registry, "offline").plan(request, registry)
    except AgentplatError:
        return
    for index, step in enumerate(planned.plan.steps):
        if step.agent in local:
            raise AgentplatError(f"step {index} needs agent {step.agent!r}, which runs only on this machine "
                                 "(local_only: it starts processes or reads files here), not on a cluster: "
                                 "run this request without --remote")



async def list_runs(*, limit: int, status: str | None, config: str | None,
                    tags: dict[str, str] | None = None) -> tuple[str, list[dict[str, Any]]]:
    """The cluster's endpoint and its request runs, newest first, as ``runs --remote`` lists them."""
    session = remote.preflight(config)
    await remote.init(session)
    found = await remote.list_runs(task_name=DRIVER_TASK_NAME, limit=limit, status=status, labels=tags)
    extra = await asyncio.gather(*(request_of(r) for r in found))
    return str(session.endpoint), [
        {"run": r.name, "phase": remote.phase_name(r.phase), "started_at": iso(getattr(r.action, "start_time", None)),
         "url": r.url, **more}
        for r, more in zip(found, extra)
    ]


def planned_deployment():
    """What ``deploy`` would deploy (the environments and images), contacting nothing."""
    from .._cluster.environments import build

    return build(get_registry())


async def deploy(*, config: str | None, quiet_stdout: bool = False) -> tuple[str, Any, list[str]]:
    """Deploy every agent's environment and the driver's; the endpoint, the spec deployed and
    the names of the environments the cluster took."""
    session = remote.preflight(config)
    spec, deployed = await deploy_environments(session, quiet_stdout=quiet_stdout)
    return str(session.endpoint), spec, deployed
