"""The body of a run, shared by every engine: plan (maybe streaming) while steps execute.

Planning and execution overlap: the planner hands each step to a ``PlanFeed`` as soon as
it is known and the scheduler dispatches it once its dependencies are done.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, Protocol

from .._common import errors
from .._common.errors import AgentplatError
from .._common.log import log
from .._common.context import RunContext, entered
from .._common.provenance import TRUSTED, UNTRUSTED, URLS, source_of
from .._common.resources import resource_scope
from .._llm.usage import Usage, collecting
from .._plan.graph import Plan, Step
from .._planners import first
from .._planners.conditions import code_decides, stated_conditions
from .outcome import StepResult
from .rounds import History, RoundPolicy
from .scheduler import PlanFeed, run_dag

#: Runs one step where the engine runs it: ``execute(step, index, inputs, ctx) -> StepResult``
#: (``ctx``: the run's context, with its resources).
ExecuteStep = Callable[[Step, int, dict[int, Any], RunContext], Awaitable[StepResult]]


def input_sources(steps: list[Step], index: int, registry: Any,
                  known: dict[int, str] | None = None) -> dict[int, str]:
    """Where each dependency's result of step ``index`` came from (``_common.provenance``):
    ``trusted`` for a closed-world tool fed only trusted results; ``urls`` for an open-world
    tool that vouches for the URLs it returns (a search); ``untrusted`` for the rest (a page, a
    remote or MCP answer, a task step of an agent with an open-world tool, and whatever was
    computed from those). ``known``: the run's memo (a step's source never changes once its
    dependencies are known), so a long chain costs linear time, not quadratic."""
    known = {} if known is None else known

    def source(i: int) -> str:
        if i not in known:
            known[i] = UNTRUSTED  # a broken plan's cycle is never trusted
            known[i] = _source(steps[i], [source(d) for d in steps[i].dependencies if 0 <= d < i], registry)
        return known[i]

    return {d: source(d) for d in steps[index].dependencies if 0 <= d < len(steps)}


def result_sources(steps: list[Step], registry: Any) -> dict[int, str]:
    """Where each step's own result came from (see ``input_sources``), for every step."""
    known: dict[int, str] = {}
    for index, step in enumerate(steps):
        known[index] = _source(step, [known.get(d, UNTRUSTED) for d in step.dependencies if 0 <= d < index], registry)
    return known


def _source(step: Step, inherited: list[str], registry: Any) -> str:
    try:
        tools = [registry.tool(step.agent, step.tool)] if step.is_direct else list(registry.agent(step.agent).tools)
    except Exception:  # noqa: BLE001 - an unknown agent or tool fails in its own step; its result is not trusted
        return UNTRUSTED
    outside = [t for t in tools if t.untrusted_results]
    if not outside:
        return TRUSTED if all(kind == TRUSTED for kind in inherited) else UNTRUSTED
    if step.is_direct and not any(kind != TRUSTED for kind in inherited):
        return source_of(untrusted=True, returns_urls=outside[0].returns_urls)
    if not step.is_direct and all(t.returns_urls for t in outside) and all(kind == TRUSTED for kind in inherited):
        return URLS  # a task step's result is its last call's: only URL-vouching tools reach outside
    return UNTRUSTED


class RunListener(Protocol):
    """Told what happens during a run (the CLI's live output, the run store)."""

    def planned(self, index: int, step: Step) -> None: ...

    def plan_ready(self, plan: Plan, planner: str = "") -> None:
        """The whole plan is known; ``planner`` made it ("offline", "model"; "" for a given plan)."""

    def step_event(self, index: int, outcome: StepResult) -> None: ...

    # optional (a listener without them is not told): the run adapting, and its answer streaming
    def round_started(self, number: int) -> None:
        """The steps planned from here on belong to round ``number`` (2, 3...)."""

    def joining(self, round_number: int) -> None:
        """The joiner is asked about the results of round ``round_number``."""

    def decided(self, decisions: list[dict[str, Any]]) -> None:
        """Every decision of the joiner so far (the last one is new)."""

    def answer_delta(self, text: str) -> None:
        """The next words of an answer a model is writing."""


