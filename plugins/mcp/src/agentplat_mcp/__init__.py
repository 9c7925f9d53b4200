"""agentplat plugin: Model Context Protocol both ways.

- Every server configured in ``$AGENTPLAT_HOME/mcp.json`` (the ``mcpServers`` format MCP
  clients share) is an agent whose tools are the server's tools, planned like any other.
  Its tool list is cached (``mcp-tools.json``), so listing starts no server while the
  cache is fresh; a run starts a server when a step needs it, one session per server per
  run, closed at the run's end.
- ``agentplat mcp serve`` makes agentplat an MCP server: the installed plugins' tools (not
  the configured servers' own: clients can use those directly), and ``run``.
- ``agentplat mcp list | add | remove`` edit and show the configuration.

Built on the official ``mcp`` SDK, imported only when a server is started or served.
"""

from __future__ import annotations

import sys

from agentplat import AgentplatError, hookimpl


def configured_agents() -> list:
    """An agent per configured server that listed its tools; the others are reported on
    stderr (``agentplat mcp list`` says more) and left out, never fatal to other plugins."""
    import os

    from agentplat.extend import visible

    from . import cache, config
    from .config import NESTED

    if os.environ.get(NESTED):  # started as a server by an agentplat: no loop through mcp.json
        return []
    try:
        raw = config.read_raw()["mcpServers"]
    except AgentplatError as exc:
        print(visible(f"agentplat: warning: MCP servers not loaded: {exc}"), file=sys.stderr)
        return []
    specs = []
    for name, entry in raw.items():
        try:
            specs.append(config.parse_server(name, entry))
        except AgentplatError as exc:
            print(visible(f"agentplat: warning: {exc}; skipped"), file=sys.stderr)
    if not specs:
        return []
    from .agents import make_agent  # the SDK's side: only with servers to serve
    from .logs import quiet_sdk

    quiet_sdk()  # a broken server is one line below, not the SDK's pages of validation errors
    agents = []
    lists = cache.tool_lists(specs)
    for spec in specs:
        listed = lists[spec.name]
        if listed.get("error"):  # retried after a while, or at once with --refresh
            print(visible(f"agentplat: warning: {listed['error']}; it is not an agent until it lists its tools "
                          "(check with: agentplat mcp list --refresh)"), file=sys.stderr)  # its stderr's last words
            continue
        agents.append(make_agent(spec, listed))
    return agents


@hookimpl
def register_agents(register):
    from .config import config_path

    for agent in configured_agents():
        # a name typed into mcp.json never takes an installed plugin's agent (`mcp add` refuses it)
        register(agent, yields=f"the MCP server {agent.name!r} in {config_path()} is not loaded: rename it in "
                               f"mcp.json or run `agentplat mcp remove {agent.name}`")


@hookimpl
def register_commands(cli):
    from .commands import mcp

    cli.add_command(mcp)
