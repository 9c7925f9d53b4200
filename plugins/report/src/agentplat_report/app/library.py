"""The reports of one folder as the app shows them, read from ``index.json`` and each report's files.

A folder name from a URL is only used if the index (or the folder itself) knows it as a
direct child, so no request can read outside the reports folder.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..formats import FILES, split_front_matter
from ..index import read_index

_FOLDER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,120}$")


def list_reports(root: Path) -> list[dict[str, Any]]:
    """Index entries, most recently updated first; broken or missing indexes give none."""
    try:
        entries = read_index(root)["topics"] if root.is_dir() else []
    except Exception:  # noqa: BLE001 - a damaged index must not take the page down
        entries = []
    return sorted((e for e in entries if isinstance(e, dict) and e.get("folder")),
                  key=lambda e: e.get("updated") or "", reverse=True)


def safe_folder(root: Path, folder: str) -> Path | None:
    """``root/folder`` if it is a plain direct child of ``root`` that exists, else ``None``."""
    if not _FOLDER.match(folder) or folder in (".", ".."):
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
    meta: dict[str, Any]
    body: str
    summary: str
    iterations: list[dict[str, Any]] = field(default_factory=list)
    files: list[str] = field(default_factory=list)


def load_report(root: Path, folder: str) -> Report | None:
    path = safe_folder(root, folder)
    if path is None:
        return None
    entry = next((e for e in list_reports(root) if e.get("folder") == folder), {})
    meta, body = {}, ""
    if (path / "report.md").is_file():
        meta, body = split_front_matter((path / "report.md").read_text(encoding="utf-8"))
    summary = (path / "summary.txt").read_text(encoding="utf-8") if (path / "summary.txt").is_file() else ""
    iterations: list[dict[str, Any]] = []
    try:
        iterations = json.loads((path / "critiques.json").read_text(encoding="utf-8")).get("iterations", [])
    except (OSError, ValueError, AttributeError):
        pass
    if not (entry or body or iterations):
        return None
    topic = str(entry.get("topic") or meta.get("title") or folder)
    files = [name for name in FILES if (path / name).is_file()]
    return Report(folder=folder, topic=topic, entry=entry, meta=meta, body=body, summary=summary.strip(),
                  iterations=iterations, files=files)
