"""A batch of topics on the configured engine: every topic a job, in parallel up to
``max_parallel``.

Each topic's files are written by its own job the moment its refinement ends, so a fast
topic never waits for a slow one. Under the Flyte engine (the default) every topic is a
Flyte task of one local run; ``AGENTPLAT_ENGINE=inline`` runs the same jobs in-process.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agentplat.extend import JobFailed, current_engine

from . import index
from .topic import OnEvent

#: The function every topic's job runs (``report_topic(topic, folder, out=..., ...)``).
TOPIC_JOB = "agentplat_report.topic:report_topic"


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


async def run_batch(topics: list[str], settings: Settings, on_event: OnEvent | None = None) -> BatchResult:
    """Report on every topic into ``settings.out``; ``index.json`` records each outcome."""
    out = Path(settings.out)
    from agentplat.extend import redact

    # masked before anything sees them: the topic names folders, prompts, files and the index
    topics = list(dict.fromkeys(redact(" ".join(t.split())) for t in topics if t.strip()))
    plan = index.assign(out, topics, resume=settings.resume)
    todo = [{"topic": e["topic"], "folder": e["folder"]} for e, skip in plan if not skip]
    result = BatchResult(out=out, skipped=[e["topic"] for e, skip in plan if skip])
    if todo:
        shared = {"out": str(out), "model": settings.model, "max_iterations": settings.max_iterations,
                  "quality_threshold": settings.quality_threshold, "resume": settings.resume}
        outcomes = await current_engine().map(
            TOPIC_JOB, todo, limit=settings.max_parallel, shared=shared, local={"on_event": on_event},
            labels=[f"topic: {item['folder']}" for item in todo],
        )
        for item, outcome in zip(todo, outcomes):
            if isinstance(outcome, JobFailed):  # the job itself broke: record it, keep the rest
                index.update(out, item["topic"], status="failed", error=outcome.message, finished_at=index.now())
    entries = {e["topic"]: e for e in index.read_index(out)["topics"]}
    result.entries = [entries[e["topic"]] for e, _ in plan]
    return result


async def write_reports(out: str, topics: list[str], settings: dict[str, Any]) -> None:
    """A batch as a cluster job (``agentplat report TOPIC... --remote``): every topic written
    into ``out``, which becomes the run's output folder (the job runs with
    ``AGENTPLAT_ENGINE=inline``, so the topics run in its container)."""
    await run_batch(topics, Settings(**{**settings, "out": out}))
