"""Times as the JSON output and the run store show them."""

from __future__ import annotations

from datetime import datetime, timezone


def iso(ts: float | datetime | None) -> str | None:
    """``ts`` (seconds since the epoch, or a ``datetime``) as ISO 8601 in UTC; ``None`` for no
    time: ``None``, ``0``, or a ``datetime`` before 1971 (an unset protobuf timestamp)."""
    if isinstance(ts, datetime):
        try:
            return None if ts.year < 1971 else ts.astimezone(timezone.utc).isoformat()
        except (ValueError, OSError):
            return None
    return datetime.fromtimestamp(ts, timezone.utc).isoformat() if ts else None
