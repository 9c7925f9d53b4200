"""Recording a run as it goes: the run listener that writes its plan and steps to the store.

What happened is written together, one transaction for what a short while brought (a
*group commit*), not one per event: a calculation step's start and end, and the steps
planned with it, cost one write instead of five. What a kill must keep is written at once:
the end of a step that acted or asked for an approval, called tools of its own or paid for
LLM calls, and the joiner's decisions. Anything else waits at most ``FLUSH_AFTER`` seconds,
and a kill within that window loses only work that is free to do again (a resumed run
plans and computes it anew); the run's own record and its end are written by the front
door (``_run.request``): the end in the same transaction as what was still waiting.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

from .._common.jsondata import dumps
from .._common.secrets import redact
from .runs import plan_update, run_end, step_rows, step_update

#: Seconds an event may wait to be written with the ones after it.
FLUSH_AFTER = 0.1


class StoreRecorder:
    """Listener (``_execute.driver.RunListener``) that records one run in a ``RunStore``."""

    def __init__(self, store, run_id: str):
        self.store = store
        self.run_id = run_id
        self.round = 1
        self._planned: list[tuple[int, str, int]] = []  # steps planned, not written yet
        self._texts: dict[int, str] = {}  # each step's masked JSON (the plan is made of them)
        self._waiting: list[Any] = []  # statements, or a started step's snapshot, in order
        self._starting: dict[int, int] = {}  # step -> where its unwritten start waits
        self._lock = threading.RLock()  # a Flyte run reports from its own thread
        self._timer: asyncio.TimerHandle | None = None

    # -- the listener -------------------------------------------------------------------

    def planned(self, index: int, step) -> None:
        text = redact(dumps(step.to_json()))
        with self._lock:
            self._texts[index] = text
            self._planned.append((index, text, self.round))
        self._soon()

    def round_started(self, number: int) -> None:
        with self._lock:
            self._take_planned()
            self.round = number

    def decided(self, decisions: list) -> None:
        self.flush()
        self.store.save_decisions(self.run_id, decisions)

    def plan_ready(self, plan, planner: str = "") -> None:
        texts = [self._texts.get(i) for i in range(len(plan.steps))]
        whole = ('{"steps": [' + ", ".join(texts) + "]}") if all(t is not None for t in texts) else plan.to_json()
        with self._lock:
            self._take_planned()
            self._waiting.append(plan_update(self.run_id, whole, planner))
        self._soon()

    def step_event(self, index: int, outcome) -> None:
        """``outcome`` is the step's ``StepResult``, changed in place as the step goes on (an
        interrupted run marks its running steps failed without telling anyone): a start waits
        as what it said then."""
        with self._lock:
            self._take_planned()
            if outcome.status == "running":
                self._starting[index] = len(self._waiting)
                self._waiting.append(_Start(index, outcome.started_at, outcome.attempts, outcome.inputs))
                urgent = False
            else:
                at = self._starting.pop(index, None)
                if at is not None:  # started and ended in one window: one write, the inputs with it
                    self._waiting[at] = None
                self._waiting.append(step_update(self.run_id, index, outcome,
                                                 outcome.inputs if at is not None else None))
                urgent = bool(getattr(outcome, "approvals", None) or getattr(outcome, "calls", None)
                              or getattr(outcome, "usage", None))
        self.flush() if urgent else self._soon()

    # -- writing ------------------------------------------------------------------------

    def finish(self, **end: Any) -> None:
        """The run ended (``status``, ``answer``, ``error``, ``usage``): what waits and the end,
        in one transaction."""
        self.flush(run_end(self.run_id, **end))

    def flush(self, then: list | None = None) -> None:
        """Write what waits (and ``then``), in one transaction."""
        with self._lock:  # held while writing: two flushes never pass each other
            self._take_planned()
            statements = [step_update(self.run_id, w.index, w, w.inputs) if isinstance(w, _Start)
                          else w for w in self._waiting if w is not None] + list(then or [])
            self._waiting, self._starting = [], {}
            timer, self._timer = self._timer, None
            if timer is not None:
                timer.cancel()
            if statements:
                self.store.write(statements)

    def _take_planned(self) -> None:
        """Planned steps go before anything said about them (called with the lock held)."""
        if self._planned:
            self._waiting.append(step_rows(self.run_id, self._planned))
            self._planned = []

    def _soon(self) -> None:
        """Write within ``FLUSH_AFTER`` seconds; at once where no event loop runs to wait in."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self.flush()
            return
        with self._lock:
            if self._timer is None:
                self._timer = loop.call_later(FLUSH_AFTER, self.flush)


class _Start:
    """A step's start, written only if the step is still going when the window closes: what
    ``step_update`` reads of a running step."""

    __slots__ = ("index", "started_at", "attempts", "inputs")
    status, result, error, usage, ended_at = "running", None, None, {}, None
    refused = approvals = calls = None

    def __init__(self, index: int, started_at: float | None, attempts: int, inputs: Any):
        self.index, self.started_at, self.attempts, self.inputs = index, started_at, attempts, inputs
