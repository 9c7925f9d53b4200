"""What every response of the report app carries, and which requests it answers at all.

Two ASGI middlewares wrap the whole app, outside Starlette's error handling, so they see
every response: pages, JSON, downloads, static files, 404, 405, the 400 below and the 500
of an error. ``SecurityHeaders`` adds the headers; ``HostCheck`` answers 400 to a request
whose ``Host`` is not a name of this app: a page on another site that re-points its own
DNS name at 127.0.0.1 (DNS rebinding) would otherwise be same-origin with the app and
could read the form's token and start batches.
"""

from __future__ import annotations

import ipaddress
import os
from typing import Iterable

from starlette.datastructures import Headers, MutableHeaders
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

SECURITY_HEADERS = {
    "content-security-policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' https: data:; "
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-resource-policy": "same-origin",
}
#: Extra host names the app answers to, comma-separated (as ``--allow-host``).
HOSTS_ENV = "AGENTPLAT_REPORT_ALLOWED_HOSTS"
LOOPBACK = ("localhost", "127.0.0.1", "::1")
_ANY_INTERFACE = ("", "0.0.0.0", "::")


def host_name(value: str) -> str:
    """The name in a ``Host`` header: no port, no brackets around IPv6, lower case, no final dot."""
    value = value.strip().lower()
    if value.startswith("["):
        return value[1:value.find("]")] if "]" in value else ""
    if value.count(":") == 1:
        value = value.split(":")[0]
    return value.rstrip(".")


class HostPolicy:
    """The names the app answers to: loopback names (and ``*.localhost``, which browsers
    resolve to loopback themselves), the address it was bound to, the address a request
    arrived at, and what the user allows. An allowed name may be ``*.example.com`` (its
    subdomains) or ``*`` (any: only behind a proxy that checks names itself)."""

    def __init__(self, bound: str | None = None, allowed: Iterable[str] = ()):
        names = [*LOOPBACK, *(host_name(a) for a in allowed if a.strip())]
        if bound and host_name(bound) not in _ANY_INTERFACE:
            names.append(host_name(bound))
        self.any = "*" in names
        self.suffixes = tuple(n[1:] for n in names if n.startswith("*."))
        self.names = {n for n in names if not n.startswith("*")}

    @classmethod
    def from_env(cls, bound: str | None = None, allowed: Iterable[str] = ()) -> "HostPolicy":
        extra = [n for n in os.environ.get(HOSTS_ENV, "").split(",") if n.strip()]
        return cls(bound, [*extra, *allowed])

    def allows(self, name: str, arrived_at: str | None = None) -> bool:
        if self.any or name in self.names or name.endswith((".localhost", *self.suffixes)):
            return True
        return bool(name) and name == _address(arrived_at)


def _address(value: str | None) -> str | None:
    """The local address a connection arrived at, as a Host header would name it."""
    if not value:
        return None
    try:
        return str(ipaddress.ip_address(value)).lower()
    except ValueError:
        return None  # not an IP literal (a test client's made-up server name)


class HostCheck:
    def __init__(self, app: ASGIApp, policy: HostPolicy):
        self.app = app
        self.policy = policy

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket"):
            name = host_name(Headers(scope=scope).get("host", ""))
            server = scope.get("server") or (None, None)
            if not self.policy.allows(name, server[0]):
                response = PlainTextResponse(
                    f"Invalid Host header {name[:100]!r}: this app answers to localhost and the address it "
                    "serves on (agentplat report serve --allow-host NAME, or "
                    f"{HOSTS_ENV}=NAME, lets it answer to another name)", status_code=400)
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


class SecurityHeaders:
    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for key, value in SECURITY_HEADERS.items():
                    if key not in headers:
                        headers[key] = value
            await send(message)

        await self.app(scope, receive, with_headers)
