"""HTTP plumbing for the weather tools: explicit timeouts and errors a person can read.

``httpx`` is imported inside the functions so that planning (which imports the plugin)
does not pay for it.
"""

from __future__ import annotations

import contextlib
import os
from typing import TYPE_CHECKING, Iterator

from agentplat import ToolError, TransientError

if TYPE_CHECKING:
    import httpx

DEFAULT_TIMEOUT = 10.0
USER_AGENT = "agentplat-weather/0.1 (+https://github.com/agentplat)"
TRANSIENT_STATUS = {408, 425, 429, 500, 502, 503, 504}


def timeout_seconds() -> float:
    """``AGENTPLAT_HTTP_TIMEOUT`` (seconds) bounds connect, read, write and pool waits."""
    raw = os.environ.get("AGENTPLAT_HTTP_TIMEOUT", "").strip()
    if not raw:
        return DEFAULT_TIMEOUT
    try:
        value = float(raw)
    except ValueError:
        raise ToolError(f"AGENTPLAT_HTTP_TIMEOUT must be a number of seconds, not {raw!r}") from None
    if value <= 0:
        raise ToolError(f"AGENTPLAT_HTTP_TIMEOUT must be positive, not {raw!r}")
    return value


def client() -> "httpx.AsyncClient":
    import httpx

    seconds = timeout_seconds()
    return httpx.AsyncClient(
        timeout=httpx.Timeout(seconds, connect=min(seconds, 5.0)),
        headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
        follow_redirects=True,
    )


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
    """Turn httpx transport failures into ``TransientError``/``ToolError`` with a clear message."""
    import httpx

    try:
        yield
    except httpx.TimeoutException as exc:
        raise TransientError(
            f"{service} at {origin(url)} did not answer within {timeout_seconds():g}s"
        ) from exc
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
