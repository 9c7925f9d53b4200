"""The ``agentplat`` command line. Imports stay inside commands so ``--help`` is instant."""

from __future__ import annotations

import json

import click

from .approving import approval_options
from .support import engine_option, fail, for_screen, handles_errors, parse_tags, round_options

# Core commands that live in their own modules: name -> ("module:attribute", one-line help).
# They are imported only when invoked, so ``agentplat --help`` stays instant.
LAZY_COMMANDS: dict[str, tuple[str, str]] = {
    "new-plugin": ("agentplat._cli.authoring:new_plugin", "Create a new plugin, ready to test and publish."),
    "install": ("agentplat._cli.authoring:install", "Install plugins next to agentplat; show what they add."),
    "uninstall": ("agentplat._cli.authoring:uninstall", "Uninstall plugins and forget them."),
    "runs": ("agentplat._cli.history:runs", "List recorded runs, newest first."),
    "show": ("agentplat._cli.history:show", "Show a recorded run: plan, waves, steps, timings, LLM usage."),
    "resume": ("agentplat._cli.history:resume", "Continue a failed or interrupted run without repeating work."),
    "batch": ("agentplat._cli.batch:batch", "Run many requests from a file concurrently."),
    "deploy": ("agentplat._cli.cluster_commands:deploy", "Deploy every installed agent's environment to a Flyte cluster."),
}


