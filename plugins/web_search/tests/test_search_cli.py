"""End to end: ``agentplat run`` searches DuckDuckGo (loopback) and reads the first hit's page."""

from __future__ import annotations

from urllib.parse import quote

from agentplat.testing import run_cli


def test_agentplat_run_searches_then_reads_the_first_result(http, data, tmp_path):
    def handler(seen):
        if seen.path == "/html/":
            article = quote(f"{base}/nature/honeybees", safe="")
            page = data("ddg_python_asyncio.html").decode().replace(
                "https%3A%2F%2Fdocs.python.org%2F3%2Flibrary%2Fasyncio.html", article
            )
            return http.Reply(200, page, {"Content-Type": "text/html; charset=utf-8"})
        return http.Reply(200, data("article_with_boilerplate.html"), {"Content-Type": "text/html; charset=utf-8"})

    server = http.serve(handler)
    base = server.url
    env = {
        "HOME": str(tmp_path),
        "AGENTPLAT_DUCKDUCKGO_URL": f"{base}/html/",
        "NO_PROXY": "127.0.0.1,localhost",
        "AGENTPLAT_FETCH_ALLOW_PRIVATE": "1",  # the "web" is a loopback server here
    }

    done = run_cli("run", "--model", "offline", "search for honeybee swarms, then open the first result", env=env,
                   home=tmp_path / "home", drop=("AGENTPLAT_LOAD_PLUGINS", "AGENTPLAT_ENGINE"), cwd=tmp_path)

    assert done.code == 0, done.stderr
    assert "web_search.search" in done.stdout and "web_search.fetch_page" in done.stdout
    assert "waggle dance" in done.stdout and "We use cookies" not in done.stdout
    assert [(seen.method, seen.path) for seen in server.requests] == [("POST", "/html/"), ("GET", "/nature/honeybees")]
