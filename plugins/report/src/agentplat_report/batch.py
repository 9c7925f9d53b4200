"""A batch of topics as a local Flyte run: a driver task and one task per topic.

Topics run in parallel up to ``max_parallel`` (an asyncio semaphore in the driver); each
topic's files are written by its own task the moment its refinement ends, so a fast topic
never waits for a slow one. The tasks live at module level so they resolve by module path
(``agentplat_report.batch``) in a container too. ``AGENTPLAT_ENGINE=inline`` runs the same
driver in-process without Flyte.
"""

from __future__ import annotations

import asyncio
import json
import os
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Awaitable, Callable

import flyte

from . import index
from .topic import OnEvent, report_topic

env = flyte.TaskEnvironment(name="agentplat-report")

# Progress listeners of batches in this process, keyed by a token passed to the tasks.
_listeners: dict[str, OnEvent] = {}


@dataclass
class Settings:
    out: str
    model: str = ""
    max_iterations: int = 3
    quality_threshold: int = 8
    max_parallel: int = 4
    resume: bool = False


@dataclass
class BatchResult:
    out: Path
    entries: list[dict[str, Any]] = field(default_factory=list)  # index entries, in topic order
    skipped: list[str] = field(default_factory=list)  # finished earlier (--resume)

    @property
    def failed(self) -> list[dict[str, Any]]:
        return [e for e in self.entries if e.get("status") != "succeeded"]


@env.task
async def write_topic_report(topic: str, folder: str, settings_json: str, listener: str = "") -> str:
    """One topic: refine, then write its files; a failure comes back as data."""
    settings = Settings(**json.loads(settings_json))
    outcome = await report_topic(
        topic, Path(settings.out), folder, model=settings.model, max_iterations=settings.max_iterations,
        quality_threshold=settings.quality_threshold, resume=settings.resume, on_event=_listeners.get(listener),
    )
    return json.dumps(outcome, ensure_ascii=False)


@env.task
async def report_batch(items_json: str, settings_json: str, listener: str = "") -> str:
    """The driver: every topic in parallel (bounded), each in its own group."""
    settings = Settings(**json.loads(settings_json))

    async def one(item: dict[str, Any]) -> dict[str, Any]:
        with flyte.group(f"topic: {item['folder']}"):
            reply = await write_topic_report(item["topic"], item["folder"], settings_json, listener)
        return json.loads(reply)

    outcomes = await bounded(json.loads(items_json), one, settings.max_parallel, Path(settings.out))
    return json.dumps(outcomes, ensure_ascii=False)


async def bounded(
    items: list[dict[str, Any]],
    run: Callable[[dict[str, Any]], Awaitable[dict[str, Any]]],
    limit: int,
    out: Path,
) -> list[dict[str, Any]]:
    """``run`` every item, at most ``limit`` at once; an unexpected error fails only its item."""
    gate = asyncio.Semaphore(max(1, limit))

    async def guarded(item: dict[str, Any]) -> dict[str, Any]:
        async with gate:
            try:
                return await run(item)
            except Exception as exc:  # noqa: BLE001 - the task itself broke; record it, keep the rest
                message = " ".join(str(exc).split()) or type(exc).__name__
                return index.update(out, item["topic"], status="failed", error=message, finished_at=index.now())

    return list(await asyncio.gather(*(guarded(i) for i in items)))


def engine() -> str:
    return os.environ.get("AGENTPLAT_ENGINE", "flyte").strip().lower() or "flyte"


async def run_batch(topics: list[str], settings: Settings, on_event: OnEvent | None = None) -> BatchResult:
    """Report on every topic into ``settings.out``; ``index.json`` records each outcome."""
    out = Path(settings.out)
    topics = list(dict.fromkeys(" ".join(t.split()) for t in topics if t.strip()))
    plan = index.assign(out, topics, resume=settings.resume)
    todo = [{"topic": e["topic"], "folder": e["folder"]} for e, skip in plan if not skip]
    result = BatchResult(out=out, skipped=[e["topic"] for e, skip in plan if skip])
    if todo:
        settings_json = json.dumps(settings.__dict__)
        if engine() == "inline":
            async def one(item: dict[str, Any]) -> dict[str, Any]:
                return await report_topic(
                    item["topic"], out, item["folder"], model=settings.model,
                    max_iterations=settings.max_iterations, quality_threshold=settings.quality_threshold,
                    resume=settings.resume, on_event=on_event,
                )

            await bounded(todo, one, settings.max_parallel, out)
        else:
            await _on_flyte(todo, settings_json, on_event)
    entries = {e["topic"]: e for e in index.read_index(out)["topics"]}
    result.entries = [entries[e["topic"]] for e, _ in plan]
    return result


async def _on_flyte(todo: list[dict[str, Any]], settings_json: str, on_event: OnEvent | None) -> None:
    from agentplat._engines.flyte import ensure_initialised

    ensure_initialised()
    token = uuid.uuid4().hex
    if on_event is not None:
        _listeners[token] = on_event
    try:
        run = await flyte.run.aio(report_batch, items_json=json.dumps(todo), settings_json=settings_json,
                                  listener=token)
        run.outputs()
    finally:
        _listeners.pop(token, None)


async def write_reports(out: str, topics: list[str], settings: dict[str, Any]) -> None:
    """A batch as a cluster job (``agentplat report TOPIC... --remote``): every topic written
    into ``out``, which becomes the run's output folder (``agentplat.cluster.jobs``; the job
    runs with ``AGENTPLAT_ENGINE=inline``, so the topics run in its container)."""
    await run_batch(topics, Settings(**{**settings, "out": out}))
