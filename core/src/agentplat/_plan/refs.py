"""``$N`` references: a string argument that stands for the result of step N (``$N.field``
for a field of it), found in a plan and filled in when the step runs.

``$$N`` is the literal text ``$N`` (``literal`` writes it): a user's quoted "I paid $0" is
text, never step 0's result."""

from __future__ import annotations

import re
from typing import Any, Iterator

from .._common.errors import ToolError
from .._common.jsondata import show

REFERENCE = re.compile(r"^\$(\d+)((?:\.[A-Za-z_]\w*|\.\d+)*)$")
EMBEDDED_REFERENCE = re.compile(r"\$(\$(?=\d))|\$(\d+)((?:\.[A-Za-z_]\w*|\.\d+)*)")  # group 1: an escape


def literal(text: str) -> str:
    """``text`` as a plan argument that means exactly ``text``: each ``$`` before a digit
    doubled, so no reference is read in it."""
    return re.sub(r"\$(?=\d)", "$$", text)


def references(value: Any) -> Iterator[int]:
    """Every step index that ``"$N"`` strings inside ``value`` point to."""
    if isinstance(value, str):
        for match in EMBEDDED_REFERENCE.finditer(value):
            if match.group(2) is not None:
                yield int(match.group(2))
    elif isinstance(value, dict):
        for item in value.values():
            yield from references(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from references(item)


def lookup(value: Any, path: str) -> Any:
    """Follow ``.field`` / ``.0`` parts of a ``$N.field`` reference into a result."""
    for part in filter(None, path.split(".")):
        if isinstance(value, dict) and part in value:
            value = value[part]
        elif isinstance(value, (list, tuple)) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        elif hasattr(value, part):
            value = getattr(value, part)
        else:
            raise ToolError(f"reference .{path.lstrip('.')} does not exist in the result")
    return value


def resolve(value: Any, inputs: dict[int, Any]) -> Any:
    """Replace ``"$N"`` with step N's result (a whole-string reference keeps the result's type)."""
    if isinstance(value, str):
        whole = REFERENCE.match(value)
        if whole:
            return lookup(inputs[int(whole.group(1))], whole.group(2))
        return EMBEDDED_REFERENCE.sub(
            lambda m: "$" if m.group(1) else show(lookup(inputs[int(m.group(2))], m.group(3))), value
        )
    if isinstance(value, dict):
        return {k: resolve(v, inputs) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve(v, inputs) for v in value]
    return value
