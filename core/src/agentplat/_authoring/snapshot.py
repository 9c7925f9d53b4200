"""What the installed plugins offer, seen from a fresh interpreter, and what an install changed.

Why a subprocess: installing changes the entry points and may replace modules that this
process has already imported; only a new interpreter sees the environment as the next
``agentplat`` command will.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

Snapshot = dict[str, dict[str, Any]]  # plugin distribution -> what it offers

_HIDDEN = ("AGENTPLAT_LOAD_PLUGINS", "AGENTPLAT_TRACE_PLUGINS")  # show everything, quietly


def collect() -> Snapshot:
    """Every installed plugin with its status, agents (and their tools), commands and hooks."""
    import click

    from .._plugin.registry import Registry

    registry = Registry.load()
    groups: dict[str, click.Group] = {}

    def group_for(info):
        return groups.setdefault(info.name, click.Group())

    registry.loader.call_each("register_commands", group_for)
    found: Snapshot = {}
    for info in registry.plugins:
        entry = info.describe()
        entry["tools"] = {a: [t.name for t in registry.agents[a].tools] for a in info.agents if a in registry.agents}
        entry["commands"] = sorted(groups[info.name].commands) if info.name in groups else []
        found[info.name] = entry
    return found


def main() -> None:
    print(json.dumps(collect()))


def take(python: str | None = None) -> Snapshot | None:
    """``collect()`` in a new interpreter of ``python``; ``None`` if that fails."""
    env = {k: v for k, v in os.environ.items() if k not in _HIDDEN}
    code = "from agentplat._authoring.snapshot import main; main()"
    proc = subprocess.run([python or sys.executable, "-c", code], capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        return None
    try:
        return json.loads(proc.stdout.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return None


def changes(before: Snapshot, after: Snapshot) -> list[str]:
    """Readable lines for what appeared, changed or disappeared between two snapshots."""
    lines: list[str] = []
    for name, now in sorted(after.items()):
        was = before.get(name)
        if was == now:
            continue
        version = now.get("version") or ""
        if now["status"] != "ok":
            lines.append(f"{name} {version} is installed but not loaded: {now['error']}")
            continue
        if was is None:
            lines.append(f"Added {name} {version}")
        elif was.get("version") != version:
            lines.append(f"Updated {name} {was.get('version')} -> {version}")
        else:
            lines.append(f"Changed {name} {version}")
        lines += _offers(now)
    for name, was in sorted(before.items()):
        if name not in after:
            agents = ", ".join(was.get("agents") or []) or "none"
            lines.append(f"Removed {name} {was.get('version') or ''} (agents: {agents})")
    return lines


def _offers(plugin: dict[str, Any]) -> list[str]:
    tools = plugin.get("tools") or {}
    lines = []
    if plugin.get("agents"):
        shown = [f"{a} (tools: {', '.join(tools[a])})" if tools.get(a) else a for a in plugin["agents"]]
        lines.append(f"  agents: {', '.join(shown)}")
    if plugin.get("commands"):
        lines.append(f"  commands: {', '.join('agentplat ' + c for c in plugin['commands'])}")
    if plugin.get("hooks"):
        lines.append(f"  hooks: {', '.join(plugin['hooks'])}")
    return lines
