"""Functions of installed plugins named ``module:function``: what a job runs.

A job (a report batch's topic, a plugin's batch on a cluster) names its function as text,
because the name crosses task boundaries; only agentplat's own modules and those of
installed plugins can be named, never arbitrary code.
"""

from __future__ import annotations

import inspect
from importlib import import_module
from typing import Any, Callable

from .._common.errors import AgentplatError
from .registry import get_registry


def allowed_packages() -> set[str]:
    """Top-level packages a job entry may come from: agentplat and the installed plugins."""
    allowed = {"agentplat"}
    for plugin in get_registry().plugins:
        if plugin.status == "ok" and plugin.module:
            allowed.add(plugin.module.split(":", 1)[0].split(".", 1)[0])
    return allowed


def resolve_entry(entry: str) -> Callable[..., Any]:
    """The function an entry (``module:function``) names, if it belongs to an installed plugin."""
    module_name, sep, attribute = entry.partition(":")
    if not sep or not module_name or not attribute.isidentifier():
        raise AgentplatError(f"a job entry looks like module:function, not {entry!r}")
    if module_name.split(".", 1)[0] not in allowed_packages():
        raise AgentplatError(f"job entry {entry!r} is not in an installed agentplat plugin")
    function = getattr(import_module(module_name), attribute, None)
    if not callable(function):
        raise AgentplatError(f"job entry {entry!r} names nothing callable")
    return function


async def call_entry(function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Call a job's function, sync or async."""
    outcome = function(*args, **kwargs)
    if inspect.isawaitable(outcome):
        outcome = await outcome
    return outcome
