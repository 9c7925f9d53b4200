"""``agentplat deploy`` and the ``--remote`` side of ``run``, ``runs`` and ``show``.

Every remote command first finds the Flyte config and checks its endpoint (fast, no
Flyte import), then does all its Flyte work inside one event loop.
"""

from __future__ import annotations

import asyncio
import json
import re
from typing import TYPE_CHECKING, Any

import click

from .support import fail, for_screen, handles_errors

if TYPE_CHECKING:
    from .._cluster.environments import ClusterSpec, EnvironmentSpec

_LABEL = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9_.-]{0,61}[A-Za-z0-9])?$")


# ---------------------------------------------------------------- deploy


def describe_environment(env: "EnvironmentSpec") -> list[str]:
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


def describe_spec(spec: "ClusterSpec") -> str:
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
    from .._run.on_cluster import deploy as deploy_all, planned_deployment

    if dry_run:
        spec = planned_deployment()
        if as_json:
            click.echo(json.dumps({"dry_run": True, **spec.to_json()}, indent=2, ensure_ascii=False))
        else:
            click.echo("Dry run: nothing is built or contacted.\n" + describe_spec(spec))
        return
    endpoint, spec, deployed = asyncio.run(deploy_all(config=config, quiet_stdout=as_json))
    if as_json:
        click.echo(json.dumps({"dry_run": False, "endpoint": endpoint, "deployed": deployed,
                               **spec.to_json()}, indent=2, ensure_ascii=False))
        return
    click.echo(f"Deployed {len(deployed)} environments (version {spec.version()}) to {endpoint}:")
    for name in deployed:
        click.echo(f"  {name}")
    click.echo("Run a request there with: agentplat run \"...\" --remote --wait")


# ---------------------------------------------------------------- run --remote


def run_remote(request: str, *, model: str | None, max_parallel: int, config: str | None, wait: bool,
               as_json: bool, tags: dict[str, str], approve: tuple[str, ...] = (), yes: bool = False) -> None:
    """``agentplat run REQUEST --remote``: submit, print the URL, with ``--wait`` follow it.
    No one is asked in the cluster: calls that write or delete run only as --approve, --yes or
    config.toml allow."""
    from .._run.on_cluster import submit_request
    from .approving import build_approvals

    for key, value in tags.items():
        if not (_LABEL.match(key) and (value == "" or _LABEL.match(value))):
            raise click.BadParameter(f"on a cluster a tag becomes a label: letters, digits, '-', '_' and '.', "
                                     f"at most 63 each, not {key}={value}", param_hint="--tag")

    def say(line: str) -> None:
        click.echo(line, err=as_json)

    found = asyncio.run(submit_request(request, model=model, max_parallel=max_parallel, config=config, wait=wait,
                                       tags=tags, quiet_stdout=as_json,
                                       approvals=build_approvals(approve, yes, interactive=False),
                                       on_submitted=lambda run: say(f"Run {run.name}: {run.url}"),
                                       on_phase=lambda phase: say(f"  {phase}")))
    if not wait:
        if as_json:
            click.echo(json.dumps({"run": found.name, "url": found.url, "phase": found.phase}, indent=2))
        else:
            click.echo(f"Follow it with: agentplat show {found.name} --remote")
        return
    if found.result is None:
        if as_json:
            click.echo(json.dumps({"run": found.name, "url": found.url, "phase": found.phase,
                                   "error": found.error or ""}, indent=2))
        fail(f"run {found.name} {found.phase}" + (f": {found.error}" if found.error else "") + f" ({found.url})")
    result = found.result
    print_result(result, as_json=as_json, extra={"url": found.url, "phase": "succeeded"})
    if result.status != "succeeded":
        fail((result.error or f"run {result.status}") + f" (run {found.name})")


def print_result(result, *, as_json: bool, extra: dict[str, Any]) -> None:
    """A finished remote run, printed as a local one is."""
    from .._common.jsondata import show
    from .printing import RunPrinter, format_plan

    if as_json:
        click.echo(json.dumps({**result.to_json(), **extra}, indent=2, ensure_ascii=False))
        return
    if result.plan.steps:
        click.echo(for_screen(format_plan(result.plan)))
    for step in result.steps:
        label = result.plan.steps[step.index].label()
        if step.status == "succeeded":
            took = (step.ended_at or 0) - (step.started_at or 0)
            text = " ".join(show(step.result).split())[:200]
            click.echo(for_screen(f"  [{step.index}] {label} -> {text}  ({took:.2f}s)"))
        else:
            click.echo(for_screen(f"  [{step.index}] {label} {step.status}: {step.error}"))
    RunPrinter().finish(result)


# ---------------------------------------------------------------- runs / show --remote


def runs_remote(*, limit: int, status: str | None, config: str | None, as_json: bool,
                tags: dict[str, str] | None = None) -> None:
    """``agentplat runs --remote``: the driver runs on the cluster, newest first."""
    from .._run.on_cluster import list_runs

    endpoint, found = asyncio.run(list_runs(limit=limit, status=status, config=config, tags=tags))
    if as_json:
        click.echo(json.dumps(found, indent=2, ensure_ascii=False))
        return
    if not found:
        click.echo(f"No agentplat runs on {endpoint} yet. Try: agentplat run \"Calculate 5 factorial\" --remote")
    for run in found:
        when = (run["started_at"] or "")[:19].replace("T", " ")
        click.echo(for_screen(f"{run['run']}  {when:<19}  {run['phase']:<11} {(run['request'] or '')[:60]}  {run['url']}"))


def show_remote(run_name: str, *, config: str | None, as_json: bool, mermaid: bool) -> None:
    """``agentplat show RUN --remote``: a cluster run's phase, URL and, once done, its plan,
    steps and answer."""
    from .._common.errors import AgentplatError
    from .._run.on_cluster import DRIVER_TASK_NAME, TERMINAL_PHASES, read_run

    found = asyncio.run(read_run(run_name, config=config))
    result, phase = found.result, found.phase
    summary = {"run": found.name, "url": found.url, "phase": phase, "task": found.task, "request": found.request,
               "model": found.model, "error": found.error or None}
    if mermaid:
        if result is None or not result.plan.steps:
            raise AgentplatError(f"run {found.name} has no plan to draw ({phase})")
        click.echo(for_screen(result.plan.mermaid({s.index: s.status for s in result.steps})))
        return
    if as_json:
        click.echo(json.dumps({**summary, **(result.to_json() if result else {})}, indent=2, ensure_ascii=False))
        return
    click.echo(f"Run {found.name}  [{phase}]  {found.url}")
    if found.task != DRIVER_TASK_NAME:
        click.echo(f"Task: {found.task} (not an agentplat request run)")
    if found.request:
        click.echo(for_screen(f"Request: {found.request}"))
    if result is not None:
        print_result(result, as_json=False, extra={})
    elif found.error:
        click.echo(f"Error: {found.error}")
    elif phase not in TERMINAL_PHASES:
        click.echo(f"Still {phase}; follow it at {found.url}")
