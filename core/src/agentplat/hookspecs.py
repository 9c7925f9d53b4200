"""The whole plugin contract: what a plugin may implement, in one screen.

Every hook takes a ``register`` callback (the style of ``llm`` and ``datasette``), so a
plugin can register any number of things and the core keeps track of who registered what.
"""

from __future__ import annotations

import pluggy

PROJECT = "agentplat"

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def register_agents(register):
    """Register specialist agents: ``register(Agent(...))``."""


@hookspec
def register_tools(register):
    """Register tools apart from agents: ``register(fn_or_tool, agent="name")``."""


@hookspec
def register_models(register):
    """Register LLM backends: ``register(ModelBackend(...))``."""


@hookspec
def register_offline_parsers(register):
    """Register a sharper offline parser for a domain: ``register(parser, agent="name")``.

    A parser is ``parser(clause: Clause) -> ToolCall | None``; it sees one clause of a
    request and may turn it into one tool call of its agent.
    """


@hookspec
def register_commands(cli):
    """Add click commands to the ``agentplat`` command group."""
