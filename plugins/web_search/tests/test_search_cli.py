"""End to end: ``agentplat run`` searches DuckDuckGo (loopback) and reads the first hit's page."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from urllib.parse import quote


def agentplat_command() -> list[str]:
    found = shutil.which("agentplat") or shutil.which("agentplat", path=os.path.dirname(sys.executable))
    return [found] if found else [sys.executable, "-c", "from agentplat.cli import main; main()"]


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
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
        "AGENTPLAT_HOME": str(tmp_path / "home"),
        "AGENTPLAT_DUCKDUCKGO_URL": f"{base}/html/",
        "NO_PROXY": "127.0.0.1,localhost",
        "AGENTPLAT_FETCH_ALLOW_PRIVATE": "1",  # the "web" is a loopback server here
    }

    done = subprocess.run(
        [*agentplat_command(), "run", "--model", "offline", "search for honeybee swarms, then open the first result"],
        env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120,
    )

    assert done.returncode == 0, done.stderr
    assert "web_search.search" in done.stdout and "web_search.fetch_page" in done.stdout
    assert "waggle dance" in done.stdout and "We use cookies" not in done.stdout
    assert [(seen.method, seen.path) for seen in server.requests] == [("POST", "/html/"), ("GET", "/nature/honeybees")]
