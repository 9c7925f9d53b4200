"""A loopback HTTP server that speaks enough of the OpenAI chat-completions protocol
for the official ``openai`` SDK to work against it unchanged.

Why: agentplat and third-party plugins talk to models through the real SDK. Faking the
SDK (monkeypatching ``client.chat.completions.create``) skips exactly the layers that break
in production: HTTP, retries, SSE streaming, error mapping, auth headers. This server is
real HTTP on ``127.0.0.1`` with scripted replies, so tests exercise those layers and stay
offline and deterministic. Standard library only.

Usage::

    with OpenAIServer(api_key="sk-test") as server:
        server.reply("hello").reply_tool_call("add", {"a": 1, "b": 2}).fail(429)
        client = openai.OpenAI(base_url=server.base_url, api_key="sk-test")
        ...
        assert server.chat_requests[0].messages[-1]["content"] == "hi"
"""

from __future__ import annotations

import itertools
import json
import math
import socket
import sys
import threading
import traceback
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

__all__ = [
    "DEFAULT_MODELS",
    "Delay",
    "Fail",
    "OpenAIServer",
    "RecordedRequest",
    "Reply",
    "ScriptedToolCall",
    "estimate_tokens",
]

#: Models served when none are configured.
DEFAULT_MODELS: tuple[str, ...] = ("gpt-4o-mini", "gpt-4o", "test-model")


# --------------------------------------------------------------------------- script items


@dataclass(frozen=True)
class Fail:
    """Answer the next ``times`` chat requests with an HTTP error instead of a reply.

    Why: retry and error-mapping code (429 → ``RateLimitError``, 5xx → ``InternalServerError``)
    can only be tested against real status codes. ``retry_after`` (seconds) is sent as
    ``retry-after`` / ``retry-after-ms`` headers, which the SDK honours.
    """

    status: int = 500
    times: int = 1
    retry_after: float | None = None
    message: str | None = None

    def __post_init__(self) -> None:
        if self.times < 1:
            raise ValueError("Fail.times must be >= 1")
        if not 400 <= self.status <= 599:
            raise ValueError("Fail.status must be an HTTP error status (4xx/5xx)")


@dataclass(frozen=True)
class Delay:
    """Sleep ``seconds`` before handling the next scripted item (on top of ``latency``).

    Why: lets one specific call be slow, e.g. to hit a client timeout.
    """

    seconds: float


@dataclass(frozen=True)
class ScriptedToolCall:
    """One tool call in a scripted assistant reply. ``arguments`` may be a dict or a JSON string."""

    name: str
    arguments: Mapping[str, Any] | str = field(default_factory=dict)
    id: str | None = None

    @property
    def arguments_json(self) -> str:
        if isinstance(self.arguments, str):
            return self.arguments
        return json.dumps(dict(self.arguments))


@dataclass(frozen=True)
class Reply:
    """A scripted assistant message: text, tool calls, or both.

    ``finish_reason`` defaults to ``"tool_calls"`` when there are tool calls, else ``"stop"``;
    ``"cut"`` ends a streamed reply with no finish at all (a server that let another request
    interrupt it does that).
    ``chunk_size`` / ``chunk_delay`` override the server's streaming settings for this reply.
    ``overrun`` (streamed replies): that many more characters of filler after the content,
    whatever ``max_tokens`` says, as a server that ignores the limit sends; made as they are
    sent, and the stream stops when the client hangs up.
    """

    content: str | None = None
    tool_calls: tuple[ScriptedToolCall, ...] = ()
    finish_reason: str | None = None
    chunk_size: int | None = None
    chunk_delay: float | None = None
    overrun: int = 0

    @property
    def effective_finish_reason(self) -> str:
        if self.finish_reason:
            return self.finish_reason
        return "tool_calls" if self.tool_calls else "stop"


#: ``handler(request_json)`` returns anything :func:`to_reply` accepts, or a :class:`Fail`.
Handler = Callable[[dict], Any]


