"""Tavily's search API (``POST /search``, key in ``TAVILY_API_KEY``, sent as a bearer token)."""

from __future__ import annotations

import os

from agentplat import ToolError, http

from .. import USER_AGENT
from ..models import SearchResult

DEFAULT_URL = "https://api.tavily.com"
SERVICE = "Tavily"


def api_key() -> str:
    key = os.environ.get("TAVILY_API_KEY", "").strip()
    if not key:
        raise ToolError("the tavily search backend needs an API key: set TAVILY_API_KEY")
    return key


def base_url() -> str:
    """``AGENTPLAT_TAVILY_URL`` overrides the API address (tests, proxies)."""
    return (os.environ.get("AGENTPLAT_TAVILY_URL", "").strip() or DEFAULT_URL).rstrip("/")


async def search(query: str, max_results: int) -> list[SearchResult]:
    key = api_key()
    url = f"{base_url()}/search"
    body = {
        "query": query,
        "max_results": max_results,
        "search_depth": "basic",
        "include_answer": False,
        "include_raw_content": False,
        "include_images": False,
    }
    async with http.client(USER_AGENT, headers={"Authorization": f"Bearer {key}"}) as client:
        with http.translated(SERVICE, url):
            response = await client.post(url, json=body)
    if response.status_code in (401, 403):
        raise ToolError(f"Tavily rejected the API key in TAVILY_API_KEY (HTTP {response.status_code})")
    if response.status_code in (432, 433):
        raise ToolError(f"Tavily refused the search: the plan's usage limit is reached (HTTP {response.status_code})")
    http.check_status(response, SERVICE)
    data = http.json_body(response, SERVICE)
    items = data.get("results") if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise ToolError("Tavily answered without a result list")
    return [
        SearchResult(
            title=str(item.get("title") or item["url"]).strip(),
            url=str(item["url"]),
            snippet=" ".join(str(item.get("content") or "").split()),
        )
        for item in items
        if isinstance(item, dict) and item.get("url")
    ][:max_results]
