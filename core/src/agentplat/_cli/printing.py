"""Human-readable output of plans and runs (the JSON forms live on the objects themselves)."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

import click

from .._common.jsondata import show
from .support import for_screen

if TYPE_CHECKING:
    from .._plan.graph import Plan


#: How a tool's effect is shown beside it; a tool that only reads is shown bare.
EFFECT_MARKS = {"write": " [writes]", "destructive": " [destructive]"}


def effect_mark(effect: str) -> str:
    """`` [writes]`` or `` [destructive]`` for a tool that acts, else nothing."""
    return EFFECT_MARKS.get(effect, "")


def format_plan(plan: "Plan", registry=None) -> str:
    """The plan by waves: steps in one wave depend only on earlier waves. With the
    ``registry``, a direct step whose tool writes or destroys says so."""
    waves = plan.waves()
    lines = [f"Plan: {len(plan.steps)} step{'s' * (len(plan.steps) != 1)} in {len(waves)} wave{'s' * (len(waves) != 1)}"]
    for number, wave in enumerate(waves, 1):
        lines.append(f"  wave {number}:")
        for index in wave:
            step = plan.steps[index]
            after = f"  (after {', '.join(map(str, step.dependencies))})" if step.dependencies else ""
            lines.append(f"    [{index}] {step.label()}{_step_effect(step, registry)}{after}")
    return "\n".join(lines)


def _step_effect(step, registry) -> str:
    if registry is None or not step.tool:
        return ""
    agent = registry.agents.get(step.agent)
    tool = next((t for t in agent.tools if t.name == step.tool), None) if agent is not None else None
    return effect_mark(tool.effect) if tool is not None else ""


class RunPrinter:
    """A ``RunListener`` that prints the plan by waves, each step as it ends, then the answer.

    With a streamed plan, steps may finish before the plan is complete: their lines wait
    until the plan has been shown, so the output always reads top to bottom.
    """

    def __init__(self, enabled: bool = True):
        self.enabled = enabled
        self.steps: list = []
        self.shown = False
        self.pending: list[str] = []
        self.lock = threading.Lock()
        self.round = 1
        self.streamed = False  # answer words were printed as they came

    def planned(self, index: int, step) -> None:
        with self.lock:
            self.steps.append(step)
            if self.round > 1 and self.enabled:  # the first plan is printed whole, by waves
                after = f"  (after {', '.join(map(str, step.dependencies))})" if step.dependencies else ""
                self._say(for_screen(f"    [{index}] {step.label()}{after}"))

    def _say(self, line: str) -> None:
        if self.shown:
            click.echo(line)
        else:
            self.pending.append(line)

    def round_started(self, number: int) -> None:
        with self.lock:
            self.round = number
            if self.enabled:
                self._say(f"Round {number}: the joiner planned more steps")

    def decided(self, decisions: list) -> None:
        decision = decisions[-1]
        if not self.enabled:
            return
        checks = "; ".join(f"{c.get('shown')}: {str(c.get('holds')).lower()}" for c in decision.get("checks") or [])
        with self.lock:
            self._say(for_screen(f"  joiner after round {decision.get('round')}: {decision.get('action')}"
                                 + (f" (checks: {checks})" if checks else "")
                                 + (f"; {decision['note']}" if decision.get("note") else "")))

    def answer_delta(self, text: str) -> None:
        if not self.enabled:
            return
        with self.lock:
            if not self.streamed:
                click.echo("In words: ", nl=False)
                self.streamed = True
            click.echo(for_screen(text), nl=False)

    def plan_ready(self, plan: "Plan", planner: str = "") -> None:
        if not self.enabled:
            return
        from .._plugin.registry import get_registry

        with self.lock:
            click.echo(for_screen(format_plan(plan, get_registry())))
            self.shown = True
            for line in self.pending:
                click.echo(line)
            self.pending.clear()

    def step_event(self, index: int, outcome) -> None:
        if not self.enabled or outcome.status in ("running", "waiting"):
            return
        with self.lock:
            line = self._line(index, outcome)
            if self.shown:
                click.echo(line)
            else:
                self.pending.append(line)

    def _line(self, index: int, outcome) -> str:
        label = self.steps[index].label() if index < len(self.steps) else f"step {index}"
        if outcome.status == "succeeded":
            seconds = (outcome.ended_at or 0) - (outcome.started_at or 0)
            line = f"  [{index}] {label} -> {_one_line(show(outcome.result))}  ({seconds:.2f}s)"
        else:
            line = f"  [{index}] {label} {outcome.status}: {outcome.error}"
        for reason in getattr(outcome, "refused", None) or []:  # a tool result tried to steer a call
            line += f"\n      refused {_one_line(reason)}"
        return for_screen(line)

    def finish(self, result, *, between=None) -> None:
        """The answer and the run's summary line (``between()`` prints anything in between)."""
        if not self.enabled:
            return
        with self.lock:
            for line in self.pending:  # a plan that never completed still shows its steps
                click.echo(line)
            self.pending.clear()
        if self.streamed:
            click.echo("")
        elif result.synthesized and between is None:
            click.echo(for_screen(f"In words: {result.synthesized}"))
        if result.answer:
            click.echo(for_screen(f"Answer: {result.answer}"))
        if between is not None:
            between()
        usage = result.usage
        tokens = f", {usage.prompt_tokens}+{usage.completion_tokens} tokens" if usage.llm_calls else ""
        click.echo(for_screen(
            f"({result.status}; {len(result.steps)} steps; {usage.llm_calls} LLM calls{tokens}; "
            f"{result.ended_at - result.started_at:.2f}s; model {result.model}{planned_by(result.model, result.planner)})"
        ))


def planned_by(model: str | None, planner: str | None) -> str:
    """", planned offline" when a model was there and the exact offline plan ran instead."""
    return ", planned offline" if planner == "offline" and model not in (None, "", "offline") else ""


def _one_line(text: str, limit: int = 200) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
