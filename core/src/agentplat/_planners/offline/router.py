"""The generic offline router: pick a tool for a clause by its words, fill its arguments by type.

It reads only what every tool already has (name, description, examples, signature), so a
third-party tool is routed with no extra code.
"""

from __future__ import annotations

import typing
from decimal import Decimal
from typing import Any

from ..._plugin.tools import Tool
from ..._plugin.parsing import Clause, ToolCall, ref
from . import arguments
from .arguments import STOPWORDS, stem as _stem, words  # noqa: F401 - one rule of words for the router


class ToolIndex:
    """Per-tool vocabularies, built once per registry."""

    def __init__(self, tools: list[Tool], agent_examples: dict[str, list[str]]):
        self.entries = []
        for tool in tools:
            if tool.code_params:  # the offline model never writes code: such a tool has its own parser or none
                continue
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
    if start == 0:
        return ""  # no trigger word of the tool's leads to it: the clause is not the tool's text
    end = len(tokens)
    while end > start and all(w in STOPWORDS for w in words(tokens[end - 1])):
        end -= 1
    return " ".join(tokens[start:end]).strip(" ,.?!\"'")


def fill_arguments(tool: Tool, clause: Clause, vocabulary: set[str], why: list[str] | None = None) -> dict[str, Any] | None:
    """Arguments for ``tool`` from the clause; ``None`` if one is missing or cannot be settled
    (``why`` then gets the reason when it is worth telling the user).

    The clause's values (quoted strings, URLs, paths) go to string parameters by the words that
    lead to them (``arguments.assign``); numbers to number parameters in order; a required
    string left over takes the clause's other words (a tool that reads, with no values in the
    clause) or an earlier result the clause points at. A tool that acts takes only what the
    request names: no leftover words, no order, each value once.
    """
    fields = tool.args_model.model_fields
    why = why if why is not None else []
    label = f"{tool.agent}.{tool.name}" if tool.agent else tool.name
    strings = [n for n, f in fields.items() if _kind(f.annotation) == "string"]
    required = {n for n, f in fields.items() if f.is_required()}
    found = arguments.values(clause.text)
    args: dict[str, Any] = {}
    if found:
        own = own_words(tool) | (set() if tool.acts else vocabulary)
        settled = arguments.assign(tool, strings, required, found,
                                   {n: f.description or "" for n, f in fields.items()}, own)
        if isinstance(settled, arguments.Unsettled):
            if strings:
                why.append(settled.reason)
            return None
        args.update(settled)
    numbers = list(clause.numbers)
    needed_numbers = [n for n, f in fields.items() if _kind(f.annotation) in ("number", "integer")]
    missing_numbers = max(0, sum(1 for n in needed_numbers if fields[n].is_required()) - len(numbers))
    inputs = clause.inputs(missing_numbers) if missing_numbers else []
    text_used = False
    by_order = 0
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
                by_order += 1
        elif kind == "string" and name not in args:
            if not found and not tool.acts and not text_used and (text := free_text(clause.text, vocabulary, tool.examples)):
                args[name], text_used = text, True
            elif clause.references and field.is_required() and not (tool.acts and _open(strings, required, args) > 1):
                args[name] = ref(clause.references[-1])
        if name not in args and field.is_required():
            if tool.acts and kind in ("string", "number", "integer"):
                why.append(f"{label} changes something, so the request must name its {name} "
                           f"(say \"{arguments.example_cue(name)}\")")
            elif tool.acts:
                why.append(f"{label} changes something and needs its {name} written out in full, "
                           f"which the offline planner does not build from words")
            return None
    if tool.acts and by_order > 1:
        why.append(f"the request does not say which of its numbers is which argument of {label}")
        return None
    return args


def _open(strings: list[str], required: set[str], args: dict[str, Any]) -> int:
    return sum(1 for n in strings if n in required and n not in args)


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


def own_words(tool: Tool) -> set[str]:
    """The stems of a tool's own words: its name, description, examples and parameters."""
    fields = tool.args_model.model_fields
    texts = (tool.name.replace("_", " "), tool.description, *tool.examples,
             *(n.replace("_", " ") for n in fields), *(f.description or "" for f in fields.values()))
    return {_stem(w) for text in texts for w in words(text)}


def _foreign(tool: Tool, clause: Clause) -> list[str]:
    """The words of the clause (outside its values) that are neither the tool's own nor words
    that name one of its parameters ("named", "file" for a path). A tool that acts is chosen only for a clause that
    reads entirely in its terms: "create an entity named 'Alice'" is not a request to create a
    directory."""
    fields = tool.args_model.model_fields
    own = own_words(tool) | arguments.NAMING_VERBS
    for name, field in fields.items():  # and the words that name one of its parameters ("file" for a path)
        own |= set().union(*arguments.cues_of(name, field.description or ""))
    content = [w for w in words(arguments.without_values(clause.text))
               if w not in STOPWORDS and not w.replace(".", "").isdigit()]
    return [w for w in dict.fromkeys(content) if _stem(w) not in own]


#: Verbs that ask for a change: a clause that says one is served by a tool that acts, or by a
#: tool whose own words include the verb ("add 3 and 4"), never by another tool that reads
#: ("save it to the file 'x'" is not ``read_file``).
CHANGE_VERBS = frozenset(_stem(w) for w in """save write create delete remove erase move rename add make
    update set put send post upload overwrite append insert edit modify store register submit publish
    deploy install uninstall drop truncate copy archive""".split())


def _asks_a_change(tool: Tool, clause: Clause, vocabulary: set[str]) -> bool:
    asked = {_stem(w) for w in words(arguments.without_values(clause.text))} & CHANGE_VERBS
    return bool(asked - own_words(tool) - vocabulary)


def route(clause: Clause, index: ToolIndex, why: list[str] | None = None) -> ToolCall | None:
    """The best-matching tool whose required arguments the clause can fill. The words the
    user quoted (or wrote as a URL or path) are data: they do not choose the tool."""
    why = why if why is not None else []
    floor = 0.0
    for score, tool, vocabulary in index.rank(arguments.without_values(clause.text)):
        if score < floor:
            break
        if not _understood(tool, clause, vocabulary) or (not tool.acts and _asks_a_change(tool, clause, vocabulary)):
            continue
        told = len(why)
        if tool.acts and (foreign := _foreign(tool, clause)):
            label = f"{tool.agent}.{tool.name}" if tool.agent else tool.name
            why.append(f"{label} changes something, and the request asks for more than it does "
                       f"({', '.join(foreign[:5])})")
            args = None
        else:
            args = fill_arguments(tool, clause, vocabulary, why)
        if args is None and tool.acts and len(why) > told:
            floor = score  # the request reads best as this act: a tool it fits less well is a guess
        if args is not None:
            return ToolCall(tool=tool.name, args=args, agent=tool.agent)
    return None
