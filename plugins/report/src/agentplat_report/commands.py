"""``agentplat report TOPIC...`` and ``agentplat report serve``: the plugin's click commands.

Only click is imported here; Flyte, the models and the web app load when a command runs.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

import click
from agentplat import AgentplatError
from agentplat.extend import handles_errors

from .config import MAX_TOPIC_LENGTH, default_reports_dir, resolve


class ReportGroup(click.Group):
    """``report TOPIC...`` runs a batch; ``report serve`` starts the app. Anything that is
    not a subcommand goes to ``generate`` (a topic literally named "serve" needs
    ``report generate serve``)."""

    def collect_usage_pieces(self, ctx: click.Context) -> list[str]:
        return ["TOPIC... [OPTIONS]  |  serve [OPTIONS]"]

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        # no arguments too: `generate` says in one line that a topic is missing
        if not args or (args[0] not in self.commands and args[0] not in ctx.help_option_names):
            args = ["generate", *args]
        return super().parse_args(ctx, args)

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """``report --help`` shows the options of ``report TOPIC...`` (they belong to the
        hidden ``generate``), then ``serve``, whose options ``report serve --help`` shows."""
        generate = self.commands["generate"]
        sub = click.Context(generate, info_name="generate", parent=ctx)
        rows = [row for param in generate.get_params(sub)
                if isinstance(param, click.Option) and (row := param.get_help_record(sub))]
        with formatter.section("Options"):
            formatter.write_dl(rows)
        with formatter.section("Commands"):
            formatter.write_dl([("serve", f"{self.commands['serve'].get_short_help_str(80)} "
                                          "(options: `agentplat report serve --help`)")])


@click.group(cls=ReportGroup, context_settings={"help_option_names": ["-h", "--help"]})
def report() -> None:
    """Write refined reports on topics (`agentplat report TOPIC... [options]`) and browse them
    (`agentplat report serve`).

    Each topic is drafted, critiqued and revised until its score reaches the threshold or
    the iterations run out; its folder under --out holds report.md, report.html,
    summary.txt and critiques.json, and index.json lists every topic.
    """


def read_topics(topics: tuple[str, ...], from_file: str | None) -> list[str]:
    """The topics of the command line and of ``--from-file`` (one per line, ``#`` comments),
    whitespace-normalised and without duplicates."""
    found = list(topics)
    if from_file:
        try:
            text = sys.stdin.read() if from_file == "-" else Path(from_file).read_text(encoding="utf-8")
        except OSError as exc:
            raise AgentplatError(f"cannot read topics from {from_file}: {exc.strerror or exc}") from None
        found += [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    unique: dict[str, None] = {}
    for topic in found:
        topic = " ".join(topic.split())
        if not topic:
            continue
        if len(topic) > MAX_TOPIC_LENGTH:
            raise AgentplatError(f"a topic is longer than {MAX_TOPIC_LENGTH} characters: {topic[:40]!r}...")
        unique.setdefault(topic, None)
    if not unique:
        raise AgentplatError("no topics given: name at least one (or use --from-file FILE); "
                             "`agentplat report --help` lists the options")
    return list(unique)


class Progress:
    """Prints one line per event as topics advance (topics run in parallel)."""

    def __init__(self, enabled: bool):
        self.enabled = enabled

    def __call__(self, kind: str, topic: str, data: dict) -> None:
        if not self.enabled:
            return
        if kind == "iteration":
            click.echo(f"  {topic}: iteration {data['number']} scored {data['score']}/10")
        elif kind == "finished" and data.get("status") == "succeeded":
            click.echo(f"  {topic}: done, {data['score']}/10 after {data['iterations']} iteration(s)")
        elif kind == "finished":
            click.echo(f"  {topic}: failed: {data.get('error')}")


@report.command(hidden=True)
@click.argument("topics", nargs=-1)
@click.option("--out", "out", type=click.Path(file_okay=False), default=default_reports_dir,
              show_default="$AGENTPLAT_REPORTS_DIR or ./reports", help="Folder for the reports and index.json.")
@click.option("--max-iterations", default=3, show_default=True, type=click.IntRange(1, 20),
              help="Most drafts per topic.")
@click.option("--threshold", default=8, show_default=True, type=click.IntRange(1, 10),
              help="Stop refining a topic once its score reaches this (1-10).")
@click.option("--max-parallel", default=4, show_default=True, type=click.IntRange(min=1),
              help="Topics refined at the same time.")
@click.option("--from-file", type=click.Path(dir_okay=False, allow_dash=True),
              help="Read more topics from a file, one per line ('-': stdin).")
@click.option("--resume", is_flag=True, help="Skip topics this folder already finished; continue interrupted ones.")
@click.option("--model", help="Model backend or name ('offline' forces the embedded default).")
@click.option("--json", "as_json", is_flag=True, help="Print the batch's index entries as JSON.")
@click.option("--remote", is_flag=True, help="Write the reports on the Flyte cluster (see docs/cluster.md).")
@click.option("--config", type=click.Path(dir_okay=False), help="With --remote: the Flyte config file.")
@click.option("--wait", is_flag=True, help="With --remote: follow the run until the reports are written.")
@handles_errors
def generate(topics, out, max_iterations, threshold, max_parallel, from_file, resume, model, as_json,
             remote=False, config=None, wait=False) -> None:
    """Write a refined report on each TOPIC."""
    from agentplat import get_registry
    from agentplat.extend import select_model

    from .batch import Settings, run_batch

    wanted = read_topics(topics, from_file)
    if remote or config or wait:
        if not remote:
            raise click.UsageError("--config and --wait go with --remote")
        from agentplat.extend import run_job_remote

        settings = {"model": model or os.environ.get("AGENTPLAT_MODEL", ""), "max_iterations": max_iterations,
                    "quality_threshold": threshold, "max_parallel": max_parallel}
        outcome = run_job_remote("agentplat_report.batch:write_reports", {"topics": wanted, "settings": settings},
                                 config=config, wait=wait, what=f"report batch, {len(wanted)} topic(s)",
                                 on_event=lambda line: click.echo(line, err=as_json), clean_stdout=as_json)
        if as_json:
            click.echo(json.dumps(outcome, indent=2, ensure_ascii=False))
        elif outcome["output"]:
            click.echo(f"Output: {outcome['output']}")
        if wait and outcome["phase"] != "succeeded":
            raise AgentplatError(f"run {outcome['run']} {outcome['phase']}"
                                 + (f": {outcome['error']}" if outcome["error"] else ""))
        return
    select_model(get_registry(), model)  # a misconfigured model fails now, not once per topic
    folder = resolve(out)
    if folder.exists() and not folder.is_dir():
        raise AgentplatError(f"--out {out} is a file, not a folder")
    settings = Settings(out=str(folder), model=model or os.environ.get("AGENTPLAT_MODEL", ""),
                        max_iterations=max_iterations, quality_threshold=threshold,
                        max_parallel=max_parallel, resume=resume)
    if not as_json:
        click.echo(f"Reporting on {len(wanted)} topic(s) into {folder}")
    result = asyncio.run(run_batch(wanted, settings, on_event=Progress(not as_json)))
    if as_json:
        click.echo(json.dumps({"out": str(folder), "topics": result.entries, "skipped": result.skipped},
                              indent=2, ensure_ascii=False))
    else:
        for entry in result.entries:
            if entry["topic"] in result.skipped:
                state = "finished earlier (--resume)"
            elif entry.get("status") == "succeeded":
                state = f"{entry['score']}/10 after {entry['iterations']} iteration(s)"
            else:
                click.echo(f"{entry['topic']}: FAILED")
                continue
            click.echo(f"{entry['topic']}: {state}  {folder / entry['folder'] / 'report.md'}")
        click.echo(f"Index: {folder / 'index.json'}")
    if result.failed:
        names = "; ".join(f"{e['topic']!r} ({e.get('error') or e.get('status')})" for e in result.failed)
        raise AgentplatError(f"{len(result.failed)} of {len(result.entries)} topics failed: {names}")


@report.command()
@click.option("--reports", "reports_dir", type=click.Path(file_okay=False), default=default_reports_dir,
              show_default="$AGENTPLAT_REPORTS_DIR or ./reports", help="Folder of reports to show.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535))
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--allow-host", "allowed_hosts", multiple=True, metavar="NAME",
              help="Also answer requests for this host name (repeatable; *.example.com for its subdomains, * for "
                   "any). Localhost and the --host address always work; also $AGENTPLAT_REPORT_ALLOWED_HOSTS.")
@click.option("--model", help="Model for batches started from the app (default: as configured).")
@click.option("--remote", is_flag=True, help="Deploy the app on the Flyte cluster, serving a report batch run there.")
@click.option("--run", "run_name", help="With --remote: the report batch run to serve (default: the newest).")
@click.option("--config", type=click.Path(dir_okay=False), help="With --remote: the Flyte config file.")
@handles_errors
def serve(reports_dir, port, host, model, allowed_hosts=(), remote=False, run_name=None, config=None) -> None:
    """Browse the reports of a folder and start new batches in a web app."""
    if remote or run_name or config:
        if not remote:
            raise click.UsageError("--run and --config go with --remote")
        from agentplat.extend import serve_remote

        mount = "/home/flyte/reports"
        served = serve_remote("agentplat-report-app", job_entry="agentplat_report.batch:write_reports",
                              distribution="agentplat-report", extra="app", mount=mount, run=run_name, config=config,
                              # any host name: the cluster's ingress routes by name, and the app's is only known
                              # once deployed
                              args=["agentplat", "report", "serve", "--reports", mount, "--host", "0.0.0.0",
                                    "--port", "8080", "--allow-host", "*", *(["--model", model] if model else [])])
        click.echo(f"App {served['app']} serves the output of run {served['run']}")
        click.echo(f"URL: {served['url']}")
        if served["console"]:
            click.echo(f"Console: {served['console']}")
        return
    try:
        from .app.server import serve as run_server
    except ImportError as exc:
        missing = (exc.name or "a package").split(".")[0]
        raise AgentplatError(
            f"the report app needs its optional extra ({missing} is missing): agentplat install 'agentplat-report[app]'"
        ) from None
    run_server(resolve(reports_dir), host=host, port=port, model=model, allowed_hosts=allowed_hosts)
