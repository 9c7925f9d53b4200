"""The chat client for any OpenAI-compatible endpoint, over the official ``openai`` SDK.

OpenAI itself, vLLM, Ollama, llama.cpp's server and LM Studio all speak this protocol, with
dialects: how a reply can be constrained to a JSON schema differs (``forms``, negotiated
once per endpoint and model, and remembered), some servers send no usage in streams, some
answer tool calls only when ``tool_choice`` names a function. ``OPENAI_API_KEY`` and
``OPENAI_BASE_URL`` configure it; the SDK is imported only when a call is made.
"""

from __future__ import annotations

import contextlib
import os
import weakref
from typing import Any

from .._common.errors import ModelError, TransientError
from .._common.settings import number
from . import forms
from .chat import ChatRequest, ChatResponse, OnText, ToolCallRequest

DEFAULT_MODEL = "gpt-4o-mini"
OPENAI_URL = "https://api.openai.com/v1"


def _timeout() -> float:
    """Seconds to wait for each read (the whole call has its own deadline, ``[llm] deadline``)."""
    return number("AGENTPLAT_LLM_TIMEOUT", 120.0, unit="seconds")


def estimate_tokens(text: str) -> int:
    """About four characters a token: for servers that report no usage."""
    return (len(text) + 3) // 4 if text else 0


#: One SDK client per event loop and endpoint: the runs of a batch (and the calls of a run)
#: share its connections, and nobody pays for a new client and TLS context per run. An SDK
#: client's connections belong to the loop that opened them, so a new loop gets its own.
_clients: "weakref.WeakKeyDictionary[Any, dict[tuple, Any]]" = weakref.WeakKeyDictionary()


def _shared_client(base_url: str, api_key: str, timeout: float):
    import asyncio

    import openai

    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:  # outside a loop: a client of its own
        return openai.AsyncOpenAI(base_url=base_url, api_key=api_key, max_retries=0, timeout=timeout)
    mine = _clients.setdefault(loop, {})
    key = (base_url, api_key, timeout)
    if key not in mine:
        mine[key] = openai.AsyncOpenAI(base_url=base_url, api_key=api_key, max_retries=0, timeout=timeout)
    return mine[key]


