"""A SearxNG instance's JSON API: ``GET /search?q=...&format=json``."""

from __future__ import annotations

import os

from agentplat import ToolError, http

from .. import USER_AGENT
from ..models import SearchResult

SERVICE = "SearxNG"


def base_url() -> str:
    value = os.environ.get("AGENTPLAT_SEARXNG_URL", "").strip()
    if not value:
        raise ToolError(
            "the searxng search backend needs the address of a SearxNG instance: "
            "set AGENTPLAT_SEARXNG_URL (e.g. http://localhost:8888)"
        )
    return value.rstrip("/")


async def search(query: str, max_results: int) -> list[SearchResult]:
    url = f"{base_url()}/search"
    async with http.client(USER_AGENT, headers={"Accept": "application/json"}) as client:
        with http.translated(SERVICE, url):
            response = await client.get(url, params={"q": query, "format": "json"})
    if response.status_code == 403:
        raise ToolError(
            f"SearxNG at {http.origin(url)} refuses JSON output (HTTP 403): "
            "add json to search.formats in the instance's settings.yml"
        )
    http.check_status(response, SERVICE)
    data = http.json_body(response, SERVICE, " (is AGENTPLAT_SEARXNG_URL the instance's base URL?)")
    items = data.get("results") if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise ToolError(f"SearxNG at {http.origin(url)} answered without a result list")
    results = []
    for item in items:
        if isinstance(item, dict) and item.get("url") and (item.get("title") or item.get("content")):
            results.append(SearchResult(
                title=str(item.get("title") or item["url"]).strip(),
                url=str(item["url"]),
                snippet=" ".join(str(item.get("content") or "").split()),
            ))
    return results[:max_results]
