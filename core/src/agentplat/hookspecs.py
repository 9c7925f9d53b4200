"""The whole plugin contract: what a plugin may implement, in one screen.

Every hook takes a ``register`` callback (the style of ``llm`` and ``datasette``), so a
plugin can register any number of things and the core keeps track of who registered what.
Mark implementations with ``agentplat.hookimpl``; an implementation may leave out the
argument (pluggy's rule) but may not ask for one a hook does not provide.

A hook's registrations count only if the whole hook succeeds: one that raises, or registers
something the core refuses, marks its plugin failed (``agentplat plugins`` shows why) and
leaves every other plugin working. Hooks are called when the registry is first needed, so
import heavy modules inside the hook, not at the top of the plugin's module.

The types named below are public: ``Agent``, ``Tool``, ``Clause`` and ``ToolCall`` in
``agentplat``; ``Model`` and ``ModelBackend`` in ``agentplat.extend``. They are imported
for type checkers only, so importing this module stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:  # pragma: no cover - annotations only: importing hookspecs must stay cheap
    from typing import Any, Callable, Protocol  # annotations are strings (PEP 563): never evaluated at run time

    import click

    from ._models.base import ModelBackend
    from ._plugin.agents import Agent
    from ._plugin.parsing import Clause, ToolCall
    from ._plugin.tools import Tool

    class RegisterTool(Protocol):
        def __call__(self, tool: Callable[..., Any] | Tool, /, *, agent: str | None = None) -> None: ...

    class RegisterParser(Protocol):
        def __call__(self, parser: Callable[[Clause], ToolCall | None], /, *, agent: str) -> None: ...

PROJECT = "agentplat"

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def register_agents(register: Callable[[Agent], None]) -> None:
    """Register specialist agents: ``register(Agent(...))``, once per agent.

    :param register: takes one ``agentplat.Agent`` (anything else fails the plugin). An agent
        brings its name (how plans refer to it), a one-line description and example requests
        (what the planners read), its tools, and optionally a Flyte ``Environment``.

    An agent name belongs to one distribution: when two plugins register the same name,
    neither gets it until the user chooses (``[agents]`` in config.toml). An agent whose name
    a user typed into the plugin's own file (an MCP server's) is registered with
    ``register(agent, yields="the sentence saying how to fix it")``: it loses to any other
    plugin's agent of that name unless ``[agents]`` chooses it, and the sentence is shown as a
    warning. Registering no agent is fine (a plugin may only add commands or models).
    """


@hookspec
def register_tools(register: RegisterTool) -> None:
    """Register tools apart from agents: ``register(fn_or_tool, agent="name")``.

    :param register: takes a typed ``async def`` with a docstring (its JSON schema comes from
        its signature) or an ``agentplat.Tool`` (e.g. ``Tool.from_schema(...)``), and the
        keyword ``agent``: the agent it belongs to (default: the distribution's name without
        ``agentplat-``, dashes as underscores).

    The agent is created when missing; a plugin adds tools only to its own agents, never to
    another distribution's or to a contested name.
    """


@hookspec
def register_models(register: Callable[[ModelBackend], None]) -> None:
    """Register LLM backends: ``register(ModelBackend(...))``.

    :param register: takes an object with the shape of ``agentplat.extend.ModelBackend``: a
        ``name`` (what ``--model``/``AGENTPLAT_MODEL`` pick it by), ``configured()`` (whether
        the environment selects it when no model is named) and ``create(model)`` returning an
        ``agentplat.extend.Model`` (plans requests, runs ``task`` steps); optionally ``setup``,
        the sentence that tells a user how to configure it.

    A later backend with the same name replaces an earlier one. The core registers its own
    ``openai`` and ``offline`` backends through this hook, as a plugin would.
    """


@hookspec
def register_offline_parsers(register: RegisterParser) -> None:
    """Register a sharper offline parser for a domain: ``register(parser, agent="name")``.

    :param register: takes ``parser(clause: Clause) -> ToolCall | None`` and the keyword
        ``agent`` (required): the agent whose tools the parser's calls use. The parser may be
        given as its import path, ``"my_plugin.parser:parse_clause"``: it is then imported
        only when the offline planner first needs it (``agentplat agents`` never does).

    A parser sees one clause of a request (its text, numbers, quoted strings and the earlier
    steps it refers to) and may turn it into one tool call of its agent, with ``ref(N)`` for
    an earlier result; ``None`` leaves the clause to the generic router. A parser only reads
    the clause: it does no I/O and never guesses a value the clause does not hold.
    """


@hookspec
def register_commands(cli: click.Group) -> None:
    """Add click commands to the ``agentplat`` command group: ``cli.add_command(...)``.

    :param cli: the ``agentplat`` ``click.Group``. Add commands or groups to it; do not change
        its options or other plugins' commands.

    This hook also runs for ``agentplat --help``, which must stay fast: keep the command's
    module light and import the work inside the command. Wrap commands with
    ``agentplat.extend.handles_errors`` for the core's one-line errors and exit codes.
    """
