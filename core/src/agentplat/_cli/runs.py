"""Commands over the run store: ``runs``, ``show`` and ``resume``."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

import click

from .execute import execute_and_report
from .support import handles_errors, parse_tags
from .._common.errors import AgentplatError


def _iso(ts: float | None) -> str | None:
    return datetime.fromtimestamp(ts, timezone.utc).isoformat() if ts else None


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
    }


def load_run(store, run_id: str) -> dict[str, Any]:
    run = store.get_run(run_id)
    if run is None:
        raise AgentplatError(f"no recorded run {run_id!r} (see `agentplat runs`)")
    return run


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
    from .._store.runs import get_store

    if remote or config:
        from .cluster import runs_remote

        if not remote:
            raise click.UsageError("--config goes with --remote")
        if status in ("partial", "interrupted"):
            raise click.UsageError(f"--status {status} is a local notion; on a cluster use running, succeeded or failed")
        return runs_remote(limit=limit, status=status, tags=parse_tags(tags), config=config, as_json=as_json)

    store = get_store()
    found = [run_summary(r) for r in store.list_runs(limit=limit, status=status, tags=parse_tags(tags))]
    if as_json:
        click.echo(json.dumps(found, indent=2, ensure_ascii=False))
        return
    if not found and (status or tags) and store.list_runs(limit=1):
        wanted = " and ".join([f"status {status}"] * bool(status) + [f"tag {t}" for t in tags])
        click.echo(f"No runs with {wanted}; `agentplat runs` lists every recorded run.")
    elif not found:
        click.echo("No runs recorded yet. Try: agentplat run \"Calculate 5 factorial\"")
    for run in found:
        when = (run["started_at"] or "")[:19].replace("T", " ")
        tags_text = " ".join(f"{k}={v}" for k, v in run["tags"].items())
        click.echo(f"{run['run_id']}  {when}  {run['status']:<11} {run['request'][:60]}  {tags_text}".rstrip())


def run_detail(store, run: dict[str, Any]) -> dict[str, Any]:
    """Everything ``show --json`` prints: the run, its plan, steps and LLM calls."""
    steps = store.steps(run["run_id"])
    calls = store.llm_calls(run["run_id"])
    detail = run_summary(run)
    detail["plan"] = {"steps": [s["step"] for s in steps]}
    detail["plan_complete"] = bool(run["plan_complete"])
    detail["usage"] = {
        "llm_calls": run["llm_calls"], "prompt_tokens": run["prompt_tokens"],
        "completion_tokens": run["completion_tokens"],
        "total_tokens": run["prompt_tokens"] + run["completion_tokens"],
    }
    detail["steps"] = [
        {
            "index": s["idx"], **{k: s["step"].get(k) for k in ("agent", "tool", "task", "args")},
            "dependencies": s["step"].get("dependencies", []), "status": s["status"], "result": s["result"],
            "error": s["error"], "attempts": s["attempts"], "inputs": s["inputs"],
            "started_at": _iso(s["started_at"]), "ended_at": _iso(s["ended_at"]),
            "seconds": round(s["ended_at"] - s["started_at"], 4) if s["started_at"] and s["ended_at"] else None,
            "usage": s["usage"], "refused": s["refused"],
        }
        for s in steps
    ]
    detail["llm_call_log"] = [
        {"step": c["step_index"], "role": c["role"], "model": c["model"], "prompt_tokens": c["prompt_tokens"],
         "completion_tokens": c["completion_tokens"], "latency": round(c["latency"] or 0, 4)}
        for c in calls
    ]
    return detail


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
        from .cluster import show_remote

        if not remote:
            raise click.UsageError("--config goes with --remote")
        if as_json and mermaid:
            raise click.UsageError("choose one of --json and --mermaid")
        return show_remote(run_id, config=config, as_json=as_json, mermaid=mermaid)
    from .._common.jsondata import show as readable
    from .printing import format_plan
    from .._plan.graph import Plan
    from .._store.runs import get_store

    store = get_store()
    detail = run_detail(store, load_run(store, run_id))
    plan = Plan.parse(detail["plan"]) if detail["plan"]["steps"] else None
    if as_json:
        click.echo(json.dumps(detail, indent=2, ensure_ascii=False))
        return
    if mermaid:
        if plan is None:
            raise AgentplatError(f"run {detail['run_id']} has no plan yet")
        click.echo(plan.mermaid({s["index"]: s["status"] for s in detail["steps"]}))
        return
    click.echo(f"Run {detail['run_id']}  [{detail['status']}]  model {detail['model']}")
    click.echo(f"Request: {detail['request']}")
    if plan is not None:
        click.echo(format_plan(plan) + ("" if detail["plan_complete"] else "\n  (plan incomplete)"))
    for step in detail["steps"]:
        took = f"{step['seconds']:.2f}s" if step["seconds"] is not None else "-"
        outcome = readable(step["result"]) if step["status"] == "succeeded" else (step["error"] or "")
        outcome = " ".join(str(outcome).split())[:160]
        click.echo(f"  [{step['index']}] {step['status']:<11} {took:>7}  attempts {step['attempts']}  {outcome}")
        for reason in step["refused"]:  # a tool result tried to steer a call
            click.echo(f"      refused {' '.join(str(reason).split())[:200]}")
    usage = detail["usage"]
    click.echo(f"LLM: {usage['llm_calls']} calls, {usage['prompt_tokens']} prompt + "
               f"{usage['completion_tokens']} completion tokens")
    if detail["answer"]:
        click.echo(f"Answer: {detail['answer']}")
    if detail["error"]:
        click.echo(f"Error: {detail['error']}")


@click.command()
@click.argument("run_id")
@click.option("--json", "as_json", is_flag=True)
@click.option("--model", help="Resume with this model instead of the one the run used (its answers are not replayed).")
@handles_errors
def resume(run_id: str, as_json: bool, model: str | None) -> None:
    """Continue a failed or interrupted run: the plan is kept, finished steps are not re-run,
    and LLM answers already received are replayed from the store. The run is resumed with
    the very model it used, and by one process at a time."""
    from .._store.runs import get_store

    store = get_store()
    run_id = load_run(store, run_id)["run_id"]
    with store.lease(run_id):  # held until the run ends; another process refuses at once
        _resume(store, load_run(store, run_id), as_json, model)


def _resume(store, run: dict[str, Any], as_json: bool, model: str | None) -> None:
    from .._llm import recording
    from .._plan.graph import Plan, Step
    from .._run.request import run_request
    from .._execute.outcome import StepOutcome

    run_id = run["run_id"]
    if run["status"] == "succeeded":
        if as_json:
            click.echo(json.dumps(run_detail(store, run), indent=2, ensure_ascii=False))
        click.echo(f"Run {run_id} already finished (succeeded); nothing to resume.", err=as_json)
        return
    # "running" here means its process died (it would hold the lease otherwise)
    steps = store.steps(run_id)
    plan = Plan(steps=[Step.model_validate(s["step"]) for s in steps]) if run["plan_complete"] else None
    # Without a complete plan the run is planned again, and a new plan may number its steps
    # differently: nothing is taken as done then (LLM answers are still replayed, not paid).
    done = {
        s["idx"]: StepOutcome(status="succeeded", result=s["result"], started_at=s["started_at"],
                              ended_at=s["ended_at"], attempts=s["attempts"], usage=s["usage"])
        for s in steps if s["status"] == "succeeded" and plan is not None
    }
    if plan is None:
        store.forget_steps(run_id)
    paid = store.llm_calls(run_id)
    prior = {"llm_calls": len(paid), "prompt_tokens": sum(c["prompt_tokens"] for c in paid),
             "completion_tokens": sum(c["completion_tokens"] for c in paid)}
    recording.forget(run_id)
    model = model or run["model"] or None  # exactly what the run used ("openai:fake"), unless overridden
    execute_and_report(
        lambda listener, store_: run_request(
            run["request"], model=model, max_parallel=run["max_parallel"] or 8, listener=listener,
            store=store_, run_id=run_id, plan=plan, done=done, resuming=True, prior_usage=prior,
        ),
        run_id=run_id, as_json=as_json,
    )
