"""A model reached through chat completions: planner, specialist and writer in one.

Every call goes through ``ChatModel.llm``: the role picks the model name, transient errors
are retried with backoff, and inside a Flyte task the call is a ``flyte.trace``.
"""

from __future__ import annotations

import json
import time
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from .._errors import ModelError
from .._retry import describe, is_transient, with_retries
from .base import Planned
from .._llm.chat import ChatClient, ChatRequest, ChatResponse, OnText
from .._llm.config import model_for_role
from .._execute.tools import in_flyte_task

if TYPE_CHECKING:
    from .._plan.graph import Step
    from .._plugin.registry import Registry
    from .._execute.scheduler import Completed

#: The client and streaming callback of the call in flight, for the traced function.
current_call: ContextVar[tuple[ChatClient, OnText | None]] = ContextVar("agentplat_current_call")


class ChatModel:
    def __init__(
        self,
        client: ChatClient,
        *,
        default_model: str | None = None,
        name: str = "openai",
        fallback_model: str = "gpt-4o-mini",
        stream_plans: bool = True,
    ):
        self.client = client
        self.default_model = default_model
        self.name = name
        self.fallback_model = fallback_model
        self.stream_plans = stream_plans

    def model_for(self, role: str) -> str:
        return model_for_role(role, self.default_model) or self.fallback_model

    async def llm(
        self,
        role: str,
        messages: list[dict[str, Any]],
        *,
        tools: list[dict[str, Any]] | None = None,
        json_mode: bool = False,
        on_text: OnText | None = None,
    ) -> ChatResponse:
        """One chat call for ``role``, retried on transient errors."""
        request = ChatRequest(model=self.model_for(role), messages=messages, tools=tools, json_mode=json_mode, role=role)

        attempts = 0

        async def once() -> ChatResponse:
            nonlocal attempts
            attempts += 1
            if attempts > 1 and hasattr(on_text, "restart"):
                on_text.restart()  # a stream cut off mid-way is read again from its start
            token = current_call.set((self.client, on_text))
            try:
                if in_flyte_task():
                    from .._engines.flyte import traced_llm_call

                    return ChatResponse.from_json(json.loads(await traced_llm_call(role, _dumps(request.to_json()))))
                return await self.client.chat(request, on_text=on_text)
            finally:
                current_call.reset(token)

        from .._llm import recording

        replayed = recording.replay(request.to_json())
        if replayed is not None:  # answered before this run was interrupted: do not pay again
            response = ChatResponse.from_json(replayed)
            response.replayed = True
            if on_text is not None and response.text:
                on_text(response.text)
            return response
        started = time.monotonic()
        try:
            response = await with_retries(once)
            recording.record(request.to_json(), response.to_json(), time.monotonic() - started)
            return response
        except ModelError:
            raise
        except Exception as exc:
            if is_transient(exc):
                where = getattr(self.client, "base_url", "the model endpoint")
                raise ModelError(f"cannot get an answer from {where}: {describe(exc)}") from exc
            raise

    async def plan(self, request: str, registry: "Registry", on_step=None) -> Planned:
        from .._planners.llm import LLMPlanner

        return await LLMPlanner(self, registry).plan(request, on_step, stream=self.stream_plans)

    async def run_task(self, step: "Step", inputs: dict[int, Any], registry: "Registry") -> "Completed":
        from .._execute.specialist import run_specialist

        return await run_specialist(self, step, inputs, registry)


def _dumps(data: Any) -> str:
    from .._jsondata import dumps

    return dumps(data)
