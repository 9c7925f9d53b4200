"""Operations accounted for: where the offline planner reads a part of the request exactly,
a model's plan must compute the same value for it.

The grounding check makes sure every number of a model's plan comes from the request; it
cannot see ``multiply(35, 200)`` for "What is 35% of 200?" (both numbers are the request's).
So the request is also read by the offline planner, part by part (a part it cannot read is a
hole), and the steps of both plans whose tools are *pure* (``tool(pure=True)``: computations
with no effects) are computed on their literal arguments, which costs microseconds. Each value
the offline reading ends with (a part's result that no later part it reads builds on) must be
computed by the model's plan too; a value nothing else uses must be one of the plan's final
results. Otherwise the plan goes back to the model with the disagreement, and the run refuses
if the model never agrees: never wrong beats answered. A part the plan gives as a task to the
agent that computes it is left to that agent's specialist (its value is not known before it runs),
and so is a value a plan leaves to code (a step of a tool that takes a program).

While a plan streams, a computation whose value the offline reading does not have is held
back with everything after it until the whole plan is checked; the others start at once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from .._common.errors import AgentplatError, PlanValidationError
from .._common.jsondata import show
from .._common.wording import in_quotes
from .._plan.graph import Plan, Step
from .._plan.refs import resolve


@dataclass(frozen=True)
class Expected:
    part: str  # the request's words this value answers
    label: str  # the offline reading of it, e.g. ``math.percentage(percent=35, of=200)``
    value: Any
    final: bool  # nothing in the request builds on it: the plan must end with it
    agent: str = ""  # the agent whose tool computes it


@dataclass
class Reading:
    """What the offline planner reads of a request: the values a plan must compute, and every
    value of its reading (what a streamed step may compute and still start at once)."""

    expected: list[Expected] = field(default_factory=list)
    values: list[Any] = field(default_factory=list)
    whole: bool = False  # every part read and computed: the request asks for these values and nothing else

    def __post_init__(self) -> None:
        self._known = {_key(v) for v in self.values}

    def knows(self, value: Any) -> bool:
        return _key(value) in self._known

    def check(self, plan: Plan, registry: Any) -> None:
        """Raise ``PlanValidationError`` naming the first part of the request ``plan`` computes
        differently from the offline reading, or a final step the request does not ask for."""
        if not self.expected:
            return
        values = computed(plan.steps, registry)
        finals = plan.final_steps()
        known_finals = all(i in values for i in finals)
        final_keys = {_key(values[i]) for i in finals if i in values}
        every = {_key(v) for v in values.values()}
        delegated = {step.agent for step in plan.steps if not step.is_direct}
        programs = {i for i, step in enumerate(plan.steps) if _runs_code(step, registry)}
        for item in self.expected:
            if item.agent in delegated:
                continue  # a task for that agent: its specialist computes it with the agent's own tools
            if programs and _key(item.value) not in every:
                continue  # code computes it (or not): its value is known only when it runs
            ends = item.final and known_finals
            if _key(item.value) not in (final_keys if ends else every):
                where = "the plan does not end with" if ends else "no step of the plan computes"
                raise PlanValidationError(
                    f"the part {in_quotes(item.part)} of the request is {item.label} = {show(item.value)}, "
                    f"and {where} that value; plan that part as the request says it "
                    "(a direct tool step for each computation)")
        if self.whole:  # a final step beyond what the request asks: an invented part
            answers = {_key(e.value) for e in self.expected if e.final}
            owners = {e.agent for e in self.expected}
            for i in finals:
                step = plan.steps[i]
                if (i in values and _key(values[i]) in answers) or (not step.is_direct and step.agent in owners) \
                        or i in programs:
                    continue
                raise PlanValidationError(
                    f"step {i} ({step.label()}) answers something the request does not ask; it asks for "
                    + "; ".join(f"{e.label} = {show(e.value)}" for e in self.expected if e.final)
                    + ": plan only that")


def _runs_code(step: Step, registry: Any) -> bool:
    """Whether ``step`` runs a program (a tool with a code parameter), whose value is not known
    before it runs."""
    if not step.is_direct or registry is None:
        return False
    try:
        return bool(registry.tool(step.agent, step.tool).code_params)
    except Exception:  # noqa: BLE001 - an unknown tool is the validation's error
        return False


def read(request: str, registry: Any) -> Reading:
    """The offline reading of ``request`` (empty when it reads no computation of it)."""
    from .offline.planner import OfflinePlanner

    try:
        planner = OfflinePlanner(registry)
        steps = planner.plan(request, holes=True).steps
    except (AgentplatError, RecursionError):
        return Reading()
    values = computed(steps, registry)
    used = {d for step in steps for d in step.dependencies}
    used_by_valued = {d for i, step in enumerate(steps) if i in values for d in step.dependencies}
    last_hole = max((i for i, step in enumerate(steps) if not step.agent), default=-1)
    # a part after a hole may build on the hole's words ("then zorblify it"): not a final value
    expected = [Expected(part=planner.parts[i], label=_label(steps[i], values), value=values[i],
                         final=i not in used and i > last_hole, agent=steps[i].agent)
                for i in sorted(values) if i not in used_by_valued]
    whole = len(values) == len(steps)  # no hole, and every part a computation
    return Reading(expected, list(values.values()), whole)


def computed(steps: list[Step], registry: Any, known: dict[int, Any] | None = None) -> dict[int, Any]:
    """The results of the pure direct steps whose inputs are all known, by index (``known``:
    results already computed, extended in place)."""
    values = known if known is not None else {}
    for index, step in enumerate(steps):
        if index in values:
            continue
        value = compute(step, values, registry)
        if value is not _UNKNOWN:
            values[index] = value
    return values


_UNKNOWN = object()


def compute(step: Step, values: dict[int, Any], registry: Any) -> Any:
    """The result of one pure direct step on known inputs, else ``_UNKNOWN``.

    A pure tool is an ``async def`` that computes without waiting on anything: its coroutine
    is driven here to its end in one go (a tool that does wait is not computed, never run)."""
    tool = _pure_tool(step, registry)
    if tool is None or any(d not in values for d in step.dependencies):
        return _UNKNOWN
    try:
        coroutine = tool(**resolve(step.args or {}, values))
    except Exception:  # noqa: BLE001 - arguments that do not fit check nothing; validation reports them
        return _UNKNOWN
    try:
        coroutine.send(None)
    except StopIteration as done:
        return done.value
    except Exception:  # noqa: BLE001 - a computation that fails checks nothing; the run reports it
        return _UNKNOWN
    coroutine.close()  # it waited on something: not a computation to run while planning
    return _UNKNOWN


def unknown(value: Any) -> bool:
    return value is _UNKNOWN


def _pure_tool(step: Step, registry: Any):
    if not step.is_direct or not step.agent:
        return None
    try:
        tool = registry.tool(step.agent, step.tool)
    except Exception:  # noqa: BLE001 - an unknown tool is the validation's error
        return None
    return tool if tool.pure else None


def _label(step: Step, values: dict[int, Any]) -> str:
    """The step with earlier results written as their values: ``math.multiply(a=7, b=5)``."""
    return step.model_copy(update={"args": resolve(step.args or {}, values)}).label()


def _key(value: Any) -> Any:
    """What a value is compared by: a number by its value (``42``, ``42.0`` and ``Decimal("42")``
    alike), anything else as itself (or its JSON-ish text when it cannot be hashed)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal, str)):
        try:
            hash(value)
            return ("other", value)
        except TypeError:
            return ("text", repr(value))
    try:
        number = Decimal(str(value))
        if number.is_finite():
            return ("number", number.normalize() if number else Decimal(0))
    except (InvalidOperation, ValueError):
        pass
    return ("text", value)