def to_reply(value: Any) -> Reply | Fail:
    """Normalise the accepted reply shapes into a :class:`Reply` (or a :class:`Fail`).

    Accepted: ``str`` (assistant text); :class:`Reply`; :class:`ScriptedToolCall` or a list of them;
    a mapping ``{"content": ..., "tool_calls": [...]}`` whose tool calls are either
    ``{"name", "arguments", "id"?}`` or OpenAI-shaped ``{"id", "type", "function": {...}}``.
    """
    if isinstance(value, (Reply, Fail)):
        return value
    if isinstance(value, str):
        return Reply(content=value)
    if isinstance(value, ScriptedToolCall):
        return Reply(tool_calls=(value,))
    if isinstance(value, (list, tuple)) and all(isinstance(v, ScriptedToolCall) for v in value):
        return Reply(tool_calls=tuple(value))
    if isinstance(value, Mapping):
        calls = tuple(_to_tool_call(tc) for tc in value.get("tool_calls") or ())
        return Reply(
            content=value.get("content"),
            tool_calls=calls,
            finish_reason=value.get("finish_reason"),
            chunk_size=value.get("chunk_size"),
            chunk_delay=value.get("chunk_delay"),
        )
    raise TypeError(f"cannot use {value!r} as a scripted reply")


def _to_tool_call(tc: Any) -> ScriptedToolCall:
    if isinstance(tc, ScriptedToolCall):
        return tc
    if isinstance(tc, Mapping):
        fn = tc.get("function")
        if isinstance(fn, Mapping):
            return ScriptedToolCall(name=fn["name"], arguments=fn.get("arguments", {}), id=tc.get("id"))
        return ScriptedToolCall(name=tc["name"], arguments=tc.get("arguments", {}), id=tc.get("id"))
    raise TypeError(f"cannot use {tc!r} as a tool call")


def response_format_form(value: Any) -> str | None:
    """Which form a request's ``response_format`` takes (``None``: it has none)."""
    if not isinstance(value, dict):
        return None
    if value.get("type") == "json_schema":
        return "json_schema"
    if value.get("type") == "json_object":
        return "json_object_schema" if "schema" in value else "json_object"
    return str(value.get("type"))


def estimate_tokens(text: str | None) -> int:
    """A rough token count (chars / 4, rounded up). Good enough for usage plumbing tests."""
    if not text:
        return 0
    return max(1, math.ceil(len(text) / 4))


def _prompt_text(body: Mapping[str, Any]) -> str:
    parts: list[str] = []
    for msg in body.get("messages") or ():
        if not isinstance(msg, Mapping):
            continue
        content = msg.get("content")
        if isinstance(content, str):
            parts.append(content)
        elif isinstance(content, list):
            parts.extend(p.get("text", "") for p in content if isinstance(p, Mapping))
        for tc in msg.get("tool_calls") or ():
            fn = tc.get("function") if isinstance(tc, Mapping) else None
            if isinstance(fn, Mapping):
                parts.append(str(fn.get("name", "")) + str(fn.get("arguments", "")))
    return " ".join(parts)


# --------------------------------------------------------------------------- records


@dataclass
class RecordedRequest:
    """One HTTP request the server received, kept so tests can assert what a client sent.

    ``headers`` has lower-cased names. ``body`` is the parsed JSON (``None`` if absent or not
    JSON). ``client_address`` is the client's ``(host, port)``: equal ports mean a reused
    keep-alive connection. ``status`` is the HTTP status answered; ``chunk_times`` holds the
    ``time.monotonic()`` at which each SSE event of a streamed reply was written.
    """

    method: str
    path: str
    headers: dict[str, str]
    body: Any
    raw_body: bytes
    received_at: float
    client_address: tuple[str, int] = ("", 0)
    status: int | None = None
    chunk_times: list[float] = field(default_factory=list)

    @property
    def model(self) -> str | None:
        return self.body.get("model") if isinstance(self.body, dict) else None

    @property
    def messages(self) -> list[dict]:
        return list(self.body.get("messages") or []) if isinstance(self.body, dict) else []

    @property
    def stream(self) -> bool:
        return bool(self.body.get("stream")) if isinstance(self.body, dict) else False


# --------------------------------------------------------------------------- HTTP plumbing


