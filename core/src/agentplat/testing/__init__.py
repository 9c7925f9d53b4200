"""Test kit for agentplat and third-party plugins.

Why: plugin tests should exercise the real ``openai`` SDK (HTTP, retries, streaming, error
mapping) without network access or API keys. :class:`OpenAIServer` is a scripted,
OpenAI-compatible loopback server; enable its pytest fixture with
``pytest_plugins = ["agentplat.testing.pytest_plugin"]``. Tools that call other web
services get :class:`LoopbackHTTPServer`, which answers with recorded replies.
"""

from __future__ import annotations

from .http_server import HTTPReply, LoopbackHTTPServer, LoopbackHTTPServers, SeenRequest
from .openai_server import (
    DEFAULT_MODELS,
    Delay,
    Fail,
    OpenAIServer,
    RecordedRequest,
    Reply,
    ToolCall,
    estimate_tokens,
)
from .scripted import ScriptedClient, ScriptedModel

__all__ = [
    "DEFAULT_MODELS",
    "Delay",
    "Fail",
    "OpenAIServer",
    "RecordedRequest",
    "Reply",
    "ToolCall",
    "estimate_tokens",
    "ScriptedClient",
    "ScriptedModel",
    "HTTPReply",
    "LoopbackHTTPServer",
    "LoopbackHTTPServers",
    "SeenRequest",
]
