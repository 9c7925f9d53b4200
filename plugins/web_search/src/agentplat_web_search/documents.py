"""Reading a local text, Markdown or HTML file into a title and plain text for the index."""

from __future__ import annotations

import re
from pathlib import Path

TEXT_SUFFIXES = {".txt", ".text"}
MARKDOWN_SUFFIXES = {".md", ".markdown", ".mdown", ".mkd"}
HTML_SUFFIXES = {".html", ".htm", ".xhtml"}
SUFFIXES = TEXT_SUFFIXES | MARKDOWN_SUFFIXES | HTML_SUFFIXES

_BLOCKS = ("p", "div", "br", "li", "tr", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6", "pre",
           "blockquote", "section", "article", "header", "footer", "dt", "dd", "title")
_MD_HEADING = re.compile(r"^\s{0,3}#\s+(.+?)\s*#*\s*$", re.M)
_MD_FRONT_TITLE = re.compile(r"\A---\s*\n(?:.*\n)*?title:\s*[\"']?(.+?)[\"']?\s*\n(?:.*\n)*?---\s*\n")
_MD_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_MD_MARKS = re.compile(r"(^\s{0,3}#{1,6}\s+|^\s*>\s?|[*_`~]{1,3})", re.M)


def supported(path: Path) -> bool:
    return path.suffix.lower() in SUFFIXES


def read_document(path: Path) -> tuple[str, str]:
    """``(title, text)`` of a file; the title falls back to the file name."""
    raw = path.read_bytes()
    suffix = path.suffix.lower()
    if suffix in HTML_SUFFIXES:
        return _html(raw, path)
    text = raw.decode("utf-8", errors="replace")
    if suffix in MARKDOWN_SUFFIXES:
        return _markdown(text, path)
    return path.stem, text


def _markdown(text: str, path: Path) -> tuple[str, str]:
    front = _MD_FRONT_TITLE.match(text)
    heading = _MD_HEADING.search(text)
    title = front.group(1) if front else heading.group(1) if heading else path.stem
    body = _MD_MARKS.sub("", _MD_LINK.sub(r"\1", text))
    return _MD_MARKS.sub("", title).strip(), body


def _html(raw: bytes, path: Path) -> tuple[str, str]:
    import lxml.html

    if not raw.strip():
        return path.stem, ""
    tree = lxml.html.document_fromstring(raw)
    for junk in tree.xpath("//script|//style|//noscript|//template"):
        junk.drop_tree()
    title = " ".join(" ".join(tree.xpath("//title//text()")).split())
    if not title:
        title = " ".join(" ".join(tree.xpath("(//h1)[1]//text()")).split())
    for block in tree.iter(*_BLOCKS):  # keep "<h1>A</h1><p>B" as two words, not "AB"
        block.tail = "\n" + (block.tail or "")
    body = tree.find("body")
    text = (body if body is not None else tree).text_content()
    return title or path.stem, "\n".join(line.strip() for line in text.splitlines() if line.strip())
