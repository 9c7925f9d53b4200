"""The reports of one folder as the app shows them, read from ``index.json`` and each report's files.

A folder name from a URL is only used if the index (or the folder itself) knows it as a
direct child, so no request can read outside the reports folder. What the files hold is
read through ``shown``, so a damaged or half-written file shows as what it is.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..formats import FILES, split_front_matter
from ..index import read_index
from . import shown


def read_reports(root: Path) -> tuple[list[dict[str, Any]], str | None]:
    """The index's rows, most recently updated first, and why the index could not be read
    (``None`` when it could, or when there is none yet)."""
    try:
        entries = read_index(root)["topics"] if root.is_dir() else []
    except Exception as exc:  # noqa: BLE001 - a damaged index must not take the page down
        return [], " ".join(str(exc).split())
    rows = [row for row in map(shown.entry, entries) if row is not None and row["folder"]]
    return sorted(rows, key=lambda row: row["updated"], reverse=True), None


def list_reports(root: Path) -> list[dict[str, Any]]:
    """The index's rows, most recently updated first; a broken or missing index gives none."""
    return read_reports(root)[0]


def safe_folder(root: Path, folder: str) -> Path | None:
    """``root/folder`` if it is a plain direct child of ``root`` that exists, else ``None``."""
    if shown.folder(folder) is None:
        return None
    path = (root / folder).resolve()
    if path.parent != root.resolve() or not path.is_dir():
        return None
    return path


@dataclass
class Report:
    folder: str
    topic: str
    entry: dict[str, Any]
    score: int | float | None
    threshold: int | float
    date: str
    stopped_because: str
    body: str
    summary: str
    iterations: list[dict[str, Any]] = field(default_factory=list)
    files: list[str] = field(default_factory=list)


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace") if path.is_file() else ""
    except OSError:
        return ""


def _iterations(path: Path) -> list[dict[str, Any]]:
    try:
        data = json.loads(_read(path) or "{}")
    except (ValueError, RecursionError):  # not JSON, an integer too long, nested too deep
        return []
    items = data.get("iterations") if isinstance(data, dict) else None
    return [shown.iteration(item, number) for number, item in enumerate(items, 1)] if isinstance(items, list) else []


def load_report(root: Path, folder: str) -> Report | None:
    path = safe_folder(root, folder)
    if path is None:
        return None
    entry = next((e for e in list_reports(root) if e["folder"] == folder), None)
    meta, body = split_front_matter(_read(path / "report.md"))
    iterations = _iterations(path / "critiques.json")
    if not (entry or body or iterations):
        return None
    entry = entry or {}
    meta_score = shown.score(meta.get("score"))
    return Report(
        folder=folder,
        topic=shown.text(entry.get("topic")) or shown.text(meta.get("title")).strip() or folder,
        entry=entry,
        score=meta_score if meta_score is not None else entry.get("score"),
        threshold=shown.threshold(meta.get("quality_threshold"), entry.get("quality_threshold")),
        date=shown.text(meta.get("date")) or (str(meta["date"]) if hasattr(meta.get("date"), "isoformat") else ""),
        stopped_because=shown.text(meta.get("stopped_because")),
        body=body,
        summary=_read(path / "summary.txt").strip(),
        iterations=iterations,
        files=[name for name in FILES if (path / name).is_file()],
    )
