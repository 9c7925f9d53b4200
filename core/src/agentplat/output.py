"""Human-readable output of plans and runs (the JSON forms live on the objects themselves)."""

from __future__ import annotations

import click

from .jsonutil import show
from .plan import Plan


def format_plan(plan: Plan) -> str:
    """The plan by waves: steps in one wave depend only on earlier waves."""
    waves = plan.waves()
    lines = [f"Plan: {len(plan.steps)} step{'s' * (len(plan.steps) != 1)} in {len(waves)} wave{'s' * (len(waves) != 1)}"]
    for number, wave in enumerate(waves, 1):
        lines.append(f"  wave {number}:")
        for index in wave:
            step = plan.steps[index]
            after = f"  (after {', '.join(map(str, step.dependencies))})" if step.dependencies else ""
            lines.append(f"    [{index}] {step.label()}{after}")
    return "\n".join(lines)


class RunPrinter:
    """Prints the plan, then each step as it finishes, then the answer."""

    def __init__(self, enabled: bool = True):
        self.enabled = enabled
        self.plan_: Plan | None = None

    def plan(self, plan: Plan) -> None:
        self.plan_ = plan
        if self.enabled:
            click.echo(format_plan(plan))

    def event(self, index: int, outcome) -> None:
        if not self.enabled or self.plan_ is None or outcome.status in ("running", "waiting"):
            return
        step = self.plan_.steps[index]
        if outcome.status == "succeeded":
            seconds = (outcome.ended_at or 0) - (outcome.started_at or 0)
            click.echo(f"  [{index}] {step.label()} -> {_one_line(show(outcome.result))}  ({seconds:.2f}s)")
        else:
            click.echo(f"  [{index}] {step.label()} {outcome.status}: {outcome.error}")

    def finish(self, result) -> None:
        if not self.enabled:
            return
        if result.answer:
            click.echo(f"Answer: {result.answer}")
        usage = result.usage
        click.echo(
            f"({result.status}; {len(result.steps)} steps; {usage.llm_calls} LLM calls; "
            f"{result.ended_at - result.started_at:.2f}s; model {result.model})"
        )


def _one_line(text: str, limit: int = 200) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
