"""The engine seam: what runs a request's steps, and a plugin's jobs, somewhere.

An engine gets a ``RunJob`` (the run's context, made once by the run's front door, and how
to run it) and returns what the driver reported (``Driven``): in this event loop
(``inline``), as Flyte tasks in this process (``flyte``), or on a Flyte cluster
(``cluster``). It supplies the run's tracer (how tool and LLM calls are recorded where it
runs them) and also runs a plugin's jobs (``map``): one function of an installed plugin
over many items, bounded.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from .._common.wording import squeezed

if TYPE_CHECKING:
    from .._common.context import RunContext
    from .._execute.driver import Driven
    from .._execute.outcome import StepResult
    from .._execute.rounds import History
    from .._plan.graph import Plan


@dataclass
class RunJob:
    """One run for an engine to drive. ``ctx.model`` is ``None`` for a cluster, whose tasks
    choose the model by ``ctx.model_spec``."""

    ctx: "RunContext"
    max_parallel: int = 8
    plan: "Plan | None" = None  # resume with this plan instead of planning
    done: "dict[int, StepResult] | None" = None  # steps that finished before a resume
    history: "History | None" = None  # a resumed run's rounds and the joiner's decisions


@dataclass
class JobFailed:
    """A job of ``Engine.map`` that raised: its one-line message, in the item's place."""

    message: str


class Engine(Protocol):
    name: str

    async def drive(self, job: RunJob) -> "Driven":
        """Plan (unless ``job.plan``) and run; planning errors end up in ``Driven.error``."""
        ...

    async def map(self, entry: str, items: list[dict[str, Any]], *, limit: int,
                  shared: dict[str, Any] | None = None, local: dict[str, Any] | None = None,
                  labels: list[str] | None = None) -> list[Any]:
        """``function(**item, **shared, **local)`` for every item, at most ``limit`` at once.

        ``entry`` is ``module:function`` of an installed plugin; ``items`` and ``shared`` are
        JSON data (they may cross task boundaries), ``local`` holds this process's objects
        (callbacks). Results come back in item order, a ``JobFailed`` for a job that raised.
        ``labels`` name the jobs where the engine shows them (Flyte's groups).
        """
        ...


def failure(exc: BaseException) -> JobFailed:
    return JobFailed(squeezed(exc))
