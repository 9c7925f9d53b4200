"""``agentplat mcp``: list, add and remove configured MCP servers, and serve agentplat over MCP."""

from __future__ import annotations

import json
import time

import click

from agentplat.extend import handles_errors, visible


#: A tool that acts is marked as ``agentplat agents`` marks it; one that only reads is shown bare.
EFFECT_MARKS = {"write": " [writes]", "destructive": " [destructive]"}


@click.group()
def mcp() -> None:
    """MCP servers as agents, and agentplat as an MCP server."""


def _pairs(values: tuple[str, ...], option: str) -> dict[str, str]:
    pairs = {}
    for value in values:
        key, sep, val = value.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"expected KEY=VALUE, not {value!r}", param_hint=option)
        pairs[key] = val
    return pairs


@mcp.command("list")
@click.option("--refresh", is_flag=True, help="Ask every server for its tools again (the cache is kept otherwise).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@handles_errors
def list_servers(refresh: bool, as_json: bool) -> None:
    """The configured servers, their status and tools (from the cache unless --refresh)."""
    from . import cache, config
    from .agents import declared_effect

    from agentplat import get_registry

    specs = config.load_servers()
    lists = cache.tool_lists(specs, refresh=refresh) if specs else {}
    agents = get_registry().agents
    rows = []
    for spec in specs:
        listed = lists[spec.name]
        owner = agents[spec.name].plugin if spec.name in agents else None
        error = listed.get("error") or (
            f"not loaded: the agent name {spec.name!r} is {owner}'s (rename the server)"
            if owner not in (None, "agentplat-mcp") else None)
        rows.append({
            "name": spec.name, "transport": spec.transport, "where": spec.mask(spec.where()),
            "env": sorted(spec.env), "status": "error" if error else "ok",
            "error": error, "listed_at": listed.get("at"),
            "tools": [{"name": t["name"], "description": t["description"], "effect": effect, "open_world": world,
                       "annotations": t.get("annotations", {})}
                      for t in listed.get("tools", []) for effect, world in [declared_effect(spec, t)]],
        })
    if as_json:
        click.echo(json.dumps({"config": str(config.config_path()), "servers": rows}, indent=2, ensure_ascii=False))
        return
    if not rows:
        click.echo(f"No MCP servers configured in {config.config_path()}.")
        click.echo("Add one with: agentplat mcp add NAME -- COMMAND ARGS...")
        return
    for row in rows:
        env = f"  env: {', '.join(k + '=***' for k in row['env'])}" if row["env"] else ""
        click.echo(visible(f"{row['name']}  [{row['status']}]  {row['transport']}: {row['where']}{env}"))
        if row["error"]:
            click.echo(visible(f"  error: {row['error']}"))
        for tool in row["tools"]:
            mark = EFFECT_MARKS.get(tool["effect"], "")
            click.echo(visible(f"  - {tool['name']}{mark}: {' '.join(tool['description'].split())[:100]}"))
    ages = [time.time() - r["listed_at"] for r in rows if r["listed_at"]]
    if ages and not refresh:
        click.echo(f"(tool lists cached up to {int(max(ages))} s ago; refresh with: agentplat mcp list --refresh)")


@mcp.command("add", context_settings={"ignore_unknown_options": True})
@click.argument("name")
@click.argument("command", nargs=-1, type=click.UNPROCESSED)
@click.option("--env", "env", multiple=True, metavar="KEY=VALUE", help="Environment for a stdio server (secrets: "
              "stored in mcp.json only, never printed).")
@click.option("--url", help="A Streamable HTTP server instead of a command.")
@click.option("--header", "headers", multiple=True, metavar="KEY=VALUE", help="An HTTP header (--url only).")
@click.option("--effect", "effects", multiple=True, metavar="TOOL=EFFECT",
              help="What a tool does (read, write or destructive), over what the server says.")
@click.option("--replace", is_flag=True, help="Replace a server of that name.")
@click.option("--force", is_flag=True, help="Save it even if it does not list its tools now.")
@click.option("--timeout", type=click.FloatRange(min=0.1), default=None, metavar="SECONDS",
              help="How long listing its tools may take (default: AGENTPLAT_MCP_START_TIMEOUT, 20).")
@handles_errors
def add(name: str, command: tuple[str, ...], env: tuple[str, ...], url: str | None, headers: tuple[str, ...],
        effects: tuple[str, ...], replace: bool, force: bool, timeout: float | None) -> None:
    """Add the MCP server NAME: `agentplat mcp add NAME -- COMMAND ARGS...` or `--url URL`.

    It becomes the agent NAME. Its tools are listed now (and cached): a server that cannot
    list them is not saved, unless --force. The command is saved as its absolute path (found on
    PATH now), and every argument naming an existing file or folder here as an absolute path,
    so the server starts the same from any folder.
    """
    from agentplat import AgentplatError, get_registry

    from . import cache, client, config

    entry: dict = {}
    if url:
        if command:
            raise click.UsageError("give either --url or a command after --, not both")
        entry = {"url": url, **({"headers": _pairs(headers, "--header")} if headers else {})}
    elif command:
        program, args = command[0], list(command[1:])
        try:
            program, args = config.resolved(program, args)
        except FileNotFoundError:
            if not force:
                raise AgentplatError(f"{name} not added: command not found: {program} (--force saves it anyway)")
        entry = {"command": program, "args": args, **({"env": _pairs(env, "--env")} if env else {})}
    else:
        raise click.UsageError("give the server's command after --, or --url URL")
    if effects:
        entry["effects"] = _pairs(effects, "--effect")
    spec = config.parse_server(name, entry)
    data = config.read_raw()
    if name in data["mcpServers"] and not replace:
        raise AgentplatError(f"an MCP server named {name!r} is configured already (--replace to replace it)")
    other = get_registry().agents.get(name)
    if other is not None and other.plugin != "agentplat-mcp":
        raise AgentplatError(f"{name!r} is the name of an agent of {other.plugin}: choose another name")
    found = client.fetch_all([spec], deadline=timeout or client.start_timeout())[name]
    if isinstance(found, Exception) and not force:
        raise AgentplatError(f"{name} not added: {found} (--force saves it anyway)")
    data["mcpServers"][name] = spec.to_json()
    config.write_raw(data)
    cache.remember(spec, found)
    where = "" if spec.url else f"\n  command: {spec.mask(spec.where())}"
    if isinstance(found, Exception):
        click.echo(visible(f"Added {name} to {config.config_path()}, but it did not list its tools: {found}{where}"))
        click.echo("Fix it and check with: agentplat mcp list --refresh")
        return
    tools = [t["name"] for t in found["tools"]]
    click.echo(visible(f"Added {name} to {config.config_path()}: {len(tools)} tools ({', '.join(tools)}){where}"))


@mcp.command("remove")
@click.argument("name")
@handles_errors
def remove(name: str) -> None:
    """Remove the MCP server NAME from mcp.json."""
    from agentplat import AgentplatError

    from . import cache, config

    data = config.read_raw()
    if name not in data["mcpServers"]:
        known = ", ".join(data["mcpServers"]) or "none"
        raise AgentplatError(f"no MCP server named {name!r} (configured: {known})")
    del data["mcpServers"][name]
    config.write_raw(data)
    cached = cache.read()
    if cached.pop(name, None) is not None:
        cache.write(cached)
    click.echo(f"Removed {name} from {config.config_path()}")


@mcp.command("serve")
@click.option("--http", "port", type=click.IntRange(0, 65535), default=None,
              help="Serve Streamable HTTP on 127.0.0.1:PORT/mcp instead of stdio.")
@click.option("--approve", "approve", multiple=True, metavar="TOOL",
              help="Let clients call TOOL, one that writes or destroys (agent.tool; globs like 'fs.*'; repeatable). "
                   "Others that act are refused.")
@handles_errors
def serve(port: int | None, approve: tuple[str, ...]) -> None:
    """Serve agentplat as an MCP server: the installed plugins' tools as `agent__tool`, and `run`.

    The tools of configured MCP servers are not served again (clients can use those servers
    directly). A tool that writes or destroys is refused unless --approve names it.
    """
    import anyio

    from agentplat import get_registry

    from .logs import quiet_sdk
    from .server import serve_http, serve_stdio

    quiet_sdk(serving=True)  # a client that hangs up is no error of ours: its traceback only with --debug
    registry = get_registry()
    patterns = list(approve)
    if port is None:
        anyio.run(lambda: serve_stdio(registry, patterns))
        return

    def ready() -> None:
        click.echo(f"agentplat MCP server: http://127.0.0.1:{port}/mcp", err=True)

    anyio.run(lambda: serve_http(registry, port, on_ready=ready, approve=patterns))
