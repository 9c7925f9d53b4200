"""DuckDuckGo's HTML endpoint (no key): POST ``q=`` and read the result list with lxml.

Result links are DuckDuckGo redirects (``//duckduckgo.com/l/?uddg=<target>``); the target
is unwrapped. Ads (``result--ad``) are skipped.
"""

from __future__ import annotations

import os
from urllib.parse import parse_qs, urljoin, urlsplit

from agentplat import ToolError, http

from .. import USER_AGENT
from ..models import SearchResult

DEFAULT_URL = "https://html.duckduckgo.com/html/"
SERVICE = "DuckDuckGo"
_RESULT = "//div[contains(concat(' ', normalize-space(@class), ' '), ' result ')]"
_HAS_CLASS = "contains(concat(' ', normalize-space(@class), ' '), ' {} ')"


def endpoint() -> str:
    """``AGENTPLAT_DUCKDUCKGO_URL`` overrides the HTML endpoint (tests, proxies)."""
    return os.environ.get("AGENTPLAT_DUCKDUCKGO_URL", "").strip() or DEFAULT_URL


async def search(query: str, max_results: int) -> list[SearchResult]:
    url = endpoint()
    async with http.client(USER_AGENT, headers={"Accept": "text/html", "Referer": url}) as client:
        with http.translated(SERVICE, url):
            response = await client.post(url, data={"q": query, "b": ""})
    http.check_status(response, SERVICE)
    html = response.text
    results = parse_results(html, max_results, base=url)
    if not results and (response.status_code == 202 or "anomaly-modal" in html or "challenge-form" in html):
        raise ToolError(
            "DuckDuckGo answered with a bot check instead of results; try again in a few minutes "
            "or set AGENTPLAT_SEARCH_BACKEND to searxng, tavily or local"
        )
    return results


def parse_results(html: str, limit: int, base: str = DEFAULT_URL) -> list[SearchResult]:
    """The organic results of a DuckDuckGo HTML results page, in page order."""
    import lxml.html

    if not html.strip():
        return []
    tree = lxml.html.document_fromstring(html)
    results: list[SearchResult] = []
    seen: set[str] = set()
    for node in tree.xpath(_RESULT):
        if node.xpath(f"self::*[{_HAS_CLASS.format('result--ad')}]"):
            continue
        links = node.xpath(f".//a[{_HAS_CLASS.format('result__a')}]")
        if not links:
            continue
        url = target(links[0].get("href", ""), base)
        title = _text(links[0])
        if not url or not title or url in seen:
            continue
        snippets = node.xpath(f".//*[{_HAS_CLASS.format('result__snippet')}]")
        results.append(SearchResult(title=title, url=url, snippet=_text(snippets[0]) if snippets else ""))
        seen.add(url)
        if len(results) >= limit:
            break
    return results


def target(href: str, base: str = DEFAULT_URL) -> str | None:
    """The real destination of a result link; ``None`` for ads and non-web links."""
    absolute = urljoin(base, href.strip())
    parts = urlsplit(absolute)
    host = parts.hostname or ""
    if host == "duckduckgo.com" or host.endswith(".duckduckgo.com") or parts.path.startswith("/l/"):
        wrapped = parse_qs(parts.query).get("uddg")
        if not wrapped:
            return None  # an ad click-through (/y.js) or a DuckDuckGo page, not a result
        absolute = wrapped[0]
        parts = urlsplit(absolute)
    return absolute if parts.scheme in ("http", "https") and parts.hostname else None


def _text(node) -> str:
    return " ".join(node.text_content().split())
