"""Full-text search over local text, Markdown and HTML files (``AGENTPLAT_SEARCH_PATH``).

The index lives in ``$AGENTPLAT_HOME/search-index/`` (default: the per-user data folder),
one SQLite file per set of folders, and is brought up to date before every search.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import sqlite3
from pathlib import Path

from agentplat import ToolError, TransientError

from ..local_index import LocalIndex
from ..models import SearchResult


def roots() -> list[Path]:
    raw = os.environ.get("AGENTPLAT_SEARCH_PATH", "").strip()
    if not raw:
        raise ToolError(
            "the local search backend needs folders to search: set AGENTPLAT_SEARCH_PATH "
            f"(folders separated by {os.pathsep!r})"
        )
    found = []
    for part in filter(None, (p.strip() for p in raw.split(os.pathsep))):
        path = Path(part).expanduser().resolve()
        if not path.exists():
            raise ToolError(f"AGENTPLAT_SEARCH_PATH names {part!r}, which does not exist")
        found.append(path)
    return found


def data_home() -> Path:
    """``AGENTPLAT_HOME``, else the platform's per-user data folder for agentplat."""
    if home := os.environ.get("AGENTPLAT_HOME", "").strip():
        return Path(home).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir("agentplat", appauthor=False))


def index_path(folders: list[Path]) -> Path:
    key = hashlib.sha256("\n".join(sorted(map(str, folders))).encode()).hexdigest()[:16]
    return data_home() / "search-index" / f"local-{key}.sqlite3"


def _search(query: str, max_results: int) -> list[SearchResult]:
    folders = roots()
    path = index_path(folders)
    try:
        return _search_index(path, folders, query, max_results)
    except sqlite3.DatabaseError as exc:
        if "database is locked" in str(exc):
            raise TransientError(f"the local search index {path} is busy (another search is indexing)") from exc
        path.unlink(missing_ok=True)  # a damaged index is only a cache: rebuild it from the files
        return _search_index(path, folders, query, max_results)


def _search_index(path: Path, folders: list[Path], query: str, max_results: int) -> list[SearchResult]:
    with LocalIndex(path) as index:
        index.sync(folders)
        return index.search(query, max_results)


async def search(query: str, max_results: int) -> list[SearchResult]:
    return await asyncio.to_thread(_search, query, max_results)
