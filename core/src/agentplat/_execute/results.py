"""A tool's result, kept to a size where it is produced.

A tool that returns 50 MB would otherwise be copied many times over in memory, written
whole into runs.db and Flyte's records, and printed whole. Past ``AGENTPLAT_MAX_RESULT_BYTES``
(default 1 MB of UTF-8 / JSON text) the result becomes its first part, led by a line that
says what was cut, so the step's output and the run's answer show it.
"""

from __future__ import annotations

from typing import Any

from .._common.jsondata import dumps
from .._common.settings import number

DEFAULT_MAX_RESULT_BYTES = 1_000_000


def max_result_bytes() -> int:
    return number("AGENTPLAT_MAX_RESULT_BYTES", DEFAULT_MAX_RESULT_BYTES, kind=int, unit="bytes")


def size_text(count: int) -> str:
    if count >= 1_000_000:
        return f"{count / 1_000_000:.1f} MB"
    return f"{count / 1000:.1f} kB" if count >= 1000 else f"{count} bytes"


def capped(value: Any, limit: int | None = None) -> Any:
    """``value`` itself when its text fits in ``limit`` bytes, else its first ``limit`` bytes
    (as text) after a line saying what was cut."""
    limit = max_result_bytes() if limit is None else limit
    if value is None or isinstance(value, (bool, int, float)):
        return value
    if isinstance(value, str) and len(value) * 4 <= limit:  # fits whatever its characters: no copy made
        return value
    text = value if isinstance(value, str) else dumps(value)
    size = len(text) if text.isascii() else len(text.encode("utf-8"))
    if size <= limit:
        return value
    kept = text[:limit].encode("utf-8")[:limit].decode("utf-8", "ignore")
    return (f"[cut: {size_text(size)} result, kept the first {size_text(limit)}; "
            f"set AGENTPLAT_MAX_RESULT_BYTES to change]\n{kept}")
