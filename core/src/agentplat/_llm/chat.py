"""One chat call, whatever answers it: the request/response types every chat model shares.

``ChatClient`` is the seam between agentplat and a provider: the ``openai`` SDK for any
OpenAI-compatible endpoint, or a scripted client in tests (``agentplat.testing``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Protocol

OnText = Callable[[str], None]


@dataclass
class ToolCallRequest:
    """A function call the model asked for; ``arguments`` is raw JSON text, maybe malformed."""

    id: str
    name: str
    arguments: str


@dataclass
class ChatResponse:
    text: str = ""
    tool_calls: list[ToolCallRequest] = field(default_factory=list)
    prompt_tokens: int = 0
    completion_tokens: int = 0
    model: str = ""
    finish_reason: str = ""  # "stop", "length" (cut at max_tokens), "tool_calls"; "" if the server said none
    usage_estimated: bool = False  # the server reported no usage: tokens were counted from the text
    replayed: bool = False  # served from the run store, not from the endpoint

    def message(self) -> dict[str, Any]:
        """The assistant message to append to the conversation."""
        # "" rather than null beside tool calls: OpenAI takes either, llama.cpp's server only a string
        msg: dict[str, Any] = {"role": "assistant", "content": self.text or ("" if self.tool_calls else None)}
        if self.tool_calls:
            msg["tool_calls"] = [
                {"id": c.id, "type": "function", "function": {"name": c.name, "arguments": c.arguments}}
                for c in self.tool_calls
            ]
        return msg

    def to_json(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "tool_calls": [c.__dict__ for c in self.tool_calls],
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "model": self.model,
            "finish_reason": self.finish_reason,
            "usage_estimated": self.usage_estimated,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "ChatResponse":
        return cls(
            text=data.get("text") or "",
            tool_calls=[ToolCallRequest(**c) for c in data.get("tool_calls") or []],
            prompt_tokens=int(data.get("prompt_tokens") or 0),
            completion_tokens=int(data.get("completion_tokens") or 0),
            model=data.get("model") or "",
            finish_reason=data.get("finish_reason") or "",
            usage_estimated=bool(data.get("usage_estimated")),
        )


@dataclass
class ChatRequest:
    """One chat call. ``json_schema`` asks for output constrained to that schema where the
    endpoint can (else plain JSON mode); ``tool_choice`` is ``"auto"``, ``"required"`` or a
    tool's name; ``max_tokens`` and ``temperature`` are sent when set."""

    model: str
    messages: list[dict[str, Any]]
    tools: list[dict[str, Any]] | None = None
    json_mode: bool = False
    role: str = "default"
    json_schema: dict[str, Any] | None = None
    tool_choice: str | None = None
    max_tokens: int | None = None
    temperature: float | None = None

    def to_json(self) -> dict[str, Any]:
        data = {"model": self.model, "messages": self.messages, "tools": self.tools,
                "json_mode": self.json_mode, "role": self.role}
        for key in ("json_schema", "tool_choice", "max_tokens", "temperature"):
            if getattr(self, key) is not None:
                data[key] = getattr(self, key)
        return data


class ChatClient(Protocol):
    """Sends one chat request; streams text to ``on_text`` when given (and supported)."""

    async def chat(self, request: ChatRequest, on_text: OnText | None = None) -> ChatResponse: ...
