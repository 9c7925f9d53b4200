"""Finding and loading plugins: entry points in the ``agentplat`` group, fault-isolated.

A plugin that fails to import, registers a hook the core does not know, raises inside a
hook, or declares a core version range that the installed core does not satisfy is
recorded with its error and skipped; it never stops the others from loading.
"""

from __future__ import annotations

import os
import sys
import traceback
from dataclasses import dataclass, field
from typing import Any, Callable

import pluggy

from . import hookspecs

ENTRY_POINT_GROUP = "agentplat"
CORE_DISTRIBUTION = "agentplat"


@dataclass
class PluginInfo:
    """What ``agentplat plugins`` shows for one installed plugin distribution."""

    name: str
    version: str | None
    module: str
    status: str = "ok"
    error: str | None = None
    agents: list[str] = field(default_factory=list)
    hooks: list[str] = field(default_factory=list)
    builtin: bool = False

    def fail(self, error: str) -> None:
        self.status, self.error = "error", error

    def describe(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "version": self.version,
            "status": self.status,
            "error": self.error,
            "agents": list(self.agents),
            "hooks": list(self.hooks),
        }


def allowed_distributions() -> set[str] | None:
    """``AGENTPLAT_LOAD_PLUGINS=a,b`` restricts loading; empty string loads none."""
    value = os.environ.get("AGENTPLAT_LOAD_PLUGINS")
    if value is None:
        return None
    return {_normalise(name) for name in value.split(",") if name.strip()}


def _normalise(name: str) -> str:
    return name.strip().lower().replace("_", "-")


def discover_entry_points():
    """The installed ``agentplat`` entry points, without importing any plugin code."""
    from importlib_metadata import entry_points

    return list(entry_points(group=ENTRY_POINT_GROUP))


def _core_version() -> str:
    from importlib_metadata import version

    return version(CORE_DISTRIBUTION)


def incompatibility(dist) -> str | None:
    """Why a plugin distribution cannot run on the installed core, or ``None``."""
    from packaging.requirements import InvalidRequirement, Requirement

    core = _core_version()
    for line in dist.requires or []:
        try:
            req = Requirement(line)
        except InvalidRequirement:
            continue
        if _normalise(req.name) != CORE_DISTRIBUTION or (req.marker and "extra" in str(req.marker)):
            continue
        if req.specifier and not req.specifier.contains(core, prereleases=True):
            return f"requires agentplat{req.specifier}, but agentplat {core} is installed"
    return None


class PluginLoader:
    """Loads plugin modules into a pluggy manager, one at a time and fault-isolated."""

    def __init__(self, trace: bool | None = None) -> None:
        self.pm = pluggy.PluginManager(hookspecs.PROJECT)
        self.pm.add_hookspecs(hookspecs)
        self.infos: dict[str, PluginInfo] = {}
        if trace if trace is not None else os.environ.get("AGENTPLAT_TRACE_PLUGINS"):
            self.pm.trace.root.setwriter(lambda msg: sys.stderr.write(msg))
            self.pm.enable_tracing()
            self._trace = True
        else:
            self._trace = False

    def load_builtin(self, module, name: str = CORE_DISTRIBUTION) -> None:
        info = PluginInfo(name=name, version=_core_version(), module=module.__name__, builtin=True)
        self._register(module, info)

    def load_entry_points(self) -> None:
        allowed = allowed_distributions()
        for ep in discover_entry_points():
            dist = ep.dist
            dist_name = dist.metadata["Name"] if dist else ep.name
            if allowed is not None and _normalise(dist_name) not in allowed:
                continue
            info = PluginInfo(name=dist_name, version=dist.version if dist else None, module=ep.value)
            self.infos[info.name] = info
            if dist is not None and (reason := incompatibility(dist)):
                info.fail(reason)
                continue
            try:
                module = ep.load()
            except BaseException as exc:  # noqa: BLE001 - a broken plugin must not stop the rest
                if isinstance(exc, KeyboardInterrupt):
                    raise
                info.fail(_one_line(exc))
                info.traceback = traceback.format_exc()
                continue
            self._register(module, info)

    def _register(self, module, info: PluginInfo) -> None:
        self.infos[info.name] = info
        try:
            self.pm.register(module, name=info.name)
            self.pm.check_pending()
        except Exception as exc:  # pluggy.PluginValidationError: unknown hook or bad signature
            info.fail(_one_line(exc))
            if self.pm.is_registered(module):
                self.pm.unregister(module)
            return
        info.hooks = sorted(impl.name for impl in self._hookcallers(info.name))

    def _hookcallers(self, plugin_name: str):
        plugin = self.pm.get_plugin(plugin_name)
        return self.pm.get_hookcallers(plugin) or [] if plugin is not None else []

    def call_each(self, hook_name: str, make_register: Callable[[PluginInfo], Callable]) -> None:
        """Call ``hook_name`` on every plugin separately, so errors and results are attributed."""
        caller = getattr(self.pm.hook, hook_name)
        for impl in caller.get_hookimpls():
            info = self.infos.get(impl.plugin_name)
            if info is None or info.status != "ok":
                continue
            if self._trace:
                sys.stderr.write(f"agentplat: calling {hook_name} of {info.name}\n")
            try:
                impl.function(make_register(info))
            except Exception as exc:  # noqa: BLE001 - one plugin's failure stays its own
                info.fail(f"{hook_name}: {_one_line(exc)}")


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__
