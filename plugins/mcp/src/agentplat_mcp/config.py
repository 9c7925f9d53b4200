"""``$AGENTPLAT_HOME/mcp.json``: the MCP servers to use, in the format MCP clients share.

``{"mcpServers": {"NAME": {"command": "...", "args": [...], "env": {...}}}}`` starts a
server over stdio; ``{"url": "https://..."}`` (with optional ``headers``) talks to a
Streamable HTTP one. Each server becomes the agent ``NAME``. An entry may also say what
named tools do to the world, overriding the server's own annotations (which are only hints):
``"effects": {"write_file": "destructive", "read_file": "read"}``.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agentplat import AgentplatError

#: Set in the environment of an agentplat this plugin starts as a server: it serves no MCP
#: servers itself (no loop through mcp.json).
NESTED = "AGENTPLAT_MCP_NESTED"

#: What a tool may be declared to do to the world (agentplat's ``Tool.effect``).
EFFECTS = ("read", "write", "destructive")

#: An agent name the planner and every MCP client accept (the OpenAI function-name alphabet).
NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


def config_path() -> Path:
    from agentplat.extend import data_dir

    return data_dir() / "mcp.json"


@dataclass
class ServerSpec:
    """One configured server. ``env`` and ``headers`` may hold secrets: they are passed to
    the server and never printed, cached or recorded."""

    name: str
    command: str | None = None
    args: list[str] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    cwd: str | None = None
    url: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    #: tool name -> effect, set by the user over the server's annotations
    effects: dict[str, str] = field(default_factory=dict)

    @property
    def transport(self) -> str:
        return "http" if self.url else "stdio"

    def key(self) -> str:
        """A digest of the whole entry: the tool-list cache is valid only for the same entry
        (a changed command, argument, URL or secret lists the tools again). A digest, so the
        cache never holds a secret."""
        entry = {"command": self.command, "args": self.args, "env": self.env, "cwd": self.cwd, "url": self.url,
                 "headers": self.headers}
        return hashlib.sha256(json.dumps(entry, sort_keys=True).encode()).hexdigest()

    def register_secrets(self) -> None:
        """Tell the core to mask this server's secrets in every output of the process: its
        ``env`` and ``headers`` values and its URL's password (the core ignores values too
        short or plain to be secrets)."""
        from agentplat.extend import add_secret

        for value in (*self.env.values(), *self.headers.values(), *([self.url] if self.url else [])):
            add_secret(value)

    def secrets(self) -> list[str]:
        """Values to mask in anything shown: every env and header value."""
        return [v for v in (*self.env.values(), *self.headers.values()) if isinstance(v, str) and len(v) >= 4]

    def mask(self, text: str) -> str:
        for secret in sorted(self.secrets(), key=len, reverse=True):
            text = text.replace(secret, "***")
        return text

    def where(self) -> str:
        """The server's command or URL, for listings (never its env or headers)."""
        if self.url:
            return self.url
        return " ".join([self.command or "", *self.args]).strip()

    def to_json(self) -> dict[str, Any]:
        if self.url:
            entry: dict[str, Any] = {"url": self.url}
            if self.headers:
                entry["headers"] = dict(self.headers)
        else:
            entry = {"command": self.command, "args": list(self.args)}
            if self.env:
                entry["env"] = dict(self.env)
            if self.cwd:
                entry["cwd"] = self.cwd
        if self.effects:
            entry["effects"] = dict(self.effects)
        return entry


def _strings(value: Any, what: str, name: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        raise AgentplatError(f"{config_path()}: server {name!r}: {what} must be an object of strings")
    return dict(value)


def _effects(value: Any, name: str) -> dict[str, str]:
    effects = _strings(value, "effects", name)
    wrong = [f"{tool}={effect}" for tool, effect in effects.items() if effect not in EFFECTS]
    if wrong:
        raise AgentplatError(f"{config_path()}: server {name!r}: effects: {wrong[0]}: an effect is one of "
                             f"{', '.join(EFFECTS)}")
    return effects


def parse_server(name: str, raw: Any) -> ServerSpec:
    """One entry of ``mcpServers``, checked; a clear error naming the server otherwise."""
    spec = _parse_server(name, raw)
    spec.register_secrets()  # from the moment it is read, whatever happens next
    return spec


def _parse_server(name: str, raw: Any) -> ServerSpec:
    where = f"{config_path()}: server {name!r}"
    if not NAME.match(name):
        raise AgentplatError(f"{where}: a name has letters, digits, '_' and '-' only (it becomes the agent's name)")
    if not isinstance(raw, dict):
        raise AgentplatError(f"{where}: must be an object with a command or a url")
    url, command = raw.get("url"), raw.get("command")
    if bool(url) == bool(command):
        raise AgentplatError(f"{where}: give either a command (stdio) or a url (Streamable HTTP)")
    if url:
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise AgentplatError(f"{where}: url must start with http:// or https://")
        return ServerSpec(name=name, url=url, headers=_strings(raw.get("headers"), "headers", name),
                          effects=_effects(raw.get("effects"), name))
    args = raw.get("args") or []
    if not isinstance(command, str) or not isinstance(args, list) or not all(isinstance(a, str) for a in args):
        raise AgentplatError(f"{where}: command must be a string and args a list of strings")
    cwd = raw.get("cwd")
    return ServerSpec(name=name, command=command, args=list(args), env=_strings(raw.get("env"), "env", name),
                      cwd=cwd if isinstance(cwd, str) else None, effects=_effects(raw.get("effects"), name))


def resolved(command: str, args: list[str], here: str | None = None) -> tuple[str, list[str]]:
    """``command`` as the absolute path it has now (looked up on PATH), and every argument
    that names an existing file or folder relative to ``here`` (the current folder) as an
    absolute path, so the server starts the same from any folder. Symbolic links are kept
    (a virtual environment's ``python`` is one). ``FileNotFoundError`` for a command that
    cannot be found."""
    here = here or os.getcwd()
    found = shutil.which(command, path=None) if os.sep not in command else None
    if os.sep in command:
        path = os.path.join(here, command)
        found = path if os.path.isfile(path) and os.access(path, os.X_OK) else None
    if not found:
        raise FileNotFoundError(command)
    absolute = [os.path.abspath(os.path.join(here, a))
                if a and not a.startswith("-") and not os.path.isabs(a) and os.path.exists(os.path.join(here, a))
                else a for a in args]
    return os.path.abspath(found), absolute


def read_raw() -> dict[str, Any]:
    from agentplat.extend import read_text_file

    path = config_path()
    try:
        data = json.loads(read_text_file(path))
    except FileNotFoundError:
        return {"mcpServers": {}}
    except json.JSONDecodeError as exc:
        raise AgentplatError(f"{path}:{exc.lineno}:{exc.colno}: not valid JSON ({exc.msg})") from None
    except (OSError, ValueError) as exc:
        raise AgentplatError(f"cannot read {path}: {' '.join(str(exc).split())}") from None
    if not isinstance(data, dict) or not isinstance(data.setdefault("mcpServers", {}), dict):
        raise AgentplatError(f"{path}: expected {{\"mcpServers\": {{NAME: {{...}}}}}}")
    return data


def load_servers() -> list[ServerSpec]:
    """Every configured server, in the file's order."""
    return [parse_server(name, raw) for name, raw in read_raw()["mcpServers"].items()]


def write_raw(data: dict[str, Any]) -> None:
    """Replace the file atomically, readable by its owner only (it may hold secrets)."""
    path = config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".mcp-", suffix=".json")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, indent=2, ensure_ascii=False)
            fh.write("\n")
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
