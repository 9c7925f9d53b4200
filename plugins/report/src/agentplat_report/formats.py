"""One refined report in its file formats: Markdown, HTML, a plain-text summary, the critiques.

The HTML comes from a real CommonMark renderer (markdown-it-py) with raw HTML disabled:
whatever a topic or a model writes, ``<script>`` ends up as text on the page, and link
targets such as ``javascript:`` are refused by the renderer's link validation.
"""

from __future__ import annotations

import html
import json
import re
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from agentplat.refine import Refinement

FILES = ("report.md", "report.html", "summary.txt", "critiques.json")
_FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*(?:\n|\Z)", re.S)
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_SUMMARY_HEADINGS = re.compile(r"^(executive\s+summary|summary|tl;?dr|overview|abstract)\b", re.I)
_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_MARKS = re.compile(r"(\*\*|__|`|~~|(?<!\w)[*_](?=\S)|(?<=\S)[*_](?!\w))")
_CITATION = re.compile(r"\s*\[\d+(?:,\s*\d+)*\]")


@lru_cache(maxsize=1)
def _renderer():
    from markdown_it import MarkdownIt

    # "commonmark" with html=False: raw HTML blocks and inline tags are escaped, not passed through
    return MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable(
        ["table", "strikethrough"]
    )


def render_markdown(text: str) -> str:
    """Safe HTML for Markdown text (no raw HTML, no script URLs)."""
    return _renderer().render(text)


def split_front_matter(text: str) -> tuple[dict[str, Any], str]:
    """``(metadata, body)`` of a Markdown file with optional YAML front matter."""
    match = _FRONT_MATTER.match(text)
    if not match:
        return {}, text
    try:
        meta = yaml.safe_load(match.group(1)) or {}
    except (yaml.YAMLError, ValueError, RecursionError):  # broken, an int too long, nested too deep
        return {}, text
    return (meta if isinstance(meta, dict) else {}), text[match.end():].lstrip("\n")


def markdown_file(topic: str, refinement: Refinement, when: date) -> str:
    meta = {
        "title": topic,
        "date": when,
        "score": refinement.score,
        "iterations": len(refinement.iterations),
        "quality_threshold": refinement.quality_threshold,
        "stopped_because": refinement.stopped_because,
    }
    front = yaml.safe_dump(meta, sort_keys=False, allow_unicode=True, default_flow_style=False)
    return f"---\n{front}---\n\n{refinement.final.strip()}\n"


PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy"
      content="default-src 'none'; style-src 'unsafe-inline'; img-src https: data:">
<title>{title}</title>
<style>
body {{ font: 16px/1.6 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1f2933; max-width: 46rem;
       margin: 2rem auto; padding: 0 1rem; }}
header {{ border-bottom: 1px solid #d9e2ec; margin-bottom: 1.5rem; color: #52606d; font-size: .9rem; }}
h1, h2, h3 {{ line-height: 1.25; }}
a {{ color: #0b69a3; }}
pre, code {{ background: #f0f4f8; border-radius: 4px; }}
pre {{ padding: .75rem; overflow-x: auto; }}
table {{ border-collapse: collapse; }} th, td {{ border: 1px solid #d9e2ec; padding: .3rem .6rem; }}
blockquote {{ margin-left: 0; padding-left: 1rem; border-left: 3px solid #d9e2ec; color: #52606d; }}
</style>
</head>
<body>
<header><p><strong>{title}</strong> &middot; {date} &middot;
  score {score}/10 after {iterations} iteration{plural}</p></header>
<main>
{body}
</main>
</body>
</html>
"""


def html_file(topic: str, refinement: Refinement, when: date) -> str:
    count = len(refinement.iterations)
    return PAGE.format(
        title=html.escape(topic), date=when.isoformat(), score=refinement.score, iterations=count,
        plural="" if count == 1 else "s", body=render_markdown(refinement.final),
    )


def executive_summary(markdown: str) -> str:
    """The text of the report's summary section (else its first paragraph), as plain text."""
    _, body = split_front_matter(markdown)
    lines = body.splitlines()
    section: list[str] | None = None
    for line in lines:
        heading = _HEADING.match(line)
        if heading:
            if section is not None:
                break
            if len(heading.group(1)) > 1 and _SUMMARY_HEADINGS.match(heading.group(2)):
                section = []
            continue
        if section is not None:
            section.append(line)
    if not section or not "".join(section).strip():
        section = _first_paragraph(lines)
    return plain_text("\n".join(section))


def _first_paragraph(lines: list[str]) -> list[str]:
    paragraph: list[str] = []
    for line in lines:
        if _HEADING.match(line):
            if paragraph:
                break
            continue
        if not line.strip():
            if paragraph:
                break
            continue
        paragraph.append(line)
    return paragraph


def plain_text(markdown: str) -> str:
    """Markdown without its markup: links become their text, emphasis marks and citations go."""
    text = _LINK.sub(r"\1", markdown)
    text = _CITATION.sub("", text)
    text = _MARKS.sub("", text)
    paragraphs = re.split(r"\n\s*\n", text.strip())
    return "\n\n".join(" ".join(p.split()) for p in paragraphs if p.strip())


def critiques_file(topic: str, refinement: Refinement, *, complete: bool = True, model: str = "") -> str:
    data = {"topic": topic, "complete": complete, "model": model, **refinement.to_json()}
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def write_atomic(path: Path, text: str) -> None:
    """Write through a temporary file, so a reader (the app) never sees half a file. Every
    file of the plugin is written here, so every one is masked here: a key typed into a topic
    or echoed by a model never reaches a report or the index."""
    from agentplat.extend import redact

    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(redact(text), encoding="utf-8")
    tmp.replace(path)


def write_report(folder: Path, topic: str, refinement: Refinement, *, model: str = "",
                 when: date | None = None) -> dict[str, Path]:
    """All four files of one report into ``folder``; returns their paths by name."""
    when = when or date.today()
    folder.mkdir(parents=True, exist_ok=True)
    markdown = markdown_file(topic, refinement, when)
    contents = {
        "report.md": markdown,
        "report.html": html_file(topic, refinement, when),
        "summary.txt": executive_summary(markdown) + "\n",
        "critiques.json": critiques_file(topic, refinement, model=model),
    }
    paths = {}
    for name in FILES:
        paths[name] = folder / name
        write_atomic(paths[name], contents[name])
    return paths
