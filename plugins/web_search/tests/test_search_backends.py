"""The web search backends against loopback servers replaying DuckDuckGo, SearxNG and Tavily."""

from __future__ import annotations

import asyncio
import json
import time
from urllib.parse import parse_qs

import pytest
from agentplat import ToolError, TransientError
from agentplat.testing import dumps, with_retries
from agentplat_web_search.models import SearchResult
from agentplat_web_search.tools import search

HTML = {"Content-Type": "text/html; charset=utf-8"}
JSON = {"Content-Type": "application/json"}


def run(query: str = "python asyncio", **kwargs) -> list[SearchResult]:
    return asyncio.run(search(query, **kwargs))


# -- DuckDuckGo (the default) ------------------------------------------------------------


def test_duckduckgo_is_the_default_and_reads_the_results_page(http, data, monkeypatch):
    server = http.serve(lambda seen: http.Reply(200, data("ddg_python_asyncio.html"), HTML))
    monkeypatch.setenv("AGENTPLAT_DUCKDUCKGO_URL", server.url + "/html/")

    results = run()

    [seen] = server.requests
    assert (seen.method, seen.path) == ("POST", "/html/")
    assert parse_qs(seen.body.decode())["q"] == ["python asyncio"]
    assert [r.url for r in results] == [  # the ad is skipped, redirects are unwrapped
        "https://docs.python.org/3/library/asyncio.html",
        "https://realpython.com/async-io-python/",
        "https://docs.python.org/3/library/asyncio-task.html#coroutines",
        "https://stackoverflow.com/questions/49005651/how-does-asyncio-actually-work",
        "https://peps.python.org/pep-3156/",
    ]
    assert results[0].title == "asyncio — Asynchronous I/O — Python 3.12.3 documentation"
    assert results[0].snippet.startswith("asyncio is a library to write concurrent code using the async/await syntax.")
    assert results[1].snippet.startswith("This tutorial will give you a firm grasp of Python's approach")
    assert results[4].title == 'PEP 3156 – Asynchronous IO Support Rebooted: the "asyncio" Module'
    assert json.loads(dumps(results))[0]["url"] == results[0].url


def test_max_results_is_honoured(http, data, monkeypatch):
    server = http.serve(lambda seen: http.Reply(200, data("ddg_python_asyncio.html"), HTML))
    monkeypatch.setenv("AGENTPLAT_DUCKDUCKGO_URL", server.url + "/html/")
    assert len(run(max_results=2)) == 2


def test_duckduckgo_without_results_is_an_empty_list(http, monkeypatch):
    page = '<html><body><div id="links" class="results"><div class="no-results">No results.</div></div></body></html>'
    server = http.serve(lambda seen: http.Reply(200, page, HTML))
    monkeypatch.setenv("AGENTPLAT_DUCKDUCKGO_URL", server.url + "/html/")
    assert run("qwzxv plokmijn") == []


def test_duckduckgo_bot_check_is_a_clear_error(http, monkeypatch):
    page = '<html><body><form id="challenge-form" action="//duckduckgo.com/anomaly.js"><div class="anomaly-modal__title">Unfortunately, bots use DuckDuckGo too.</div></form></body></html>'
    server = http.serve(lambda seen: http.Reply(202, page, HTML))
    monkeypatch.setenv("AGENTPLAT_DUCKDUCKGO_URL", server.url + "/html/")
    with pytest.raises(ToolError, match="bot check.*AGENTPLAT_SEARCH_BACKEND"):
        run()


def test_duckduckgo_server_error_is_retried_then_clear(http, monkeypatch):
    server = http.serve(lambda seen: http.Reply(500, "Internal Server Error"))
    monkeypatch.setenv("AGENTPLAT_DUCKDUCKGO_URL", server.url + "/html/")
    with pytest.raises(TransientError, match=r"DuckDuckGo is unavailable right now \(HTTP 500"):
        asyncio.run(with_retries(lambda: search("python asyncio"), attempts=3, initial_wait=0.01))
    assert len(server.requests) == 3


def test_duckduckgo_timeout(http, data, monkeypatch):
    server = http.serve(lambda seen: http.Reply(200, data("ddg_python_asyncio.html"), HTML, delay=5))
    monkeypatch.setenv("AGENTPLAT_DUCKDUCKGO_URL", server.url + "/html/")
    monkeypatch.setenv("AGENTPLAT_HTTP_TIMEOUT", "0.3")
    started = time.monotonic()
    with pytest.raises(TransientError, match=r"DuckDuckGo at http://127.0.0.1:\d+ did not answer within 0.3s"):
        run()
    assert time.monotonic() - started < 2


# -- SearxNG -----------------------------------------------------------------------------


