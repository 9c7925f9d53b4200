"""Search results for the offline writer, through the installed ``web_search`` agent.

The report plugin does not depend on ``agentplat-web-search``: it asks the registry for
the ``search`` tool, so whichever backend the user configured (``AGENTPLAT_SEARCH_BACKEND``,
e.g. ``local`` with ``AGENTPLAT_SEARCH_PATH``) serves it. Without the tool, or when a
search fails, the caller gets the reason instead of an exception, to state in the draft.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

_MARKS = re.compile(r"\*\*|__")
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class Source:
    title: str
    url: str
    snippet: str


@dataclass
class Found:
    sources: list[Source]
    problem: str | None = None  # why there are no (or fewer) results


def _clean(text: str, title: str = "") -> str:
    """A snippet as prose: no highlight marks or ellipses, no repeated title, whole sentences."""
    text = _SPACES.sub(" ", _MARKS.sub("", text or "")).strip().strip(" …").strip()
    if title and text.lower().startswith(title.lower()) and len(text) > len(title):
        text = text[len(title):].lstrip(" :-–—")
    if text and text[-1] not in ".!?":
        end = max(text.rfind(". "), text.rfind("! "), text.rfind("? "))
        if end > 0:
            text = text[: end + 1]  # the snippet was cut mid-sentence: keep the whole ones
    return text


def _field(item: Any, name: str) -> str:
    value = item.get(name) if isinstance(item, dict) else getattr(item, name, "")
    return str(value or "")


async def search(query: str, max_results: int = 5) -> Found:
    """Results for ``query``; never raises for a missing tool or a failing backend."""
    from agentplat import get_registry
    from agentplat.extend import call_tool

    registry = get_registry()
    agent = registry.agents.get("web_search")
    if agent is None or agent.tool("search") is None:
        return Found([], "web search is not available (install agentplat-web-search)")
    try:
        # traced inside a Flyte task, a plain call elsewhere
        items = await call_tool("web_search", "search", {"query": query, "max_results": max_results}, registry)
    except Exception as exc:  # noqa: BLE001 - a failed search is reported in the draft
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return Found([], f"web search failed: {message}")
    sources = []
    for item in items or []:
        url = _field(item, "url")
        if not url:
            continue
        title = _clean(_field(item, "title")) or url
        sources.append(Source(title=title, url=url, snippet=_clean(_field(item, "snippet"), title)))
    return Found(sources, None if sources else f"web search found nothing for {query!r}")
