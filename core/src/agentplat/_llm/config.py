"""Where agentplat keeps its data, and which model serves which role.

``$AGENTPLAT_HOME/config.toml`` (default: the per-user data directory) may name a model
per role; ``--model``/``AGENTPLAT_MODEL`` override the default for every role:

    [models]
    default = "gpt-4o-mini"
    planner = "gpt-4o"
    specialist = "gpt-4o-mini"
    critic = "gpt-4o-mini"
    writer = "gpt-4o"
"""

from __future__ import annotations

import os
import sys
import tomllib
from functools import lru_cache
from pathlib import Path

ROLES = ("planner", "specialist", "critic", "writer")


def data_dir() -> Path:
    """``AGENTPLAT_HOME``, else the platform's per-user data directory."""
    if home := os.environ.get("AGENTPLAT_HOME"):
        return Path(home).expanduser()
    if sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    elif os.name == "nt":
        base = Path(os.environ.get("LOCALAPPDATA", Path.home() / "AppData" / "Local"))
    else:
        base = Path(os.environ.get("XDG_DATA_HOME", Path.home() / ".local" / "share"))
    return base / "agentplat"


def config_path() -> Path:
    return data_dir() / "config.toml"


@lru_cache(maxsize=8)
def _load(path: str, mtime: float) -> dict:
    with open(path, "rb") as fh:
        return tomllib.load(fh)


def load_config() -> dict:
    path = config_path()
    try:
        return _load(str(path), path.stat().st_mtime)
    except FileNotFoundError:
        return {}
    except tomllib.TOMLDecodeError as exc:
        from .._errors import AgentplatError

        raise AgentplatError(f"{path} is not valid TOML: {exc}") from None


def model_for_role(role: str, default: str | None) -> str | None:
    """The model name for ``role``: config ``[models].<role>``, else ``default``."""
    models = load_config().get("models", {})
    return models.get(role) or default or models.get("default")
