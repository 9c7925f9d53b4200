"""``agentplat deploy`` and the ``--remote`` side of ``run``, ``runs`` and ``show``.

Every remote command first finds the Flyte config and checks its endpoint (fast, no
Flyte import), then does all its Flyte work inside one event loop.
"""

from __future__ import annotations

import asyncio
import json
import re
from typing import Any

import click

from .._common.clock import iso
from .._common.text import squeezed
from .support import fail, handles_errors
from .._cluster import remote
from .._cluster.environments import DRIVER_ENV, DRIVER_TASK, ClusterSpec, EnvironmentSpec

DRIVER_TASK_NAME = f"{DRIVER_ENV}.{DRIVER_TASK}"
_LABEL = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9_.-]{0,61}[A-Za-z0-9])?$")


# ---------------------------------------------------------------- deploy


def describe_environment(env: EnvironmentSpec) -> list[str]:
    """The human lines of ``deploy --dry-run`` for one environment."""
    title = env.description.removeprefix("agentplat ")
    lines = [f"{env.name}  {title}"]
    lines.append(f"  task        agentplat.cluster.tasks.{env.task}  (retries {env.retries})")
    lines.append("  resources   " + ", ".join(f"{k} {v}" for k, v in env.resources.items()))
    if env.reuse:
        lines.append(f"  reuse       replicas {env.reuse.replicas}, idle_ttl {env.reuse.idle_ttl}s, "
                     f"concurrency {env.reuse.concurrency}")
    else:
        lines.append("  reuse       off (a fresh container per task)")
    secrets = ", ".join(f"{s.env_var} (flyte secret {s.key})" for s in env.secrets) or "none"
    lines.append(f"  secrets     {secrets}")
    if env.env_vars:
        lines.append("  env vars    " + ", ".join(f"{k}={v}" for k, v in env.env_vars.items()))
    if env.role == "driver":
        lines.append("  depends on  " + (", ".join(env.depends_on) or "nothing (no agents installed)"))
    lines.append(f"  image       {env.image.name}: {env.image.base}")
    for package in env.image.packages:
        lines.append(f"              + {package.describe()}")
    for extra in env.image.extras:
        lines.append(f"              + {extra}  (declared by the plugin)")
    return lines


def describe_spec(spec: ClusterSpec) -> str:
    envs = [spec.driver, *spec.agents]
    out = [f"{len(envs)} environments ({len(spec.agents)} agents + the driver), version {spec.version()}", ""]
    for env in envs:
        out += describe_environment(env) + [""]
    return "\n".join(out).rstrip()


@click.command()
@click.option("--dry-run", is_flag=True, help="Print the environments and images; contact no cluster.")
@click.option("--json", "as_json", is_flag=True, help="Print the environments as JSON.")
@click.option("--config", "config", type=click.Path(dir_okay=False),
              help="Flyte config file (default: $FLYTE_CONFIG or .flyte/config.yaml).")
@handles_errors
def deploy(dry_run: bool, as_json: bool, config: str | None) -> None:
    """Deploy a Flyte environment for every installed agent, and the driver that uses them.

    Each agent's environment carries its plugin's resources, reuse policy and secrets (by
    name); its image holds the agentplat core and the plugin as installed here (local
    source for an editable install) plus the plugin's extra packages. See docs/cluster.md.
    """
    from .._plugin.registry import get_registry
    from .._cluster.environments import build

    if dry_run:
        spec = build(get_registry())
        if as_json:
            click.echo(json.dumps({"dry_run": True, **spec.to_json()}, indent=2, ensure_ascii=False))
        else:
            click.echo("Dry run: nothing is built or contacted.\n" + describe_spec(spec))
        return
    session = remote.preflight(config)

    async def main() -> tuple[ClusterSpec, list[Any]]:
        await remote.init(session)
        from ..cluster import tasks  # after init: its images pick up the configured registry
        import flyte

        with remote.stdout_to_stderr(as_json):
            deployments = await flyte.deploy.aio(tasks.driver_env, version=tasks.SPEC.version(), copy_style="none")
        return tasks.SPEC, deployments

    spec, deployments = asyncio.run(main())
    deployed = sorted({name for d in deployments for name in getattr(d, "envs", {})})
    if as_json:
        click.echo(json.dumps({"dry_run": False, "endpoint": str(session.endpoint), "deployed": deployed,
                               **spec.to_json()}, indent=2, ensure_ascii=False))
        return
    click.echo(f"Deployed {len(deployed)} environments (version {spec.version()}) to {session.endpoint}:")
    for name in deployed:
        click.echo(f"  {name}")
    click.echo("Run a request there with: agentplat run \"...\" --remote --wait")


