"""One topic from start to files: refine it, then write its four files at once.

Each iteration is saved to ``critiques.json`` as it ends (``"complete": false``) and noted
in the index, so the app shows progress and ``--resume`` continues an interrupted topic
from its last critique instead of paying for those drafts again.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable

from agentplat import AgentplatError, get_registry
from agentplat.refine import Iteration, refine
from agentplat.extend import group, select_model

from . import index
from .formats import write_atomic, write_report

#: ``on_event(kind, topic, data)``: "started", "iteration" ({number, score}), "finished" (outcome)
OnEvent = Callable[[str, str, dict[str, Any]], None]


def writer_and_critic(model) -> tuple[Any, Any, str]:
    """An LLM writer/critic when the model can chat, else the offline extractive pair."""
    if hasattr(model, "llm"):
        from .llm_writer import report_critic, report_writer

        name = getattr(model, "model_for", lambda role: "")("writer")
        return report_writer(model), report_critic(model), f"{model.name}:{name}" if name else model.name
    from .offline import ExtractiveWriter, RubricCritic

    return ExtractiveWriter(), RubricCritic(), getattr(model, "name", "offline")


def _unsourced(writer, final: str, topic: str) -> str | None:
    """Why an offline report is no report: the offline writer states only what its sources
    say, so without sources it has nothing to tell (the draft says so, and is kept)."""
    from .offline import ExtractiveWriter
    from .outline import Outline

    if not isinstance(writer, ExtractiveWriter) or Outline.parse(final).sources():
        return None
    return (f"no sources were found on {topic!r}, so the offline report states nothing; point it at your own "
            "documents with AGENTPLAT_SEARCH_BACKEND=local AGENTPLAT_SEARCH_PATH=/folder/of/docs (or configure "
            "a model or a search backend)")


def saved_iterations(folder: Path) -> list[Iteration]:
    """The iterations an interrupted run of this topic saved (none if there are none)."""
    try:
        data = json.loads((folder / "critiques.json").read_text(encoding="utf-8"))
        return [Iteration.from_json(i) for i in data.get("iterations", [])]
    except (OSError, ValueError, KeyError, TypeError):
        return []


def _usage(*parts) -> dict[str, int]:
    total = {"llm_calls": 0, "prompt_tokens": 0, "completion_tokens": 0}
    for part in parts:
        usage = getattr(part, "usage", None)
        if usage is not None:
            for key in total:
                total[key] += getattr(usage, key)
    return total


async def report_topic(
    topic: str,
    out: Path | str,
    folder: str,
    *,
    model: str = "",
    max_iterations: int = 3,
    quality_threshold: int = 8,
    resume: bool = False,
    on_event: OnEvent | None = None,
) -> dict[str, Any]:
    """Refine and write one report into ``out/folder``; a failure is returned as data, never
    raised. This is the job ``batch`` runs for every topic (so it takes plain data)."""
    out = Path(out)
    where = out / folder
    emit = on_event or (lambda kind, topic, data: None)
    index.update(out, topic, status="running", started_at=index.now(), error=None)
    emit("started", topic, {"folder": folder})
    writer = critic = None
    try:
        chosen = select_model(get_registry(), model or None)
        writer, critic, model_name = writer_and_critic(chosen)
        previous = saved_iterations(where) if resume else []
        done: list[Iteration] = list(previous)

        def checkpoint(iteration: Iteration) -> None:
            done.append(iteration)
            where.mkdir(parents=True, exist_ok=True)
            partial = {"topic": topic, "complete": False, "model": model_name,
                       "iterations": [i.to_json() for i in done]}
            write_atomic(where / "critiques.json", json.dumps(partial, indent=2, ensure_ascii=False) + "\n")
            index.update(out, topic, iterations=len(done), score=iteration.critique.score)
            emit("iteration", topic, {"number": iteration.number, "score": iteration.critique.score})

        refinement = await refine(
            topic, writer=writer, critic=critic, max_iterations=max_iterations,
            quality_threshold=quality_threshold, on_iteration=checkpoint, previous=previous,
        )
        with group("write files"):
            write_report(where, topic, refinement, model=model_name)
        unsourced = _unsourced(writer, refinement.final, topic)
        outcome = index.update(
            out, topic, status="failed" if unsourced else "succeeded", score=refinement.score,
            iterations=len(refinement.iterations), stopped_because=refinement.stopped_because,
            quality_threshold=refinement.quality_threshold, model=model_name, usage=_usage(writer, critic),
            finished_at=index.now(), error=unsourced,
        )
    except Exception as exc:  # noqa: BLE001 - one topic's failure must not stop the batch
        message = " ".join(str(exc).split())
        if not isinstance(exc, AgentplatError):
            message = f"{type(exc).__name__}: {message}" if message else type(exc).__name__
        outcome = index.update(out, topic, status="failed", error=message, finished_at=index.now(),
                               usage=_usage(writer, critic))
    emit("finished", topic, outcome)
    return outcome
