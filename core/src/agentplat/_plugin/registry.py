"""The registry: every agent, tool, model backend and offline parser the installed plugins offer."""

from __future__ import annotations

import os
from importlib import import_module
from dataclasses import dataclass, field
from collections.abc import Iterable
from typing import Any, Callable

from .agents import Agent
from .._common.log import log
from .._common.errors import AgentplatError
from .loader import PluginInfo, PluginLoader
from .tools import Tool, ToolFunction, as_tool


#: The core's own plugins: the built-in model backends, registered like any third party's.
BUILTINS = ("agentplat._models.builtin",)


@dataclass
class OfflineParser:
    """A domain parser a plugin adds to the offline planner for its own agent: a function,
    or its import path (``"package.module:function"``), imported when first used, so a
    command that only lists what is installed never imports a parser."""

    agent: str
    source: Callable[..., Any] | str
    plugin: str | None = None

    @property
    def parse(self) -> Callable[..., Any]:
        if isinstance(self.source, str):
            module, _, name = self.source.partition(":")
            try:
                self.source = getattr(import_module(module), name)
            except (ImportError, AttributeError) as exc:
                raise AgentplatError(f"offline parser {self.source!r} of plugin {self.plugin} cannot be "
                                     f"imported: {exc}") from None
        return self.source


