"""A Markdown report as a title and named sections, so deterministic code can read and edit it.

The offline writer keeps no state between iterations: everything it knows about a draft
(its sections, its numbered sources) is read back from the Markdown itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_H1 = re.compile(r"^#\s+(.+?)\s*#*\s*$")
_H2 = re.compile(r"^##\s+(.+?)\s*#*\s*$")
_SOURCE = re.compile(
    r"^\s*(\d+)\.\s+(?:\[(?P<title>[^\]]*)\]\(<?(?P<url>[^>\s]+?)>?\)|(?P<name>.+?):\s+`(?P<path>[^`]+)`)\s*$"
)
_CITED = re.compile(r"\[(\d+)\]")


@dataclass
class Section:
    heading: str
    body: str = ""

    @property
    def key(self) -> str:
        return self.heading.strip().lower()


@dataclass
class Outline:
    title: str = ""
    preamble: str = ""
    sections: list[Section] = field(default_factory=list)

    @classmethod
    def parse(cls, markdown: str) -> "Outline":
        outline = cls()
        current: list[str] = []
        section: Section | None = None

        def close() -> None:
            text = "\n".join(current).strip()
            if section is None:
                outline.preamble = text
            else:
                section.body = text

        for line in markdown.splitlines():
            if not outline.title and section is None and (h1 := _H1.match(line)):
                outline.title = h1.group(1)
                continue
            if h2 := _H2.match(line):
                close()
                section = Section(h2.group(1))
                outline.sections.append(section)
                current = []
                continue
            current.append(line)
        close()
        return outline

    def get(self, heading: str) -> Section | None:
        key = heading.strip().lower()
        return next((s for s in self.sections if s.key == key), None)

    def has(self, heading: str) -> bool:
        return self.get(heading) is not None

    def set(self, heading: str, body: str, *, before: tuple[str, ...] = ()) -> None:
        """Replace a section's body, or add the section before the first of ``before`` present."""
        existing = self.get(heading)
        if existing is not None:
            existing.body = body.strip()
            return
        new = Section(heading, body.strip())
        for name in before:
            anchor = self.get(name)
            if anchor is not None:
                self.sections.insert(self.sections.index(anchor), new)
                return
        self.sections.append(new)

    def sources(self) -> list[tuple[str, str]]:
        """``(title, url)`` of the numbered list in the Sources section, in number order."""
        section = self.get("Sources")
        if section is None:
            return []
        found = []
        for line in section.body.splitlines():
            if match := _SOURCE.match(line):
                if match.group("url"):
                    found.append((match.group("title"), match.group("url")))
                else:
                    found.append((match.group("name"), match.group("path")))
        return found

    def cited(self) -> set[int]:
        """Source numbers cited as ``[n]`` outside the Sources section."""
        text = self.preamble + "\n" + "\n".join(s.body for s in self.sections if s.key != "sources")
        return {int(n) for n in _CITED.findall(text)}

    def render(self) -> str:
        parts = [f"# {self.title}"] if self.title else []
        if self.preamble:
            parts.append(self.preamble)
        for section in self.sections:
            parts.append(f"## {section.heading}")
            if section.body:
                parts.append(section.body)
        return "\n\n".join(parts) + "\n"
