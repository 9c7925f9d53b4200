"""Choosing the search backend: ``AGENTPLAT_SEARCH_BACKEND`` names one of the modules here.

Each backend module has ``async def search(query, max_results) -> list[SearchResult]`` and
is imported only when chosen, so an unused backend costs nothing.
"""

from __future__ import annotations

import os
from importlib import import_module

from agentplat import ToolError

from ..models import SearchResult

BACKENDS = ("duckduckgo", "searxng", "tavily", "local")
DEFAULT = "duckduckgo"


def selected() -> str:
    return os.environ.get("AGENTPLAT_SEARCH_BACKEND", "").strip().lower() or DEFAULT


async def search(query: str, max_results: int) -> list[SearchResult]:
    name = selected()
    if name not in BACKENDS:
        raise ToolError(
            f"unknown search backend {name!r}: set AGENTPLAT_SEARCH_BACKEND to one of {', '.join(BACKENDS)}"
        )
    backend = import_module(f".{name}", __name__)
    return await backend.search(query, max_results)
