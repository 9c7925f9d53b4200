"""Deterministic first: with a model configured, the exact offline plan runs when it serves
the whole request (every number, quoted text and address of the request used), and the model
plans only what the offline planner cannot. Such a plan costs no tokens and cannot pick a wrong
operation; measured, it never made an answer worse (README "Planning"). Off with
``AGENTPLAT_DETERMINISTIC_FIRST=0``, ``[planner] deterministic_first = false`` or ``run
--model-plans``."""

from __future__ import annotations

from typing import Any, Callable

from .._common.errors import AgentplatError
from .._common.settings import switch
from .planned import Planned


def deterministic_first() -> bool:
    """The setting: on unless the environment or config.toml turns it off."""
    return switch("AGENTPLAT_DETERMINISTIC_FIRST", "planner", "deterministic_first", True)


def exact_offline_plan(request: str, registry: Any) -> Planned | None:
    """The offline plan when it serves all of ``request``, else ``None``."""
    from .offline.whole import plan_offline, unused_values

    try:
        planned = plan_offline(request, registry)
    except AgentplatError:
        return None
    if unused_values(request, planned.plan):
        return None
    return planned


async def plan(model: Any, request: str, registry: Any, on_step: Callable | None = None, *,
               offline_first: bool | None = None) -> Planned:
    """``request`` planned for ``model``: offline first when on (``offline_first``, default:
    the setting) and ``model`` is not the offline one itself, else by ``model``."""
    first = deterministic_first() if offline_first is None else offline_first
    if first and getattr(model, "name", "") != "offline":
        planned = exact_offline_plan(request, registry)
        if planned is not None:
            for step in planned.plan.steps if on_step is not None else ():
                on_step(step)
            return planned
    planned = await model.plan(request, registry, on_step=on_step)
    if not planned.planner:
        planned.planner = "offline" if getattr(model, "name", "") == "offline" else "model"
    return planned
