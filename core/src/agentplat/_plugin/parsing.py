"""The offline-parser contract: what a parser registered through ``register_offline_parsers``
sees (a ``Clause``) and what it returns (a ``ToolCall``, whose ``"$N"`` arguments ``ref``
writes, or a list of independent calls: one step each), and how a clause's numbers and
quoted strings are read from its text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

NUMBER = re.compile(r"(?<![\w.$])-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?![\w])|(?<![\w.$])-?\.\d+(?![\w])")
#: A quoted string: code (a fenced ```block``` or `back-quoted`), "double", “typographic
#: double”, ‘typographic single’ or 'single'. Inside single quotes an apostrophe between two
#: word characters belongs to the text ('don't stop'), but only when the plain reading finds no
#: closing quote ("how many a's are in 'banana'"). Code comes first: the quotes inside
#: `len('a b')` are the code's.
QUOTED = re.compile(
    r"```(?:[ \t]*[\w+-]*[ \t]*\n)?((?:(?!```)[\s\S])+?)\n?[ \t]*```"
    r"|`([^`]+)`"
    r"|\"([^\"]+)\""
    r"|“([^”]+)”"
    r"|‘((?:[^’]|(?<=\w)’(?=\w))+?)’(?!\w)"
    r"|(?<!\w)'([^']+)'(?!\w)"
    r"|(?<!\w)'((?:[^']|(?<=\w)'(?=\w))+?)'(?!\w)"
)
STEP_REFERENCE = re.compile(r"\b(?:step|result)\s+(?:#|no\.?\s*)?(\d+)\b", re.I)


def numbers(text: str) -> list[Decimal]:
    """The numbers written in ``text`` ("1,234.5" too), leaving out step numbers and quoted text."""
    text = STEP_REFERENCE.sub(" ", text)
    text = QUOTED.sub(" ", text)
    return [Decimal(m.group(0).replace(",", "")) for m in NUMBER.finditer(text)]


def quoted(text: str) -> list[str]:
    """The strings quoted in ``text`` ("double", “curly” or 'single'), as written."""
    return [value for _, _, value in quoted_spans(text)]


def quoted_spans(text: str) -> list[tuple[int, int, str]]:
    """Each quoted string of ``text`` as ``(start, end, value)``: ``text[start:end]`` is the
    string with its quotes, ``value`` what is between them, byte for byte. The one rule of
    what a quote is, for the offline planner and every parser (a parser that slots quoted
    strings out of a clause before reading its words uses this)."""
    return [(m.start(), m.end(), next(g for g in m.groups() if g is not None)) for m in QUOTED.finditer(text)]



@dataclass(frozen=True)
class Produced:
    """An earlier step of the plan so far: which agent and tool made result ``index``."""

    index: int
    agent: str
    tool: str | None  # None: a task the agent runs with its own tools

    @property
    def reference(self) -> str:
        """The argument that stands for this step's result (``"$index"``)."""
        return f"${self.index}"


@dataclass
class Clause:
    """One clause of a request, with the references the core already resolved.

    ``references`` are earlier step indices the clause points at explicitly ("it", "that",
    "the result", "them", "both", "the two results", "step 2"), in order. ``previous`` is
    the step made from the clause before, and ``chained`` says the clause began with a
    sequencing word ("then", "after that", "next"), so a missing operand means ``previous``.
    ``earlier`` lists the steps planned so far (agent and tool of each), so a parser can see
    what made each result; ``references`` already holds the ones the clause names ("the
    word count" is the step whose tool counts words).
    """

    text: str
    index: int
    references: list[int] = field(default_factory=list)
    previous: int | None = None
    chained: bool = False
    numbers: list[Decimal] = field(default_factory=list)
    quoted: list[str] = field(default_factory=list)
    earlier: list[Produced] = field(default_factory=list)

    @classmethod
    def from_text(cls, text: str, *, index: int = 0, references: list[int] | None = None,
                  previous: int | None = None, chained: bool = False) -> "Clause":
        """A clause as the offline planner makes it: numbers and quoted strings read from
        ``text`` (what a plugin's parser tests start from)."""
        return cls(text=text, index=index, references=list(references or []), previous=previous,
                   chained=chained, numbers=numbers(text), quoted=quoted(text))

    def inputs(self, needed: int) -> list[int]:
        """Earlier steps whose results fill ``needed`` missing operands, best guess first."""
        if self.references:
            return self.references[-needed:] if needed else []
        if self.chained and self.previous is not None and needed:
            return [self.previous]
        return []


@dataclass
class ToolCall:
    """A parser's answer: call ``tool`` of the parser's agent with ``args``.

    An argument may be ``"$N"`` to use the result of step N; the core adds N to the
    step's dependencies.
    """

    tool: str
    args: dict[str, Any]
    agent: str | None = None


def ref(index: int) -> str:
    """The plan-format reference to step ``index``'s result."""
    return f"${index}"
