"""What a model backend provides: a planner and a specialist that runs delegated tasks."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from .._execute.outcome import StepResult
    from .._plan.graph import Step
    from .._planners.planned import Planned
    from .._plugin.registry import Registry


class Model(Protocol):
    """A configured model: plans requests and runs ``task`` steps for specialist agents."""

    name: str

    async def plan(self, request: str, registry: "Registry", on_step=None) -> "Planned":
        """A validated plan; ``on_step`` sees each step once, as soon as it is known."""
        ...

    async def run_task(self, step: "Step", inputs: dict[int, Any], registry: "Registry") -> "StepResult": ...

    # Optional: ``async def join(seen, registry, on_step=None, on_text=None) -> Joined`` decides,
    # after a round of steps, to finish or to continue with new steps (``_planners.joiner``). A
    # model without it (the offline one) never adapts a run.


class ModelBackend(Protocol):
    """Registered through ``register_models``; makes ``Model`` objects.

    An optional ``setup`` attribute says how a user configures the backend (e.g. "set
    OPENAI_API_KEY"); it is shown when a model is asked for and no backend is configured.
    """

    name: str

    def configured(self) -> bool:
        """Whether the environment selects this backend when no model is named."""
        ...

    def create(self, model: str | None = None) -> Model: ...
