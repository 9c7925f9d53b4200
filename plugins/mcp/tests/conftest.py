"""Fixtures for the MCP plugin's tests: a private AGENTPLAT_HOME, and real MCP servers
written with the SDK (``servers/shout_server.py``), run with this Python."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from agentplat.testing import wait_until

SERVER = Path(__file__).parent / "servers" / "shout_server.py"
PLUGINS = "agentplat-mcp,agentplat-math"


@pytest.fixture
def home(tmp_path, monkeypatch):
    path = tmp_path / "home"
    path.mkdir()
    monkeypatch.setenv("AGENTPLAT_HOME", str(path))
    monkeypatch.setenv("AGENTPLAT_LOAD_PLUGINS", PLUGINS)
    monkeypatch.setenv("AGENTPLAT_FLYTE_RECORDS", "0")
    monkeypatch.setenv("AGENTPLAT_MCP_START_TIMEOUT", "20")
    monkeypatch.setenv("AGENTPLAT_MCP_CALL_TIMEOUT", "20")
    monkeypatch.setenv("AGENTPLAT_DETERMINISTIC_FIRST", "0")  # a scripted model plans what it is sent
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "AGENTPLAT_MODEL"):
        monkeypatch.delenv(name, raising=False)
    return path


class Servers:
    """Writes ``mcp.json`` entries for the test server; ``starts()`` counts its starts."""

    def __init__(self, home: Path, tmp_path: Path):
        self.home = home
        self.starts_file = tmp_path / "starts.txt"
        self.entries: dict = {}

    def stdio(self, name: str = "loud", mode: str = "stdio", env: dict | None = None) -> dict:
        entry = {"command": sys.executable, "args": [str(SERVER), mode],
                 "env": {"SHOUT_STARTS": str(self.starts_file), **(env or {})}}
        return self.add(name, entry)

    def url(self, name: str, url: str) -> dict:
        return self.add(name, {"url": url})

    def add(self, name: str, entry: dict) -> dict:
        self.entries[name] = entry
        (self.home / "mcp.json").write_text(json.dumps({"mcpServers": self.entries}))
        return entry

    def starts(self) -> list[str]:
        return self.starts_file.read_text().split() if self.starts_file.exists() else []


@pytest.fixture
def servers(home, tmp_path):
    return Servers(home, tmp_path)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen, timeout: float = 30) -> None:
    def listening() -> bool:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}: {process.stderr.read() if process.stderr else ''}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return True
        except OSError:
            return False

    wait_until(listening, timeout, interval=0.1, message=f"nothing listens on port {port} after {timeout}s")


@pytest.fixture
def spawn():
    """Start long-running processes for a test; every one is stopped at its end."""
    started: list[subprocess.Popen] = []

    def start(args: list[str], port: int, env: dict | None = None) -> subprocess.Popen:
        process = subprocess.Popen(args, env={**os.environ, **(env or {})}, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.PIPE, text=True)
        started.append(process)
        wait_for_port(port, process)
        return process

    yield start
    for process in started:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@pytest.fixture
def port() -> int:
    """A free loopback port."""
    return free_port()


@pytest.fixture
def http_server(spawn):
    """The test server over Streamable HTTP on a free loopback port; its URL."""
    port = free_port()
    spawn([sys.executable, str(SERVER), "http", str(port)], port)
    return f"http://127.0.0.1:{port}/mcp"
