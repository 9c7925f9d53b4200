"""What a run comes to: every step's outcome, the answer and what it cost, built in one place
(``RunResult.from_driven``) from what an engine's driver reported."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from .._common.jsondata import show, to_jsonable
from .._execute.driver import Driven
from .._execute.outcome import StepOutcome
from .._llm.usage import Usage
from .._plan.graph import Plan


@dataclass
class StepResult:
    index: int
    agent: str
    tool: str | None
    task: str | None
    args: dict[str, Any] | None
    dependencies: list[int]
    status: str
    result: Any
    error: str | None
    started_at: float | None
    ended_at: float | None
    attempts: int = 0
    usage: dict[str, Any] = field(default_factory=dict)
    refused: list[str] = field(default_factory=list)  # tool calls refused: a target no trusted text gave

    def to_json(self) -> dict[str, Any]:
        data = to_jsonable(self.__dict__)
        data["started_at"] = _iso(self.started_at)
        data["ended_at"] = _iso(self.ended_at)
        data["seconds"] = (
            round(self.ended_at - self.started_at, 4) if self.started_at and self.ended_at else None
        )
        return data


@dataclass
class RunResult:
    run_id: str
    request: str
    plan: Plan
    steps: list[StepResult]
    model: str
    usage: Usage
    started_at: float
    ended_at: float
    error: str | None = None  # a planning error that stopped the run
    synthesized: str | None = None

    @property
    def status(self) -> str:
        statuses = {s.status for s in self.steps}
        if self.error:  # the plan itself broke: the request was not served, whatever ran
            return "failed"
        if statuses <= {"succeeded"} and not self.error:
            return "succeeded"
        finals = self.plan.final_steps()
        if any(self.steps[i].status == "succeeded" for i in finals):
            return "partial"
        return "failed"

    @property
    def answer(self) -> str:
        """The results of the final steps (those nothing else depends on). A synthesized prose
        answer never replaces them: it is ``synthesized``, beside them."""
        finals = [self.steps[i] for i in self.plan.final_steps()]
        done = [s for s in finals if s.status == "succeeded"]
        if len(finals) == 1 and done:
            return show(done[0].result)
        return "\n".join(f"step {s.index}: {show(s.result)}" for s in done)

    @property
    def llm_calls(self) -> int:
        return self.usage.llm_calls

    def first_error(self) -> str | None:
        if self.error:
            return self.error
        failed = next((s for s in self.steps if s.status == "failed"), None)
        return f"step {failed.index} ({failed.agent}.{failed.tool or 'task'}) failed: {failed.error}" if failed else None

    @classmethod
    def from_driven(cls, driven: Driven, *, run_id: str, request: str, model: str, started: float, ended: float,
                    prior_usage: dict | None = None, done: dict[int, StepOutcome] | None = None) -> "RunResult":
        """The result of a run from what its driver reported. ``prior_usage`` was spent by
        earlier attempts of a resumed run; steps in ``done`` finished then (paid for already)."""
        usage = Usage()
        usage.add(prior_usage or {})
        usage.add(driven.planner_usage)
        steps = []
        for index, step in enumerate(driven.steps):
            outcome = driven.outcomes.get(index) or StepOutcome(status="skipped", error="not started")
            if not (done and index in done and done[index].status == "succeeded"):
                usage.add(outcome.usage)
            steps.append(StepResult(
                index=index, agent=step.agent, tool=step.tool, task=step.task, args=step.args,
                dependencies=list(step.dependencies), status=outcome.status, result=outcome.result,
                error=outcome.error, started_at=outcome.started_at, ended_at=outcome.ended_at,
                attempts=outcome.attempts, usage=outcome.usage, refused=list(outcome.refused),
            ))
        return cls(run_id=run_id, request=request, plan=Plan(steps=driven.steps), steps=steps, model=model,
                   usage=usage, started_at=started, ended_at=ended,
                   error=str(driven.error) if driven.error else None)

    def to_json(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "request": self.request,
            "status": self.status,
            "answer": self.answer,
            "model": self.model,
            "llm_calls": self.llm_calls,
            "usage": self.usage.as_dict(),
            "started_at": _iso(self.started_at),
            "ended_at": _iso(self.ended_at),
            "seconds": round(self.ended_at - self.started_at, 4),
            "plan": self.plan.to_json(),
            "steps": [s.to_json() for s in self.steps],
            "error": self.first_error(),  # what the store keeps too, so `show --json` agrees
            **({"synthesis": self.synthesized} if self.synthesized else {}),
        }


def _iso(ts: float | None) -> str | None:
    return datetime.fromtimestamp(ts, timezone.utc).isoformat() if ts else None
