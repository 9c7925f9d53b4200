"""Fixtures for the report plugin's tests: a private AGENTPLAT_HOME for every test, the
loopback OpenAI server as the configured endpoint, and the report app started as a user
starts it (``agentplat report serve``)."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import time

import httpx
import pytest

from agentplat.testing import cli_command


@pytest.fixture(autouse=True)
def home(tmp_path, monkeypatch):
    """A private AGENTPLAT_HOME for every test (and its subprocesses); Flyte's own run
    records (written under ~/.flyte) are left off."""
    path = tmp_path / "home"
    path.mkdir()
    monkeypatch.setenv("AGENTPLAT_HOME", str(path))
    monkeypatch.setenv("AGENTPLAT_FLYTE_RECORDS", "0")
    monkeypatch.setenv("AGENTPLAT_DETERMINISTIC_FIRST", "0")  # a scripted model plans what it is sent
    return path


@pytest.fixture
def endpoint(openai_server, monkeypatch):
    """Point agentplat at the loopback OpenAI server, as a user would with environment
    variables; subprocesses started by the test inherit them."""
    monkeypatch.setenv("OPENAI_BASE_URL", openai_server.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    monkeypatch.setenv("AGENTPLAT_RETRY_WAIT", "0.01")
    monkeypatch.delenv("AGENTPLAT_MODEL", raising=False)
    monkeypatch.delenv("AGENTPLAT_ENGINE", raising=False)
    return openai_server


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def serving_report_app(*args: str, env: dict[str, str]):
    """``agentplat report serve ARGS`` on a free loopback port, as a user starts it; yields its
    URL once it answers, and stops it afterwards."""
    port = free_port()
    proc = subprocess.Popen(
        [*cli_command(), "report", "serve", *args, "--port", str(port)],
        env={**os.environ, **env}, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            if httpx.get(url + "/", timeout=1).status_code == 200:
                break
        except httpx.TransportError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"the app did not start: {proc.communicate()[1]}")
        time.sleep(0.1)
    try:
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture
def report_app():
    """``with report_app(*args, env={...}) as url:`` runs ``agentplat report serve ARGS`` on a
    free loopback port until the block ends; ``url`` answers when the block starts."""
    return serving_report_app