class FanOut:
    """Several listeners as one; ``None`` entries are ignored. A listener that fails (a
    full disk under the store, a broken terminal) is reported once, never stops the run."""

    def __init__(self, listeners):
        self.listeners = [item for item in listeners if item is not None]
        self.reported: set[int] = set()

    def _each(self, method: str, *args: Any) -> None:
        for item in self.listeners:
            try:
                if (call := getattr(item, method, None)) is not None:  # the newer methods are optional
                    call(*args)
            except Exception as exc:  # noqa: BLE001 - observers must not break the run
                if id(item) not in self.reported:
                    self.reported.add(id(item))
                    log.warning("agentplat: warning: %s failed: %s", type(item).__name__, exc)

    def planned(self, index: int, step: Step) -> None:
        self._each("planned", index, step)

    def plan_ready(self, plan: Plan, planner: str = "") -> None:
        self._each("plan_ready", plan, planner)

    def step_event(self, index: int, outcome: StepResult) -> None:
        self._each("step_event", index, outcome)

    def round_started(self, number: int) -> None:
        self._each("round_started", number)

    def joining(self, round_number: int) -> None:
        self._each("joining", round_number)

    def decided(self, decisions: list[dict[str, Any]]) -> None:
        self._each("decided", decisions)

    def answer_delta(self, text: str) -> None:
        self._each("answer_delta", text)


@dataclass
class Driven:
    steps: list[Step]
    outcomes: dict[int, StepResult]
    planner_usage: Usage = field(default_factory=Usage)
    error: AgentplatError | None = None
    complete: bool = False  # the whole plan was known and valid
    planner: str = ""  # who planned: "offline" or "model" ("" for a plan given, or none)
    rounds: list[int] = field(default_factory=list)  # each step's round (1: the first plan)
    decisions: list[dict[str, Any]] = field(default_factory=list)  # the joiner's, in order
    answer_steps: list[int] | None = None  # the steps the joiner's answer rests on (None: the final steps)
    stopped: str | None = None  # the bound that ended the run before the joiner finished

    def to_json(self) -> dict[str, Any]:
        return {
            "steps": [s.model_dump() for s in self.steps],
            "outcomes": {str(i): o.to_state() for i, o in self.outcomes.items()},
            "planner_usage": self.planner_usage.as_dict(),
            "error": str(self.error) if self.error else None,
            "error_type": type(self.error).__name__ if self.error else None,
            "complete": self.complete,
            "planner": self.planner,
            "rounds": self.rounds,
            "decisions": self.decisions,
            "answer_steps": self.answer_steps,
            "stopped": self.stopped,
        }

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> "Driven":
        """What a driver task returned (``to_json``), back as a ``Driven``."""
        usage = Usage()
        usage.add(raw["planner_usage"])
        error = None
        if raw["error"]:
            kind = getattr(errors, raw["error_type"] or "", None)
            if not (isinstance(kind, type) and issubclass(kind, AgentplatError)):
                kind = AgentplatError
            error = kind(raw["error"])
        steps = [Step.model_validate(s) for s in raw["steps"]]
        return cls(
            steps=steps,
            outcomes={int(i): StepResult.from_state(data, index=int(i), step=steps[int(i)])
                      for i, data in raw["outcomes"].items()},
            planner_usage=usage,
            error=error,
            complete=raw["complete"],
            planner=raw.get("planner", ""),
            rounds=list(raw.get("rounds") or []),
            decisions=list(raw.get("decisions") or []),
            answer_steps=raw.get("answer_steps"),
            stopped=raw.get("stopped"),
        )


