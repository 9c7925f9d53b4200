"""Batches started from the app: each is an ``agentplat report`` process writing into the folder.

A separate process keeps Flyte, the models and a crash of a batch out of the web server;
its progress is what it writes to ``index.json``, which the app reads back.
"""

from __future__ import annotations

import asyncio
import secrets
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..index import read_index
from . import shown


@dataclass
class Batch:
    id: str
    topics: list[str]
    started: float
    process: asyncio.subprocess.Process
    log: Path
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def running(self) -> bool:
        return self.process.returncode is None


class Batches:
    def __init__(self, out: Path, *, model: str | None = None, python: str = sys.executable):
        self.out = out
        self.model = model
        self.python = python
        self.logs = Path(tempfile.mkdtemp(prefix="agentplat-report-app-"))
        self.batches: dict[str, Batch] = {}

    async def start(self, topics: list[str], *, max_iterations: int, threshold: int) -> Batch:
        batch_id = secrets.token_hex(6)
        command = [
            self.python, "-m", "agentplat", "report", "generate", "--out", str(self.out),
            "--max-iterations", str(max_iterations), "--threshold", str(threshold),
        ]
        if self.model:
            command += ["--model", self.model]
        command += ["--", *topics]
        log = self.logs / f"{batch_id}.log"
        with open(log, "wb") as handle:
            process = await asyncio.create_subprocess_exec(
                *command, stdin=asyncio.subprocess.DEVNULL, stdout=handle, stderr=handle
            )
        batch = Batch(id=batch_id, topics=topics, started=time.time(), process=process, log=log,
                      settings={"max_iterations": max_iterations, "threshold": threshold})
        self.batches[batch_id] = batch
        asyncio.get_running_loop().create_task(process.wait())  # reap it, so returncode is set
        return batch

    def get(self, batch_id: str) -> Batch | None:
        return self.batches.get(batch_id)

    def recent(self) -> list[Batch]:
        return sorted(self.batches.values(), key=lambda b: b.started, reverse=True)

    def status(self, batch: Batch) -> dict[str, Any]:
        """What the progress page shows: the process state and each topic's index entry."""
        try:
            entries = {shown.text(e.get("topic")): e for e in read_index(self.out)["topics"] if isinstance(e, dict)}
        except Exception:  # noqa: BLE001 - mid-write or damaged: show what we know
            entries = {}
        topics = []
        for topic in batch.topics:
            entry = shown.entry(entries.get(topic, {})) or {}
            status = entry["status"]
            if batch.running is False and status in ("pending", "running"):
                status = "failed"  # the process ended without finishing it
            topics.append({
                "topic": topic, "folder": entry["folder"], "status": status,
                "iterations": entry["iterations"], "score": entry["score"], "error": entry["error"],
            })
        code = batch.process.returncode
        state = "running" if code is None else ("finished" if code == 0 else "failed")
        done = sum(t["status"] in ("succeeded", "failed") for t in topics)
        return {
            "id": batch.id, "state": state, "exit_code": code, "topics": topics, "done": done,
            "total": len(topics), "max_iterations": batch.settings.get("max_iterations"),
            "message": self._last_error(batch) if state == "failed" else None,
        }

    @staticmethod
    def _last_error(batch: Batch) -> str | None:
        try:
            lines = [ln for ln in batch.log.read_text(encoding="utf-8", errors="replace").splitlines() if ln.strip()]
        except OSError:
            return None
        errors = [ln for ln in lines if ln.startswith("agentplat: error:")]
        return (errors or lines or [None])[-1]

    async def close(self) -> None:
        """Stop batches still running when the app stops (their index entries say where they got)."""
        for batch in self.batches.values():
            if batch.running:
                batch.process.terminate()
        for batch in self.batches.values():
            try:
                await asyncio.wait_for(batch.process.wait(), 5)
            except (asyncio.TimeoutError, ProcessLookupError):
                batch.process.kill()
