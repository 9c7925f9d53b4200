"""Shared helpers for the weather tests: a loopback HTTP server that replays recorded answers.

Why: the plugin must be exercised over real HTTP (httpx, timeouts, URL encoding) without
the real network, so each test runs a stdlib ``ThreadingHTTPServer`` on 127.0.0.1:0.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Callable
from urllib.parse import parse_qs, urlsplit

import pytest

DATA = Path(__file__).parent / "data"


def paris_report() -> dict[str, Any]:
    """A recorded wttr.in ``?format=j1`` answer for Paris."""
    return json.loads((DATA / "wttr_paris_j1.json").read_text(encoding="utf-8"))


@dataclass
class Seen:
    """One request as the server received it (``target`` is the raw request line target)."""

    method: str
    target: str
    headers: dict[str, str]
    body: bytes

    @property
    def path(self) -> str:
        return urlsplit(self.target).path

    @property
    def query(self) -> dict[str, list[str]]:
        return parse_qs(urlsplit(self.target).query)


@dataclass
class Reply:
    status: int = 200
    body: Any = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0

    def payload(self) -> tuple[bytes, str]:
        if isinstance(self.body, (dict, list)):
            return json.dumps(self.body, ensure_ascii=False).encode(), "application/json"
        if isinstance(self.body, str):
            return self.body.encode(), "text/plain; charset=utf-8"
        return bytes(self.body), "application/octet-stream"


class Loopback:
    """A threaded HTTP server on 127.0.0.1 answering every request with ``handler(seen)``."""

    def __init__(self, handler: Callable[[Seen], Reply]):
        self.handler = handler
        self.requests: list[Seen] = []
        self._stopping = threading.Event()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:  # keep test output quiet
                pass

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                seen = Seen(self.command, self.path, {k.lower(): v for k, v in self.headers.items()},
                            self.rfile.read(length) if length else b"")
                owner.requests.append(seen)
                reply = owner.handler(seen)
                if reply.delay and owner._stopping.wait(reply.delay):
                    return
                body, default_type = reply.payload()
                try:
                    self.send_response(reply.status)
                    headers = {"Content-Type": default_type, **reply.headers}
                    for key, value in headers.items():
                        self.send_header(key, value)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout tests)
                    pass

            do_GET = do_POST = do_HEAD = _serve

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.httpd.block_on_close = False
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def start(self) -> "Loopback":
        self.thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self.httpd.shutdown()
        self.httpd.server_close()


class HttpKit:
    """What a test gets from the ``http`` fixture: ``http.serve(handler)`` and ``http.Reply``."""

    Reply = Reply

    def __init__(self) -> None:
        self.servers: list[Loopback] = []

    def serve(self, handler: Callable[[Seen], Reply]) -> Loopback:
        """Start a loopback server answering with ``handler(seen)``; stopped after the test."""
        server = Loopback(handler).start()
        self.servers.append(server)
        return server

    def close(self) -> None:
        for server in self.servers:
            server.stop()


@pytest.fixture
def http():
    kit = HttpKit()
    yield kit
    kit.close()


@pytest.fixture
def paris() -> dict[str, Any]:
    """A fresh copy of the recorded wttr.in answer for Paris."""
    return paris_report()


@pytest.fixture
def weather_env(monkeypatch, tmp_path):
    """Isolate the tests from the user's configuration; returns a function pointing at a server."""
    monkeypatch.setenv("AGENTPLAT_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("AGENTPLAT_HTTP_TIMEOUT", "5")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")

    def point_at(server: Loopback) -> None:
        monkeypatch.setenv("AGENTPLAT_WEATHER_URL", server.url)

    return point_at