async def drive(
    ctx: RunContext,
    execute: ExecuteStep,
    *,
    max_parallel: int,
    plan: Plan | None = None,
    done: dict[int, StepResult] | None = None,
    history: History | None = None,
) -> Driven:
    """Plan ``ctx.request`` with ``ctx.model`` (unless ``plan`` is given), run it, and let the
    joiner adapt it in rounds (``ctx.rounds``); errors end up in ``Driven.error``. ``history``:
    a resumed run's rounds. The run's resources open and close within this call."""
    feed = PlanFeed()
    steps: list[Step] = []
    result = Driven(steps=steps, outcomes={})
    if ctx.listener is not None and not isinstance(ctx.listener, FanOut):
        ctx = ctx.narrowed(listener=FanOut([ctx.listener]))  # its newer methods are optional
    listener = ctx.listener
    settled: dict[int, str] = {}  # step -> its final status, as the scheduler reports it
    changed = asyncio.Event()
    history = history or History()
    adapting = Adapting(ctx, result, history)

    def on_step(step: Step) -> None:
        steps.append(step)
        result.rounds.append(adapting.round)
        if listener is not None:
            listener.planned(len(steps) - 1, step)
        feed.add(step)

    def on_event(index: int, outcome: StepResult) -> None:
        adapting.outcomes[index] = outcome
        if outcome.status in ("succeeded", "failed", "skipped"):
            settled[index] = outcome.status
            changed.set()
        if listener is not None:
            listener.step_event(index, outcome)

    async def quiet() -> None:
        """Until every step planned so far has finished (or failed, or was skipped)."""
        while len(settled) < len(steps):
            changed.clear()
            await changed.wait()

    async def planning() -> None:
        try:
            if plan is not None:
                for index, step in enumerate(plan.steps):
                    adapting.enter(history.rounds[index] if index < len(history.rounds) else 1, listener)
                    on_step(step)
                complete = plan
            else:
                with collecting(into=result.planner_usage):  # what planning spent, even when it fails
                    planned = await first.plan(ctx.model, ctx.request, ctx.registry, on_step=on_step,
                                               offline_first=ctx.offline_first)
                result.planner_usage.add(planned.usage)
                result.planner = planned.planner
                complete = planned.plan
            result.complete = True
            if listener is not None:
                listener.plan_ready(complete, result.planner)
            await adapting.rounds(quiet, on_step)
            feed.close()
        except BaseException as exc:
            feed.close(exc)
            if isinstance(exc, asyncio.CancelledError):
                raise

    # what steps open for this run (a server, a session) closes with it
    async with resource_scope(ctx.run_id) as resources:
        ctx = ctx.narrowed(resources=resources, step=None, usage=None, grounds=None)
        adapting.ctx = ctx
        known_sources: dict[int, str] = {}

        async def by_index(index: int, inputs: dict[int, Any]) -> StepResult:
            if held := adapting.holds(steps[index], result.rounds[index]):
                return StepResult(status="skipped", error=held)
            sources = input_sources(steps, index, ctx.registry, known_sources)  # what a task step may trust
            return await execute(steps[index], index, inputs, ctx.narrowed(sources=sources))

        with entered(ctx):
            planner = asyncio.ensure_future(planning())
            try:
                result.outcomes = await run_dag(feed, by_index, max_parallel=max_parallel, on_event=on_event,
                                                done=done)
                resources.finished = (result.complete and len(result.outcomes) == len(steps)
                                      and all(o.status == "succeeded" for o in result.outcomes.values()))
            finally:
                if not planner.done():
                    planner.cancel()
                await asyncio.gather(planner, return_exceptions=True)
    if feed.error is not None:
        if not isinstance(feed.error, AgentplatError):
            raise feed.error
        result.error = feed.error
    elif result.complete:
        result.error = adapting.undecided()
    return result


