"""The engine seam: what runs a request's steps, and a plugin's jobs, somewhere.

An engine gets a ``RunJob`` (the request, the model chosen once for the run, the registry,
the listener) and returns what the driver reported (``Driven``): in this event loop
(``inline``), as Flyte tasks in this process (``flyte``), or on a Flyte cluster. It also runs
a plugin's jobs (``map``): one function of an installed plugin over many items, bounded.
Everything an engine needs from this process (listener, model, callbacks) it hands to its
tasks itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from .._common.text import squeezed

if TYPE_CHECKING:
    from .._execute.driver import Driven, RunListener
    from .._execute.outcome import StepOutcome
    from .._models.base import Model
    from .._plan.graph import Plan
    from .._plugin.registry import Registry


@dataclass
class RunJob:
    """One run for an engine to drive."""

    request: str
    model: "Model | None"  # chosen once per run (None: a cluster's tasks choose by ``spec``)
    spec: str  # how the run's model was named ("" = as configured), for tasks in other processes
    registry: "Registry"
    max_parallel: int = 8
    listener: "RunListener | None" = None
    plan: "Plan | None" = None  # resume with this plan instead of planning
    done: "dict[int, StepOutcome] | None" = None  # steps that finished before a resume
    run_id: str = ""  # recorded runs only: LLM calls are recorded (and replayed) under it


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
