"""A model reached through chat completions: the LLM planner and the specialist loop over
one ``LLM`` (which makes every chat call: roles, replay, retries, traces)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .._execute.specialist import run_specialist
from .._llm.call import LLM
from .._llm.chat import ChatClient, ChatResponse
from .._planners.llm import LLMPlanner
from .._planners.planned import Planned

if TYPE_CHECKING:
    from .._execute.outcome import StepResult
    from .._plan.graph import Step
    from .._plugin.registry import Registry


class ChatModel:
    """Plans with the LLM planner and runs ``task`` steps with the specialist loop."""

    def __init__(
        self,
        client: ChatClient,
        *,
        default_model: str | None = None,
        name: str = "openai",
        fallback_model: str = "gpt-4o-mini",
        stream_plans: bool = True,
    ):
        self.chat = LLM(client, default_model=default_model, fallback_model=fallback_model)
        self.name = name
        self.stream_plans = stream_plans

    @property
    def client(self) -> ChatClient:
        return self.chat.client

    def model_for(self, role: str) -> str:
        return self.chat.model_for(role)

    def with_models(self, pinned: dict[str, str]) -> "ChatModel":
        """The same model with each role in ``pinned`` fixed to the model named there (a run's
        own, recorded when it started)."""
        import copy

        pinned_model = copy.copy(self)
        pinned_model.chat = self.chat.with_models(pinned)
        return pinned_model

    async def llm(self, role: str, messages: list[dict[str, Any]], **options: Any) -> ChatResponse:
        """One chat call for ``role`` (see ``LLM.call`` for the options), for writers and tools of plugins."""
        return await self.chat.call(role, messages, **options)

    async def plan(self, request: str, registry: "Registry", on_step=None) -> Planned:
        return await LLMPlanner(self.chat, registry).plan(request, on_step, stream=self.stream_plans)

    async def run_task(self, step: "Step", inputs: dict[int, Any], registry: "Registry") -> "StepResult":
        return await run_specialist(self.chat, step, inputs, registry)

    async def join(self, seen, registry: "Registry", on_step=None, on_text=None):
        """After a round's steps settle: finish, or continue with new steps (``_planners.joiner``)."""
        from .._planners.joiner import Joiner

        return await Joiner(self.chat, registry).join(seen, on_step=on_step, on_text=on_text)