class AgentplatGroup(click.Group):
    """Core commands are listed at once; lazy and plugin commands import only when invoked."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(LAZY_COMMANDS))

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        command = super().get_command(ctx, name)
        if command is not None or name.startswith("-"):
            return command
        if name in LAZY_COMMANDS:
            from importlib import import_module

            module, _, attribute = LAZY_COMMANDS[name][0].partition(":")
            return getattr(import_module(module), attribute)
        from .._plugin.registry import get_registry

        get_registry().add_commands(self)
        return super().get_command(ctx, name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """Core commands, then the commands of the installed plugins (remembered while the
        installed plugins stay the same, so ``--help`` imports no plugin code)."""
        core = {n: c for n, c in self.commands.items() if not c.hidden}
        rows = [(n, c.get_short_help_str(80)) for n, c in core.items()]
        rows += [(n, text) for n, (_, text) in LAZY_COMMANDS.items()]
        with formatter.section("Commands"):
            formatter.write_dl(sorted(rows))
        from .._plugin.loader import plugin_commands_help

        added = [(n, text) for n, text in plugin_commands_help(self) if n not in core and n not in LAZY_COMMANDS]
        if added:
            with formatter.section("Commands added by plugins"):
                formatter.write_dl(sorted(added))

    def format_epilog(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        formatter.write_paragraph()
        formatter.write_text("`agentplat plugins` lists the installed plugins and any that failed to load.")


@click.group(cls=AgentplatGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--debug", is_flag=True, help="Show tracebacks for errors.")
@click.version_option(package_name="agentplat")
def cli(debug: bool) -> None:
    """Plan a request into a graph of steps, served by the agents you installed."""


@cli.command()
@click.argument("request")
@click.option("--json", "as_json", is_flag=True, help="Print the run as one JSON object.")
@click.option("--max-parallel", default=8, show_default=True, type=click.IntRange(min=1))
@click.option("--model", help="Model backend or name ('offline' forces the embedded default).")
@click.option("--model-plans", is_flag=True,
              help="Let the model plan even when the exact offline plan serves the whole request.")
@click.option("--synthesize", is_flag=True, help="Add one LLM call that writes a prose answer from all results.")
@click.option("--tag", "tags", multiple=True, metavar="KEY=VALUE", help="Label the run (filter with `runs --tag`).")
@click.option("--remote", is_flag=True, help="Run on the Flyte cluster of your Flyte config (see docs/cluster.md).")
@click.option("--config", type=click.Path(dir_okay=False), help="With --remote: the Flyte config file.")
@click.option("--wait", is_flag=True, help="With --remote: follow the run and print its answer.")
@click.option("--stream-json", is_flag=True,
              help="Print the run as it happens, one JSON event a line (plan, steps, rounds, answer words, done).")
@click.option("-a", "--attach", "attach", multiple=True, metavar="PATH",
              help="Give the run a file: text its tools may use (\"count the words in the attached file\") or an "
                   "image for the model; a URL, or - for standard input (repeatable).")
@round_options
@engine_option
@approval_options
@handles_errors
def run(request: str, as_json: bool, max_parallel: int, model: str | None, model_plans: bool, synthesize: bool,
        tags: tuple[str, ...], remote: bool, config: str | None, wait: bool, stream_json: bool,
        attach: tuple[str, ...], max_rounds: int | None, reflect: bool | None, approve: tuple[str, ...],
        yes: bool) -> None:
    """Plan REQUEST and run it (here, or on a Flyte cluster with --remote)."""
    from .._run.request import new_run_id, run_request

    if remote or config or wait:
        from .cluster_commands import run_remote

        if not remote:
            raise click.UsageError("--config and --wait go with --remote")
        if synthesize:
            raise click.UsageError("--synthesize is not available with --remote")
        if model_plans:
            raise click.UsageError("--model-plans is not available with --remote "
                                   "(the cluster reads [planner] deterministic_first of its config.toml)")
        if attach:
            raise click.UsageError("--attach is not available with --remote")
        if stream_json or max_rounds is not None or reflect is not None:
            raise click.UsageError("--stream-json, --max-rounds and --reflect are not available with --remote "
                                   "(the cluster run follows [run] of your config.toml)")
        return run_remote(request, model=model, max_parallel=max_parallel, config=config, wait=wait,
                          as_json=as_json, tags=parse_tags(tags), approve=approve, yes=yes)
    run_id = new_run_id()
    from .execute import execute_and_report

    attachments = []
    if attach:
        import asyncio

        from .._run.attachments import load_all

        attachments = asyncio.run(load_all(attach))  # a file that cannot be used: one line, before the run
    execute_and_report(
        lambda listener, store, approvals: run_request(
            request, model=model, max_parallel=max_parallel, listener=listener, store=store,
            run_id=run_id, tags=parse_tags(tags), approvals=approvals,
            offline_first=False if model_plans else None, max_rounds=max_rounds, reflect=reflect,
            attachments=attachments,
        ),
        run_id=run_id, as_json=as_json, synthesize=synthesize, model=model, approve=approve, yes=yes,
        stream_json=stream_json,
    )


@cli.command()
@click.argument("request")
@click.option("--json", "as_json", is_flag=True, help="Print the plan in the plan format.")
@click.option("--mermaid", is_flag=True, help="Print the plan as a Mermaid flowchart.")
@click.option("--model", help="Model backend or name ('offline' forces the embedded default).")
@click.option("--model-plans", is_flag=True,
              help="Let the model plan even when the exact offline plan serves the whole request.")
@handles_errors
def plan(request: str, as_json: bool, mermaid: bool, model: str | None, model_plans: bool) -> None:
    """Show how REQUEST would be planned, without running it."""
    from .printing import format_plan
    from .._plugin.registry import get_registry
    from .._run.request import plan_request

    if as_json and mermaid:
        raise click.UsageError("choose one of --json and --mermaid")
    registry = get_registry()
    import asyncio

    planned = asyncio.run(plan_request(request, model=model, registry=registry,
                                       offline_first=False if model_plans else None))
    if as_json:
        click.echo(json.dumps(planned.plan.to_json(), indent=2, ensure_ascii=False))
    elif mermaid:
        click.echo(for_screen(planned.plan.mermaid()))
    else:
        click.echo(for_screen(format_plan(planned.plan, registry)))


@cli.command()
@click.option("--json", "as_json", is_flag=True)
@handles_errors
def agents(as_json: bool) -> None:
    """List the agents of the installed plugins and their tools."""
    from .printing import effect_mark
    from .._plugin.registry import get_registry

    described = [a.describe() for a in get_registry().agents.values()]
    if as_json:
        click.echo(json.dumps(described, indent=2, ensure_ascii=False))
        return
    if not described:
        click.echo("No agents installed. Install a plugin, e.g. `agentplat install agentplat-math`.")
    for agent in described:
        click.echo(for_screen(f"{agent['name']}  ({agent['plugin']})\n  {agent['description']}"))
        for tool in agent["tools"]:
            params = ", ".join(tool["parameters"].get("properties", {}))
            click.echo(for_screen(f"    - {tool['name']}({params}){effect_mark(tool['effect'])}: {tool['description']}"))


@cli.command()
@click.option("--json", "as_json", is_flag=True)
@handles_errors
def plugins(as_json: bool) -> None:
    """List installed plugins, their status, agents and hooks."""
    from .._plugin.registry import get_registry

    described = [p.describe() for p in get_registry().plugins]
    if as_json:
        click.echo(json.dumps(described, indent=2, ensure_ascii=False))
        return
    if not described:
        click.echo("No plugins installed.")
    for p in described:
        line = f"{p['name']} {p['version'] or ''}  [{p['status']}]"
        click.echo(line)
        if p["error"]:
            click.echo(for_screen(f"  error: {p['error']}"))
        if p["agents"]:
            click.echo(f"  agents: {', '.join(p['agents'])}")
        if p["hooks"]:
            click.echo(f"  hooks: {', '.join(p['hooks'])}")


def main() -> None:
    import sys

    from .._common.log import to_stderr
    from .._common.secrets import MaskedStream
    from .._common.textinput import invalid_argument
    from .eventloop import exit_without_waiting_for_abandoned_work

    sys.stdout, sys.stderr = MaskedStream(sys.stdout), MaskedStream(sys.stderr)
    to_stderr()
    try:
        if (invalid := invalid_argument(sys.argv[1:])) is not None:
            fail(invalid, code=2)  # else it fails deep in a run, as "surrogates not allowed"
        cli(prog_name="agentplat")
    except SystemExit as done:
        code = done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
        exit_without_waiting_for_abandoned_work(code)
        raise


if __name__ == "__main__":  # pragma: no cover
    main()
