"""``index.json``: every topic of a reports folder, its folder, status, score and iterations.

It is updated the moment anything changes (a topic starts, an iteration ends, a topic
finishes), so the web app shows a batch's progress by reading it, and ``--resume`` knows
which topics are finished. Updates are read-modify-write under a file lock and written
atomically, so parallel topics and parallel batches never lose each other's entries.
"""

from __future__ import annotations

import contextlib
import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator

from agentplat import AgentplatError

from .formats import write_atomic
from .slug import unique_slug

INDEX = "index.json"
VERSION = 1
STATUSES = ("pending", "running", "succeeded", "failed")


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def read_index(out: Path) -> dict[str, Any]:
    """The index of ``out`` (an empty one if there is none yet)."""
    path = out / INDEX
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {"version": VERSION, "updated": None, "topics": []}
    except (OSError, ValueError) as exc:
        raise AgentplatError(f"{path} is not a readable report index: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("topics"), list):
        raise AgentplatError(f"{path} is not a report index (no 'topics' list)")
    return data


@contextlib.contextmanager
def _lock(out: Path) -> Iterator[None]:
    out.mkdir(parents=True, exist_ok=True)
    try:
        import fcntl
    except ImportError:  # Windows: atomic writes only
        yield
        return
    with open(out / ".index.lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


@contextlib.contextmanager
def editing(out: Path) -> Iterator[dict[str, Any]]:
    """The index to change in place; written back (atomically) when the block ends."""
    with _lock(out):
        data = read_index(out)
        yield data
        data["version"] = VERSION
        data["updated"] = now()
        write_atomic(out / INDEX, json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def entry(data: dict[str, Any], topic: str) -> dict[str, Any] | None:
    return next((e for e in data["topics"] if e.get("topic") == topic), None)


def update(out: Path, topic: str, **fields: Any) -> dict[str, Any]:
    """Set ``fields`` on the topic's entry; returns a copy of the entry."""
    with editing(out) as data:
        found = entry(data, topic)
        if found is None:
            raise KeyError(topic)
        found.update(fields, updated=now())
        return dict(found)


def finished(out: Path, item: dict[str, Any]) -> bool:
    """A topic whose report was written completely (resume skips it)."""
    return item.get("status") == "succeeded" and (out / item["folder"] / "report.md").is_file()


def assign(out: Path, topics: list[str], *, resume: bool) -> list[tuple[dict[str, Any], bool]]:
    """Give every topic its folder (the one it had before, else a new unique slug) and
    return ``(entry, skip)`` pairs; topics to run are marked ``pending``."""
    plan = []
    with editing(out) as data:
        taken = {e["folder"] for e in data["topics"] if e.get("folder")}
        taken |= {p.name for p in out.iterdir() if p.is_dir()}
        for topic in topics:
            item = entry(data, topic)
            if item is None:
                folder = unique_slug(topic, taken)
                taken.add(folder)
                item = {"topic": topic, "folder": folder}
                data["topics"].append(item)
            skip = resume and finished(out, item)
            if not skip:
                item.update(status="pending", error=None, queued_at=now(), updated=now())
            plan.append((dict(item), skip))
    return plan
