"""What a run comes to: every step's result, the answer and what it cost, in one shape.

A ``RunResult`` is made from what an engine's driver reported (``from_driven``: local,
resumed and cluster runs alike), from the run store (``from_record``: ``show``, a run that
failed before its first step), or for a request that never started (``unstarted``: a batch
entry cancelled by ``--fail-fast``). ``to_json`` is the one JSON shape of a run: ``run
--json``, ``show --json``, ``resume --json`` and every ``batch`` line print it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .._common.jsondata import show
from .._common.clock import iso
from .._execute.driver import Driven
from .._execute.outcome import StepResult
from .._llm.usage import Usage
from .._plan.graph import Plan, Step


@dataclass
class RunResult:
    run_id: str
    request: str
    plan: Plan
    steps: list[StepResult]
    model: str
    usage: Usage
    started_at: float | None
    ended_at: float | None
    status: str  # succeeded, partial, failed, interrupted, running, cancelled
    error: str | None = None  # what stopped the run, else the first failed step's error
    plan_complete: bool = True
    tags: dict[str, str] = field(default_factory=dict)
    llm_call_log: list[dict[str, Any]] = field(default_factory=list)  # recorded runs: every LLM call
    synthesized: str | None = None
    planner: str = ""  # who made the plan: "offline" (exact, no model call) or "model"
    #: the joiner's decisions, in order (``round``, ``action``: finish, continue or stopped...)
    decisions: list[dict[str, Any]] = field(default_factory=list)
    answer_steps: list[int] | None = None  # the steps the joiner's answer rests on (None: the final steps)
    stopped: str | None = None  # the bound that ended the run before the joiner finished

    @property
    def rounds(self) -> int:
        """How many rounds of steps the run had (1 unless the joiner planned more)."""
        return max((s.round for s in self.steps), default=1)

    @property
    def answer(self) -> str | None:
        """The results of the steps the answer rests on (those the joiner cited, else the final
        steps: those nothing else depends on); ``None`` when none succeeded. A prose answer never
        replaces them: it is ``synthesized``."""
        if not self.steps:
            return None
        chosen = self.answer_steps if self.answer_steps else self.plan.final_steps()
        finals = [self.steps[i] for i in chosen if i < len(self.steps)]
        done = [s for s in finals if s.status == "succeeded"]
        if not done:
            return None
        if len(finals) == 1:
            return show(done[0].result)
        return "\n".join(f"step {s.index}: {show(s.result)}" for s in done)

    @property
    def llm_calls(self) -> int:
        return self.usage.llm_calls

    def first_error(self) -> str | None:
        return self.error

    @classmethod
    def from_driven(cls, driven: Driven, *, run_id: str, request: str, model: str, started: float, ended: float,
                    prior_usage: dict | None = None, done: dict[int, StepResult] | None = None,
                    tags: dict[str, str] | None = None) -> "RunResult":
        """The result of a run from what its driver reported. ``prior_usage`` was spent by
        earlier attempts of a resumed run; steps in ``done`` finished then (paid for already)."""
        usage = Usage()
        usage.add(prior_usage or {})
        usage.add(driven.planner_usage)
        steps = []
        for index, step in enumerate(driven.steps):
            outcome = driven.outcomes.get(index) or StepResult(status="skipped", error="not started")
            outcome.index, outcome.step = index, step
            if not (done and index in done and done[index].status == "succeeded"):
                usage.add(outcome.usage)
            steps.append(outcome)
        for index, outcome in enumerate(steps):
            outcome.round = driven.rounds[index] if index < len(driven.rounds) else 1
        plan = Plan(steps=driven.steps)
        planning_error = str(driven.error) if driven.error else None
        result = cls(run_id=run_id, request=request, plan=plan, steps=steps, model=model, usage=usage,
                     started_at=started, ended_at=ended, status="", plan_complete=driven.complete,
                     tags=dict(tags or {}), planner=driven.planner, decisions=list(driven.decisions),
                     answer_steps=driven.answer_steps, stopped=driven.stopped)
        result.settle(planning_error)
        return result

    def settle(self, planning_error: str | None = None) -> None:
        """Status and error from the steps, the joiner's last word and what stopped the run."""
        finish = next((d for d in reversed(self.decisions) if d.get("action") == "finish"), None)
        self.synthesized = (finish or {}).get("answer") or self.synthesized
        if planning_error:
            self.status, self.error = "failed", planning_error
        elif self.stopped:
            self.status = "partial" if self.answer is not None else "failed"
            self.error = f"stopped before the joiner finished: {self.stopped}; the answer is the best so far"
        elif finish is not None:
            cited = [self.steps[i] for i in finish.get("answer_steps") or [] if i < len(self.steps)]
            served = bool(cited) and all(s.status == "succeeded" for s in cited)
            self.status = "succeeded" if served and not finish.get("unanswered") else "partial" if served else "failed"
            self.error = (f"not answered: {finish['unanswered']}" if finish.get("unanswered") else
                          None if served else _first_failure(self.steps))
        else:
            self.status, self.error = _status(self.plan, self.steps, None), _first_failure(self.steps)

    @classmethod
    def from_record(cls, store, run: dict[str, Any]) -> "RunResult":
        """A recorded run (a row of the store's ``runs``, with its tags) as the store keeps it."""
        rows = store.steps(run["run_id"])
        plan_steps = [Step.model_validate(row["step"]) for row in rows]
        steps = [
            StepResult(index=row["idx"], step=step, status=row["status"], result=row["result"], error=row["error"],
                       started_at=row["started_at"], ended_at=row["ended_at"], attempts=row["attempts"] or 0,
                       usage=row["usage"], refused=row["refused"], inputs=row["inputs"],
                       approvals=row["approvals"], calls=row["calls"], round=row.get("round") or 1)
            for row, step in zip(rows, plan_steps)
        ]
        decisions = list(run.get("decisions") or [])
        finish = next((d for d in reversed(decisions) if d.get("action") == "finish"), None)
        stopped = next((d.get("note") for d in reversed(decisions) if d.get("action") == "stopped"), None)
        usage = Usage()
        usage.add({"llm_calls": run["llm_calls"] or 0, "prompt_tokens": run["prompt_tokens"] or 0,
                   "completion_tokens": run["completion_tokens"] or 0})
        return cls(run_id=run["run_id"], request=run["request"], plan=Plan(steps=plan_steps), steps=steps,
                   model=run["model"] or "", usage=usage, started_at=run["started_at"], ended_at=run["ended_at"],
                   status=run["status"], error=run["error"], plan_complete=bool(run["plan_complete"]),
                   tags=dict(run.get("tags") or {}), llm_call_log=call_log(store, run["run_id"]),
                   planner=run.get("planner") or "", decisions=decisions, stopped=stopped,
                   answer_steps=finish.get("answer_steps") if finish else None,
                   synthesized=(finish or {}).get("answer") or None)

    @classmethod
    def unstarted(cls, request: str, *, run_id: str | None, status: str, error: str, model: str = "",
                  tags: dict[str, str] | None = None) -> "RunResult":
        """A request that never ran a step and left no record (cancelled, or refused unrecorded)."""
        return cls(run_id=run_id or "", request=request, plan=Plan(steps=[]), steps=[], model=model, usage=Usage(),
                   started_at=None, ended_at=None, status=status, error=error, plan_complete=False,
                   tags=dict(tags or {}))

    def to_json(self) -> dict[str, Any]:
        """The one JSON shape of a run; every key is always there (``null`` when absent)."""
        seconds = round(self.ended_at - self.started_at, 4) if self.started_at and self.ended_at else None
        return {
            "run_id": self.run_id or None,
            "request": self.request,
            "status": self.status,
            "answer": self.answer,
            "error": self.error,
            "model": self.model or None,
            "planner": self.planner or None,
            "llm_calls": self.llm_calls,
            "usage": self.usage.as_dict(),
            "started_at": iso(self.started_at),
            "ended_at": iso(self.ended_at),
            "seconds": seconds,
            "tags": dict(self.tags),
            "plan": self.plan.to_json(),
            "plan_complete": self.plan_complete,
            "steps": [s.to_json() for s in self.steps],
            "llm_call_log": list(self.llm_call_log),
            "synthesis": self.synthesized,
            "rounds": self.rounds,
            "decisions": list(self.decisions),
            "answer_steps": self.answer_steps,
            "stopped": self.stopped,
        }


def call_log(store, run_id: str) -> list[dict[str, Any]]:
    """The LLM calls a run made, as its JSON lists them."""
    return [
        {"step": c["step_index"], "role": c["role"], "model": c["model"], "prompt_tokens": c["prompt_tokens"],
         "completion_tokens": c["completion_tokens"], "latency": round(c["latency"] or 0, 4)}
        for c in store.llm_calls(run_id)
    ]


def _status(plan: Plan, steps: list[StepResult], planning_error: str | None) -> str:
    if planning_error:  # the plan itself broke: the request was not served, whatever ran
        return "failed"
    if all(s.status == "succeeded" for s in steps):
        return "succeeded"
    if any(steps[i].status == "succeeded" for i in plan.final_steps() if i < len(steps)):
        return "partial"
    return "failed"


def _first_failure(steps: list[StepResult]) -> str | None:
    failed = next((s for s in steps if s.status == "failed"), None)
    return f"step {failed.index} ({failed.agent}.{failed.tool or 'task'}) failed: {failed.error}" if failed else None
