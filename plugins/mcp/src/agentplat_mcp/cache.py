"""The tool lists of the configured servers, cached in ``$AGENTPLAT_HOME/mcp-tools.json``
so that listing agents and planning do not start every server every time.

An entry is used while its key (a digest of the server's whole config entry) matches, so
editing the entry lists the tools again. A server that failed to list is remembered for
``FAILURE_TTL`` seconds, so a broken server does not slow every command down.
``agentplat mcp list --refresh`` lists every server again. Only names, descriptions and
schemas are stored: never the entry's env or headers.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from .config import ServerSpec

FAILURE_TTL = 300.0


def cache_path() -> Path:
    from agentplat.extend import data_dir

    return data_dir() / "mcp-tools.json"


def read() -> dict[str, Any]:
    try:
        data = json.loads(cache_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def write(data: dict[str, Any]) -> None:
    path = cache_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".mcp-tools-", suffix=".json")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, indent=1, ensure_ascii=False)
        os.replace(tmp, path)
    except OSError:
        pass  # a cache that cannot be written only costs a slower next listing


def fresh(entry: Any, spec: ServerSpec, now: float | None = None) -> bool:
    if not isinstance(entry, dict) or entry.get("key") != spec.key():
        return False
    if entry.get("error"):
        return (now or time.time()) - float(entry.get("at", 0)) < FAILURE_TTL
    return isinstance(entry.get("tools"), list)


def tool_lists(specs: list[ServerSpec], *, refresh: bool = False) -> dict[str, dict[str, Any]]:
    """For every server: ``{"tools": [...], "server": ..., "at": ...}`` or ``{"error": ...}``,
    from the cache when fresh, else by asking the servers that need it (all at once)."""
    from .client import fetch_all

    cached = read()
    stale = [s for s in specs if refresh or not fresh(cached.get(s.name), s)]
    if stale:
        now = time.time()
        for name, found in fetch_all(stale).items():
            spec = next(s for s in stale if s.name == name)
            if isinstance(found, Exception):
                cached[name] = {"key": spec.key(), "at": now, "error": str(found)}
            else:
                cached[name] = {"key": spec.key(), "at": now, **found}
        names = {s.name for s in specs}
        write({name: entry for name, entry in cached.items() if name in names})
    return {s.name: cached[s.name] for s in specs}
