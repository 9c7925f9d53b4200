"""Turning errors and model replies into text a person (or a model) can act on."""

from __future__ import annotations

import json
from typing import Any, Iterator


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


def embedded_json(text: str, openers: str = "{") -> Iterator[Any]:
    """Every JSON value that opens with one of ``openers`` inside ``text``, in order: what
    models write around their JSON (fences, a sentence before it) is skipped,
    and a value nested in another is found on its own too."""
    decoder = json.JSONDecoder()
    for index, char in enumerate(text):
        if char not in openers:
            continue
        try:
            value, _ = decoder.raw_decode(text, index)
        except json.JSONDecodeError:
            continue
        yield value
