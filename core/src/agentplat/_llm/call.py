"""One chat call, the way every caller in agentplat makes it.

``LLM.call`` picks the model name for the role, serves an answer already paid for when a
run is resumed, retries transient errors with backoff, records the answer in the run
store, and lets the run's engine trace it (inside a Flyte task a ``flyte.trace``, so a
retried task replays it instead of paying again). What a run knows it reads from the run
context, so a tool that calls a model itself gets the same replay, records and usage.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from .._common import telemetry
from .._common.errors import ModelError
from .._common.context import current
from .._common.retry import is_transient, with_retries
from .._common.wording import describe
from .chat import ChatClient, ChatRequest, ChatResponse, OnText
from .config import call_settings, model_for_role
from .usage import spent


class LLM:
    """A chat client with agentplat's calling conventions (roles, replay, retries, traces)."""

    def __init__(self, client: ChatClient, *, default_model: str | None = None, fallback_model: str = "gpt-4o-mini",
                 pinned: dict[str, str] | None = None):
        self.client = client
        self.default_model = default_model
        self.fallback_model = fallback_model
        self.pinned = dict(pinned or {})  # role -> model name a run fixed (config.toml may change meanwhile)

    def model_for(self, role: str) -> str:
        return self.pinned.get(role) or model_for_role(role, self.default_model) or self.fallback_model

    def with_models(self, pinned: dict[str, str]) -> "LLM":
        """This LLM with each role in ``pinned`` fixed to the model named there."""
        return LLM(self.client, default_model=self.default_model, fallback_model=self.fallback_model,
                   pinned={**self.pinned, **pinned})

    async def call(
        self,
        role: str,
        messages: list[dict[str, Any]],
        *,
        tools: list[dict[str, Any]] | None = None,
        json_mode: bool = False,
        json_schema: dict[str, Any] | None = None,
        tool_choice: str | None = None,
        max_tokens: int | None = None,
        on_text: OnText | None = None,
    ) -> ChatResponse:
        """One chat call for ``role``, retried on transient errors, bounded in tokens
        (``max_tokens``, else the role's setting) and in time (the role's deadline)."""
        limits = call_settings(role)
        request = ChatRequest(
            model=self.model_for(role), messages=messages, tools=tools, json_mode=json_mode or json_schema is not None,
            role=role, json_schema=json_schema, tool_choice=tool_choice if tools else None,
            max_tokens=max_tokens or limits.max_tokens, temperature=limits.temperature,
        )
        ctx = current()
        recording = ctx.recording
        replayed = recording.replay(request.to_json()) if recording is not None else None
        if replayed is not None:  # answered before this run was interrupted: do not pay again
            response = ChatResponse.from_json(replayed)
            response.replayed = True
            if on_text is not None and response.text:
                on_text(response.text)
            spent(response)
            return response
        attempts = 0

        async def once() -> ChatResponse:
            nonlocal attempts
            attempts += 1
            if attempts > 1 and hasattr(on_text, "restart"):
                on_text.restart()  # a stream cut off mid-way is read again from its start
            return await ctx.tracer.llm(role, request.to_json(), lambda: self.client.chat(request, on_text=on_text))

        started = time.monotonic()
        attributes = {"gen_ai.operation.name": "chat", "gen_ai.provider.name": getattr(self.client, "provider", None),
                      "gen_ai.request.model": request.model, "gen_ai.request.max_tokens": request.max_tokens,
                      "gen_ai.request.temperature": request.temperature, "agentplat.role": role,
                      "agentplat.run_id": ctx.run_id or None, "agentplat.step.index": ctx.step,
                      "server.address": getattr(self.client, "base_url", None)}
        with telemetry.span(f"chat {request.model}", attributes, parent=ctx.span) as opened:
            response = await self._answer(once, limits, role)
            telemetry.annotate(opened, {
                "gen_ai.response.model": response.model or None,
                "gen_ai.usage.input_tokens": response.prompt_tokens, "gen_ai.usage.output_tokens": response.completion_tokens,
                "gen_ai.response.finish_reasons": [response.finish_reason] if response.finish_reason else None,
                "agentplat.usage_estimated": response.usage_estimated or None})
        if recording is not None:
            recording.record(request.to_json(), response.to_json(), time.monotonic() - started, ctx.step)
        spent(response)
        return response

    async def _answer(self, once, limits, role: str) -> ChatResponse:
        """``once`` retried within the role's deadline; what cannot be answered, in one line."""
        try:
            return await asyncio.wait_for(with_retries(once), limits.deadline)
        except (TimeoutError, asyncio.TimeoutError):
            where = getattr(self.client, "base_url", "the model endpoint")
            raise ModelError(f"no complete answer from {where} within {limits.deadline:g}s (the {role}'s deadline; "
                             "[llm] deadline in config.toml or AGENTPLAT_LLM_DEADLINE)") from None
        except ModelError:
            raise
        except Exception as exc:
            if is_transient(exc):
                where = getattr(self.client, "base_url", "the model endpoint")
                raise ModelError(f"cannot get an answer from {where}: {describe(exc)}") from exc
            raise
