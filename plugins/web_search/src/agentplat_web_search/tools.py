"""The web_search agent's tools: search (web or local files) and read one page."""

from __future__ import annotations

from typing import Annotated

from agentplat import ToolError, tool
from pydantic import Field

from . import backends
from .fetch import fetch_text
from .models import SearchResult


@tool(
    examples=[
        "search for python asyncio",
        "look up the population of France",
        "search the web for the tallest building in the world",
        "find articles about rust async runtimes",
        "what does the web say about quantum computing",
    ],
    open_world=True,
    returns_urls=True,  # its hits' addresses may be read next; their titles and snippets stay data
)
async def search(query: str, max_results: Annotated[int, Field(ge=1, le=20)] = 5) -> list[SearchResult]:
    """Search the web (or the local documents, per AGENTPLAT_SEARCH_BACKEND) and return the top hits.

    Args:
        query: What to look for, in plain words.
        max_results: How many results to return (1 to 20).
    """
    query = " ".join(str(query).split())
    if not query:
        raise ToolError("the search query is empty: say what to search for")
    unique: dict[str, SearchResult] = {}
    for result in await backends.search(query, max_results):
        unique.setdefault(result.url, result)
    return list(unique.values())[:max_results]


@tool(
    examples=[
        "fetch https://example.com/article",
        "read the page https://docs.python.org/3/library/asyncio.html",
        "open the first result",
    ],
    network_targets=["url"],
    open_world=True,  # a page is data: it names no address and no value a later call acts on
)
async def fetch_page(url: str) -> str:
    """Download a web page and return its readable main text (no menus, banners or footers).

    Args:
        url: The page's address; http:// or https:// only.
    """
    return await fetch_text(url)
