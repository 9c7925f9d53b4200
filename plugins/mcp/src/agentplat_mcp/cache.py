"""The tool lists of the configured servers, cached in ``$AGENTPLAT_HOME/mcp-tools.json``
so that listing agents and planning do not start every server every time.

An entry is used while its key (a digest of the server's whole config entry) matches, so
editing the entry lists that server's tools again, and only that server's: adding, editing
or removing one server leaves the other entries as they are. A server that failed to list
is remembered for ``FAILURE_TTL`` seconds, so a broken server does not slow every command
down. ``agentplat mcp list --refresh`` lists every server again. Only names, descriptions,
schemas and annotations are stored: never the entry's env or headers.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from agentplat import AgentplatError

from .config import ServerSpec

FAILURE_TTL = 300.0
#: The file's format. 2: tools carry their MCP annotations (what they do to the world). A
#: file of another format is not read (every server is listed again), never misread.
FORMAT = 2


def cache_path() -> Path:
    from agentplat.extend import data_dir

    return data_dir() / "mcp-tools.json"


def read() -> dict[str, Any]:
    """Server name -> cached entry (empty for a missing, damaged or older file)."""
    try:
        data = json.loads(cache_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("format") != FORMAT or not isinstance(data.get("servers"), dict):
        return {}
    return data["servers"]


def write(servers: dict[str, Any]) -> None:
    """Keep ``servers``, less the entries of servers no longer configured."""
    from . import config

    try:
        configured = set(config.read_raw()["mcpServers"])
    except AgentplatError:  # an unreadable config says nothing about what to drop
        configured = set(servers)
    path = cache_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".mcp-tools-", suffix=".json")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump({"format": FORMAT, "servers": {n: e for n, e in servers.items() if n in configured}},
                      fh, indent=1, ensure_ascii=False)
        os.replace(tmp, path)
    except OSError:
        pass  # a cache that cannot be written only costs a slower next listing


def fresh(entry: Any, spec: ServerSpec, now: float | None = None) -> bool:
    if not isinstance(entry, dict) or entry.get("key") != spec.key():
        return False
    if entry.get("error"):
        return (now or time.time()) - float(entry.get("at", 0)) < FAILURE_TTL
    return isinstance(entry.get("tools"), list)


def entry(spec: ServerSpec, found: dict[str, Any] | Exception, now: float) -> dict[str, Any]:
    if isinstance(found, Exception):
        return {"key": spec.key(), "at": now, "error": str(found)}
    return {"key": spec.key(), "at": now, **found}


def remember(spec: ServerSpec, found: dict[str, Any] | Exception) -> None:
    """Store what one server listed, or its failure (``mcp add`` lists it before it saves it)."""
    cached = read()
    cached[spec.name] = entry(spec, found, time.time())
    write(cached)


def tool_lists(specs: list[ServerSpec], *, refresh: bool = False) -> dict[str, dict[str, Any]]:
    """For every server: ``{"tools": [...], "server": ..., "at": ...}`` or ``{"error": ...}``,
    from the cache when fresh, else by asking the servers that need it (all at once)."""
    from .client import fetch_all

    cached = read()
    stale = [s for s in specs if refresh or not fresh(cached.get(s.name), s)]
    if stale:
        now = time.time()
        found = fetch_all(stale)
        for spec in stale:
            cached[spec.name] = entry(spec, found[spec.name], now)
        write(cached)
    return {s.name: cached[s.name] for s in specs}
