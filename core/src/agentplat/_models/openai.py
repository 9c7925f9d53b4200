"""The ``openai`` backend: chat models over any OpenAI-compatible endpoint.

OpenAI itself, vLLM, Ollama, llama.cpp's server and LM Studio all speak this protocol.
``OPENAI_API_KEY`` and ``OPENAI_BASE_URL`` configure it; the SDK is imported only when a
call is made, so listing and offline planning never pay its import time.
"""

from __future__ import annotations

import os

from .._llm.openai_client import DEFAULT_MODEL, OpenAIChatClient


class OpenAIBackend:
    """Registered by core through ``register_models``, like any third-party backend."""

    name = "openai"
    setup = "set OPENAI_API_KEY (or OPENAI_BASE_URL for a local OpenAI-compatible server)"

    def configured(self) -> bool:
        return bool(os.environ.get("OPENAI_API_KEY") or os.environ.get("OPENAI_BASE_URL"))

    def create(self, model: str | None = None):
        from .chat_model import ChatModel  # here: listing and offline planning never load the LLM path

        return ChatModel(
            client=OpenAIChatClient(), default_model=model, name="openai", fallback_model=DEFAULT_MODEL,
            # plans stream by default; AGENTPLAT_STREAM=0 for endpoints that cannot stream
            stream_plans=os.environ.get("AGENTPLAT_STREAM", "1") != "0",
        )
