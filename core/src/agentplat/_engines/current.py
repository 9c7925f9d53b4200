"""Which engine runs this process's work: ``AGENTPLAT_ENGINE`` (``flyte``, the default, or
``inline``). Flyte is imported only when its engine is chosen."""

from __future__ import annotations

import os

from .._common.errors import AgentplatError
from .base import Engine

ENGINES = ("flyte", "inline")


def engine_name() -> str:
    return os.environ.get("AGENTPLAT_ENGINE", "flyte").strip().lower() or "flyte"


def current_engine(name: str | None = None) -> Engine:
    """The engine named (default: ``AGENTPLAT_ENGINE``)."""
    chosen = name or engine_name()
    if chosen == "inline":
        from .inline import InlineEngine

        return InlineEngine()
    if chosen == "flyte":
        from .flyte import FlyteEngine

        return FlyteEngine()
    raise AgentplatError(f"AGENTPLAT_ENGINE={chosen!r} is not an engine here (engines: {', '.join(ENGINES)})")
