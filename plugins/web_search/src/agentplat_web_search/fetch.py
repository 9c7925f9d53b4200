"""Downloading one web page, bounded in scheme, size and time, and returning its readable text."""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit

from agentplat import ToolError, TransientError, http

from . import USER_AGENT
from .extract import is_readable, readable_text

DEFAULT_MAX_BYTES = 3 * 1024 * 1024
DEFAULT_MAX_CHARS = 20_000


def max_bytes() -> int:
    """``AGENTPLAT_FETCH_MAX_BYTES``: the most of a page that is downloaded (default 3 MB)."""
    return http.env_number("AGENTPLAT_FETCH_MAX_BYTES", DEFAULT_MAX_BYTES, kind=int)


def max_chars() -> int:
    """``AGENTPLAT_FETCH_MAX_CHARS``: the most text returned (default 20,000 characters)."""
    return http.env_number("AGENTPLAT_FETCH_MAX_CHARS", DEFAULT_MAX_CHARS, kind=int)


def check_url(url: str) -> str:
    """Only absolute http(s) URLs: no ``file:``, ``ftp:``, ``data:`` or relative paths."""
    url = str(url).strip()
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        shown = url if len(url) <= 80 else url[:77] + "..."
        raise ToolError(f"fetch_page reads http:// and https:// URLs only, not {shown!r}")
    return url


async def fetch_text(url: str) -> str:
    url = check_url(url)
    site = f"the site {urlsplit(url).hostname}"
    limit = max_bytes()
    headers = {"Accept": "text/html,application/xhtml+xml,text/plain;q=0.9,*/*;q=0.5"}
    try:
        async with asyncio.timeout(3 * http.timeout_seconds()):  # a slow drip still ends
            async with http.client(USER_AGENT, headers=headers, public_only=True) as client:
                with http.translated(site, url):
                    async with client.stream("GET", url) as response:
                        if response.status_code in (404, 410):
                            raise ToolError(f"{url} does not exist (HTTP {response.status_code})")
                        http.check_status(response, site)
                        content_type = response.headers.get("content-type", "").split(";")[0].strip().lower()
                        if not is_readable(content_type):
                            raise ToolError(f"{url} is {content_type}, not a web page: fetch_page reads HTML and text")
                        body, complete = await _read_bounded(response, limit)
                        final_url, encoding = str(response.url), response.charset_encoding
    except TimeoutError:
        raise TransientError(f"{site} did not send the page within {3 * http.timeout_seconds():g}s") from None
    if not content_type and b"\x00" in body[:2048]:
        raise ToolError(f"{url} is binary, not a web page: fetch_page reads HTML and text")
    title, text = readable_text(body, content_type, final_url, encoding)
    if not text:
        raise ToolError(f"{url} has no readable text")
    return _compose(title, text, max_chars(), complete)


async def _read_bounded(response, limit: int) -> tuple[bytes, bool]:
    """At most ``limit`` bytes of the body, and whether that was all of it."""
    body = bytearray()
    async for chunk in response.aiter_bytes():
        body.extend(chunk)
        if len(body) > limit:
            return bytes(body[:limit]), False
    return bytes(body), True


def _compose(title: str, text: str, limit: int, complete: bool) -> str:
    if title and not text.startswith(title):
        text = f"{title}\n\n{text}"
    if len(text) > limit:
        cut = text.rfind(" ", 0, limit)
        text = text[: cut if cut > limit * 0.8 else limit].rstrip()
        return f"{text}\n\n[… text truncated at {limit:,} characters]"
    if not complete:
        text += "\n\n[… page truncated: only its first part was downloaded]"
    return text