# ---------------------------------------------------------------- run --remote


def run_remote(request: str, *, model: str | None, max_parallel: int, config: str | None, wait: bool,
               as_json: bool, tags: dict[str, str]) -> None:
    """``agentplat run REQUEST --remote``: submit, print the URL, with ``--wait`` follow it."""
    import os

    from .._common.errors import PlanningError
    from .._engines.base import RunJob
    from .._plugin.registry import get_registry
    from .._run.result import RunResult
    from ..cluster.engine import ClusterEngine, RemoteRunFailed

    if not (request or "").strip():
        raise PlanningError("the request is empty")
    for key, value in tags.items():
        if not (_LABEL.match(key) and (value == "" or _LABEL.match(value))):
            raise click.BadParameter(f"on a cluster a tag becomes a label: letters, digits, '-', '_' and '.', "
                                     f"at most 63 each, not {key}={value}", param_hint="--tag")
    refuse_local_only(request, get_registry())
    session = remote.preflight(config)
    spec_model = model or os.environ.get("AGENTPLAT_MODEL") or ""

    def say(line: str) -> None:
        click.echo(line, err=as_json)

    engine = ClusterEngine(session, labels=tags, quiet_stdout=as_json,
                           on_submitted=lambda run: say(f"Run {run.name}: {run.url}"),
                           on_phase=lambda phase: say(f"  {phase}"))
    # the model is chosen in the cluster, by name: the driver's environment holds the keys
    job = RunJob(request=request, model=None, spec=spec_model, registry=get_registry(), max_parallel=max_parallel)

    async def main():
        if not wait:
            return await engine.submit(job), None
        started = remote.now()
        try:
            driven = await engine.drive(job)
        except RemoteRunFailed as failed:
            return failed.run, failed
        return engine.run, RunResult.from_driven(driven, run_id=engine.run.name, request=request,
                                                 model=spec_model or "default", started=started, ended=remote.now())

    run, outcome = asyncio.run(main())
    if not wait:
        if as_json:
            click.echo(json.dumps({"run": run.name, "url": run.url, "phase": remote.phase_name(run.phase)}, indent=2))
        else:
            click.echo(f"Follow it with: agentplat show {run.name} --remote")
        return
    if isinstance(outcome, RemoteRunFailed):
        if as_json:
            click.echo(json.dumps({"run": run.name, "url": run.url, "phase": outcome.phase, "error": outcome.error},
                                  indent=2))
        fail(str(outcome))
    print_result(outcome, as_json=as_json, extra={"url": run.url, "phase": "succeeded"})
    if outcome.status != "succeeded":
        fail((outcome.first_error() or f"run {outcome.status}") + f" (run {run.name})")


def refuse_local_only(request: str, registry) -> None:
    """Refuse, before anything is submitted, a request whose offline plan needs an agent that
    runs only on this machine (``Agent.local_only``): the cluster could not serve that step.
    Only the offline plan is checked here (it is deterministic and free); a request it cannot
    plan goes to the cluster, where such an agent has no environment and its steps fail."""
    local = {name for name, agent in registry.agents.items() if agent.local_only}
    if not local:
        return
    from .._common.errors import AgentplatError
    from .._models.select import select_model

    try:
        planned = asyncio.run(select_model(registry, "offline").plan(request, registry))
    except AgentplatError:
        return
    for index, step in enumerate(planned.plan.steps):
        if step.agent in local:
            raise AgentplatError(f"step {index} needs agent {step.agent!r}, which runs only on this machine "
                                 "(local_only: it starts processes or reads files here), not on a cluster: "
                                 "run this request without --remote")


def print_result(result, *, as_json: bool, extra: dict[str, Any]) -> None:
    """A finished remote run, printed as a local one is."""
    from .._common.jsondata import show
    from .printing import RunPrinter, format_plan

    if as_json:
        click.echo(json.dumps({**result.to_json(), **extra}, indent=2, ensure_ascii=False))
        return
    if result.plan.steps:
        click.echo(format_plan(result.plan))
    for step in result.steps:
        label = result.plan.steps[step.index].label()
        if step.status == "succeeded":
            took = (step.ended_at or 0) - (step.started_at or 0)
            text = " ".join(show(step.result).split())[:200]
            click.echo(f"  [{step.index}] {label} -> {text}  ({took:.2f}s)")
        else:
            click.echo(f"  [{step.index}] {label} {step.status}: {step.error}")
    RunPrinter().finish(result)