def test_searxng_json_api(http, data, monkeypatch):
    server = http.serve(lambda seen: http.Reply(200, data("searxng_python_asyncio.json"), JSON))
    monkeypatch.setenv("AGENTPLAT_SEARCH_BACKEND", "searxng")
    monkeypatch.setenv("AGENTPLAT_SEARXNG_URL", server.url + "/")

    results = run()

    [seen] = server.requests
    assert (seen.method, seen.path) == ("GET", "/search")
    assert seen.query == {"q": ["python asyncio"], "format": ["json"]}
    assert [r.title for r in results] == [
        "asyncio — Asynchronous I/O — Python 3.12.3 documentation",
        "Async IO in Python: A Complete Walkthrough – Real Python",
        "Asynchronous I/O - Wikipedia",
    ]
    assert results[1].snippet == (
        "This tutorial will give you a firm grasp of Python’s approach to async IO, "
        "a concurrent programming design that has received dedicated support in Python."
    )


def test_searxng_without_json_format_enabled_says_how_to_fix_it(http, monkeypatch):
    server = http.serve(lambda seen: http.Reply(403, "<html><body>403 Forbidden</body></html>", HTML))
    monkeypatch.setenv("AGENTPLAT_SEARCH_BACKEND", "searxng")
    monkeypatch.setenv("AGENTPLAT_SEARXNG_URL", server.url)
    with pytest.raises(ToolError, match="search.formats"):
        run()


def test_searxng_malformed_json_is_a_clear_error(http, monkeypatch):
    server = http.serve(lambda seen: http.Reply(200, b'{"query": "python asyncio", "results": [{"url": ', JSON))
    monkeypatch.setenv("AGENTPLAT_SEARCH_BACKEND", "searxng")
    monkeypatch.setenv("AGENTPLAT_SEARXNG_URL", server.url)
    with pytest.raises(ToolError, match="SearxNG did not answer with JSON"):
        run()


def test_searxng_needs_its_url(monkeypatch):
    monkeypatch.setenv("AGENTPLAT_SEARCH_BACKEND", "searxng")
    with pytest.raises(ToolError, match="set AGENTPLAT_SEARXNG_URL"):
        run()


# -- Tavily ------------------------------------------------------------------------------


def test_tavily_api(http, data, monkeypatch):
    server = http.serve(lambda seen: http.Reply(200, data("tavily_python_asyncio.json"), JSON))
    monkeypatch.setenv("AGENTPLAT_SEARCH_BACKEND", "tavily")
    monkeypatch.setenv("AGENTPLAT_TAVILY_URL", server.url)
    monkeypatch.setenv("TAVILY_API_KEY", "tvly-test-123")

    results = run(max_results=3)

    [seen] = server.requests
    assert (seen.method, seen.path) == ("POST", "/search")
    assert seen.headers["authorization"] == "Bearer tvly-test-123"
    body = json.loads(seen.body)
    assert (body["query"], body["max_results"]) == ("python asyncio", 3)
    assert [r.url for r in results] == [
        "https://docs.python.org/3/library/asyncio.html",
        "https://superfastpython.com/python-asyncio/",
    ]
    assert results[1].snippet.startswith("Asyncio is a Python library")


def test_tavily_needs_a_key(monkeypatch):
    monkeypatch.setenv("AGENTPLAT_SEARCH_BACKEND", "tavily")
    with pytest.raises(ToolError, match="set TAVILY_API_KEY"):
        run()


def test_tavily_rejected_key_is_clear_and_not_echoed(http, monkeypatch):
    server = http.serve(lambda seen: http.Reply(401, {"detail": {"error": "Unauthorized: missing or invalid API key."}}))
    monkeypatch.setenv("AGENTPLAT_SEARCH_BACKEND", "tavily")
    monkeypatch.setenv("AGENTPLAT_TAVILY_URL", server.url)
    monkeypatch.setenv("TAVILY_API_KEY", "tvly-secret-value")
    with pytest.raises(ToolError, match="rejected the API key in TAVILY_API_KEY") as caught:
        run()
    assert "tvly-secret-value" not in str(caught.value)


def test_tavily_malformed_json_is_a_clear_error(http, monkeypatch):
    server = http.serve(lambda seen: http.Reply(200, b"<html>upstream gateway</html>", HTML))
    monkeypatch.setenv("AGENTPLAT_SEARCH_BACKEND", "tavily")
    monkeypatch.setenv("AGENTPLAT_TAVILY_URL", server.url)
    monkeypatch.setenv("TAVILY_API_KEY", "tvly-test-123")
    with pytest.raises(ToolError, match="Tavily did not answer with JSON"):
        run()


# -- choosing ----------------------------------------------------------------------------


def test_unknown_backend_names_the_variable(monkeypatch):
    monkeypatch.setenv("AGENTPLAT_SEARCH_BACKEND", "altavista")
    with pytest.raises(ToolError, match="unknown search backend 'altavista': set AGENTPLAT_SEARCH_BACKEND to one of"):
        run()


def test_empty_query_is_refused(monkeypatch):
    with pytest.raises(ToolError, match="query is empty"):
        run("   ")


def test_unreachable_backend_is_a_clear_error(http, monkeypatch):
    server = http.serve(lambda seen: http.Reply(200, "{}"))
    url = server.url
    server.stop()
    monkeypatch.setenv("AGENTPLAT_SEARCH_BACKEND", "searxng")
    monkeypatch.setenv("AGENTPLAT_SEARXNG_URL", url)
    with pytest.raises(TransientError, match=r"SearxNG at http://127.0.0.1:\d+ is unreachable"):
        run()
