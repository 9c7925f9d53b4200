"""The tools worth showing the planner for one request, best first.

The planner prompt (and the plan schema) would otherwise grow with every installed tool:
with hundreds of tools a small model's context is full before the request is read. Tools
are ranked with SQLite's full-text index (FTS5, bm25; stdlib, in memory) over each tool's
name, description, examples and its agent's name and description; the request's words,
stemmed, are the query. A tool whose agent or name the request spells out is always kept.
Only tools the request's words match are shown (at least a few): a small model reaches for
whatever is listed, and a tool it is not shown is one it cannot pick by mistake.
"""

from __future__ import annotations

import re
import sqlite3

#: At most this many tools are shown, and at least ``LEAST`` (when that many are installed).
SHORTLIST = 24
LEAST = 6
#: Words that say nothing about which tool is meant.
STOP = frozenset("a an and are as at be by can do for from give how i in is it me of on or please result results "
                 "show tell that the their them then there this to up what whats when which with you your".split())
_WORD = re.compile(r"[^\W_]+", re.UNICODE)


def shortlist(request: str, tools: list, about: dict[str, str] | None = None, *, limit: int = SHORTLIST,
              least: int = LEAST) -> list:
    """The tools to show for ``request``, best first: those the request's words match (at most
    ``limit``), and every tool whose agent or name it spells out; at least ``least`` (the next
    best fill up), or all of them when nothing matches. A tool the model is not shown is one it
    cannot mistake for the right one (small models reach for whatever is listed)."""
    ranked, matched = _ranked(request, tools, about or {})
    words = {w.lower() for w in _WORD.findall(request)}
    named = [t for t in ranked if t.name.lower() in words or (t.agent or "").lower() in words]
    if not matched:
        return ranked[: max(limit, len(named))] if len(tools) > limit else ranked
    keep = named + [t for t in ranked[:matched] if t not in named]
    keep = keep[: max(limit, len(named))]
    for tool in ranked:  # fill up to ``least`` with the next best
        if len(keep) >= least:
            break
        if tool not in keep:
            keep.append(tool)
    return keep


def _ranked(request: str, tools: list, about: dict[str, str]) -> tuple[list, int]:
    """``tools`` best first, and how many of them the request's words matched at all."""
    words = [w.lower() for w in _WORD.findall(request)]
    if not words or not tools:
        return list(tools), 0
    db = sqlite3.connect(":memory:")
    try:
        db.execute("CREATE VIRTUAL TABLE tools USING fts5(name, text, tokenize='porter unicode61 remove_diacritics 2')")
        db.executemany("INSERT INTO tools (rowid, name, text) VALUES (?, ?, ?)", [
            (i, f"{t.name.replace('_', ' ')} {t.agent or ''}", _document(t, about)) for i, t in enumerate(tools)
        ])
        query = " OR ".join('"' + w.replace('"', "") + '"' for w in dict.fromkeys(words) if w not in STOP)
        rows = db.execute("SELECT rowid FROM tools WHERE tools MATCH ? ORDER BY bm25(tools, 4.0, 1.0)",
                          (query,)).fetchall() if query else []
    finally:
        db.close()
    order = [tools[r[0]] for r in rows]
    return order + [t for t in tools if t not in order], len(order)


def _document(tool, about: dict[str, str]) -> str:
    return " ".join([tool.description, *tool.examples, about.get(tool.agent or "", "")]).replace("_", " ")
