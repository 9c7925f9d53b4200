"""A loopback HTTP server that answers with recorded (or computed) replies, for tools' tests.

Why: a tool that calls a web service must be tested over real HTTP (httpx, timeouts,
redirects, URL encoding, status handling), but never against the real service. This server
is a stdlib ``ThreadingHTTPServer`` on ``127.0.0.1:<free port>`` that answers every request
from a handler or a table of routes and records what it received; point the tool's
base-URL environment variable at :attr:`LoopbackHTTPServer.url`. Standard library only.

Usage::

    with LoopbackHTTPServer({"/search": HTTPReply(200, recorded_json)}) as server:
        monkeypatch.setenv("AGENTPLAT_MYSERVICE_URL", server.url)
        ...
        [seen] = server.requests
        assert seen.query == {"q": ["python"]}

    LoopbackHTTPServer(lambda seen: HTTPReply(503, "busy"))       # computed from the request
    LoopbackHTTPServer(lambda seen: HTTPReply(body=data, delay=5))  # a timeout test

In pytest, :class:`LoopbackHTTPServers` hands out servers that are all stopped after the test.
"""

from __future__ import annotations

import json
import threading
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Union
from urllib.parse import parse_qs, urlsplit

__all__ = ["HTTPReply", "LoopbackHTTPServer", "LoopbackHTTPServers", "SeenRequest"]


@dataclass
class SeenRequest:
    """One request as the server received it. ``target`` is the raw request-line target
    (path and query, still percent-encoded); ``headers`` has lower-cased names."""

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
class HTTPReply:
    """What to answer: ``status``, ``body``, extra ``headers``, after ``delay`` seconds.

    ``body`` may be bytes (``application/octet-stream``), ``str`` (``text/plain; charset=utf-8``)
    or a dict/list (sent as JSON, ``application/json``); a ``Content-Type`` in ``headers`` wins.
    A ``delay`` longer than the client's timeout makes a timeout test; stopping the server
    cuts it short and the request gets no answer.
    """

    status: int = 200
    body: Any = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0

    def payload(self) -> tuple[bytes, str]:
        """The body as bytes, and the ``Content-Type`` it implies."""
        if isinstance(self.body, (dict, list)):
            return json.dumps(self.body, ensure_ascii=False).encode(), "application/json"
        if isinstance(self.body, str):
            return self.body.encode(), "text/plain; charset=utf-8"
        return bytes(self.body), "application/octet-stream"


#: ``handler(seen) -> HTTPReply``, or routes: ``{path: HTTPReply or handler}`` (others get a 404).
Answer = Union[Callable[[SeenRequest], HTTPReply], Mapping[str, Union[HTTPReply, Callable[[SeenRequest], HTTPReply]]]]


class LoopbackHTTPServer:
    """A threaded HTTP server on ``127.0.0.1`` answering every request from ``answer``.

    ``answer`` is ``handler(seen) -> HTTPReply`` or a mapping from a path (``seen.path``) to
    an :class:`HTTPReply` or a handler; a path it lacks gets a 404. A handler that raises is
    answered with a 500 and its exception is kept in :attr:`errors`. Every request is kept
    in :attr:`requests`, in arrival order.
    """

    def __init__(self, answer: Answer) -> None:
        self.answer = answer
        #: Every request received, in arrival order.
        self.requests: list[SeenRequest] = []
        #: Exceptions raised by a handler (each request was answered with a 500).
        self.errors: list[BaseException] = []
        self._stopping = threading.Event()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler_class(self))  # bound now: url is known
        self._httpd.daemon_threads = True
        self._httpd.block_on_close = False  # idle keep-alive connections must not hold stop() up
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                        name=f"loopback-http-server:{self.port}", daemon=True)

    @property
    def port(self) -> int:
        return self._httpd.server_address[1]

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT``, without a trailing slash."""
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> LoopbackHTTPServer:
        """Serve in a daemon thread (once: a stopped server stays stopped)."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and release the port; delayed replies are cut short and never sent."""
        if self._stopping.is_set():
            return
        self._stopping.set()
        if self._thread.is_alive():
            self._httpd.shutdown()
            self._thread.join(timeout=5)
        self._httpd.server_close()

    def __enter__(self) -> LoopbackHTTPServer:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    # -- request handling (runs in handler threads) --------------------------------------

    def _reply_to(self, seen: SeenRequest) -> HTTPReply:
        self.requests.append(seen)
        answer = self.answer
        if isinstance(answer, Mapping):
            route = answer.get(seen.path)
            answer = HTTPReply(404, f"no route for {seen.path}") if route is None else route
        if isinstance(answer, HTTPReply):
            return answer
        try:
            return answer(seen)
        except Exception as exc:  # noqa: BLE001 - shown to the test through errors and the 500
            self.errors.append(exc)
            return HTTPReply(500, "".join(traceback.format_exception(exc)))


def _handler_class(owner: LoopbackHTTPServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "agentplat-loopback-http-server/1"

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - keep test output quiet
            pass

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            seen = SeenRequest(self.command, self.path, {k.lower(): v for k, v in self.headers.items()},
                               self.rfile.read(length) if length else b"")
            reply = owner._reply_to(seen)
            if reply.delay and owner._stopping.wait(reply.delay):
                self.close_connection = True
                return
            body, default_type = reply.payload()
            try:
                self.send_response(reply.status)
                for key, value in {"Content-Type": default_type, **reply.headers}.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout tests)
                self.close_connection = True

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _serve

    return Handler


class LoopbackHTTPServers:
    """The loopback servers of one test: ``serve(answer)`` starts one, ``close()`` stops them all.

    A pytest fixture is three lines::

        @pytest.fixture
        def http():
            with LoopbackHTTPServers() as servers:
                yield servers

    and a test writes ``server = http.serve(lambda seen: http.Reply(body=recorded))``.
    """

    Reply = HTTPReply

    def __init__(self) -> None:
        self.servers: list[LoopbackHTTPServer] = []

    def serve(self, answer: Answer) -> LoopbackHTTPServer:
        """Start a :class:`LoopbackHTTPServer` answering from ``answer``; stopped by ``close()``."""
        server = LoopbackHTTPServer(answer).start()
        self.servers.append(server)
        return server

    def close(self) -> None:
        for server in self.servers:
            server.stop()
        self.servers.clear()

    def __enter__(self) -> LoopbackHTTPServers:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