class OpenAIChatClient:
    """A ``ChatClient`` over ``openai.AsyncOpenAI``; retries are the caller's (see ``retry``)."""

    provider = "openai"  # the protocol it speaks, for traces (GenAI semantic conventions)

    def __init__(self, base_url: str | None = None, api_key: str | None = None):
        self.base_url = base_url or os.environ.get("OPENAI_BASE_URL") or OPENAI_URL
        self.api_key = api_key or os.environ.get("OPENAI_API_KEY")
        if not self.api_key:
            if self.base_url.rstrip("/") == OPENAI_URL:
                raise ModelError("OPENAI_API_KEY is not set (or set OPENAI_BASE_URL for a local OpenAI-compatible server)")
            self.api_key = "not-needed"  # local servers (Ollama, llama.cpp, vLLM) accept any key

    @property
    def client(self):
        return _shared_client(self.base_url, self.api_key, _timeout())

    def _kwargs(self, request: ChatRequest) -> dict[str, Any]:
        kwargs: dict[str, Any] = {"model": request.model, "messages": request.messages}
        if request.tools:
            kwargs["tools"] = request.tools
            if request.tool_choice in ("auto", "required", "none"):
                kwargs["tool_choice"] = request.tool_choice
            elif request.tool_choice:
                kwargs["tool_choice"] = {"type": "function", "function": {"name": request.tool_choice}}
        if request.max_tokens is not None:
            kwargs["max_tokens"] = request.max_tokens
        if request.temperature is not None:
            kwargs["temperature"] = request.temperature
        return kwargs

    async def chat(self, request: ChatRequest, on_text: OnText | None = None) -> ChatResponse:
        import openai

        kwargs = self._kwargs(request)
        wants = forms.wanted(request) if not request.tools else None
        try:
            if wants is None:
                return await self._send(kwargs, on_text, request)
            return await self._send_negotiated(kwargs, on_text, request, wants)
        except openai.AuthenticationError:
            raise ModelError(f"the endpoint {self.base_url} rejected the API key (check OPENAI_API_KEY)") from None
        except openai.NotFoundError as exc:
            raise ModelError(f"model {request.model!r} was not found at {self.base_url} ({_detail(exc)})") from None
        except openai.PermissionDeniedError as exc:
            raise ModelError(f"the endpoint {self.base_url} refused the request: {_detail(exc)}") from None
        except openai.APIStatusError as exc:
            if _context_overflow(exc):
                raise ModelError(f"the conversation does not fit the context window of {request.model!r} at "
                                 f"{self.base_url} ({_detail(exc)})") from None
            if exc.status_code in (400, 422):
                raise ModelError(f"the endpoint {self.base_url} rejected the request: {_detail(exc)}") from None
            raise

    async def _send_negotiated(self, kwargs: dict[str, Any], on_text: OnText | None, request: ChatRequest,
                               wants: str) -> ChatResponse:
        """Send with the best response format this endpoint accepts; a clear refusal of one
        (an error naming ``response_format``) moves to the next, and the endpoint's answer is
        remembered. A timeout or an overloaded server moves nothing."""
        import openai

        key = forms.endpoint_key(self.base_url, request.model)
        form = forms.start(key, wants)
        while True:
            try:
                return await self._send({**kwargs, **forms.response_format(form, request)}, on_text, request)
            except openai.APIStatusError as exc:
                nxt = forms.next_form(form)
                if nxt is None or exc.status_code not in (400, 422, 500) or not forms.refuses_format(_detail(exc)):
                    raise
                form = forms.demote(key, form, nxt)

    async def _send(self, kwargs: dict[str, Any], on_text: OnText | None, request: ChatRequest) -> ChatResponse:
        if on_text is None:
            completion = await self.client.chat.completions.create(**kwargs)
            choice = completion.choices[0]
            message = choice.message
            usage = completion.usage
            response = ChatResponse(
                text=message.content or "",
                tool_calls=[
                    ToolCallRequest(id=c.id, name=c.function.name, arguments=c.function.arguments or "")
                    for c in message.tool_calls or []
                ],
                prompt_tokens=usage.prompt_tokens if usage else 0,
                completion_tokens=usage.completion_tokens if usage else 0,
                model=completion.model or kwargs["model"],
                finish_reason=choice.finish_reason or "",
            )
            if usage is None:
                _estimate_usage(response, request)
            return response
        return await self._stream(kwargs, on_text, request)

    async def _stream(self, kwargs: dict[str, Any], on_text: OnText, request: ChatRequest) -> ChatResponse:
        stream = await self.client.chat.completions.create(
            **kwargs, stream=True, stream_options={"include_usage": True}
        )
        response = ChatResponse(model=kwargs["model"])
        text: list[str] = []
        calls: dict[int, dict[str, str]] = {}
        usage_seen = False
        cap, received = reply_cap(kwargs.get("max_tokens")), 0
        try:
            async for chunk in stream:
                received += sum(len(c.delta.content or "") + sum(len(t.function.arguments or "") + len(
                    t.function.name or "") for t in c.delta.tool_calls or [] if t.function is not None)
                    for c in chunk.choices)
                if received > cap:  # a server that ignores max_tokens: stop reading, pay no more
                    raise ModelError(f"the reply from {self.base_url} passed {cap} characters, more than "
                                     f"max_tokens allows (AGENTPLAT_MAX_REPLY_BYTES); it was cut off")
                if chunk.usage:
                    usage_seen = True
                    response.prompt_tokens = chunk.usage.prompt_tokens
                    response.completion_tokens = chunk.usage.completion_tokens
                for choice in chunk.choices:
                    if choice.finish_reason:
                        response.finish_reason = choice.finish_reason
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
        except BaseException:
            # the reader gave up (a plan cut at the step limit, a cancelled run): close the
            # connection, so the server stops writing and nothing more is generated for us
            with contextlib.suppress(Exception):
                await stream.close()
            raise
        response.text = "".join(text)
        response.tool_calls = [ToolCallRequest(**calls[i]) for i in sorted(calls)]
        if not response.finish_reason:
            # the stream closed without saying why it ended: cut off (a server that lets a new
            # request interrupt a running one does this), so the reply is not whole
            raise TransientError(f"the reply stream from {self.base_url} ended before the reply was complete")
        if not usage_seen:
            _estimate_usage(response, request)
        return response


def reply_cap(max_tokens: int | None) -> int:
    """How much streamed reply (characters of text and tool calls) is read before the call
    fails: ``AGENTPLAT_MAX_REPLY_BYTES``, else 32 per token of ``max_tokens`` (a token is ~4),
    at least 1 MB; so a stream that ignores its limit cannot grow without bound."""
    default = max(1_000_000, 32 * (max_tokens or 0))
    return number("AGENTPLAT_MAX_REPLY_BYTES", default, kind=int, unit="bytes")


def _estimate_usage(response: ChatResponse, request: ChatRequest) -> None:
    prompt = " ".join(str(m.get("content") or "") for m in request.messages)
    response.prompt_tokens = estimate_tokens(prompt)
    response.completion_tokens = estimate_tokens(response.text + "".join(c.arguments for c in response.tool_calls))
    response.usage_estimated = True


def _context_overflow(exc: Exception) -> bool:
    text = _detail(exc).lower()
    return "context" in text and any(w in text for w in ("length", "window", "exceed", "too long", "maximum"))


def _detail(exc: Exception, limit: int = 300) -> str:
    """What the server said, on one line: its message (servers put tracebacks in it too)."""
    body = getattr(exc, "body", None)
    message = ""
    if isinstance(body, dict):
        message = str(body.get("message") or (body.get("error") or {}).get("message") or "")
    message = " ".join((message or str(exc)).split())
    return message if len(message) <= limit else message[: limit - 1] + "…"