@dataclass
class Registry:
    """What is installed, as the planner and the scheduler see it."""

    agents: dict[str, Agent] = field(default_factory=dict)
    models: dict[str, Any] = field(default_factory=dict)
    parsers: list[OfflineParser] = field(default_factory=list)
    plugins: list[PluginInfo] = field(default_factory=list)
    loader: PluginLoader | None = None
    contested: dict[str, list[str]] = field(default_factory=dict)  # agent name -> the plugins claiming it
    _claims: dict[str, list] = field(default_factory=dict, repr=False)

    def agent(self, name: str) -> Agent:
        if name in self.contested:
            raise AgentplatError(f"agent {name!r} is registered by both {' and '.join(self.contested[name])}; "
                                 f"choose one with [agents] {name} = " + " or ".join(
                                     f'"{o}"' for o in self.contested[name]) + " in config.toml")
        try:
            return self.agents[name]
        except KeyError:
            known = ", ".join(sorted(self.agents)) or "none installed"
            raise AgentplatError(f"unknown agent {name!r} (known: {known})") from None

    def tool(self, agent: str, name: str) -> Tool:
        found = self.agent(agent).tool(name)
        if found is None:
            known = ", ".join(t.name for t in self.agents[agent].tools)
            raise AgentplatError(f"agent {agent!r} has no tool {name!r} (tools: {known})")
        return found

    def tools(self) -> list[Tool]:
        return [t for a in self.agents.values() for t in a.tools]

    def add_commands(self, cli) -> None:
        """Let plugins add click commands (only when a plugin command is asked for)."""
        if self.loader is not None:
            self.loader.call_each("register_commands", lambda info: cli)

    @classmethod
    def load(cls, *, trace: bool | None = None, only: Iterable[str] | None = None) -> "Registry":
        """A new registry of the installed plugins (and the core's built-in model backends).

        ``only`` loads just the named plugin distributions (``only=["agentplat-math"]``;
        ``only=[]`` loads none), as ``AGENTPLAT_LOAD_PLUGINS=a,b`` does for a whole process;
        without it, that variable decides. The process-wide registry (``get_registry()``)
        is not affected."""
        if isinstance(only, str):
            raise TypeError("only= takes a list of distribution names, not a string")
        loader = PluginLoader(trace=trace)
        for name in BUILTINS:  # by module name, as an entry point names a third-party plugin
            loader.load_builtin(import_module(name))
        loader.load_entry_points(only=only)
        registry = cls(loader=loader)
        registry._collect(loader)
        registry.plugins = [i for i in loader.infos.values() if not i.builtin]
        return registry

    def _collect(self, loader: PluginLoader) -> None:
        def staged(hook: str, add: Callable[[PluginInfo, Any, dict], None]) -> None:
            def make_register(info: PluginInfo):
                pending: list[tuple[Any, dict]] = []
                info._pending = pending  # committed only if the whole hook succeeds

                def register(obj, **options):
                    pending.append((obj, options))

                return register

            loader.call_each(hook, make_register)
            for info in loader.infos.values():
                pending = info.__dict__.pop("_pending", None)
                if pending is None or info.status != "ok":
                    continue
                for obj, options in pending:
                    try:
                        add(info, obj, options)
                    except Exception as exc:  # noqa: BLE001 - a bad registration is the plugin's
                        info.fail(f"{hook}: {exc}")
                        break

        staged("register_agents", self._add_agent)
        self._settle_claims(loader)
        staged("register_tools", self._add_tool)
        staged("register_models", self._add_model)
        staged("register_offline_parsers", self._add_parser)

    def _add_agent(self, info: PluginInfo, agent: Agent, options: dict) -> None:
        if not isinstance(agent, Agent):
            raise TypeError(f"register_agents expects Agent, got {type(agent).__name__}")
        yields = options.get("yields")
        if yields is not None and not (isinstance(yields, str) and yields.strip()):
            raise TypeError("register(agent, yields=...) takes the sentence to show when the name is taken")
        agent.plugin = info.name
        self._claims.setdefault(agent.name, []).append((info, agent, yields))

    def _settle_claims(self, loader: PluginLoader) -> None:
        """An agent name belongs to one distribution. Two claiming it is never settled by
        installation order: the one chosen in config.toml (``[agents] math = "agentplat-math"``)
        gets it; else a claim that yields (a name a user typed into a plugin's own file, such as
        an MCP server's) loses to one that does not, with one warning line saying how to fix it;
        else neither gets it, both plugins show why in ``agentplat plugins``, and requests for
        that agent are refused until the user chooses."""
        from .._common.settings import load_config

        chosen = load_config().get("agents", {})
        for name, claims in self._claims.items():
            owners = list(dict.fromkeys(info.name for info, _, _ in claims))
            pick = chosen.get(name) if isinstance(chosen, dict) else None
            if len(owners) == 1 or pick in owners:
                pick = pick if pick in owners else owners[0]
                info, agent, _ = next(c for c in claims if c[0].name == pick)
                self.agents[name] = agent
                info.agents.append(name)
                for other, _, yields in claims:
                    if other.name != pick:
                        self._lose(other, name, yields, f"is {pick}'s (chosen in config.toml [agents])")
                continue
            firm = list(dict.fromkeys(info.name for info, _, yields in claims if yields is None))
            for info, _, yields in claims:
                if yields is not None and firm:
                    self._lose(info, name, yields,
                               f"belongs to {firm[0]}" if len(firm) == 1 else f"is claimed by {' and '.join(firm)}")
            if len(firm) == 1:
                info, agent, _ = next(c for c in claims if c[0].name == firm[0])
                self.agents[name] = agent
                info.agents.append(name)
                continue
            contenders = firm or owners
            both = " and ".join(contenders)
            self.contested[name] = contenders
            for info, _, yields in claims:
                if info.name not in contenders:
                    continue
                choices = " or ".join(f'"{o}"' for o in contenders)
                info.fail(f"agent {name!r} is registered by both {both}: agentplat serves neither until you "
                          f"choose one, with [agents] {name} = {choices} in config.toml, or by loading only "
                          "one of them (AGENTPLAT_LOAD_PLUGINS)")
        self._claims = {}

    @staticmethod
    def _lose(info: PluginInfo, name: str, yields: str | None, why: str) -> None:
        """A claim that lost ``name``: a yielding one is one warning line (its plugin keeps its
        other agents); any other fails its plugin, as ``agentplat plugins`` shows."""
        if yields is None:
            info.fail(f"agent {name!r} {why}")
            return
        log.warning("agentplat: warning: the agent name %r %s, so %s (or keep it for %s with [agents] %s = \"%s\" "
                    "in config.toml)", name, why, yields.strip().rstrip("."), info.name, name, info.name)

    def _add_tool(self, info: PluginInfo, fn: ToolFunction | Tool, options: dict) -> None:
        agent_name = options.get("agent") or info.name.removeprefix("agentplat-").replace("-", "_")
        t = as_tool(fn)
        agent = self.agents.get(agent_name)
        if agent_name in self.contested:
            raise ValueError(f"agent {agent_name!r} is contested ({' and '.join(self.contested[agent_name])})")
        if agent is not None and agent.plugin != info.name:
            raise ValueError(f"agent {agent_name!r} belongs to {agent.plugin}: a plugin adds tools only to its own "
                             "agents")
        if agent is None:
            agent = Agent(name=agent_name, description=t.description, plugin=info.name)
            self.agents[agent_name] = agent
            info.agents.append(agent_name)
        t.agent = agent_name
        agent.tools.append(t)

    def _add_model(self, info: PluginInfo, backend: Any, options: dict) -> None:
        self.models[backend.name] = backend

    def _add_parser(self, info: PluginInfo, parse: Callable, options: dict) -> None:
        if isinstance(parse, str) and (":" not in parse or not all(parse.partition(":")[::2])):
            raise AgentplatError(f"an offline parser is a function or 'package.module:function', not {parse!r}")
        self.parsers.append(OfflineParser(agent=options["agent"], source=parse, plugin=info.name))


_cached: tuple[str | None, Registry] | None = None


def get_registry() -> Registry:
    """The process-wide registry, reloaded when ``AGENTPLAT_LOAD_PLUGINS`` changes."""
    global _cached
    key = os.environ.get("AGENTPLAT_LOAD_PLUGINS")
    if _cached is None or _cached[0] != key:
        _cached = (key, Registry.load())
    return _cached[1]


def reset_registry() -> None:
    global _cached
    _cached = None
