"""HTTP plumbing for tools: explicit timeouts and errors a person can read.

Why: every tool that calls a web service needs the same few things, and gets them subtly
wrong when it writes them again: a bounded wait (``AGENTPLAT_HTTP_TIMEOUT``), its own
``User-Agent``, and httpx's failures turned into :class:`~agentplat.TransientError` (a
retry may help: timeouts, unreachable hosts, 429/5xx) or :class:`~agentplat.ToolError`
(it will not: bad URLs, other non-2xx answers, a body that is not JSON). Usage::

    from agentplat import http

    async with http.client("agentplat-word-count/0.1", headers={"Accept": "application/json"}) as client:
        with http.translated("the dictionary service", url):
            response = await client.get(url)
    http.check_status(response, "the dictionary service")
    data = http.json_body(response, "the dictionary service")

``httpx`` is imported inside the functions, so importing this module (as plugins do while
agentplat plans) costs nothing.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, TypeVar

from ._common.errors import ToolError, TransientError
from ._common.retry import TRANSIENT_STATUS as _TRANSIENT_STATUS
from ._common import provenance as _provenance
from ._common.settings import number as _number

if TYPE_CHECKING:
    import httpx

__all__ = [
    "DEFAULT_TIMEOUT",
    "TIMEOUT_VARIABLE",
    "TRANSIENT_STATUS",
    "check_status",
    "client",
    "env_number",
    "json_body",
    "origin",
    "timeout_seconds",
    "translated",
]

#: Seconds to wait when ``AGENTPLAT_HTTP_TIMEOUT`` is not set.
DEFAULT_TIMEOUT = 10.0
#: The environment variable bounding every wait (connect, read, write, pool), in seconds.
TIMEOUT_VARIABLE = "AGENTPLAT_HTTP_TIMEOUT"
#: Status codes that may pass on retry: :func:`check_status` raises ``TransientError`` for them
#: (the same set the core retries model calls on; 409 is why: see ``_common.retry``).
TRANSIENT_STATUS = _TRANSIENT_STATUS

N = TypeVar("N", int, float)


def env_number(name: str, default: N, *, kind: Callable[[str], N] = float, unit: str = "") -> N:
    """The positive number in the environment variable ``name``, or ``default`` if it is unset or blank.

    ``kind`` parses the text (``float``, or ``int`` for a whole number); ``unit`` only
    words the error. Anything else is a ``ToolError`` naming the variable, e.g.
    "AGENTPLAT_FETCH_MAX_BYTES must be a whole number, not '3 MB'".
    """
    return _number(name, default, kind=kind, unit=unit, error=ToolError)


def timeout_seconds() -> float:
    """``AGENTPLAT_HTTP_TIMEOUT`` (seconds) bounds connect, read, write and pool waits."""
    return env_number(TIMEOUT_VARIABLE, DEFAULT_TIMEOUT, unit="seconds")


def client(user_agent: str, *, public_only: bool = False, **options: Any) -> "httpx.AsyncClient":
    """An ``httpx.AsyncClient`` with the ``AGENTPLAT_HTTP_TIMEOUT`` timeout and ``user_agent``.

    It follows at most 5 redirects unless ``options`` say otherwise; ``headers`` in
    ``options`` are added to the ``User-Agent`` (and may override it); every other option
    goes to ``httpx.AsyncClient`` unchanged. Connecting waits at most 5 seconds.

    ``public_only=True`` is for URLs that a model or a user picked: every connection, each
    redirect's too, goes only to public addresses, checked at the moment of connecting against
    the IANA special-purpose address registries (no loopback, link-local/cloud metadata,
    private, shared, documentation, reserved or site-local ranges, nor an IPv6 form that
    carries one: mapped, translated, NAT64, 6to4, Teredo), unless
    ``AGENTPLAT_FETCH_ALLOW_PRIVATE=1``. Such a client uses no proxy.

    Inside an agent's task step, a request to a URL that only a tool result of that step
    gave (a page saying "now fetch X") is refused with a ``ToolError``: tool results are data.
    """
    import httpx

    if public_only and not private_addresses_allowed():
        from ._common.netguard import guard

        transport = httpx.AsyncHTTPTransport()
        guard(transport)
        options["transport"] = transport
    seconds = timeout_seconds()
    options.setdefault("follow_redirects", True)
    options.setdefault("max_redirects", 5)
    headers = {"User-Agent": user_agent, **options.pop("headers", {})}
    hooks = dict(options.pop("event_hooks", None) or {})
    hooks["request"] = [refuse_untrusted_targets, *hooks.get("request", [])]
    return httpx.AsyncClient(timeout=httpx.Timeout(seconds, connect=min(seconds, 5.0)), headers=headers,
                             event_hooks=hooks, **options)


async def refuse_untrusted_targets(request: "httpx.Request") -> None:
    """An httpx request hook: inside a task step, no request to a URL that came only from a
    tool result of that step (see ``agentplat._common.provenance``)."""
    grounds = _provenance.current_grounds()
    if grounds is None:
        return
    reason = grounds.why_not_request(str(request.url))
    if reason:
        raise ToolError(f"refused: {reason}")
    grounds.requests += 1  # what the tool returns came from outside: data, whatever it declared


def origin(url: str) -> str:
    """``scheme://host[:port]`` of ``url``: enough to name a service, never its credentials."""
    import httpx

    try:
        parsed = httpx.URL(url)
    except Exception:  # noqa: BLE001 - only used in messages
        return "<invalid URL>"
    port = f":{parsed.port}" if parsed.port else ""
    return f"{parsed.scheme}://{parsed.host}{port}"


