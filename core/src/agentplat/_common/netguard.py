"""Reaching public addresses only, for URLs that a model or a user picked.

Why at the connection and not in a request hook: a hook resolves the name on its own, and
the connection resolves it again; a name that answers a public address the first time and
127.0.0.1 the second (DNS rebinding) passes the check and reaches this machine. Here the
name is resolved once, every address is checked against the IANA registries (IPv4 carried inside IPv6 too), and the
connection goes to the very addresses that were checked. TLS still verifies the site's name.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from typing import Any

import httpcore

from .addresses import why_not_public
from .errors import ToolError


def check_public(host: str, addresses: list[str]) -> None:
    """A ``ToolError`` unless every address of ``host`` (and any IPv4 inside one) is globally
    reachable by the IANA special-purpose registries (``_common.addresses``)."""
    for text in addresses:
        refused = why_not_public(ipaddress.ip_address(text.split("%")[0]))
        if refused is not None:
            candidate, why = refused
            raise ToolError(
                f"{host} is a private or local address ({candidate}) [{why}]; only public sites are fetched "
                "(set AGENTPLAT_FETCH_ALLOW_PRIVATE=1 to allow)"
            )


async def resolve(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to, in the resolver's order, without repeats."""
    try:
        infos = await asyncio.to_thread(socket.getaddrinfo, host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise httpcore.ConnectError(f"cannot resolve {host}: {exc.strerror or exc}") from exc
    return list(dict.fromkeys(info[4][0] for info in infos))


class PublicOnlyBackend(httpcore.AsyncNetworkBackend):
    """httpcore's network backend, connecting only to checked public addresses."""

    def __init__(self, inner: httpcore.AsyncNetworkBackend):
        self._inner = inner

    async def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                          local_address: str | None = None, socket_options: Any = None) -> httpcore.AsyncNetworkStream:
        async with asyncio.timeout(timeout):
            addresses = await resolve(host, port)
        check_public(host, addresses)
        error: Exception = httpcore.ConnectError(f"{host} has no address")
        for address in addresses:
            try:
                return await self._inner.connect_tcp(address, port, timeout=timeout, local_address=local_address,
                                                     socket_options=socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                error = exc
        raise error

    async def connect_unix_socket(self, path: str, timeout: float | None = None, socket_options: Any = None):
        raise ToolError("only public sites are fetched, not a local socket")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


def guard(transport) -> None:
    """Put ``transport``'s connection pool (an ``httpx.AsyncHTTPTransport``) behind
    :class:`PublicOnlyBackend`; fails closed if the pool is not the one this was written for."""
    pool = getattr(transport, "_pool", None)
    if not isinstance(pool, httpcore.AsyncConnectionPool) or not hasattr(pool, "_network_backend"):
        raise ToolError("cannot check addresses with this version of httpx/httpcore; refusing to fetch")
    pool._network_backend = PublicOnlyBackend(pool._network_backend)