class Adapting:
    """The rounds of one run: when to ask the joiner, its bounds, what it decided."""

    def __init__(self, ctx: RunContext, result: Driven, history: History):
        self.ctx = ctx
        self.result = result
        self.policy: RoundPolicy = ctx.rounds or RoundPolicy()
        self.conditions = stated_conditions(ctx.request)
        self.round = 1
        self.outcomes: dict[int, StepResult] = {}  # as the scheduler reports them
        self.started = time.monotonic()
        last = max(history.rounds, default=1)
        # a resume keeps the decisions that led to later rounds and asks the last round's again
        # (answered already, it is replayed from the store, not paid)
        result.decisions = [d for d in history.decisions if d.get("round", 0) < last]

    @property
    def evaluated(self) -> bool:
        return any(d.get("checks") for d in self.result.decisions)

    def enter(self, number: int, listener: Any) -> None:
        if number != self.round:
            self.round = number
            if listener is not None:
                listener.round_started(number)

    def holds(self, step: Step, round_number: int) -> str | None:
        """Why ``step`` waits: an action the request makes conditional, planned before any check
        decided the condition (the joiner may plan it again once it has)."""
        if not self.conditions or round_number > 1 or not _acts(step, self.ctx.registry):
            return None
        return (f"held: the request states {self.conditions[0]!r}, and a step that acts runs only after a check "
                "on the results decided it")

    def undecided(self) -> AgentplatError | None:
        """A condition the request states that nothing evaluated: the run must not succeed."""
        if not self.conditions or self.evaluated:
            return None
        if any(code_decides(step, self.ctx.registry) and self.outcomes.get(i) is not None
               and self.outcomes[i].status == "succeeded" for i, step in enumerate(self.result.steps)):
            return None
        how = ("the offline model has no joiner to decide it" if getattr(self.ctx.model, "join", None) is None
               else "the joiner is off (--no-reflect)" if self.policy.reflect == "never"
               else "no check decided it")
        return ConditionUndecided(f"the request states {self.conditions[0]!r}, and no step evaluated it ({how}); "
                                  "agentplat does not guess which branch applies")

    def llm_calls(self) -> int:
        return self.result.planner_usage.llm_calls + sum(
            int((o.usage or {}).get("llm_calls", 0)) for o in self.outcomes.values())

    def wanted(self) -> bool:
        """Whether the joiner can add something after the first round: a step failed (or was
        held), the request states a condition or a choice, or ``reflect`` is ``always``. A task
        step alone is no reason: its agent already loops on its own tool results, and asking
        again would pay twice for the same judgement."""
        if self.policy.reflect == "always" or self.conditions:
            return True
        outcomes = [self.outcomes.get(i) for i in range(len(self.result.steps))]
        return any(o is None or o.status != "succeeded" for o in outcomes)

    def bound(self) -> str | None:
        if time.monotonic() - self.started > self.policy.deadline:
            return f"the run's deadline ({self.policy.deadline:g} s, AGENTPLAT_RUN_DEADLINE) passed"
        if self.llm_calls() >= self.policy.max_llm_calls:
            return f"the run's budget of {self.policy.max_llm_calls} LLM calls (AGENTPLAT_MAX_LLM_CALLS) is spent"
        return None

    async def rounds(self, quiet: Callable[[], Awaitable[None]], on_step: Callable[[Step], None]) -> None:
        """Ask the joiner after each round while it goes on, within the bounds."""
        join = getattr(self.ctx.model, "join", None)
        if join is None or self.policy.reflect == "never":
            return
        from .._planners.joiner import Seen  # only a model with a joiner needs it
        listener = self.ctx.listener
        while True:
            await quiet()
            if self.round == 1 and not self.wanted():
                return
            if why := self.bound():
                return self.stop(why)
            seen = Seen(request=self.ctx.request, steps=list(self.result.steps), outcomes=dict(self.outcomes),
                        rounds=list(self.result.rounds), round=self.round,
                        rounds_left=self.policy.max_rounds - self.round, conditions=self.conditions,
                        sources=result_sources(self.result.steps, self.ctx.registry), evaluated=self.evaluated,
                        checks=[c for d in self.result.decisions for c in d.get("checks") or []])
            if listener is not None:
                listener.joining(self.round)
            next_round = self.round + 1

            def new_step(step: Step, next_round: int = next_round) -> None:
                self.enter(next_round, listener)
                on_step(step)

            try:
                with collecting(into=self.result.planner_usage):
                    joined = await asyncio.wait_for(
                        join(seen, self.ctx.registry, on_step=new_step,
                             on_text=listener.answer_delta if listener is not None else None),
                        max(1.0, self.policy.deadline - (time.monotonic() - self.started)))
            except (TimeoutError, asyncio.TimeoutError):
                return self.stop(f"the run's deadline ({self.policy.deadline:g} s, AGENTPLAT_RUN_DEADLINE) passed "
                                 "while the joiner decided")
            except AgentplatError as exc:  # the endpoint failed, or no valid decision after the repairs
                if self.round > 1:  # steps it planned are under way: the run cannot be read without it
                    return self.stop(f"the joiner could not decide: {exc}")
                return self.record({"round": self.round, "action": "failed",
                                    "note": f"the joiner could not decide ({exc}); the plan's results stand"})
            self.record({"round": seen.round, **joined.to_json()})
            if joined.action == "finish":
                self.result.answer_steps = joined.answer_steps
                return

    def stop(self, why: str) -> None:
        self.result.stopped = why
        self.record({"round": self.round, "action": "stopped", "note": why})

    def record(self, decision: dict[str, Any]) -> None:
        self.result.decisions.append(decision)
        if self.ctx.listener is not None:
            self.ctx.listener.decided(list(self.result.decisions))


class ConditionUndecided(errors.PlanningError):
    """The request states a condition or a choice, and nothing evaluated it."""


def _acts(step: Step, registry: Any) -> bool:
    try:
        tools = [registry.tool(step.agent, step.tool)] if step.is_direct else list(registry.agent(step.agent).tools)
    except Exception:  # noqa: BLE001 - an unknown tool fails in its own step
        return False
    return any(t.acts for t in tools)
