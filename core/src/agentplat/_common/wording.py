"""Turning errors and model replies into text a person (or a model) can act on."""

from __future__ import annotations

import json
import re
import sys
from typing import Any, Iterator


def in_quotes(text: str, limit: int = 160) -> str:
    """``text`` on one line, cut in the middle past ``limit`` characters, quoted: a request
    named in an error stays readable however long it is."""
    one = " ".join(str(text).split())
    if len(one) > limit:
        one = f"{one[: limit * 2 // 3]} … {one[-(limit // 3):]}"
    return repr(one)


#: how much of a tool's or an agent's description a model reads
DESCRIPTION_LIMIT = 300
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


def one_line(text: str, limit: int = DESCRIPTION_LIMIT) -> str:
    """A third party's description as a model reads it: control characters (terminal escapes,
    bidirectional marks) removed, on one line, at most ``limit`` characters. A description is
    data about a tool, so it cannot bring its own paragraphs, headings or screens of text."""
    text = " ".join(_CONTROL.sub(" ", str(text or "")).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def quoted_description(text: str, limit: int = DESCRIPTION_LIMIT) -> str:
    """``one_line(text)`` in double quotes (JSON's escapes): visibly a quotation, not prompt text."""
    return json.dumps(one_line(text, limit), ensure_ascii=False)


def describe(error: BaseException, *, first_line: bool = False) -> str:
    """``TypeName: message`` (just ``TypeName`` when there is no message): how an unexpected
    error reads in one line; ``first_line`` keeps only the message's first line."""
    text = str(error).strip()
    if first_line and text:
        text = text.splitlines()[0]
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def squeezed(error: BaseException) -> str:
    """An error's message on one line (whitespace squeezed), or its type's name if it has none."""
    return " ".join(str(error).split()) or type(error).__name__


def problems(errors: list[dict[str, Any]], *, default: str = "arguments") -> str:
    """pydantic's ``ValidationError.errors()`` as ``where: what; where: what``."""
    return "; ".join(f"{'.'.join(str(p) for p in err['loc']) or default}: {err['msg']}" for err in errors)


#: How deep a JSON value found in a reply may nest. Plans and critiques need a handful of
#: levels; the bound keeps finding them linear in the reply's length (each character is read
#: by at most this many decode attempts) and far from Python's recursion limit.
MAX_JSON_DEPTH = 64
_STRUCTURE = re.compile(r'[][{}"\\\n]')
_CLOSERS = {"}": "{", "]": "["}


class EmbeddedJSON:
    """Every JSON value that opens with one of ``openers`` inside ``text``, in order: what
    models write around their JSON (fences, a sentence before it) is skipped, and a value
    nested in another is found on its own too.

    One scan maps how deep the brackets nest from each opener; values nested deeper than
    ``MAX_JSON_DEPTH`` are not decoded, and a value that decodes is not searched again from
    inside. ``problem`` then says why a candidate could not be read (too deep, a number too
    long for Python), so a caller can report it instead of "no JSON".
    """

    def __init__(self, text: str, openers: str = "{"):
        self.text = text
        self.openers = openers
        self.problem: str | None = None

    def __iter__(self) -> Iterator[Any]:
        text, decoder = self.text, json.JSONDecoder()
        depths = _nesting(text)
        resume = 0
        for start, depth in depths:
            if start < resume or text[start] not in self.openers:
                continue
            if depth > MAX_JSON_DEPTH:
                self.problem = self.problem or f"it nests more than {MAX_JSON_DEPTH} levels deep"
                continue
            try:
                value, end = decoder.raw_decode(text, start)
            except RecursionError:
                self.problem = self.problem or "it nests too deep to read"
                continue
            except ValueError as exc:  # JSONDecodeError, or an integer longer than int() accepts
                if not isinstance(exc, json.JSONDecodeError):
                    self.problem = self.problem or (
                        f"it has a number with more than {sys.get_int_max_str_digits()} digits")
                continue
            resume = end
            yield from _containers(value, self.openers)


def embedded_json(text: str, openers: str = "{") -> Iterator[Any]:
    """The values of ``EmbeddedJSON(text, openers)``, for callers that need no reason."""
    return iter(EmbeddedJSON(text, openers))


def _nesting(text: str) -> list[tuple[int, int]]:
    """``(position, depth)`` of every opening bracket, in order: how many levels the
    brackets nest from it to its closing bracket (or the end of the text). Strings are
    tracked inside brackets only and end at a line break, so a quote in the prose around
    them changes little."""
    found: list[list[int]] = []  # [position, depth], filled in as brackets close
    stack: list[tuple[str, list[int]]] = []
    in_string, skip = False, -1
    for match in _STRUCTURE.finditer(text):
        index, char = match.start(), match.group()
        if index == skip:
            continue
        if in_string:
            if char == "\\":
                skip = index + 1
            elif char in '"\n':  # JSON strings never hold a raw newline: that quote was prose
                in_string = False
        elif char == '"':
            in_string = bool(stack)
        elif char in "{[":
            entry = [index, 1]
            found.append(entry)
            stack.append((char, entry))
        elif stack and stack[-1][0] == _CLOSERS.get(char):
            _, entry = stack.pop()
            if stack:
                stack[-1][1][1] = max(stack[-1][1][1], entry[1] + 1)
    while stack:  # brackets never closed: their depth so far
        _, entry = stack.pop()
        if stack:
            stack[-1][1][1] = max(stack[-1][1][1], entry[1] + 1)
    return [(position, depth) for position, depth in found]


def _containers(value: Any, openers: str) -> Iterator[Any]:
    """``value`` and the objects/arrays inside it, in the order they open in the text."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, dict):
            if "{" in openers:
                yield item
            children = list(item.values())
        elif isinstance(item, list):
            if "[" in openers:
                yield item
            children = item
        else:
            continue
        pending.extend(reversed(children))