class _Aborted(Exception):
    """The server is stopping or the client went away; drop the connection quietly."""


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    # Idle keep-alive connections would make server_close() wait forever; we close the
    # sockets ourselves in OpenAIServer.stop() instead.
    block_on_close = False
    allow_reuse_address = True

    def __init__(self, owner: OpenAIServer) -> None:
        self.owner = owner
        self._conns: set[socket.socket] = set()
        self._conns_lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._conns_lock:
            self._conns.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._conns_lock:
            self._conns.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        with self._conns_lock:
            conns = list(self._conns)
        for conn in conns:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Client disconnects are expected; a bug while answering is shown to the test author.
        if not isinstance(sys.exc_info()[1], OSError):
            traceback.print_exc()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _HTTPServer
    server_version = "agentplat-openai-test-server/1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_PUT(self) -> None:
        self._dispatch("PUT")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def _dispatch(self, method: str) -> None:
        try:
            self.server.owner._handle(self, method)
        except _Aborted:
            self.close_connection = True
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError):
            self.close_connection = True

    # -- body / response helpers used by OpenAIServer ------------------------------------

    def read_body(self) -> bytes:
        if "chunked" in (self.headers.get("Transfer-Encoding") or "").lower():
            out = bytearray()
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return bytes(out)
                out += self.rfile.read(size)
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def send_json(self, status: int, payload: Any, headers: Mapping[str, str] | None = None) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("x-request-id", "req_" + uuid.uuid4().hex[:24])
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)
        self.wfile.flush()

    def start_stream(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("x-request-id", "req_" + uuid.uuid4().hex[:24])
        self.end_headers()
        self.wfile.flush()

    def send_chunk(self, data: bytes, last: bool = False) -> None:
        """Write one chunked-transfer chunk; ``last`` appends the terminating empty chunk."""
        self.wfile.write(b"%x\r\n%s\r\n%s" % (len(data), data, b"0\r\n\r\n" if last else b""))
        self.wfile.flush()


def _error(message: str, type_: str, code: str | None = None, param: str | None = None) -> dict:
    return {"error": {"message": message, "type": type_, "param": param, "code": code}}


_FAIL_BODIES: dict[int, tuple[str, str, str | None]] = {
    400: ("Bad request (injected by the test server).", "invalid_request_error", None),
    401: ("Unauthorized (injected by the test server).", "invalid_request_error", "invalid_api_key"),
    403: ("Forbidden (injected by the test server).", "invalid_request_error", None),
    408: ("Request timed out (injected by the test server).", "server_error", None),
    429: ("Rate limit reached (injected by the test server).", "requests", "rate_limit_exceeded"),
    500: ("The server had an error while processing your request (injected).", "server_error", None),
    502: ("Bad gateway (injected by the test server).", "server_error", None),
    503: ("The engine is currently overloaded (injected by the test server).", "server_error", None),
}


# --------------------------------------------------------------------------- the server


class OpenAIServer:
    """A scripted OpenAI-compatible chat-completions server on ``127.0.0.1:<free port>``.

    Replies come from a FIFO queue (``reply`` / ``reply_tool_call`` / ``fail`` / ``delay`` /
    ``enqueue``); when it is empty, ``handler(request_json)`` computes one; with neither, the
    request gets a 500 saying "no scripted reply left".

    Args:
        models: model ids served by ``GET /v1/models``; other models get a 404.
        api_key: if set, requests must send ``Authorization: Bearer <api_key>`` (else 401).
        handler: fallback ``handler(request_json) -> reply`` used when the queue is empty.
        latency: seconds slept before answering each chat-completion request.
        chunk_size: characters of content (or tool arguments) per streamed delta.
        chunk_delay: seconds slept between streamed deltas.
        response_formats: the ``response_format`` forms this server accepts, to mimic a dialect:
            ``"json_schema"`` (OpenAI's structured outputs), ``"json_object_schema"``
            (``{"type": "json_object", "schema": ...}``, llama-cpp-python's), ``"json_object"``;
            ``None`` accepts all. Another form is refused with ``refusal_status`` and a message
            naming ``response_format`` (llama-cpp-python answers 500 to ``json_schema``).
        stream_usage: whether streamed replies honour ``stream_options.include_usage`` (some
            servers never send usage in a stream).

    A request's ``max_tokens`` is honoured: a longer reply is cut there, with
    ``finish_reason: "length"``, as a real server does.
    """

    def __init__(
        self,
        *,
        models: Iterable[str] = DEFAULT_MODELS,
        api_key: str | None = None,
        handler: Handler | None = None,
        latency: float = 0.0,
        chunk_size: int = 8,
        chunk_delay: float = 0.0,
        replies: Iterable[Any] = (),
        response_formats: Iterable[str] | None = None,
        refusal_status: int = 400,
        stream_usage: bool = True,
    ) -> None:
        self.models: list[str] = list(models)
        self.api_key = api_key
        self.handler = handler
        self.latency = latency
        self.chunk_size = chunk_size
        self.chunk_delay = chunk_delay
        self.response_formats = set(response_formats) if response_formats is not None else None
        self.refusal_status = refusal_status
        self.stream_usage = stream_usage
        self._lock = threading.Lock()
        self._queue: deque[Any] = deque()
        self._requests: list[RecordedRequest] = []
        self._errors: list[BaseException] = []
        self._stopping = threading.Event()
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.enqueue(*replies)

    # -- lifecycle ----------------------------------------------------------------------

    def start(self) -> OpenAIServer:
        """Bind to a free loopback port and serve in a daemon thread."""
        if self._httpd is not None:
            return self
        self._stopping.clear()
        self._httpd = _HTTPServer(self)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"openai-test-server:{self.port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, interrupt sleeping handlers and close open connections."""
        httpd, thread = self._httpd, self._thread
        if httpd is None:
            return
        self._stopping.set()
        httpd.shutdown()
        httpd.close_connections()
        httpd.server_close()
        if thread is not None:
            thread.join(timeout=5)
        self._httpd = self._thread = None

    def __enter__(self) -> OpenAIServer:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("OpenAIServer is not started")
        return self._httpd.server_address[1]

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT`` (no ``/v1``)."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        """What to pass as ``base_url`` to ``openai.OpenAI``."""
        return f"{self.url}/v1"

    def client(self, **kwargs: Any) -> Any:
        """An ``openai.OpenAI`` pointed at this server (``max_retries=0`` unless given)."""
        import openai

        kwargs.setdefault("api_key", self.api_key or "sk-test")
        kwargs.setdefault("max_retries", 0)
        return openai.OpenAI(base_url=self.base_url, **kwargs)

    def async_client(self, **kwargs: Any) -> Any:
        """An ``openai.AsyncOpenAI`` pointed at this server (``max_retries=0`` unless given)."""
        import openai

        kwargs.setdefault("api_key", self.api_key or "sk-test")
        kwargs.setdefault("max_retries", 0)
        return openai.AsyncOpenAI(base_url=self.base_url, **kwargs)

    # -- scripting ------------------------------------------------------------------------

    def enqueue(self, *items: Any) -> OpenAIServer:
        """Append replies / ``Fail`` / ``Delay`` items to the queue (validated now)."""
        checked = [i if isinstance(i, (Fail, Delay)) else to_reply(i) for i in items]
        with self._lock:
            self._queue.extend(checked)
        return self

    def reply(self, content: Any, **kwargs: Any) -> OpenAIServer:
        """Queue a reply: assistant text, or any shape ``to_reply`` accepts (``ScriptedToolCall``...)."""
        if isinstance(content, str) or content is None:
            return self.enqueue(Reply(content=content, **kwargs))
        return self.enqueue(content)

    def reply_tool_call(
        self,
        name: str,
        arguments: Mapping[str, Any] | str | None = None,
        *,
        id: str | None = None,  # noqa: A002
        content: str | None = None,
    ) -> OpenAIServer:
        """Queue an assistant reply that calls one tool."""
        call = ScriptedToolCall(name=name, arguments=arguments if arguments is not None else {}, id=id)
        return self.enqueue(Reply(content=content, tool_calls=(call,)))

    def fail(
        self, status: int = 500, times: int = 1, retry_after: float | None = None, message: str | None = None
    ) -> OpenAIServer:
        """Queue ``times`` failures with HTTP ``status``."""
        return self.enqueue(Fail(status=status, times=times, retry_after=retry_after, message=message))

    def delay(self, seconds: float) -> OpenAIServer:
        """Queue an extra sleep before the next scripted item."""
        return self.enqueue(Delay(seconds))

    @property
    def pending(self) -> int:
        """Number of items still queued."""
        with self._lock:
            return len(self._queue)

    def reset(self) -> None:
        """Forget queued replies, recorded requests and errors (configuration is kept)."""
        with self._lock:
            self._queue.clear()
            self._requests.clear()
            self._errors.clear()

    # -- inspection -----------------------------------------------------------------------

    @property
    def requests(self) -> list[RecordedRequest]:
        """A snapshot of every request received, in arrival order."""
        with self._lock:
            return list(self._requests)

    @property
    def chat_requests(self) -> list[RecordedRequest]:
        """Only the ``POST /v1/chat/completions`` requests."""
        return [r for r in self.requests if r.method == "POST" and r.path.endswith("/chat/completions")]

    @property
    def errors(self) -> list[BaseException]:
        """Exceptions raised by ``handler`` (each was answered with a 500)."""
        with self._lock:
            return list(self._errors)

    # -- request handling (runs in handler threads) --------------------------------------

    def _sleep(self, seconds: float | None) -> None:
        if seconds and seconds > 0 and self._stopping.wait(seconds):
            raise _Aborted

    def _handle(self, h: _Handler, method: str) -> None:
        raw = h.read_body()
        path = h.path.split("?", 1)[0].rstrip("/")
        body: Any = None
        if raw:
            try:
                body = json.loads(raw)
            except ValueError:
                body = None
        rec = RecordedRequest(
            method=method,
            path=path,
            headers={k.lower(): v for k, v in h.headers.items()},
            body=body,
            raw_body=raw,
            received_at=time.monotonic(),
            client_address=tuple(h.client_address[:2]),
        )
        with self._lock:
            self._requests.append(rec)

        def send(status: int, payload: Any, headers: Mapping[str, str] | None = None) -> None:
            rec.status = status
            h.send_json(status, payload, headers)

        if self.api_key is not None:
            auth = (h.headers.get("Authorization") or "").strip()
            if auth.removeprefix("Bearer").strip() == "":
                return send(401, _error(
                    "You didn't provide an API key. You need to provide your API key in an "
                    "Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
                    "invalid_request_error",
                ))
            if auth != f"Bearer {self.api_key}":
                given = auth.removeprefix("Bearer ").strip()
                shown = (given[:3] + "*" * 4 + given[-4:]) if len(given) > 8 else "****"
                return send(401, _error(
                    f"Incorrect API key provided: {shown}.", "invalid_request_error", "invalid_api_key"
                ))

        if method == "GET" and path == "/v1/models":
            return send(200, {"object": "list", "data": [self._model_obj(m) for m in self.models]})
        if method == "GET" and path.startswith("/v1/models/"):
            model = path[len("/v1/models/"):]
            if model in self.models:
                return send(200, self._model_obj(model))
            return send(404, self._model_not_found(model))
        if path == "/v1/chat/completions":
            if method != "POST":
                return send(405, _error(f"Method {method} not allowed.", "invalid_request_error"))
            return self._chat(h, rec, send)
        return send(404, _error(f"Unknown request URL: {method} {h.path}.", "invalid_request_error",
                                "unknown_url"))

    @staticmethod
    def _model_obj(model: str) -> dict:
        return {"id": model, "object": "model", "created": 1700000000, "owned_by": "agentplat-test"}

    @staticmethod
    def _model_not_found(model: str) -> dict:
        return _error(f"The model `{model}` does not exist", "invalid_request_error", "model_not_found", "model")

    def _chat(self, h: _Handler, rec: RecordedRequest, send: Callable[..., None]) -> None:
        body = rec.body
        if not isinstance(body, dict):
            return send(400, _error("We could not parse the JSON body of your request.",
                                    "invalid_request_error"))
        model = body.get("model")
        if not isinstance(model, str) or not model:
            return send(400, _error("you must provide a model parameter", "invalid_request_error",
                                    None, "model"))
        if not isinstance(body.get("messages"), list) or not body["messages"]:
            return send(400, _error("'messages' must be a non-empty array", "invalid_request_error",
                                    None, "messages"))
        if model not in self.models:
            return send(404, self._model_not_found(model))
        form = response_format_form(body.get("response_format"))
        if form is not None and self.response_formats is not None and form not in self.response_formats:
            return send(self.refusal_status, _error(
                f"response_format of type {form!r} is not supported by this server", "invalid_request_error",
                None, "response_format"))

        # Take our item from the queue first, so concurrent requests consume it in arrival
        # order; sleep (latency, Delay) afterwards so they overlap.
        delay = 0.0
        item: Any = None
        with self._lock:
            while self._queue and isinstance(self._queue[0], Delay):
                delay += self._queue.popleft().seconds
            if self._queue:
                head = self._queue[0]
                if isinstance(head, Fail):
                    if head.times > 1:
                        self._queue[0] = Fail(head.status, head.times - 1, head.retry_after, head.message)
                    else:
                        self._queue.popleft()
                    item = head
                else:
                    item = self._queue.popleft()
        if item is None:
            if self.handler is None:
                item = Fail(500, message="OpenAIServer: no scripted reply left "
                                         "(queue a reply or set a handler)")
            else:
                try:
                    result = self.handler(body)
                    item = result if isinstance(result, Fail) else to_reply(result)
                except Exception as exc:  # noqa: BLE001 - report to the test, answer 500
                    with self._lock:
                        self._errors.append(exc)
                    item = Fail(500, message=f"OpenAIServer handler raised {type(exc).__name__}: {exc}")

        self._sleep(self.latency + delay)

        if isinstance(item, Fail):
            text, type_, code = _FAIL_BODIES.get(
                item.status, (f"Error {item.status} (injected by the test server).",
                              "server_error" if item.status >= 500 else "invalid_request_error", None)
            )
            headers: dict[str, str] = {}
            if item.retry_after is not None:
                headers["retry-after"] = str(max(0, math.ceil(item.retry_after)))
                headers["retry-after-ms"] = str(max(0, int(item.retry_after * 1000)))
            return send(item.status, _error(item.message or text, type_, code), headers)

        reply: Reply = item
        limit = body.get("max_tokens")
        if isinstance(limit, int) and reply.content and estimate_tokens(reply.content) > limit:
            reply = Reply(content=reply.content[: limit * 4], tool_calls=reply.tool_calls, finish_reason="length",
                          chunk_size=reply.chunk_size, chunk_delay=reply.chunk_delay, overrun=reply.overrun)
        completion_id = "chatcmpl-" + uuid.uuid4().hex[:24]
        created = int(time.time())
        calls = [(tc.id or "call_" + uuid.uuid4().hex[:24], tc) for tc in reply.tool_calls]
        prompt_tokens = estimate_tokens(_prompt_text(body))
        completion_tokens = estimate_tokens(
            (reply.content or "") + "".join(tc.name + tc.arguments_json for _, tc in calls)
        )
        usage = {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        }

        if not body.get("stream"):
            message: dict[str, Any] = {"role": "assistant", "content": reply.content, "refusal": None}
            if calls:
                message["tool_calls"] = [
                    {"id": cid, "type": "function", "function": {"name": tc.name, "arguments": tc.arguments_json}}
                    for cid, tc in calls
                ]
            return send(200, {
                "id": completion_id,
                "object": "chat.completion",
                "created": created,
                "model": model,
                "system_fingerprint": None,
                "choices": [{
                    "index": 0,
                    "message": message,
                    "logprobs": None,
                    "finish_reason": reply.effective_finish_reason,
                }],
                "usage": usage,
            })

        # ---- streaming -------------------------------------------------------------------
        include_usage = self.stream_usage and bool((body.get("stream_options") or {}).get("include_usage"))
        size = max(1, reply.chunk_size or self.chunk_size)
        gap = self.chunk_delay if reply.chunk_delay is None else reply.chunk_delay

        def chunk(delta: dict | None, finish: str | None = None, **extra: Any) -> dict:
            out: dict[str, Any] = {
                "id": completion_id,
                "object": "chat.completion.chunk",
                "created": created,
                "model": model,
                "system_fingerprint": None,
                "choices": [] if delta is None else [
                    {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}
                ],
            }
            if include_usage:
                out["usage"] = None
            out.update(extra)
            return out

        deltas: list[dict] = [{"role": "assistant", "content": "" if reply.content is not None else None}]
        if reply.content:
            deltas += [{"content": reply.content[i:i + size]} for i in range(0, len(reply.content), size)]
        for index, (cid, tc) in enumerate(calls):
            args = tc.arguments_json
            deltas.append({"tool_calls": [{
                "index": index, "id": cid, "type": "function", "function": {"name": tc.name, "arguments": ""},
            }]})
            deltas += [
                {"tool_calls": [{"index": index, "function": {"arguments": args[i:i + size]}}]}
                for i in range(0, len(args), size)
            ]
        events = [chunk(d) for d in deltas]
        filler = "x" * size  # the overrun's chunks are made one at a time as they are sent
        overrun = (chunk({"content": filler[: min(size, reply.overrun - i)]}) for i in range(0, reply.overrun, size))
        ending: list[dict] = []
        if reply.finish_reason != "cut":  # "cut": the stream stops short, as an interrupted one does
            ending.append(chunk({}, reply.effective_finish_reason))
        if include_usage:
            ending.append(chunk(None, usage=usage))

        rec.status = 200
        h.start_stream()
        for n, event in enumerate(itertools.chain(events, overrun, ending)):
            if n > 1:  # the role chunk and the first content chunk go out together
                self._sleep(gap)
            h.send_chunk(b"data: " + json.dumps(event).encode() + b"\n\n")
            rec.chunk_times.append(time.monotonic())
        # [DONE] and the chunked-encoding terminator go out in one write, so a client that
        # stops reading at [DONE] (the sync SDK does) has already seen the end of the body
        # and can keep the connection alive.
        h.send_chunk(b"data: [DONE]\n\n", last=True)
        rec.chunk_times.append(time.monotonic())
