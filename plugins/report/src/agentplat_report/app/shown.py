"""Index entries, front matter and critiques as the pages show them, whatever the files hold.

They come from files that a running batch, an older version or a person wrote: a topic
still pending has no score, a score may be a string, NaN or 10**400, a title a list, an
entry not even an object. The templates get plain typed values instead, so every page
renders in every state of a topic, and the JSON API stays valid JSON (no NaN).
"""

from __future__ import annotations

import math
import re
from typing import Any

from ..index import STATUSES

FOLDER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,120}$")
DEFAULT_THRESHOLD = 8


def score(value: Any) -> int | float | None:
    """A score out of 10, or ``None`` when there is none or it is no number in 0-10."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value if 0 <= value <= 10 else None


def threshold(*values: Any) -> int | float:
    """The first of ``values`` that is a valid threshold (1-10), else the default."""
    for value in values:
        found = score(value)
        if found is not None and found >= 1:
            return found
    return DEFAULT_THRESHOLD


def text(value: Any, default: str = "") -> str:
    """Plain text of a string or a number; anything else (a list, a mapping) is ``default``."""
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        try:
            return str(value)
        except ValueError:  # an int longer than Python prints
            return default
    return default


def count(value: Any) -> int:
    """A count (iterations): a whole number >= 0, else 0."""
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else 0


def texts(value: Any) -> list[str]:
    """A list of texts (strengths, improvements): a string alone is one item."""
    items = value if isinstance(value, list) else [value]
    return [t for t in (text(v).strip() for v in items) if t]


def folder(value: Any) -> str | None:
    """A report folder name that can be a link (a plain name, no path)."""
    return value if isinstance(value, str) and FOLDER.match(value) and value not in (".", "..") else None


def status(value: Any) -> str:
    return value if value in STATUSES else "pending" if value is None else "unknown"


def entry(item: Any) -> dict[str, Any] | None:
    """An index entry as a row of the list (``None`` for one that is not an object)."""
    if not isinstance(item, dict):
        return None
    name = folder(item.get("folder"))
    return {
        "topic": text(item.get("topic")).strip() or text(item.get("folder")) or "(no topic)",
        "folder": name,
        "status": status(item.get("status")),
        "score": score(item.get("score")),
        "quality_threshold": threshold(item.get("quality_threshold")),
        "iterations": count(item.get("iterations")),
        "error": text(item.get("error")) or None,
        "model": text(item.get("model")) or None,
        "updated": text(item.get("updated")),
    }


def iteration(item: Any, number: int) -> dict[str, Any]:
    """One recorded iteration of ``critiques.json``: its draft and its critique."""
    item = item if isinstance(item, dict) else {}
    critique = item.get("critique") if isinstance(item.get("critique"), dict) else {}
    return {
        "iteration": count(item.get("iteration")) or number,
        "draft": text(item.get("draft")),
        "score": score(critique.get("score")),
        "summary": text(critique.get("summary")),
        "strengths": texts(critique.get("strengths")),
        "improvements": texts(critique.get("improvements")),
    }