@contextlib.contextmanager
def translated(service: str, url: str) -> Iterator[None]:
    """Turn httpx transport failures into ``TransientError``/``ToolError`` with a clear message.

    ``service`` names what was called in words ("the weather service"); ``url`` is shown
    only as its :func:`origin`.
    """
    import httpx

    try:
        yield
    except httpx.TimeoutException as exc:
        raise TransientError(f"{service} at {origin(url)} did not answer within {timeout_seconds():g}s") from exc
    except httpx.TooManyRedirects as exc:
        raise ToolError(f"{service} at {origin(url)} redirected too many times") from exc
    except (httpx.UnsupportedProtocol, httpx.InvalidURL) as exc:
        raise ToolError(f"{service}: {exc}") from exc  # e.g. a redirect to file://, a URL without scheme
    except httpx.TransportError as exc:
        raise TransientError(f"{service} at {origin(url)} is unreachable: {exc or type(exc).__name__}") from exc


def check_status(response: "httpx.Response", service: str) -> None:
    """429/5xx may pass on retry (``TransientError``); other non-2xx answers will not."""
    if response.is_success:
        return
    status = f"HTTP {response.status_code} {response.reason_phrase}".strip()
    if response.status_code in TRANSIENT_STATUS:
        raise TransientError(f"{service} is unavailable right now ({status})")
    raise ToolError(f"{service} refused the request ({status})")


def json_body(response: "httpx.Response", service: str, hint: str = "") -> Any:
    """The JSON of a response, or a ``ToolError`` saying the service did not speak JSON.

    ``hint`` is added to the message, e.g. " (is AGENTPLAT_X_URL the service's base URL?)".
    """
    try:
        return response.json()
    except ValueError:
        preview = " ".join(response.text.split())[:80]
        raise ToolError(f"{service} did not answer with JSON{hint}: {preview!r}") from None


def private_addresses_allowed() -> bool:
    """``AGENTPLAT_FETCH_ALLOW_PRIVATE=1`` lets tools that fetch user-given URLs reach this
    machine and private networks (tests against a loopback server, an intranet wiki)."""
    return os.environ.get("AGENTPLAT_FETCH_ALLOW_PRIVATE", "").strip().lower() in ("1", "true", "yes")

