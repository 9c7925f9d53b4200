"""Which engine runs this process's work: ``AGENTPLAT_ENGINE`` (``inline``, the default, or
``flyte``).

Inline is the default because it is what a local run should cost: a step through local Flyte
is a task submission plus a trace, ~1.3 + 0.8 ms of CPU where the step itself costs ~0.2 ms
(``benchmarks/engines.py``), and local Flyte adds nothing a local run uses unless its records
are on (``AGENTPLAT_FLYTE_RECORDS=1``, for Flyte's TUI): then the default is ``flyte``. Both run
the same driver (``_execute.driver``) and step body (``_execute.step``); a cluster
(``--remote``, ``deploy``) always runs steps as Flyte tasks. Flyte is imported only when its
engine is chosen.
"""

from __future__ import annotations

import os

from .._common.errors import AgentplatError
from .base import Engine

ENGINES = ("inline", "flyte")


def engine_name() -> str:
    chosen = os.environ.get("AGENTPLAT_ENGINE", "").strip().lower()
    if chosen:
        return chosen
    records = os.environ.get("AGENTPLAT_FLYTE_RECORDS", "").strip().lower() in ("1", "true", "yes")
    return "flyte" if records else "inline"


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
