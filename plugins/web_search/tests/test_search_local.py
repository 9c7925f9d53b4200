"""The local backend: SQLite FTS5 over txt/md/html files, bm25 order, re-indexing on change."""

from __future__ import annotations

import asyncio
import os
import sqlite3
from pathlib import Path

import pytest
from agentplat import ToolError
from agentplat_web_search.tools import search


@pytest.fixture
def corpus(tmp_path, monkeypatch) -> Path:
    root = tmp_path / "docs"
    (root / "guides").mkdir(parents=True)
    (root / ".git").mkdir()
    (root / "guides" / "asyncio.md").write_text(
        "---\ntitle: Asyncio guide\n---\n# Asyncio in depth\n\n"
        "The **asyncio** event loop runs coroutines. Asyncio tasks wrap coroutines; "
        "asyncio queues pass work between tasks. See [the docs](https://docs.python.org) for asyncio.\n",
        encoding="utf-8",
    )
    (root / "threads.txt").write_text(
        "Threads and processes are the classic way to run work concurrently in Python. "
        "A thread pool can also run blocking calls next to an event loop, for example from asyncio. "
        + "Locks, queues and condition variables coordinate threads. " * 20,
        encoding="utf-8",
    )
    (root / "gardening.html").write_text(
        "<html><head><title>Growing tomatoes</title><style>.asyncio{color:red}</style>"
        "<script>var asyncio = 1;</script></head>"
        "<body><h1>Tomatoes</h1><p>Tomatoes need sun, water and a stake to climb.</p></body></html>",
        encoding="utf-8",
    )
    (root / "café.md").write_text("# Café notes\n\nThe crème brûlée at the café was excellent.\n", encoding="utf-8")
    (root / "image.png").write_bytes(b"\x89PNG asyncio asyncio")
    (root / ".git" / "notes.txt").write_text("asyncio asyncio asyncio", encoding="utf-8")
    monkeypatch.setenv("AGENTPLAT_SEARCH_BACKEND", "local")
    monkeypatch.setenv("AGENTPLAT_SEARCH_PATH", str(root))
    return root


def run(query: str, **kwargs):
    return asyncio.run(search(query, **kwargs))


def test_bm25_puts_the_document_about_the_words_first(corpus):
    results = run("asyncio event loop")
    assert [Path(r.url.removeprefix("file://")).name for r in results] == ["asyncio.md", "threads.txt"]
    assert results[0].title == "Asyncio guide"
    assert results[0].url == (corpus / "guides" / "asyncio.md").resolve().as_uri()
    assert "**event**" in results[0].snippet and "**loop**" in results[0].snippet
    assert "](" not in results[0].snippet  # Markdown link syntax is not indexed


def test_single_word_ranking_and_only_supported_visible_files(corpus):
    results = run("asyncio")
    names = [r.url.rsplit("/", 1)[-1] for r in results]
    assert names == ["asyncio.md", "threads.txt"]  # not the png, the .git folder, nor <script>/<style>


def test_any_word_matches_when_not_all_do(corpus):
    results = run("tomatoes spaceship")
    assert [r.title for r in results] == ["Growing tomatoes"]
    assert "**Tomatoes**" in results[0].snippet


def test_diacritics_and_stemming(corpus):
    assert [r.title for r in run("creme brulee cafe")] == ["Café notes"]
    assert [r.title for r in run("coordinating thread")] == ["threads"]


def test_reindexes_changed_added_and_deleted_files(corpus, tmp_path):
    assert [r.title for r in run("tomatoes")] == ["Growing tomatoes"]

    page = corpus / "gardening.html"
    page.write_text("<html><head><title>Growing peppers</title></head><body><p>Peppers like heat.</p></body></html>")
    os.utime(page, ns=(page.stat().st_atime_ns, page.stat().st_mtime_ns + 5_000_000_000))
    (corpus / "guides" / "new.txt").write_text("Tomatoes again, in a new file.")
    (corpus / "threads.txt").unlink()

    assert [r.title for r in run("peppers")] == ["Growing peppers"]
    assert [r.title for r in run("tomatoes")] == ["new"]
    assert run("condition variables") == []

    [index] = (tmp_path / "home" / "search-index").glob("local-*.sqlite3")
    with sqlite3.connect(index) as db:
        assert db.execute("SELECT count(*) FROM files").fetchone()[0] == 4


def test_unchanged_files_are_not_read_again(corpus, monkeypatch):
    run("asyncio")
    from agentplat_web_search import local_index

    def fail(path):
        raise AssertionError(f"{path} was read again")

    monkeypatch.setattr(local_index, "read_document", fail)
    assert run("asyncio")


def test_query_syntax_is_treated_as_words(corpus):
    assert run('asyncio AND "NEAR(" OR title:*') != []
    assert run("?!") == []


def test_search_path_must_be_set(monkeypatch):
    monkeypatch.setenv("AGENTPLAT_SEARCH_BACKEND", "local")
    with pytest.raises(ToolError, match="set AGENTPLAT_SEARCH_PATH"):
        run("anything")


def test_missing_folder_is_named(monkeypatch, tmp_path):
    monkeypatch.setenv("AGENTPLAT_SEARCH_BACKEND", "local")
    monkeypatch.setenv("AGENTPLAT_SEARCH_PATH", str(tmp_path / "nowhere"))
    with pytest.raises(ToolError, match="nowhere.*does not exist"):
        run("anything")


def test_a_damaged_index_is_rebuilt(corpus, tmp_path):
    run("asyncio")
    [index] = (tmp_path / "home" / "search-index").glob("local-*.sqlite3")
    index.write_bytes(b"this is not a database" * 100)
    assert [r.title for r in run("tomatoes")] == ["Growing tomatoes"]
