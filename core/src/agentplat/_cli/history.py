"""Commands over the run store: ``runs``, ``show`` and ``resume``."""

from __future__ import annotations

import json
from typing import Any

import click

from .execute import execute_and_report
from .approving import approval_options
from .support import engine_option, for_screen, handles_errors, parse_tags, round_options
from .._common.errors import AgentplatError
from .._common.secrets import redact
from .._common.clock import iso as _iso


def run_summary(run: dict[str, Any]) -> dict[str, Any]:
    return {
        "run_id": run["run_id"],
        "request": run["request"],
        "status": run["status"],
        "model": run["model"],
        "started_at": _iso(run["started_at"]),
        "ended_at": _iso(run["ended_at"]),
        "llm_calls": run["llm_calls"],
        "answer": run["answer"],
        "error": run["error"],
        "tags": run.get("tags", {}),
        "rounds": run.get("rounds") or 1,
    }


@click.command()
@click.option("--json", "as_json", is_flag=True)
@click.option("--limit", default=20, show_default=True, type=click.IntRange(min=1))
@click.option("--status", type=click.Choice(["running", "succeeded", "failed", "partial", "interrupted"]))
@click.option("--tag", "tags", multiple=True, metavar="KEY=VALUE", help="Only runs with this tag.")
@click.option("--remote", is_flag=True, help="List the runs on the Flyte cluster of your Flyte config instead.")
@click.option("--config", type=click.Path(dir_okay=False), help="With --remote: the Flyte config file.")
@handles_errors
def runs(as_json: bool, limit: int, status: str | None, tags: tuple[str, ...], remote: bool,
         config: str | None) -> None:
    """List recorded runs, newest first (with --remote: the runs on the cluster)."""

    if remote or config:
        from .cluster_commands import runs_remote

        if not remote:
            raise click.UsageError("--config goes with --remote")
        if status in ("partial", "interrupted"):
            raise click.UsageError(f"--status {status} is a local notion; on a cluster use running, succeeded or failed")
        return runs_remote(limit=limit, status=status, tags=parse_tags(tags), config=config, as_json=as_json)

    from .._run.recorded import open_store

    store = open_store()
    found = [run_summary(r) for r in store.list_runs(limit=limit, status=status, tags=parse_tags(tags))]
    if as_json:
        click.echo(json.dumps(redact(found), indent=2, ensure_ascii=False))
        return
    if not found and (status or tags) and store.list_runs(limit=1):
        wanted = " and ".join([f"status {status}"] * bool(status) + [f"tag {t}" for t in tags])
        click.echo(f"No runs with {wanted}; `agentplat runs` lists every recorded run.")
    elif not found:
        click.echo("No runs recorded yet. Try: agentplat run \"Calculate 5 factorial\"")
    for run in found:
        when = (run["started_at"] or "")[:19].replace("T", " ")
        tags_text = " ".join(f"{k}={v}" for k, v in run["tags"].items())
        rounds = f"{run['rounds']} rounds " if run["rounds"] > 1 else ""
        click.echo(for_screen(f"{run['run_id']}  {when}  {run['status']:<11} {rounds}{run['request'][:60]}  "
                              f"{tags_text}".rstrip()))


