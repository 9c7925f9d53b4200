"""Fixtures for the weather tests: wttr.in's recorded answers, replayed by a loopback server.

The tools run against ``agentplat.testing.LoopbackHTTPServers`` on 127.0.0.1 (real HTTP,
timeouts and URL encoding, never the real network); ``weather_env`` points them at it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from agentplat.testing import LoopbackHTTPServer, LoopbackHTTPServers

DATA = Path(__file__).parent / "data"


@pytest.fixture
def http():
    """``http.serve(handler)`` starts a loopback server (stopped after the test); ``http.Reply`` is its reply."""
    with LoopbackHTTPServers() as servers:
        yield servers


@pytest.fixture
def paris() -> dict[str, Any]:
    """A fresh copy of the recorded wttr.in ``?format=j1`` answer for Paris."""
    return json.loads((DATA / "wttr_paris_j1.json").read_text(encoding="utf-8"))


@pytest.fixture
def weather_env(monkeypatch, tmp_path):
    """Isolate the tests from the user's configuration; returns a function pointing at a server."""
    monkeypatch.setenv("AGENTPLAT_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("AGENTPLAT_HTTP_TIMEOUT", "5")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")

    def point_at(server: LoopbackHTTPServer) -> None:
        monkeypatch.setenv("AGENTPLAT_WEATHER_URL", server.url)

    return point_at
