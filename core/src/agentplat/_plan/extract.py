"""Reading plans out of model replies: fenced, chatty, or still streaming.

Models wrap JSON in Markdown fences, add a sentence before it, or reply with a bare list of
steps. ``extract_plan`` finds the plan in a whole reply; ``StepScanner`` finds each step
object the moment its closing brace arrives, so execution can start before the reply ends.
"""

from __future__ import annotations

import json
from typing import Any

from .._common.errors import PlanValidationError
from .._common.wording import EmbeddedJSON


def extract_plan(reply: str) -> Any:
    """The first JSON object with ``steps`` (or list of steps) in a model's reply."""
    text = reply.strip()
    found = EmbeddedJSON(text, "{[")
    for value in found:
        if isinstance(value, dict) and "steps" in value:
            return value
        if isinstance(value, list) and value and all(isinstance(v, dict) and "agent" in v for v in value):
            return {"steps": value}
    if not text:
        raise PlanValidationError("the reply was empty; expected a JSON plan")
    if found.problem:
        raise PlanValidationError(f"the reply's JSON could not be read: {found.problem}")
    raise PlanValidationError('the reply contains no JSON plan of the form {"steps": [...]}')


class StepScanner:
    """Feed it text chunks; it returns each complete step object of the plan as it closes."""

    def __init__(self) -> None:
        self.buffer = ""
        self._pos = 0
        self._stack: list[str] = []
        self._in_string = False
        self._escaped = False
        self._step_start: int | None = None
        self._key: str | None = None  # last string seen directly in an object (a key candidate)
        self._string_start = 0
        self._steps_array_depth: int | None = None

    def feed(self, chunk: str) -> list[dict]:
        self.buffer += chunk
        found: list[dict] = []
        text = self.buffer
        for i in range(self._pos, len(text)):
            ch = text[i]
            if self._in_string:
                if self._escaped:
                    self._escaped = False
                elif ch == "\\":
                    self._escaped = True
                elif ch == '"':
                    self._in_string = False
                    if self._stack and self._stack[-1] == "{":
                        self._key = text[self._string_start + 1 : i]
                continue
            if ch == '"':
                self._in_string, self._string_start = True, i
            elif ch in "{[":
                is_steps_array = ch == "[" and (
                    not self._stack or (len(self._stack) == 1 and self._key == "steps")
                )
                if ch == "{" and self._stack and self._stack[-1] == "[" and len(self._stack) == self._steps_array_depth:
                    self._step_start = i
                self._stack.append(ch)
                if is_steps_array:
                    self._steps_array_depth = len(self._stack)
            elif ch in "}]":
                if not self._stack:
                    continue
                self._stack.pop()
                if ch == "}" and self._step_start is not None and len(self._stack) == self._steps_array_depth:
                    try:
                        found.append(json.loads(text[self._step_start : i + 1]))
                    except (ValueError, RecursionError):  # not JSON, a huge number, too deep
                        pass  # reported when the whole reply is validated
                    self._step_start = None
        self._pos = len(text)
        return found
