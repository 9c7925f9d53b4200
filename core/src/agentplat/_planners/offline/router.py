"""The generic offline router: pick a tool for a clause by its words, fill its arguments by type.

It reads only what every tool already has (name, description, examples, signature), so a
third-party tool is routed with no extra code.
"""

from __future__ import annotations

import re
import typing
from decimal import Decimal
from typing import Any

from ..._plugin.tools import Tool
from ..._plugin.parsing import Clause, ToolCall, ref

STOPWORDS = frozenset(
    """a an the of to in on at for from by with and or is are was be what whats what's how
    please can could would you me my i it its this that these those then now some any
    do does tell give get show calculate compute find about like as into than current""".split()
)
_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)?")  # letters of any script: "más" is one word, not "m" + "s"


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def _stem(word: str) -> str:
    for suffix in ("ing", "es", "s", "ed"):
        if len(word) > len(suffix) + 2 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


class ToolIndex:
    """Per-tool vocabularies, built once per registry."""

    def __init__(self, tools: list[Tool], agent_examples: dict[str, list[str]]):
        self.entries = []
        for tool in tools:
            name_words = {_stem(w) for w in words(tool.name.replace("_", " "))}
            example_words = {_stem(w) for e in tool.examples for w in words(e)}
            described = {_stem(w) for w in words(tool.description)}
            agent_words = {_stem(w) for w in words(tool.agent or "")}
            agent_words |= {_stem(w) for e in agent_examples.get(tool.agent or "", []) for w in words(e)}
            self.entries.append((tool, name_words, example_words, described, agent_words))

    def rank(self, text: str) -> list[tuple[float, Tool, set[str]]]:
        """Tools in order of how well their words match ``text`` (only tools with a match)."""
        tokens = [_stem(w) for w in words(text) if w not in STOPWORDS and not w.isdigit() and len(w) > 1]
        ranked = []
        for tool, name_w, example_w, desc_w, agent_w in self.entries:
            score = 0.0
            for token in tokens:
                if token in name_w:
                    score += 3
                elif token in example_w:
                    score += 2
                elif token in desc_w:
                    score += 1
                elif token in agent_w:
                    score += 0.5
            if score >= 2:
                vocabulary = name_w | example_w | desc_w | agent_w
                ranked.append((score, tool, vocabulary))
        ranked.sort(key=lambda item: -item[0])
        return ranked


def _kind(annotation: Any) -> str:
    """'number', 'integer', 'string', 'boolean' or 'other' for a parameter annotation."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _kind(typing.get_args(annotation)[0])
    if origin in (typing.Union, getattr(__import__("types"), "UnionType", None)):
        kinds = {_kind(a) for a in typing.get_args(annotation) if a is not type(None)}
        return kinds.pop() if len(kinds) == 1 else "other"
    if annotation is bool:
        return "boolean"
    if annotation is int:
        return "integer"
    if annotation in (float, Decimal):
        return "number"
    if annotation is str:
        return "string"
    return "other"


def free_text(text: str, vocabulary: set[str], examples: list[str] = ()) -> str:
    """The clause minus its trigger words: "say hello to Grace Hopper" -> "Grace Hopper".

    The trigger is the longest run of leading words shared with an example phrase (an
    example's last word is taken as its argument, never as trigger); without such a run,
    leading words of the tool's own vocabulary are dropped ("weather in New York").
    """
    tokens = text.split()
    stems = [[_stem(w) for w in words(t)] for t in tokens]
    start = 0
    for example in examples:
        example_words = [_stem(w) for w in words(example)]
        k = 0
        while (k < len(tokens) and k < len(example_words) - 1 and stems[k]
               and stems[k][0] == example_words[k]):
            k += 1
        start = max(start, k)
    if start == 0:
        while start < len(tokens) and stems[start] and all(w in vocabulary or w in STOPWORDS for w in stems[start]):
            start += 1
    end = len(tokens)
    while end > start and all(w in STOPWORDS for w in words(tokens[end - 1])):
        end -= 1
    return " ".join(tokens[start:end]).strip(" ,.?!\"'")


def fill_arguments(tool: Tool, clause: Clause, vocabulary: set[str]) -> dict[str, Any] | None:
    """Arguments for ``tool`` from the clause, by parameter type; ``None`` if one is missing."""
    fields = tool.args_model.model_fields
    numbers = list(clause.numbers)
    quoted = list(clause.quoted)
    needed_numbers = [n for n, f in fields.items() if _kind(f.annotation) in ("number", "integer")]
    missing_numbers = max(0, sum(1 for n in needed_numbers if fields[n].is_required()) - len(numbers))
    inputs = clause.inputs(missing_numbers) if missing_numbers else []
    args: dict[str, Any] = {}
    text_used = False
    for name, field in fields.items():
        kind = _kind(field.annotation)
        if kind in ("number", "integer"):
            if inputs and (field.is_required() or not numbers):
                args[name] = ref(inputs.pop(0))
            elif numbers and (field.is_required() or attached(name, clause.text, numbers[0])):
                value = numbers.pop(0)
                if kind == "integer" and value != value.to_integral_value():
                    return None
                args[name] = int(value) if kind == "integer" else value
        elif kind == "string":
            if quoted:
                args[name] = quoted.pop(0)
            elif not text_used and (text := free_text(clause.text, vocabulary, tool.examples)):
                args[name], text_used = text, True
            elif clause.references and field.is_required():
                args[name] = ref(clause.references[-1])
        if name not in args and field.is_required():
            return None
    return args


def attached(param: str, text: str, value: Decimal) -> bool:
    """Whether the request ties ``value`` to an optional parameter: the word beside the
    number names it ("3 results" for ``max_results``, "5 days" for ``days``). "Who won the
    2022 World Cup" gives ``max_results`` nothing."""
    names = {_stem(w) for w in words(param.replace("_", " "))} - {"max", "min", "num", "number"}
    tokens = words(text)
    shown = {format(value.normalize(), "f"), str(value)}
    for i, token in enumerate(tokens):
        if token in shown:
            beside = [tokens[j] for j in (i - 1, i + 1) if 0 <= j < len(tokens)]
            if any(_stem(w) in names for w in beside):
                return True
    return False


def _understood(tool: Tool, clause: Clause, vocabulary: set[str]) -> bool:
    """A tool that takes only numbers gets nothing from words: every word of the clause must
    then be one of the tool's own (or filler), or the clause means something the tool's
    arguments cannot say ("3 more than 12 squared" is not ``power(3, 12)``)."""
    kinds = {_kind(f.annotation) for f in tool.args_model.model_fields.values()}
    if not kinds or not kinds <= {"number", "integer"}:
        return True
    own = {_stem(w) for text in (tool.name.replace("_", " "), tool.description, *tool.examples)
           for w in words(text)}  # the tool's own words: its agent's would let "factorial" pass as "add"
    content = [w for w in words(clause.text) if w not in STOPWORDS and not w.replace(".", "").isdigit()]
    return all(_stem(w) in own for w in content)


def route(clause: Clause, index: ToolIndex) -> ToolCall | None:
    """The best-matching tool whose required arguments the clause can fill."""
    for _score, tool, vocabulary in index.rank(clause.text):
        if not _understood(tool, clause, vocabulary):
            continue
        args = fill_arguments(tool, clause, vocabulary)
        if args is not None:
            return ToolCall(tool=tool.name, args=args, agent=tool.agent)
    return None
