"""The offline planner's plan for a whole request, checked: valid against the registry, and
leaving out none of the request's numbers. The embedded default model plans with it, and so
does every other model first (``_planners.first``), which also asks that no quoted text or
address of the request is left out."""

from __future__ import annotations

from ..._common.errors import NoCapableAgent, PlanValidationError
from ..._common.provenance import urls_in
from ..._common.wording import in_quotes
from ..._plan.graph import Plan, validate_plan
from ..._plugin.parsing import quoted
from ..._plugin.registry import Registry
from ..grounding import unused_numbers
from ..planned import Planned
from .planner import OfflinePlanner


def plan_offline(request: str, registry: Registry) -> Planned:
    """The exact offline plan of ``request``; ``NoCapableAgent`` (in the user's words) when
    the offline planner cannot serve all of it."""
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
    return Planned(plan, planner="offline")


def unused_values(request: str, plan: Plan) -> list[str]:
    """The quoted strings and addresses of ``request`` that no argument of ``plan`` holds
    (numbers are ``unused_numbers``'s): a plan that leaves one out answers another question."""
    held = [value for step in plan.steps for value in _texts(step.args or {})]
    addresses = set().union(*(urls_in(value) for value in held)) if held else set()
    left = [q for q in dict.fromkeys(quoted(request)) if not any(q in value for value in held)]
    return left + sorted(key for key in urls_in(request) if key not in addresses)


def _texts(value):
    if isinstance(value, dict):
        for item in value.values():
            yield from _texts(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _texts(item)
    elif isinstance(value, str):
        yield value