# ---------------------------------------------------------------- runs / show --remote


async def _request_of(run) -> dict[str, Any]:
    try:
        inputs = await run.inputs.aio()
        return {"request": inputs.get("request"), "model": inputs.get("model") or None}
    except Exception:  # noqa: BLE001 - a listing still shows the run without its inputs
        return {"request": None, "model": None}


def runs_remote(*, limit: int, status: str | None, config: str | None, as_json: bool,
                tags: dict[str, str] | None = None) -> None:
    """``agentplat runs --remote``: the driver runs on the cluster, newest first."""
    session = remote.preflight(config)

    async def main() -> list[dict[str, Any]]:
        await remote.init(session)
        from flyte.remote import Run

        found = []
        kwargs: dict[str, Any] = {"task_name": DRIVER_TASK_NAME, "sort_by": ("created_at", "desc"), "limit": limit}
        if status:
            kwargs["in_phase"] = (status,)
        if tags:
            kwargs["with_labels"] = dict(tags)
        async for run in Run.listall.aio(**kwargs):
            found.append(run)
        extra = await asyncio.gather(*(_request_of(r) for r in found))
        return [
            {"run": r.name, "phase": remote.phase_name(r.phase), "started_at": iso(getattr(r.action, "start_time", None)),
             "url": r.url, **more}
            for r, more in zip(found, extra)
        ]

    found = asyncio.run(main())
    if as_json:
        click.echo(json.dumps(found, indent=2, ensure_ascii=False))
        return
    if not found:
        click.echo(f"No agentplat runs on {session.endpoint} yet. Try: agentplat run \"Calculate 5 factorial\" --remote")
    for run in found:
        when = (run["started_at"] or "")[:19].replace("T", " ")
        click.echo(f"{run['run']}  {when:<19}  {run['phase']:<11} {(run['request'] or '')[:60]}  {run['url']}")


def show_remote(run_name: str, *, config: str | None, as_json: bool, mermaid: bool) -> None:
    """``agentplat show RUN --remote``: a cluster run's phase, URL and, once done, its plan,
    steps and answer."""
    from .._common.errors import AgentplatError
    from .._execute.driver import Driven
    from .._run.result import RunResult

    session = remote.preflight(config)

    async def main():
        await remote.init(session)
        from flyte.remote import Run

        try:
            run = await Run.get.aio(run_name)
        except Exception as exc:  # noqa: BLE001 - most often: no such run
            raise AgentplatError(f"no run {run_name!r} on {session.endpoint} ({squeezed(exc)[:200]})") from None
        details = await run.details.aio()
        task = details.task_name
        phase = remote.phase_name(details.action_details.phase)
        asked = await _request_of(run)
        result = error = None
        if task == DRIVER_TASK_NAME and phase == "succeeded":
            raw = await remote.driver_output(run)
            start = getattr(run.action, "start_time", None)
            started = start.timestamp() if start and start.year > 1970 else 0.0
            runtime = details.action_details.runtime.total_seconds() if details.action_details.runtime else 0.0
            result = RunResult.from_driven(Driven.from_json(raw), run_id=run.name, request=asked["request"] or "",
                                           model=asked["model"] or "default", started=started,
                                           ended=started + runtime)
        elif phase in remote.TERMINAL_PHASES:
            error = await remote.error_of(run)
        return run, task, phase, asked, result, error

    run, task, phase, asked, result, error = asyncio.run(main())
    summary = {"run": run.name, "url": run.url, "phase": phase, "task": task, **asked, "error": error or None}
    if mermaid:
        if result is None or not result.plan.steps:
            raise AgentplatError(f"run {run.name} has no plan to draw ({phase})")
        click.echo(result.plan.mermaid({s.index: s.status for s in result.steps}))
        return
    if as_json:
        click.echo(json.dumps({**summary, **(result.to_json() if result else {})}, indent=2, ensure_ascii=False))
        return
    click.echo(f"Run {run.name}  [{phase}]  {run.url}")
    if task != DRIVER_TASK_NAME:
        click.echo(f"Task: {task} (not an agentplat request run)")
    if asked["request"]:
        click.echo(f"Request: {asked['request']}")
    if result is not None:
        print_result(result, as_json=False, extra={})
    elif error:
        click.echo(f"Error: {error}")
    elif phase not in remote.TERMINAL_PHASES:
        click.echo(f"Still {phase}; follow it at {run.url}")
