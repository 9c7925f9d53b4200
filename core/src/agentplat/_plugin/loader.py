"""Finding and loading plugins: entry points in the ``agentplat`` group, fault-isolated.

A plugin that fails to import, registers a hook the core does not know, raises inside a
hook, or declares a core version range that the installed core does not satisfy is
recorded with its error and skipped; it never stops the others from loading.
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
import threading
import time
import traceback
from dataclasses import dataclass, field
from collections.abc import Iterable
from typing import Any, Callable

import pluggy

from .._common.log import log
from .._common.wording import describe
from .. import hookspecs

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
    from importlib.metadata import entry_points  # the standard library's: a third of the backport's cost

    return list(entry_points(group=ENTRY_POINT_GROUP))


@functools.lru_cache(maxsize=1)
def _core_version() -> str:  # a metadata lookup scans sys.path: once per process is enough
    from importlib.metadata import version

    return version(CORE_DISTRIBUTION)


#: A requirement line that may name the core (``agentplat``, any case); others are not read.
_NAMES_CORE = re.compile(r"(?i)^\s*agentplat\s*(?:$|[\[(<>=!~;@\s])")


def incompatibility(dist) -> str | None:
    """Why a plugin distribution cannot run on the installed core, or ``None``.

    Reading a requirement takes ``packaging`` (~25 ms to import): its verdict on each line
    that names the core is kept in ``$AGENTPLAT_HOME/plugin-compat.json`` for this core
    version, so a command that loads the plugins imports it only when a plugin changes."""
    core = _core_version()
    for line in dist.requires or []:
        if not _NAMES_CORE.match(line):
            continue
        verdict = _verdict(line, core)
        if verdict is not None:
            return f"{verdict}, but agentplat {core} is installed ({_fix(verdict.removeprefix('requires agentplat'), core, dist)})"
    return None


_verdicts: dict[str, str | None] | None = None


def _verdict(line: str, core: str) -> str | None:
    """``"requires agentplat<spec>"`` when ``line`` rules the installed core out, else ``None``."""
    global _verdicts
    import json

    from .._common.settings import data_dir

    path = data_dir() / "plugin-compat.json"
    if _verdicts is None:
        try:
            saved = json.loads(path.read_text(encoding="utf-8"))
            _verdicts = dict(saved["verdicts"]) if saved.get("core") == core else {}
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            _verdicts = {}
    if line in _verdicts:
        return _verdicts[line]
    from packaging.requirements import InvalidRequirement, Requirement

    verdict = None
    try:
        req = Requirement(line)
    except InvalidRequirement:
        req = None
    # an extra's requirement (or one for another platform) does not bind this install
    if req is not None and _normalise(req.name) == CORE_DISTRIBUTION and not (
            req.marker and not req.marker.evaluate({"extra": ""})):
        if req.specifier and not req.specifier.contains(core, prereleases=True):
            verdict = f"requires agentplat{req.specifier}"
    _verdicts[line] = verdict
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"core": core, "verdicts": _verdicts}), encoding="utf-8")
    except OSError:
        pass  # decided anyway; the next process decides again
    return verdict


def _fix(specifier, core: str, dist) -> str:
    """What the user can do about a version misfit: upgrade the core or the plugin."""
    from packaging.specifiers import SpecifierSet
    from packaging.version import InvalidVersion, Version

    specifier = SpecifierSet(specifier) if isinstance(specifier, str) else specifier

    try:
        wants_newer = any(s.operator in (">=", ">", "==", "~=", "===") and Version(s.version) > Version(core)
                          for s in specifier)
    except InvalidVersion:
        wants_newer = False
    if wants_newer:
        return "it needs a newer agentplat: upgrade agentplat"
    name = dist.metadata["Name"] if dist is not None else "the plugin"
    return f"upgrade {name} to a release made for agentplat {core}"


def hook_mismatch(pm: pluggy.PluginManager, module) -> str | None:
    """Why a plugin's hook implementations do not fit this core's hookspecs, in words.

    pluggy reports the same problems (unknown hook at ``check_pending``, an argument the
    spec does not provide at ``register``), but in several lines that name none of the
    fix; a plugin written for another core version deserves one clear sentence.
    """
    import inspect

    problems = []
    for attr in dir(module):
        opts = pm.parse_hookimpl_opts(module, attr)
        if opts is None:
            continue
        hook = opts.get("specname") or attr
        caller = getattr(pm.hook, hook, None)
        spec = getattr(caller, "spec", None)
        if spec is None:
            known = ", ".join(sorted(n for n in dir(hookspecs) if n.startswith("register_")))
            problems.append(f"unknown hook {hook} (agentplat {_core_version()} provides: {known})")
            continue
        try:
            params = inspect.signature(getattr(module, attr)).parameters.values()
        except (TypeError, ValueError):
            continue
        takes = [p.name for p in params if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
        required = [p.name for p in params if p.default is p.empty and p.kind in (
            p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
        if set(required) - set(spec.argnames):
            problems.append(f"hook {hook} takes ({', '.join(takes)}) but agentplat {_core_version()} "
                            f"provides ({', '.join(spec.argnames)})")
    if not problems:
        return None
    return "; ".join(problems) + "; the plugin was probably written for another agentplat version"


class PluginLoader:
    """Loads plugin modules into a pluggy manager, one at a time and fault-isolated."""

    def __init__(self, trace: bool | None = None) -> None:
        self.pm = pluggy.PluginManager(hookspecs.PROJECT)
        self.pm.add_hookspecs(hookspecs)
        self.infos: dict[str, PluginInfo] = {}
        # hooks are called one plugin at a time (``call_each``), never through ``pm.hook``,
        # so pluggy's own tracing would stay silent: we write our own lines instead
        self._trace = bool(trace if trace is not None else os.environ.get("AGENTPLAT_TRACE_PLUGINS"))

    def _say(self, message: str) -> None:
        if self._trace:
            log.warning("agentplat: trace: %s", message)

    def load_builtin(self, module, name: str = CORE_DISTRIBUTION) -> None:
        info = PluginInfo(name=name, version=_core_version(), module=module.__name__, builtin=True)
        self._register(module, info)

    def load_entry_points(self, only: Iterable[str] | None = None) -> None:
        """Load the installed plugins: those named in ``only`` (distribution names) if given,
        else those ``AGENTPLAT_LOAD_PLUGINS`` allows (all when it is unset)."""
        allowed = allowed_distributions() if only is None else {_normalise(name) for name in only if name.strip()}
        for ep in discover_entry_points():
            dist = ep.dist
            dist_name = dist.metadata["Name"] if dist else ep.name
            if allowed is not None and _normalise(dist_name) not in allowed:
                continue
            info = PluginInfo(name=dist_name, version=dist.version if dist else None, module=ep.value)
            self.infos[info.name] = info
            if dist is not None and (reason := incompatibility(dist)):
                info.fail(reason)
                self._say(f"skipped {info.name}: {reason}")
                continue
            try:
                with _noticed_if_slow(f"loading plugin {info.name} (entry point {ep.name})"):
                    module = ep.load()
            except BaseException as exc:  # noqa: BLE001 - a broken plugin must not stop the rest
                if isinstance(exc, KeyboardInterrupt):
                    raise
                info.fail(describe(exc, first_line=True))
                info.traceback = traceback.format_exc()
                self._say(f"skipped {info.name}: {info.error}")
                continue
            self._register(module, info)

    def _register(self, module, info: PluginInfo) -> None:
        self.infos[info.name] = info
        if reason := hook_mismatch(self.pm, module):
            info.fail(reason)
            self._say(f"skipped {info.name}: {reason}")
            return
        try:
            self.pm.register(module, name=info.name)
            self.pm.check_pending()
        except Exception as exc:  # pluggy.PluginValidationError: anything hook_mismatch missed
            info.fail(describe(exc, first_line=True))
            if self.pm.is_registered(module):
                self.pm.unregister(module)
            self._say(f"skipped {info.name}: {info.error}")
            return
        info.hooks = sorted(impl.name for impl in self._hookcallers(info.name))
        self._say(f"loaded {info.name} from {info.module} (hooks: {', '.join(info.hooks) or 'none'})")

    def _hookcallers(self, plugin_name: str):
        plugin = self.pm.get_plugin(plugin_name)
        return self.pm.get_hookcallers(plugin) or [] if plugin is not None else []

    def call_each(self, hook_name: str, make_register: Callable[[PluginInfo], Callable]) -> None:
        """Call ``hook_name`` on every plugin separately, so errors and results are attributed."""
        caller = getattr(self.pm.hook, hook_name)
        argname = caller.spec.argnames[0]  # every hook takes one argument: register (or cli)
        for impl in caller.get_hookimpls():
            info = self.infos.get(impl.plugin_name)
            if info is None:
                continue
            if info.status != "ok":
                self._say(f"{info.name}: {hook_name} not called ({info.error})")
                continue
            arg = make_register(info)
            seen = _Seen(arg, argname) if self._trace else None
            if seen is not None:
                arg = seen.arg
            # pluggy lets an implementation omit arguments it does not use
            kwargs = {argname: arg} if argname in (*impl.argnames, *impl.kwargnames) else {}
            started = time.perf_counter()
            try:
                with _noticed_if_slow(f"plugin {info.name}: {hook_name}"):
                    impl.function(**kwargs)
            except Exception as exc:  # noqa: BLE001 - one plugin's failure stays its own
                info.fail(f"{hook_name}: {describe(exc, first_line=True)}")
                outcome = f"failed: {info.error}"
            else:
                outcome = seen.outcome() if seen is not None else ""
            if seen is not None:
                ms = (time.perf_counter() - started) * 1000
                self._say(f"{info.name}: {hook_name}({argname}) -> {outcome} ({ms:.1f} ms)")


#: Seconds a plugin's import (or hook) may take before agentplat says which one it waits for.
SLOW_PLUGIN_SECONDS = 2.0


@contextlib.contextmanager
def _noticed_if_slow(what: str):
    """A plugin that blocks at import would hang ``agents``, ``plugins`` and ``run`` with no
    word: after ``SLOW_PLUGIN_SECONDS`` say once, on stderr, what is taking long."""
    def say() -> None:
        log.warning("agentplat: %s is taking long...", what)

    timer = threading.Timer(SLOW_PLUGIN_SECONDS, say)
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        timer.cancel()


class _Seen:
    """Records what one hook call registered, for the ``AGENTPLAT_TRACE_PLUGINS`` line."""

    def __init__(self, arg: Any, argname: str) -> None:
        self.names: list[str] = []
        self.commands = getattr(arg, "commands", None)
        self.before = set(self.commands or ())
        if argname == "register":
            def register(obj, *args, **kwargs):
                self.names.append(str(getattr(obj, "name", None) or getattr(obj, "__name__", None)
                                      or type(obj).__name__))
                return arg(obj, *args, **kwargs)

            self.arg = register
        else:
            self.arg = arg

    def outcome(self) -> str:
        if self.commands is not None:
            added = sorted(set(self.commands) - self.before)
            return f"added commands: {', '.join(added)}" if added else "added no command"
        return f"registered {', '.join(self.names)}" if self.names else "registered nothing"


def add_plugin_commands(cli) -> None:
    """Only ``register_commands``: the plugins' modules are imported but their agents and
    tools are not collected."""
    loader = PluginLoader()
    loader.load_entry_points()
    loader.call_each("register_commands", lambda info: cli)


def plugin_commands_help(cli) -> list[tuple[str, str]]:
    """``(name, one-line help)`` of every command the installed plugins add, for ``--help``.

    Finding them means importing the plugins, so the answer is kept in
    ``$AGENTPLAT_HOME/plugin-commands.json`` under a fingerprint of what is installed (each
    plugin's distribution, version, entry point and module file time, and
    ``AGENTPLAT_LOAD_PLUGINS``): ``--help`` imports no plugin code until that changes.
    """
    import json

    from .._common.settings import data_dir

    path = data_dir() / "plugin-commands.json"
    mark = _fingerprint()
    try:
        cached = json.loads(path.read_text(encoding="utf-8"))
        if cached.get("fingerprint") == mark:
            return [(str(n), str(h)) for n, h in cached["commands"]]
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        pass
    before = set(cli.commands)
    add_plugin_commands(cli)
    rows = sorted((n, c.get_short_help_str(80)) for n, c in cli.commands.items() if n not in before and not c.hidden)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"fingerprint": mark, "commands": rows}), encoding="utf-8")
    except OSError:
        pass  # listed anyway; the next --help looks again
    return rows


def _fingerprint() -> list:
    import importlib.util

    marks: list = [os.environ.get("AGENTPLAT_LOAD_PLUGINS")]
    for ep in discover_entry_points():
        top = ep.value.split(":", 1)[0].split(".", 1)[0]
        try:
            spec = importlib.util.find_spec(top)  # a top-level name: found, not imported
            origin = spec.origin if spec is not None else None
            mtime = os.stat(origin).st_mtime if origin else None
        except (ImportError, ValueError, OSError):
            mtime = None
        dist = ep.dist
        marks.append([dist.metadata["Name"] if dist else ep.name, dist.version if dist else None, ep.value, mtime])
    return sorted(marks, key=str)
