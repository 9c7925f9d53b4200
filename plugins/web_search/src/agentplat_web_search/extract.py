"""The readable main text of a downloaded page: trafilatura for HTML, plain decoding for text.

trafilatura (imported on first use; it takes ~0.5 s) separates the article from navigation,
cookie banners, sidebars and footers.
"""

from __future__ import annotations

HTML_TYPES = {"text/html", "application/xhtml+xml"}
TEXT_TYPES = {"application/json", "application/xml", "text/xml", "application/ld+json"}


def is_html(content_type: str, body: bytes) -> bool:
    if content_type:
        return content_type in HTML_TYPES
    head = body[:512].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html", b"<head", b"<body", b"<"))


def is_readable(content_type: str) -> bool:
    """Types ``fetch_page`` can turn into text; an empty type is sniffed later."""
    return not content_type or content_type in HTML_TYPES or content_type in TEXT_TYPES or content_type.startswith("text/")


def readable_text(body: bytes, content_type: str, url: str, encoding: str | None) -> tuple[str, str]:
    """``(title, text)`` of a page's bytes."""
    if is_html(content_type, body):
        html: str | bytes = body.decode(encoding, errors="replace") if encoding else body
        return main_text(html, url)
    text = body.decode(encoding or "utf-8", errors="replace")
    return "", "\n".join(line.rstrip() for line in text.strip().splitlines())


def main_text(html: str | bytes, url: str) -> tuple[str, str]:
    """The article of an HTML page without its boilerplate; ``("", "")`` if there is none."""
    import trafilatura

    document = trafilatura.bare_extraction(
        html, url=url, with_metadata=True, include_comments=False, include_tables=True,
        include_images=False, include_links=False, deduplicate=True,
    )
    title = (getattr(document, "title", None) or "").strip()
    text = (getattr(document, "text", None) or "").strip()
    if not text:
        # very short pages fall below trafilatura's thresholds; take the visible paragraphs
        _, text, _ = trafilatura.baseline(html)
        text = (text or "").strip()
    return title, text
