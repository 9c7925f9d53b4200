"""The embedded default model: deterministic, no network, plans with the offline planner."""

from __future__ import annotations

from typing import Any

from .._common.errors import NoCapableAgent, PlanValidationError
from .._common.wording import in_quotes
from .._plugin.parsing import Clause
from .._planners.offline.reading import numbers, quoted
from .._plan.graph import Plan, Step, validate_plan
from .._plugin.registry import Registry
from .._execute.outcome import StepResult
from .._execute.toolcall import call_tool
from .._planners.grounding import unused_numbers
from .._planners.planned import Planned


class OfflineModel:
    name = "offline"

    async def plan(self, request: str, registry: Registry, on_step=None) -> Planned:
        from .._planners.offline.planner import OfflinePlanner

        planned = OfflinePlanner(registry).plan(request)
        try:
            plan = validate_plan(planned, registry)
        except PlanValidationError as exc:  # the user's words, not a parameter's name
            reason = (str(exc).strip().splitlines() or [""])[0]
            raise NoCapableAgent(
                f"no installed agent can handle {in_quotes(request)} as asked: it reads as "
                f"{'; '.join(s.label() for s in planned.steps)}, which the agent refuses"
                + (f" ({reason})" if reason else "")
            ) from exc
        if dropped := unused_numbers(request, plan):
            shown = ", ".join(format(n, "f") for n in dropped)
            raise NoCapableAgent(
                f"cannot serve {in_quotes(request)} offline: it reads as "
                f"{'; '.join(s.label() for s in plan.steps)}, which leaves out {shown}"
            )
        for step in plan.steps if on_step is not None else ():
            on_step(step)
        return Planned(plan)

    async def run_task(self, step: Step, inputs: dict[int, Any], registry: Registry) -> StepResult:
        """Route the task to one of its agent's tools, using dependency results as operands."""
        from .._planners.offline.planner import OfflinePlanner
        from .._plan.refs import resolve

        agent = registry.agent(step.agent)
        scoped = Registry(agents={agent.name: agent}, parsers=registry.parsers)
        deps = sorted(inputs)
        clause = Clause(
            text=step.task or "",
            index=max(deps, default=-1) + 1,
            references=deps,
            previous=deps[-1] if deps else None,
            chained=bool(deps),
            numbers=numbers(step.task or ""),
            quoted=quoted(step.task or ""),
        )
        call = OfflinePlanner(scoped).parse(clause)
        if call is None:
            raise NoCapableAgent(f"agent {agent.name!r} has no tool for the task {step.task!r}")
        # through the core's own path: the tool's deadline, the result cap, the engine's trace
        return StepResult.succeeded(await call_tool(agent.name, call.tool, resolve(call.args, inputs), registry))


class OfflineBackend:
    name = "offline"

    def configured(self) -> bool:
        return True

    def create(self, model: str | None = None) -> OfflineModel:
        return OfflineModel()


__all__ = ["OfflineBackend", "OfflineModel", "Plan"]
