"""The live terminal view of a run: each step's state and elapsed time, updated as it changes.

Used when stdout is a terminal; otherwise ``output.RunPrinter`` prints plain lines.
"""

from __future__ import annotations

import contextlib
import threading
import time

from rich.console import Console, Group
from rich.live import Live
from rich.table import Table
from rich.text import Text

from .._common.jsondata import show
from .support import for_screen

STYLES = {
    "waiting": "dim",
    "running": "yellow",
    "succeeded": "green",
    "failed": "bold red",
    "skipped": "dim red",
    "interrupted": "magenta",
}
LABELS = {"succeeded": "done"}


class LiveView:
    """A ``RunListener`` that redraws a table of steps (grouped by wave) several times a second."""

    def __init__(self, console: Console | None = None):
        self.console = console or Console()
        self.steps: list = []
        self.outcomes: dict[int, object] = {}
        self.depth: list[int] = []
        self.rounds: list[int] = []
        self.round = 1
        self.note = ""  # what the run is doing between rounds
        self.answer = ""  # a model's answer, as it streams
        self.lock = threading.Lock()
        self.started = time.time()
        self.live = Live(get_renderable=self.render, console=self.console, refresh_per_second=8, transient=False)

    def __enter__(self) -> "LiveView":
        self.live.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        self.live.refresh()
        self.live.__exit__(*exc)

    @contextlib.contextmanager
    def paused(self):
        """The table stops redrawing (its last state stays on screen) while a question is on
        the terminal, and starts again below the answer."""
        self.live.stop()
        try:
            yield
        finally:
            self.live.start()

    def planned(self, index: int, step) -> None:
        with self.lock:
            self.steps.append(step)
            self.rounds.append(self.round)
            self.depth.append(1 + max((self.depth[d] for d in step.dependencies if self.rounds[d] == self.round),
                                      default=-1))

    def plan_ready(self, plan, planner: str = "") -> None:
        pass

    def step_event(self, index: int, outcome) -> None:
        with self.lock:
            self.outcomes[index] = outcome

    def round_started(self, number: int) -> None:
        with self.lock:
            self.round, self.note = number, ""

    def joining(self, round_number: int) -> None:
        with self.lock:
            self.note = f"the joiner is deciding on round {round_number}'s results…"

    def decided(self, decisions: list) -> None:
        with self.lock:
            decision = decisions[-1]
            self.note = f"joiner: {decision.get('action')}" + (f" ({decision['note']})" if decision.get("note") else "")

    def answer_delta(self, text: str) -> None:
        with self.lock:
            self.answer += text

    def render(self):
        with self.lock:
            table = Table(box=None, pad_edge=False, header_style="bold")
            adapted = len(set(self.rounds)) > 1
            if adapted:
                table.add_column("round", justify="right")
            table.add_column("wave", justify="right")
            table.add_column("#", justify="right")
            table.add_column("step")
            table.add_column("state")
            table.add_column("time", justify="right")
            table.add_column("result")
            now = time.time()
            for index in sorted(range(len(self.steps)), key=lambda i: (self.rounds[i], self.depth[i], i)):
                step = self.steps[index]
                outcome = self.outcomes.get(index)
                status = getattr(outcome, "status", "waiting")
                started = getattr(outcome, "started_at", None)
                ended = getattr(outcome, "ended_at", None)
                elapsed = f"{(ended or now) - started:.1f}s" if started else ""
                if status == "succeeded":
                    detail = show(outcome.result)
                elif status in ("failed", "skipped", "interrupted"):
                    detail = outcome.error or ""
                else:
                    detail = ""
                detail = for_screen(" ".join(str(detail).split()))
                table.add_row(
                    *([str(self.rounds[index])] if adapted else []), str(self.depth[index] + 1), str(index), Text(for_screen(step.label()), overflow="ellipsis"),
                    Text(LABELS.get(status, status), style=STYLES.get(status, "")), elapsed,
                    Text(detail[:80] + ("…" if len(detail) > 80 else "")),
                )
            title = Text(f"planning… {now - self.started:.1f}s", style="dim") if not self.steps else Text("")
            parts = [title, table] if not self.steps else [table]
            if self.note:
                parts.append(Text(for_screen(self.note), style="dim"))
            if self.answer:
                parts.append(Text(for_screen("In words: " + self.answer)))
            return Group(*parts) if len(parts) > 1 else table
