"""agentplat's settings: numbers from ``AGENTPLAT_*`` variables, the data folder, config.toml.

Every numeric variable is read through :func:`number`, so a typo (``AGENTPLAT_MAX_ATTEMPTS=three``)
ends in one line naming the variable instead of a ``ValueError`` traceback.

``$AGENTPLAT_HOME/config.toml`` (default: the per-user data directory) may name a model
per role; ``--model``/``AGENTPLAT_MODEL`` override the default for every role::

    [models]
    default = "gpt-4o-mini"
    planner = "gpt-4o"
    specialist = "gpt-4o-mini"
    critic = "gpt-4o-mini"
    writer = "gpt-4o"
"""

from __future__ import annotations

import os
import re
import sys
import tomllib
from functools import lru_cache
from pathlib import Path
from typing import Callable, TypeVar

from .errors import AgentplatError
from .textinput import read_text_file

N = TypeVar("N", int, float)


def number(name: str, default: N, *, kind: Callable[[str], N] = float, unit: str = "",
           minimum: float | None = None, error: type[Exception] = AgentplatError) -> N:
    """The number in the environment variable ``name`` (``default`` if unset or blank).

    ``kind`` parses the text (``float``, or ``int`` for a whole number); ``unit`` only words
    the error. With ``minimum=None`` it must be positive, else at least ``minimum``. A bad
    value raises ``error`` (default ``AgentplatError``: agentplat's own settings are the
    user's to fix; tools pass ``ToolError``) with the sentence to show, e.g.
    "AGENTPLAT_X must be a whole number, not '3 MB'".
    """
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = kind(raw)
    except ValueError:
        noun = "a whole number" if kind is int else "a number"
        raise error(f"{name} must be {noun}{f' of {unit}' if unit else ''}, not {raw!r}") from None
    if minimum is None:
        if not value > 0:  # also refuses NaN
            raise error(f"{name} must be positive, not {raw!r}")
    elif not value >= minimum:
        raise error(f"{name} must be at least {minimum:g}, not {raw!r}")
    return value


_YES = {"1", "true", "yes", "on"}
_NO = {"0", "false", "no", "off"}


def switch(name: str, section: str, key: str, default: bool) -> bool:
    """An on/off setting: the environment variable ``name`` (1/0, true/false, yes/no, on/off),
    else ``[section] key`` of config.toml, else ``default``. Anything else is the user's to fix."""
    raw = os.environ.get(name, "").strip().lower()
    if raw:
        if raw in _YES or raw in _NO:
            return raw in _YES
        raise AgentplatError(f"{name} must be 1 or 0 (true/false, yes/no, on/off), not {raw!r}")
    table = load_config().get(section)
    value = table.get(key, default) if isinstance(table, dict) else default
    if not isinstance(value, bool):
        raise AgentplatError(f"[{section}] {key} in config.toml must be true or false, not {value!r}")
    return value


def data_dir() -> Path:
    """``AGENTPLAT_HOME``, else the platform's per-user data directory."""
    get = os.environ.get
    return _data_dir(get("AGENTPLAT_HOME"), get("XDG_DATA_HOME"), get("LOCALAPPDATA"), get("HOME"))


@lru_cache(maxsize=16)
def _data_dir(home: str | None, xdg: str | None, local: str | None, user_home: str | None) -> Path:
    """Worked out once per value of the variables it reads (every store write and every
    setting looks it up)."""
    if home:
        return Path(home).expanduser()
    if sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    elif os.name == "nt":
        base = Path(local or Path.home() / "AppData" / "Local")
    else:
        base = Path(xdg or Path.home() / ".local" / "share")
    return base / "agentplat"


def config_path() -> Path:
    return _config_path(data_dir())


@lru_cache(maxsize=16)
def _config_path(folder: Path) -> Path:
    return folder / "config.toml"


@lru_cache(maxsize=8)
def _load(path: str, mtime: float) -> dict:
    text = read_text_file(path)
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise AgentplatError(toml_error(path, exc, text)) from None


def toml_error(path: str, exc: "tomllib.TOMLDecodeError", text: str) -> str:
    """``path:LINE:COLUMN: not valid TOML (Invalid value)``: the place first, as compilers say it."""
    message = str(exc)
    if found := re.fullmatch(r"(.*?) ?\(at line (\d+), column (\d+)\)", message, re.S):
        what, line, column = found.group(1), found.group(2), found.group(3)
    elif found := re.fullmatch(r"(.*?) ?\(at end of document\)", message, re.S):
        lines = text.split("\n")
        what, line, column = found.group(1) + " at the end", len(lines), len(lines[-1]) + 1
    else:
        return f"{path}: not valid TOML ({message})"
    return f"{path}:{line}:{column}: not valid TOML ({what})"


def load_config() -> dict:
    path = config_path()
    try:
        return _load(str(path), path.stat().st_mtime)
    except FileNotFoundError:
        return {}
