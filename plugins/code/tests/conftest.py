"""Fixtures for the code agent's tests: a private AGENTPLAT_HOME, tight limits so the escape
suite's runaway code stops fast, and a scripted model's plans taken as they are."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def code_env(monkeypatch, tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("AGENTPLAT_HOME", str(home))
    monkeypatch.setenv("AGENTPLAT_FLYTE_RECORDS", "0")
    monkeypatch.setenv("AGENTPLAT_DETERMINISTIC_FIRST", "0")  # a scripted model plans what it is sent
    monkeypatch.setenv("AGENTPLAT_CODE_CPU_SECONDS", "1")
    monkeypatch.setenv("AGENTPLAT_CODE_WALL_SECONDS", "20")
    monkeypatch.setenv("AGENTPLAT_CODE_MEMORY_MB", "64")
    for name in ("AGENTPLAT_CODE_MAX_CALLS", "AGENTPLAT_CODE_OUTPUT_BYTES", "AGENTPLAT_CODE_MAX_DEPTH", "AGENTPLAT_MODEL",
                 "AGENTPLAT_ENGINE"):
        monkeypatch.delenv(name, raising=False)
    return home


@pytest.fixture
def endpoint(openai_server, monkeypatch):
    """agentplat pointed at the scripted loopback OpenAI server, as a user would."""
    monkeypatch.setenv("OPENAI_BASE_URL", openai_server.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    monkeypatch.setenv("AGENTPLAT_RETRY_WAIT", "0.01")
    return openai_server
