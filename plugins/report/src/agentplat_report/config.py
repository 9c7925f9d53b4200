"""Defaults shared by the command line, the tool and the app."""

from __future__ import annotations

import os
from pathlib import Path

DEFAULT_OUT = "reports"
MAX_TOPIC_LENGTH = 300


def default_reports_dir() -> str:
    """``AGENTPLAT_REPORTS_DIR``, else ``./reports``."""
    return os.environ.get("AGENTPLAT_REPORTS_DIR") or DEFAULT_OUT


def resolve(folder: str) -> Path:
    return Path(folder).expanduser().resolve()
