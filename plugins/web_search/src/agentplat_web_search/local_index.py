"""A full-text index (SQLite FTS5, bm25 ranking) of the documents under some folders.

``sync`` brings the index up to date by comparing each file's mtime and size with what was
indexed, so the first search indexes everything and later ones only re-read what changed.
"""

from __future__ import annotations

import os
import re
import sqlite3
from pathlib import Path

from .documents import read_document, supported
from .models import SearchResult

SCHEMA_VERSION = 1
MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_FILES = 50_000
TITLE_WEIGHT, BODY_WEIGHT = 5.0, 1.0
_WORD = re.compile(r"\w+", re.UNICODE)
_STOPWORDS = frozenset(
    "a an and are as at be by for from how in is it of on or the to what when where which who why with".split()
)


class LocalIndex:
    """One SQLite file holding the files table and the FTS5 table of their text."""

    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(path, timeout=30, isolation_level=None)
        try:
            self._migrate()
        except BaseException:
            self.db.close()
            raise

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> "LocalIndex":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _migrate(self) -> None:
        """Create (or rebuild, after a schema change) the tables, once across processes."""
        if self.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION:
            return
        self.db.execute("BEGIN IMMEDIATE")
        try:
            if self.db.execute("PRAGMA user_version").fetchone()[0] != SCHEMA_VERSION:
                self.db.execute("DROP TABLE IF EXISTS files")
                self.db.execute("DROP TABLE IF EXISTS docs")
                self.db.execute(
                    "CREATE TABLE files (id INTEGER PRIMARY KEY, path TEXT UNIQUE NOT NULL,"
                    " mtime_ns INTEGER NOT NULL, size INTEGER NOT NULL)"
                )
                self.db.execute(
                    "CREATE VIRTUAL TABLE docs USING fts5(title, body,"
                    " tokenize='porter unicode61 remove_diacritics 2')"
                )
                self.db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise

    def sync(self, roots: list[Path]) -> dict[str, int]:
        """Index new and changed files, forget deleted ones; returns the counts of each."""
        on_disk = {str(p): (st.st_mtime_ns, st.st_size) for p, st in _walk(roots)}
        counts = {"added": 0, "updated": 0, "removed": 0}
        self.db.execute("BEGIN IMMEDIATE")  # one writer at a time across processes
        try:
            indexed = {row[1]: row for row in self.db.execute("SELECT id, path, mtime_ns, size FROM files")}
            for path, (file_id, _, _, _) in indexed.items():
                if path not in on_disk:
                    self._forget(file_id)
                    counts["removed"] += 1
            for path, (mtime_ns, size) in on_disk.items():
                known = indexed.get(path)
                if known and (known[2], known[3]) == (mtime_ns, size):
                    continue
                try:
                    title, text = read_document(Path(path))
                except (OSError, ValueError):
                    continue  # unreadable now; tried again on the next search
                if known:
                    self._forget(known[0])
                cursor = self.db.execute(
                    "INSERT INTO files (path, mtime_ns, size) VALUES (?, ?, ?)", (path, mtime_ns, size)
                )
                self.db.execute(
                    "INSERT INTO docs (rowid, title, body) VALUES (?, ?, ?)", (cursor.lastrowid, title, text)
                )
                counts["updated" if known else "added"] += 1
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        return counts

    def _forget(self, file_id: int) -> None:
        self.db.execute("DELETE FROM docs WHERE rowid = ?", (file_id,))
        self.db.execute("DELETE FROM files WHERE id = ?", (file_id,))

    def search(self, query: str, limit: int) -> list[SearchResult]:
        """Best matches first (bm25, titles weigh more): all words if possible, else any of them."""
        words = [w.lower() for w in _WORD.findall(query)]
        if not words:
            return []
        every = " ".join(_quote(w) for w in words)
        some = " OR ".join(_quote(w) for w in words if w not in _STOPWORDS) or every
        rows = self._match(every, limit)
        if not rows and some != every:
            rows = self._match(some, limit)
        return [SearchResult(title=title, url=Path(path).as_uri(), snippet=" ".join(snippet.split()))
                for path, title, snippet in rows]

    def _match(self, expression: str, limit: int) -> list[tuple[str, str, str]]:
        return self.db.execute(
            f"""
            SELECT files.path, docs.title, snippet(docs, 1, '**', '**', ' … ', 24)
            FROM docs JOIN files ON files.id = docs.rowid
            WHERE docs MATCH ?
            ORDER BY bm25(docs, {TITLE_WEIGHT}, {BODY_WEIGHT})
            LIMIT ?
            """,
            (expression, limit),
        ).fetchall()


def _quote(word: str) -> str:
    """A word as an FTS5 string token, so user text is never read as query syntax."""
    return '"' + word.replace('"', '""') + '"'


def _walk(roots: list[Path]):
    """Supported files under ``roots`` (hidden folders and oversized files skipped)."""
    count = 0
    for root in roots:
        candidates = [(str(root.parent), [], [root.name])] if root.is_file() else os.walk(root)
        for folder, dirs, names in candidates:
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for name in sorted(names):
                path = Path(folder, name).resolve()
                if name.startswith(".") or not supported(path):
                    continue
                try:
                    st = path.stat()
                except OSError:
                    continue
                if st.st_size > MAX_FILE_BYTES:
                    continue
                yield path, st
                count += 1
                if count >= MAX_FILES:
                    return