@click.command()
@click.argument("run_id")
@click.option("--json", "as_json", is_flag=True)
@click.option("--mermaid", is_flag=True, help="Draw the run's DAG, coloured by step status.")
@click.option("--remote", is_flag=True, help="RUN_ID is a run on the Flyte cluster of your Flyte config.")
@click.option("--config", type=click.Path(dir_okay=False), help="With --remote: the Flyte config file.")
@handles_errors
def show(run_id: str, as_json: bool, mermaid: bool, remote: bool, config: str | None) -> None:
    """Show a recorded run: plan, waves, steps, timings, LLM usage (--remote: a cluster run)."""
    if remote or config:
        from .cluster_commands import show_remote

        if not remote:
            raise click.UsageError("--config goes with --remote")
        if as_json and mermaid:
            raise click.UsageError("choose one of --json and --mermaid")
        return show_remote(run_id, config=config, as_json=as_json, mermaid=mermaid)
    from .._common.jsondata import show as readable
    from .printing import format_plan, planned_by
    from .._run.recorded import open_store
    from .._run.request import load_result

    result = load_result(open_store(), run_id)
    detail = result.to_json()
    plan = result.plan if result.plan.steps else None
    if as_json:
        click.echo(json.dumps(redact(detail), indent=2, ensure_ascii=False))
        return
    if mermaid:
        if plan is None:
            raise AgentplatError(f"run {detail['run_id']} has no plan yet")
        click.echo(for_screen(plan.mermaid({s["index"]: s["status"] for s in detail["steps"]},
                                           rounds=[s["round"] for s in detail["steps"]])))
        return
    def say(text: str) -> None:
        click.echo(for_screen(text))

    say(f"Run {detail['run_id']}  [{detail['status']}]  model {detail['model']}"
        f"{planned_by(detail['model'], detail.get('planner'))}")
    say(f"Request: {detail['request']}")
    if plan is not None:
        say(format_plan(plan) + ("" if detail["plan_complete"] else "\n  (plan incomplete)"))
    decisions = {d.get("round"): d for d in detail["decisions"]}
    shown_round = 0
    for step in detail["steps"]:
        if detail["rounds"] > 1 and step["round"] != shown_round:
            shown_round = step["round"]
            say(f"round {shown_round}:")
            if (decision := decisions.get(shown_round - 1)) is not None:
                say(f"  (planned by the joiner after round {shown_round - 1}{_checks(decision)})")
        took = f"{step['seconds']:.2f}s" if step["seconds"] is not None else "-"
        outcome = readable(step["result"]) if step["status"] == "succeeded" else (step["error"] or "")
        outcome = " ".join(str(outcome).split())[:160]
        say(f"  [{step['index']}] {step['status']:<11} {took:>7}  attempts {step['attempts']}  {outcome}")
        for reason in step["refused"]:  # a tool result tried to steer a call
            say(f"      refused {' '.join(str(reason).split())[:200]}")
        for decision in step["approvals"]:  # a call that writes or deletes, and who allowed it
            say(f"      {decision['decision']} {decision['tool']} ({decision['how']})")
        for call in step.get("calls") or []:  # what the step's model or code called, in order
            outcome = call.get("result", "") if call["status"] == "succeeded" else call.get("error", "")
            say(f"      call {call['agent']}.{call['tool']} {call['status']}  {' '.join(str(outcome).split())[:120]}")
    usage = detail["usage"]
    say(f"LLM: {usage['llm_calls']} calls, {usage['prompt_tokens']} prompt + "
               f"{usage['completion_tokens']} completion tokens")
    for decision in detail["decisions"]:
        say(f"joiner after round {decision.get('round')}: {decision.get('action')}{_checks(decision)}"
            + (f"; answer from step {', '.join(map(str, decision['answer_steps']))}"
               if decision.get("answer_steps") else "")
            + (f"; {decision['note']}" if decision.get("note") else ""))
    if detail["answer"]:
        say(f"Answer: {detail['answer']}")
    if detail["synthesis"]:
        say(f"In words: {detail['synthesis']}")
    if detail["error"]:
        say(f"Error: {detail['error']}")


def _checks(decision: dict[str, Any]) -> str:
    """The checks a decision rests on, with their values: " (checks: $0 = 83 is even: false)"."""
    checks = [f"{c.get('shown')}: {str(c.get('holds')).lower()}" for c in decision.get("checks") or []]
    return f" (checks: {'; '.join(checks)})" if checks else ""


@click.command()
@click.argument("run_id")
@click.option("--json", "as_json", is_flag=True)
@click.option("--model", help="Resume with this model instead of the one the run used (its answers are not replayed).")
@round_options
@engine_option
@approval_options
@handles_errors
def resume(run_id: str, as_json: bool, model: str | None, max_rounds: int | None, reflect: bool | None,
           approve: tuple[str, ...], yes: bool) -> None:
    """Continue a failed or interrupted run: the plan is kept, finished steps are not re-run,
    and LLM answers already received are replayed from the store. The run is resumed with
    the very model it used, and by one process at a time. Calls that write or delete are
    approved again for the steps that still have to run."""
    from .._run.recorded import open_store
    from .._run.request import load_result, resume_run

    store = open_store()
    recorded = load_result(store, run_id)
    if recorded.status == "succeeded":
        if as_json:
            click.echo(json.dumps(redact(recorded.to_json()), indent=2, ensure_ascii=False))
        click.echo(f"Run {recorded.run_id} already finished (succeeded); nothing to resume.", err=as_json)
        return
    execute_and_report(lambda listener, store_, approvals: resume_run(recorded.run_id, store=store_, model=model,
                                                                      listener=listener, approvals=approvals,
                                                                      max_rounds=max_rounds, reflect=reflect),
                       run_id=recorded.run_id, as_json=as_json, approve=approve, yes=yes)
