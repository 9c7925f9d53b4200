"""``ScriptedModel``: a chat model whose replies come from a script, for fast unit tests.

It runs the same planner, repair loop and specialist loop as the ``openai`` backend, only
without HTTP (use ``OpenAIServer`` to test the real client path). Replies take the shapes
``OpenAIServer`` accepts: a string, ``ScriptedToolCall``(s), ``Reply``, or a mapping; or a callable
``handler(request) -> reply`` used once the script runs out.
"""

from __future__ import annotations

import itertools
from typing import Any, Callable, Iterable

from .._llm.chat import ChatRequest, ChatResponse, OnText, ToolCallRequest
from .._models.chat_model import ChatModel
from .._models.select import override
from .openai_server import Fail, estimate_tokens, to_reply

_ids = itertools.count(1)


class ScriptedClient:
    """A ``ChatClient`` that answers from a script and records every request."""

    def __init__(self, replies: Iterable[Any] = (), handler: Callable[[ChatRequest], Any] | None = None):
        self.replies = list(replies)
        self.handler = handler
        self.requests: list[ChatRequest] = []
        self.base_url = "scripted"

    async def chat(self, request: ChatRequest, on_text: OnText | None = None) -> ChatResponse:
        self.requests.append(request)
        if self.replies:
            value = self.replies.pop(0)
        elif self.handler is not None:
            value = self.handler(request)
        else:
            raise AssertionError(f"ScriptedModel has no reply left for a {request.role} call")
        reply = to_reply(value)
        if isinstance(reply, Fail):
            from .._common.errors import TransientError

            raise TransientError(f"scripted failure {reply.status}")
        text = reply.content or ""
        if on_text is not None and text:
            for i in range(0, len(text), 16):
                on_text(text[i : i + 16])
        prompt = " ".join(str(m.get("content") or "") for m in request.messages)
        return ChatResponse(
            text=text,
            tool_calls=[
                ToolCallRequest(id=c.id or f"call_{next(_ids)}", name=c.name, arguments=c.arguments_json)
                for c in reply.tool_calls
            ],
            prompt_tokens=estimate_tokens(prompt),
            completion_tokens=estimate_tokens(text),
            model=request.model,
        )


class ScriptedModel(ChatModel):
    """``ScriptedModel(['{"steps": [...]}', ScriptedToolCall("add", {"a": 1, "b": 2}), "done"])``."""

    def __init__(self, replies: Iterable[Any] = (), handler: Callable[[ChatRequest], Any] | None = None,
                 *, stream_plans: bool = True):
        super().__init__(ScriptedClient(replies, handler), default_model="scripted", name="scripted",
                         fallback_model="scripted", stream_plans=stream_plans)

    @property
    def requests(self) -> list[ChatRequest]:
        return self.client.requests


def override_model(model):
    """``with override_model(ScriptedModel([...])):`` every model a run (or a tool, or
    ``plan_request``) selects in this block is ``model``, whatever name was asked for: in the
    spirit of pydantic-ai's ``Agent.override``. The block's runs, inline or on local Flyte, use
    that very object, so its ``requests`` show every call they made."""
    return override(model)
