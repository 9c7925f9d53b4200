"""What a step comes to: one type from the tool call to the store, the printer and the JSON.

``execute_step`` returns a ``StepResult`` (succeeded or failed, never raising for a step's own
failure); the scheduler adds the step, its index and its times; engines send it across task
boundaries as ``to_state()``; the store writes it; ``RunResult.steps`` holds it and
``to_json`` prints it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .._common.jsondata import to_jsonable
from .._common.clock import iso

if TYPE_CHECKING:
    from .._plan.graph import Step

_STATE = ("status", "result", "error", "started_at", "ended_at", "attempts", "usage", "refused", "inputs",
          "approvals", "calls")


@dataclass
class StepResult:
    """One step of a run and what it came to."""

    index: int = -1
    step: "Step | None" = None
    status: str = "waiting"  # waiting, running, succeeded, failed, skipped
    result: Any = None
    error: str | None = None
    started_at: float | None = None
    ended_at: float | None = None
    attempts: int = 0
    usage: dict[str, Any] = field(default_factory=dict)
    refused: list[str] = field(default_factory=list)  # tool calls refused (an untrusted target)
    inputs: dict[int, Any] | None = None  # its dependencies' results, as it started
    #: each call that acts (writes or destroys) and what was decided: tool, effect, args, decision, how
    approvals: list[dict[str, Any]] = field(default_factory=list)
    #: the tool calls the step made itself (a task step's model, code calling tools), in order:
    #: agent, tool, args, status, a preview of the result or the error, seconds
    calls: list[dict[str, Any]] = field(default_factory=list)
    round: int = 1  # the round of the run that planned it (1: the first plan; later: the joiner's)

    @classmethod
    def succeeded(cls, result: Any, *, attempts: int = 1, usage: dict | None = None,
                  refused: list[str] | None = None) -> "StepResult":
        return cls(status="succeeded", result=result, attempts=attempts, usage=usage or {}, refused=refused or [])

    @classmethod
    def failed(cls, error: str, *, attempts: int = 1, usage: dict | None = None,
               refused: list[str] | None = None) -> "StepResult":
        return cls(status="failed", error=error, attempts=attempts, usage=usage or {}, refused=refused or [])

    # the step's own fields, for readers of a result
    @property
    def agent(self) -> str:
        return self.step.agent if self.step is not None else ""

    @property
    def tool(self) -> str | None:
        return self.step.tool if self.step is not None else None

    @property
    def task(self) -> str | None:
        return self.step.task if self.step is not None else None

    @property
    def args(self) -> dict[str, Any] | None:
        return self.step.args if self.step is not None else None

    @property
    def dependencies(self) -> list[int]:
        return list(self.step.dependencies) if self.step is not None else []

    @property
    def seconds(self) -> float | None:
        return round(self.ended_at - self.started_at, 4) if self.started_at and self.ended_at else None

    def settle(self, reported: "StepResult") -> None:
        """Take what ``execute`` reported (status, result or error, attempts, usage, refusals,
        approvals, the calls it made)."""
        for name in ("status", "result", "error", "attempts", "usage", "refused", "approvals", "calls"):
            setattr(self, name, getattr(reported, name))

    def to_state(self) -> dict[str, Any]:
        """What crosses a task boundary or a resume: the outcome alone (the plan travels apart)."""
        return {name: getattr(self, name) for name in _STATE}

    @classmethod
    def from_state(cls, data: dict[str, Any], *, index: int = -1, step: "Step | None" = None) -> "StepResult":
        known = {name: data[name] for name in _STATE if name in data}
        for name in ("started_at", "ended_at"):
            if known.get(name) is not None:
                known[name] = float(known[name])
        if known.get("inputs") is not None:  # JSON keys are text
            known["inputs"] = {int(k): v for k, v in known["inputs"].items()}
        return cls(index=index, step=step, **known)

    def to_json(self) -> dict[str, Any]:
        """The step in a run's JSON (``run --json``, ``show --json``, ``batch``)."""
        return to_jsonable({
            "index": self.index, "agent": self.agent, "tool": self.tool, "task": self.task, "args": self.args,
            "dependencies": self.dependencies, "status": self.status, "result": self.result, "error": self.error,
            "attempts": self.attempts, "inputs": self.inputs, "started_at": iso(self.started_at),
            "ended_at": iso(self.ended_at), "seconds": self.seconds, "usage": self.usage,
            "refused": list(self.refused), "approvals": list(self.approvals), "calls": list(self.calls),
            "round": self.round,
        })
