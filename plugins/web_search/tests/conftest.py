"""Fixtures for the web_search tests: recorded search results and pages over loopback HTTP.

Search backends and ``fetch_page`` talk to ``agentplat.testing.LoopbackHTTPServers`` on
127.0.0.1 instead of the network; ``search_env`` clears the user's settings for every test.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from agentplat.testing import LoopbackHTTPServers

DATA = Path(__file__).parent / "data"


@pytest.fixture
def http():
    """``http.serve(handler)`` starts a loopback server (stopped after the test); ``http.Reply`` is its reply."""
    with LoopbackHTTPServers() as servers:
        yield servers


@pytest.fixture
def data():
    """``data(name) -> bytes``: a recorded answer of a real service, from tests/data."""
    return lambda name: (DATA / name).read_bytes()


@pytest.fixture(autouse=True)
def search_env(monkeypatch, tmp_path):
    """Isolate every test from the user's configuration and data directory."""
    for name in ("AGENTPLAT_SEARCH_BACKEND", "AGENTPLAT_SEARXNG_URL", "AGENTPLAT_TAVILY_URL", "TAVILY_API_KEY",
                 "AGENTPLAT_DUCKDUCKGO_URL", "AGENTPLAT_SEARCH_PATH", "AGENTPLAT_FETCH_MAX_BYTES",
                 "AGENTPLAT_FETCH_MAX_CHARS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AGENTPLAT_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("AGENTPLAT_HTTP_TIMEOUT", "5")
    monkeypatch.setenv("AGENTPLAT_DETERMINISTIC_FIRST", "0")  # a scripted model plans what it is sent
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("AGENTPLAT_FETCH_ALLOW_PRIVATE", "1")  # the recorded pages are served on loopback
