"""The chat client for any OpenAI-compatible endpoint, over the official ``openai`` SDK.

OpenAI itself, vLLM, Ollama, llama.cpp's server and LM Studio all speak this protocol.
``OPENAI_API_KEY`` and ``OPENAI_BASE_URL`` configure it; the SDK is imported only when a
call is made, so listing and offline planning never pay its import time.
"""

from __future__ import annotations

import os
from typing import Any

from .._common.errors import ModelError
from .._common.settings import number
from .chat import ChatRequest, ChatResponse, OnText, ToolCallRequest

DEFAULT_MODEL = "gpt-4o-mini"
OPENAI_URL = "https://api.openai.com/v1"


def _timeout() -> float:
    return number("AGENTPLAT_LLM_TIMEOUT", 120.0, unit="seconds")


class OpenAIChatClient:
    """A ``ChatClient`` over ``openai.AsyncOpenAI``; retries are the caller's (see ``retry``)."""

    def __init__(self, base_url: str | None = None, api_key: str | None = None):
        self.base_url = base_url or os.environ.get("OPENAI_BASE_URL") or OPENAI_URL
        self.api_key = api_key or os.environ.get("OPENAI_API_KEY")
        if not self.api_key:
            if self.base_url.rstrip("/") == OPENAI_URL:
                raise ModelError("OPENAI_API_KEY is not set (or set OPENAI_BASE_URL for a local OpenAI-compatible server)")
            self.api_key = "not-needed"  # local servers (Ollama, llama.cpp, vLLM) accept any key
        self._client = None
        self._json_mode_ok = True

    @property
    def client(self):
        if self._client is None:
            import openai

            self._client = openai.AsyncOpenAI(
                base_url=self.base_url, api_key=self.api_key, max_retries=0, timeout=_timeout()
            )
        return self._client

    async def chat(self, request: ChatRequest, on_text: OnText | None = None) -> ChatResponse:
        import openai

        kwargs: dict[str, Any] = {"model": request.model, "messages": request.messages}
        if request.tools:
            kwargs["tools"] = request.tools
        if request.json_mode and self._json_mode_ok and not request.tools:
            kwargs["response_format"] = {"type": "json_object"}
        try:
            return await self._send_with_fallback(kwargs, on_text)
        except openai.AuthenticationError:
            raise ModelError(f"the endpoint {self.base_url} rejected the API key (check OPENAI_API_KEY)") from None
        except openai.NotFoundError as exc:
            raise ModelError(f"model {request.model!r} was not found at {self.base_url} ({_detail(exc)})") from None
        except openai.PermissionDeniedError as exc:
            raise ModelError(f"the endpoint {self.base_url} refused the request: {_detail(exc)}") from None
        except openai.BadRequestError as exc:
            raise ModelError(f"the endpoint {self.base_url} rejected the request: {_detail(exc)}") from None

    async def _send_with_fallback(self, kwargs: dict[str, Any], on_text: OnText | None) -> ChatResponse:
        import openai

        try:
            return await self._send(kwargs, on_text)
        except openai.BadRequestError:
            if "response_format" not in kwargs:
                raise
            # no JSON mode here: remember, and ask again; plain replies are parsed just as well
            self._json_mode_ok = False
            return await self._send({k: v for k, v in kwargs.items() if k != "response_format"}, on_text)

    async def _send(self, kwargs: dict[str, Any], on_text: OnText | None) -> ChatResponse:
        if on_text is None:
            completion = await self.client.chat.completions.create(**kwargs)
            choice = completion.choices[0]
            message = choice.message
            usage = completion.usage
            return ChatResponse(
                text=message.content or "",
                tool_calls=[
                    ToolCallRequest(id=c.id, name=c.function.name, arguments=c.function.arguments or "")
                    for c in message.tool_calls or []
                ],
                prompt_tokens=usage.prompt_tokens if usage else 0,
                completion_tokens=usage.completion_tokens if usage else 0,
                model=completion.model or kwargs["model"],
            )
        return await self._stream(kwargs, on_text)

    async def _stream(self, kwargs: dict[str, Any], on_text: OnText) -> ChatResponse:
        stream = await self.client.chat.completions.create(
            **kwargs, stream=True, stream_options={"include_usage": True}
        )
        response = ChatResponse(model=kwargs["model"])
        text: list[str] = []
        calls: dict[int, dict[str, str]] = {}
        async for chunk in stream:
            if chunk.usage:
                response.prompt_tokens = chunk.usage.prompt_tokens
                response.completion_tokens = chunk.usage.completion_tokens
            for choice in chunk.choices:
                delta = choice.delta
                if delta.content:
                    text.append(delta.content)
                    on_text(delta.content)
                for call in delta.tool_calls or []:
                    slot = calls.setdefault(call.index, {"id": "", "name": "", "arguments": ""})
                    slot["id"] = call.id or slot["id"]
                    if call.function is not None:
                        slot["name"] += call.function.name or ""
                        slot["arguments"] += call.function.arguments or ""
        response.text = "".join(text)
        response.tool_calls = [ToolCallRequest(**calls[i]) for i in sorted(calls)]
        return response


def _detail(exc: Exception) -> str:
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        message = body.get("message") or (body.get("error") or {}).get("message")
        if message:
            return str(message)
    return str(exc).splitlines()[0]
