"""An LLM call as a ``flyte.trace``: Flyte records its input and output, so a retried task
replays the answer instead of sending the request again. Imported only inside a Flyte task.

The client and the streaming callback cannot cross Flyte's trace boundary (only the request
does), so they travel beside it in a context variable.
"""

from __future__ import annotations

import json
from contextvars import ContextVar

import flyte

from .._common.jsondata import dumps
from .chat import ChatClient, ChatRequest, ChatResponse, OnText

_current: ContextVar[tuple[ChatClient, OnText | None]] = ContextVar("agentplat_current_chat")


@flyte.trace
async def traced_llm_call(role: str, request_json: str) -> str:
    """One LLM call, recorded by Flyte (``role`` names it in Flyte's records)."""
    client, on_text = _current.get()
    response = await client.chat(ChatRequest(**json.loads(request_json)), on_text=on_text)
    return dumps(response.to_json())


async def traced_chat(client: ChatClient, request: ChatRequest, on_text: OnText | None) -> ChatResponse:
    token = _current.set((client, on_text))
    try:
        return ChatResponse.from_json(json.loads(await traced_llm_call(request.role, dumps(request.to_json()))))
    finally:
        _current.reset(token)
