"""The run context: everything a run carries, in one explicit object.

Why one object: a run's id, request, model, registry, listener, resources, LLM recording,
tracing, and (inside a step) the step's index, usage sink and network grounds are needed
deep in the call chain, in tools a plugin wrote and in LLM calls a tool makes itself. They
are created once by the run's front door (``agentplat._run``), handed to the engine, and
narrowed for a step (``ctx.for_step``) or a block (``ctx.narrowed``).

Core code passes the context explicitly where it can. Plugin tools are plain functions of
their arguments, and Flyte's local tasks cannot take a Python object as an input, so the
context also travels in the one context variable below (``entered``/``current``); Flyte's
local runs carry it into their tasks. Nothing else in agentplat keeps run state in a
context variable or a module global.

The types of the fields live in higher layers (``Model``, ``Registry``, ``Usage``...): they
are named here for readers only, so this module imports nothing above ``_common``.
"""

from __future__ import annotations

import contextlib
import dataclasses
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Awaitable, Callable, ContextManager, Iterator, Protocol

if TYPE_CHECKING:
    from .provenance import Grounds
    from .resources import RunResources


class Tracer(Protocol):
    """How an engine wraps the calls a step makes: a Flyte trace inside a Flyte task, a plain
    call elsewhere. Supplied by the engine, so call sites never ask where they run."""

    in_task: bool

    async def tool(self, agent: str, tool: str, args: dict[str, Any], call: Callable[[], Awaitable[Any]]) -> Any:
        """``call()`` (the tool with ``args``), recorded as the engine records tool calls."""
        ...

    async def llm(self, role: str, request: dict[str, Any], call: Callable[[], Awaitable[Any]]) -> Any:
        """``call()`` (one chat request), recorded as the engine records LLM calls."""
        ...

    def group(self, name: str) -> ContextManager[Any]:
        """A named group of calls where the engine shows them (Flyte's UI); nothing elsewhere."""
        ...


class PlainTracer:
    """No tracing: outside any engine, the inline engine, tests."""

    in_task = False

    async def tool(self, agent: str, tool: str, args: dict[str, Any], call: Callable[[], Awaitable[Any]]) -> Any:
        return await call()

    async def llm(self, role: str, request: dict[str, Any], call: Callable[[], Awaitable[Any]]) -> Any:
        return await call()

    def group(self, name: str) -> ContextManager[Any]:
        return contextlib.nullcontext()


PLAIN = PlainTracer()


@dataclass(frozen=True)
class RunContext:
    """What one run carries; see the module docstring. Frozen: narrow it, never change it."""

    run_id: str = ""  # recorded runs only ("" otherwise): LLM calls are recorded under it
    request: str = ""  # the user's words: trusted text for every task step's network targets
    model: Any = None  # the ``Model`` chosen once for the run (tools that call a model use it too)
    model_spec: str = ""  # how the model was named, for tasks in other processes ("" = as configured)
    forced_model: Any = None  # a test's ``override_model``: every selection returns it
    registry: Any = None  # the ``Registry`` the run was planned against
    listener: Any = None  # told what happens (the live view, the run store)
    resources: "RunResources | None" = None  # opened by steps, closed when the run ends
    recording: Any = None  # ``LLMRecording``: LLM answers recorded, and replayed on resume
    tracer: Tracer = PLAIN  # supplied by the engine
    job_kwargs: dict[str, Any] = field(default_factory=dict)  # this process's objects for a plugin's jobs
    approvals: Any = None  # ``Approvals``: who allows a call that writes or destroys (None: refuse it)
    offline_first: bool | None = None  # plan offline first when that serves the whole request (None: the setting)
    rounds: Any = None  # ``RoundPolicy``: how far the joiner may adapt the run (None: the defaults)
    # narrowed for one step (or the planner):
    step: int | None = None  # the step's index; ``None``: the planner, or a run-level call
    usage: Any = None  # the ``Usage`` every LLM call in this scope adds to
    grounds: "Grounds | None" = None  # what a task step's tool calls may reach
    sources: dict[int, str] | None = None  # where each of the step's inputs came from (``provenance`` kinds)
    pending: Callable[[], Awaitable[Any]] | None = None  # the call a tracer wraps: a traced function's inputs must be plain data
    decisions: list | None = None  # approval decisions of this step's calls that act, as recorded
    calls: list | None = None  # the tool calls this step makes itself, as recorded (``StepResult.calls``)
    inputs: dict[int, Any] | None = None  # the step's dependencies' results (for code that calls tools)
    span: Any = None  # the OpenTelemetry span of the run, then of the step (``_common.telemetry``; None: off)
    attachments: Any = ()  # the run's files (``_common.attachments``; a list in a run: tools may add to it)

    def narrowed(self, **changes: Any) -> "RunContext":
        """A copy with ``changes`` (a field that does not exist is an error, as with
        ``dataclasses.replace``, which costs several times more: this runs a few times a step)."""
        unknown = changes.keys() - _FIELDS
        if unknown:
            raise TypeError(f"RunContext has no field {sorted(unknown)[0]!r}")
        copy = object.__new__(type(self))
        copy.__dict__.update(self.__dict__)
        copy.__dict__.update(changes)
        return copy

    def for_step(self, index: int | None, usage: Any, decisions: list | None = None, calls: list | None = None,
                 inputs: dict[int, Any] | None = None, span: Any = None) -> "RunContext":
        """The context of one step: its index, its inputs, its own usage sink and records of
        approvals and calls, its span (when telemetry is on); no grounds yet."""
        return self.narrowed(step=index, usage=usage, grounds=None, pending=None, decisions=decisions,
                             calls=calls, inputs=inputs, span=span if span is not None else self.span)


_FIELDS = frozenset(f.name for f in dataclasses.fields(RunContext))


_current: ContextVar[RunContext] = ContextVar("agentplat_run_context", default=RunContext())


def current() -> RunContext:
    """The context of the run in progress; an empty one outside any run."""
    return _current.get()


@contextlib.contextmanager
def entered(ctx: RunContext) -> Iterator[RunContext]:
    """``ctx`` is the current context in this block (and in tasks started in it)."""
    token = _current.set(ctx)
    try:
        yield ctx
    finally:
        _current.reset(token)


@contextlib.contextmanager
def narrowed(**changes: Any) -> Iterator[RunContext]:
    """The current context with ``changes``, for this block."""
    with entered(current().narrowed(**changes)) as ctx:
        yield ctx


def group(name: str) -> ContextManager[Any]:
    """A named group of calls where the run's engine shows them (a ``flyte.group`` inside a
    Flyte task); nothing elsewhere."""
    return current().tracer.group(name)


def in_flyte_task() -> bool:
    """Whether this code runs inside a task of the Flyte engine (where calls are traced)."""
    return bool(current().tracer.in_task)
