"""The runs this machine recorded, as the commands read them: the store of the current
``AGENTPLAT_HOME``, opened once per process."""

from __future__ import annotations

from .._store.runs import DamagedStore, RunStore, best_effort, run_store

__all__ = ["DamagedStore", "best_effort", "open_store"]


def open_store() -> RunStore:
    """The run store (``DamagedStore`` when the file is not a usable database)."""
    return run_store()
