"""``run --stream-json``: the run as it happens, one JSON object a line.

Events: ``step_planned``, ``plan``, ``step_started``, ``step_finished``, ``joining``,
``decision``, ``round``, ``answer_delta`` and, last, ``done`` with the run in the one JSON
shape of a run (``RunResult.to_json``). Every line is masked like any other output.
"""

from __future__ import annotations

import json
import sys
import threading
from typing import Any

from .._common.jsondata import to_jsonable
from .._common.secrets import redact


class JsonEvents:
    """A ``RunListener`` that writes each event as a line of JSON to stdout, flushed."""

    def __init__(self, out=None):
        self.out = out or sys.stdout
        self.lock = threading.Lock()
        self.round = 1

    def emit(self, event: str, **data: Any) -> None:
        line = json.dumps(redact(to_jsonable({"event": event, **data})), ensure_ascii=False)
        with self.lock:
            self.out.write(line + "\n")
            self.out.flush()

    def planned(self, index: int, step) -> None:
        self.emit("step_planned", index=index, round=self.round, step=step.to_json())

    def plan_ready(self, plan, planner: str = "") -> None:
        self.emit("plan", plan=plan.to_json(), planner=planner or None)

    def step_event(self, index: int, outcome) -> None:
        if outcome.status == "running":
            self.emit("step_started", index=index)
        elif outcome.status in ("succeeded", "failed", "skipped"):
            self.emit("step_finished", index=index, status=outcome.status,
                      result=outcome.result if outcome.status == "succeeded" else None, error=outcome.error,
                      seconds=outcome.seconds)

    def round_started(self, number: int) -> None:
        self.round = number
        self.emit("round", round=number)

    def joining(self, round_number: int) -> None:
        self.emit("joining", round=round_number)

    def decided(self, decisions: list) -> None:
        self.emit("decision", **decisions[-1])

    def answer_delta(self, text: str) -> None:
        self.emit("answer_delta", text=text)

    def done(self, run: dict[str, Any]) -> None:
        self.emit("done", run=run)
