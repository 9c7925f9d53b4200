"""Test kit for agentplat and third-party plugins.

Why: plugin tests should exercise the real ``openai`` SDK (HTTP, retries, streaming, error
mapping) without network access or API keys. :class:`OpenAIServer` is a scripted,
OpenAI-compatible loopback server; enable its pytest fixture with
``pytest_plugins = ["agentplat.testing.pytest_plugin"]``. Tools that call other web
services get :class:`LoopbackHTTPServer`, which answers with recorded replies. A whole run
can be driven by a :class:`ScriptedModel` with no HTTP at all: pass it to ``run_request(model=...)``
or swap it in for a block with ``with override_model(ScriptedModel([...])):``. ``dumps`` is how
a tool's result crosses task boundaries (check yours serialises); ``with_retries`` calls a
tool the way a direct step does (retried with backoff on transient errors).

End to end through the command line: ``run_cli("run", "--json", "Add 3 and 4")`` runs
``agentplat ARGS`` in a fresh Python process and returns a :class:`CliResult` (``.code``,
``.stdout``, ``.stderr``, ``.json()``). Its ``AGENTPLAT_HOME`` is ``home=`` (or ``env=``'s),
else the one already set in the environment (a fixture's ``monkeypatch.setenv``, so the test
can read the same store afterwards), else a temporary folder removed when the command ends;
``OPENAI_API_KEY`` and ``OPENAI_BASE_URL`` reach it only when ``env=`` passes them.
``cli_command()`` is the argv prefix, for a command a test starts in the background.
``offline_answer(request)`` is what the embedded offline model answers (``None``: refused).
``wait_until(predicate, timeout)`` waits for a condition (another thread, a started
process) instead of sleeping for a guessed time.
"""

from __future__ import annotations

from .cli_runner import CliResult, cli_command, run_cli
from .http_server import HTTPReply, LoopbackHTTPServer, LoopbackHTTPServers, SeenRequest
from .openai_server import (
    DEFAULT_MODELS,
    Delay,
    Fail,
    OpenAIServer,
    RecordedRequest,
    Reply,
    ScriptedToolCall,
    estimate_tokens,
)
from .offline import offline_answer
from .scripted import ScriptedClient, ScriptedModel, override_model
from .waiting import wait_until
from .._common.jsondata import dumps
from .._common.retry import with_retries

__all__ = [
    "offline_answer",
    "DEFAULT_MODELS",
    "Delay",
    "Fail",
    "OpenAIServer",
    "RecordedRequest",
    "Reply",
    "ScriptedToolCall",
    "estimate_tokens",
    "ScriptedClient",
    "ScriptedModel",
    "override_model",
    "dumps",
    "with_retries",
    "HTTPReply",
    "LoopbackHTTPServer",
    "LoopbackHTTPServers",
    "SeenRequest",
    "CliResult",
    "cli_command",
    "run_cli",
    "wait_until",
]
