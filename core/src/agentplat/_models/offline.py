"""The embedded default model: deterministic, no network, plans with the offline planner."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # imported where used: registering the backend (every command) needs none of it
    from .._execute.outcome import StepResult
    from .._plan.graph import Plan, Step
    from .._planners.planned import Planned
    from .._plugin.registry import Registry


class OfflineModel:
    name = "offline"

    async def plan(self, request: str, registry: Registry, on_step=None) -> Planned:
        from .._planners.offline.whole import plan_offline

        planned = plan_offline(request, registry)
        for step in planned.plan.steps if on_step is not None else ():
            on_step(step)
        return planned

    async def run_task(self, step: Step, inputs: dict[int, Any], registry: Registry) -> StepResult:
        """Route the task to one of its agent's tools, using dependency results as operands."""
        from .._common.errors import NoCapableAgent
        from .._execute.outcome import StepResult
        from .._execute.toolcall import call_tool
        from .._plan.refs import resolve
        from .._planners.offline.planner import OfflinePlanner
        from .._planners.offline.reading import numbers, quoted
        from .._plugin.parsing import Clause
        from .._plugin.registry import Registry

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

    def create(self, model: str | None = None) -> "OfflineModel":
        return OfflineModel()


__all__ = ["OfflineBackend", "OfflineModel"]
