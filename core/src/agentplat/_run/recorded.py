"""The runs this machine recorded, as the commands read them: the store of the current
``AGENTPLAT_HOME``, opened once per process."""

from __future__ import annotations

from .._store.runs import DamagedStore, RunStore, run_store

__all__ = ["DamagedStore", "open_store"]


def open_store() -> RunStore:
    """The run store (``DamagedStore`` when the file is not a usable database)."""
    return run_store()
