"""agentplat plugin: the web_search agent (search the web or local files, read web pages).

The hooks import the tools lazily: listing or planning never pays for httpx, lxml or
trafilatura, which are imported only when a tool runs.
"""

from __future__ import annotations

import os

from agentplat import hookimpl

#: How the plugin introduces itself to search services and web sites (see ``agentplat.http.client``).
USER_AGENT = "Mozilla/5.0 (compatible; agentplat-web-search/0.1)"


@hookimpl
def register_agents(register):
    from agentplat import Agent, Environment

    from .tools import fetch_page, search

    tavily = os.environ.get("AGENTPLAT_SEARCH_BACKEND", "").strip().lower() == "tavily"
    register(
        Agent(
            name="web_search",
            description="Searches the web (DuckDuckGo, SearxNG, Tavily) or local documents, and reads web pages.",
            examples=[
                "search for python asyncio",
                "look up the population of France",
                "search the web for the tallest building in the world",
                "what does the web say about quantum computing",
                "fetch https://example.com/article",
            ],
            tools=[search, fetch_page],
            system_prompt=(
                "You find information with search and read pages with fetch_page. Answer only from "
                "what the tools returned, and name the URLs you used. If the results do not answer "
                "the question, say so."
            ),
            environment=Environment(
                cpu=1,
                memory="1Gi",
                reuse_replicas=1,
                secrets=["TAVILY_API_KEY"] if tavily else [],
                packages=["agentplat-web-search"],
            ),
        )
    )


@hookimpl
def register_offline_parsers(register):
    register("agentplat_web_search.parser:parse_search_clause", agent="web_search")  # imported when first used
