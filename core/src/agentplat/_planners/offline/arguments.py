"""Which value of a clause is which string argument: by the words that lead to it, not its place.

A clause's values are its quoted strings, and the URLs and absolute paths written without
quotes (a URL argument is the URL alone). The words between a value and the one before it
are its *cue* ("from", "to the file", "named", "with the content"). A parameter answers to
the words of its name and their usual phrasings (``source`` to "from", ``target`` to "to",
``name`` to "named", ``path`` to "file"), strongly, and to the words of its description,
weakly; the nearest cue word that a parameter answers to decides.

What the cues leave open is settled only when one value and one required parameter are left;
anything else is refused (``Unsettled`` says why), never guessed by order. A tool that acts
(``Tool.acts``) gets no other way to a value; a tool that reads may still take the clause's
words when it has no values at all (that is the router's business).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..._common.wording import in_quotes
from ..._plugin.parsing import quoted_spans
from ..._plugin.tools import Tool

STOPWORDS = frozenset(
    """a an the of to in on at for from by with and or is are was be what whats what's how
    please can could would you me my i it its this that these those then now some any
    do does tell give get show calculate compute find about like as into than current""".split()
)
_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)?")  # letters of any script: "más" is one word, not "m" + "s"
_URL = re.compile(r"\bhttps?://[^\s'\"<>“”‘’]+", re.I)
_PATH = re.compile(r"(?<!\S)(?:~|\.{1,2})?/[^\s'\"<>“”‘’]+")
_TRAILING = ".,;:!?)]}"
#: How many words before a value may cue it.
CUE_REACH = 5
_FILLER = frozenset("a an the this that my our your its of please".split())

#: A word of a parameter's name, and the words a request uses for it.
PHRASINGS: dict[str, frozenset[str]] = {
    key: frozenset(words.split())
    for keys, words in [
        ("source src origin input old original sender", "from"),
        ("target destination dest dst output recipient", "to into onto"),
        ("new replacement", "with by"),
        ("name title label", "named called titled name"),
        ("path file filename filepath", "file path folder directory dir location"),
        ("directory dir folder", "directory folder dir path"),
        ("content contents body data message", "content contents saying containing text body"),
        ("url uri link href", "url link page address site website uri"),
        ("query search term", "query search for about"),
        ("time datetime timestamp", "time at"),
        ("date", "date on"),
        ("timezone tz zone", "timezone zone"),
        ("type kind category", "type kind category"),
    ]
    for key in keys.split()
}


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def stem(word: str) -> str:
    """A crude common root: "files" and "file", "directories" and "directory" meet."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith(("ches", "shes", "sses", "xes")):
        return word[:-2]
    for suffix in ("ing", "ed"):
        if len(word) > len(suffix) + 2 and word.endswith(suffix):
            return word[: -len(suffix)]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


@dataclass(frozen=True)
class Value:
    """A value the clause names: its text, where it is, and the words that lead to it."""

    text: str
    start: int
    end: int
    cue: tuple[str, ...]  # nearest last


def values(text: str) -> list[Value]:
    """The clause's quoted strings, and its URLs and absolute paths outside quotes, in order."""
    spans = [(a, b, v) for a, b, v in quoted_spans(text)]
    for pattern in (_URL, _PATH):
        for match in pattern.finditer(text):
            a, found = match.start(), match.group(0).rstrip(_TRAILING)
            b = a + len(found)
            if found and not any(a < e and s < b for s, e, _ in spans):
                spans.append((a, b, found))
    spans.sort()
    out, last = [], 0
    for a, b, value in spans:
        cue = [w for w in words(text[last:a]) if w not in _FILLER]
        out.append(Value(value, a, b, tuple(cue[-CUE_REACH:])))
        last = b
    return out


def without_values(text: str) -> str:
    """``text`` with its values cut out: what the user quoted is data, not words to route by."""
    for value in reversed(values(text)):
        text = text[: value.start] + " " + text[value.end:]
    return text


@dataclass(frozen=True)
class Unsettled:
    """Why the values cannot be given to ``tool``'s parameters, in the user's terms."""

    reason: str


def cues_of(name: str, description: str) -> tuple[set[str], set[str]]:
    """The words a parameter answers to: strongly (its name), weakly (its description)."""
    named = {stem(w) for w in words(re.sub(r"(?<=[a-z])(?=[A-Z])", " ", name).replace("_", " "))}
    strong = set(named) | {stem(p) for w in named for p in PHRASINGS.get(w, ())}
    described = [w for w in words(description or "") if w not in STOPWORDS]
    weak = {stem(w) for w in described} | {stem(p) for w in described for p in PHRASINGS.get(w, ())}
    return strong, weak - strong


#: Words that name the noun before them ("a directory named 'x'"): passed over, but a value
#: they lead to with no parameter's word before them is a name the tool has no place for.
NAMING_VERBS = frozenset(stem(w) for w in "named called titled".split())
#: "to", "from", "with"...: words that lead to a parameter's value. For a tool that acts, one
#: that leads to none of its parameters makes the value a destination (a source...) it lacks.
LEADS = frozenset({w for cues in PHRASINGS.values() for w in cues if w in STOPWORDS} | {"onto"})


def _cued(value: Value, cues: dict[str, tuple[set[str], set[str]]], own: set[str],
          strict: bool) -> tuple[set[str], bool, bool]:
    """The parameters the cue of ``value`` points at, whether strongly, and whether a word
    foreign to the tool holds it ("the email 'x'" for a tool with no email).

    Read nearest first: a word that names a parameter strongly decides; a word of a
    parameter's description is remembered, weakly; filler, the tool's own words (``own``) and
    "named" are passed over; any other word ends the cue: the value is that word's. A value
    only "named" leads to, or (``strict``: the tool acts) only "to"/"from"/"with", is held too.
    """
    weak: set[str] = set()
    named = False
    for word in reversed(value.cue):
        root = stem(word)
        strong = {p for p, c in cues.items() if root in c[0]}
        if strong:
            return strong, True, False
        if not weak:
            weak = {p for p, c in cues.items() if root in c[1]}
            if weak:
                continue
        if root in NAMING_VERBS or (strict and word in LEADS):
            named = True
        elif word not in STOPWORDS and root not in own:
            return weak, False, not weak
    return weak, False, named and not weak


def _label(tool: Tool) -> str:
    return f"{tool.agent}.{tool.name}" if tool.agent else tool.name


def assign(tool: Tool, params: list[str], required: set[str], found: list[Value],
           descriptions: dict[str, str], own: set[str]) -> dict[str, str] | Unsettled:
    """Each value to one of ``params`` by its cue; the rest only if one value and one required
    parameter are left and no word foreign to the tool holds that value (``own``: the stems of
    the tool's words; "Write 'hello'", not "the email 'x'" for a tool with no email). Every
    value is used once; a value nothing takes is not understood."""
    cues = {p: cues_of(p, descriptions.get(p, "")) for p in params}
    # a description word names its parameter only if it tells it from the others and is not
    # the tool's own verb or object ("the note to write" says nothing in "Write 'x' ...")
    common = set.intersection(*(c[1] for c in cues.values())) if len(cues) > 1 else set()
    named_tool = {stem(w) for w in words(tool.name.replace("_", " "))}
    cues = {p: (strong, weak - common - named_tool) for p, (strong, weak) in cues.items()}
    taken: dict[str, Value] = {}
    loose: list[Value] = []
    held: set[int] = set()  # loose values a foreign word holds: never the one left over
    weak: list[tuple[Value, set[str]]] = []
    deferred: list[tuple[Value, set[str]]] = []
    for value in found:
        hits, strong, foreign = _cued(value, cues, own, tool.acts)
        if not hits:
            loose.append(value)
            if foreign:
                held.add(id(value))
        elif not strong:
            weak.append((value, hits))
        elif len(hits) == 1:
            [param] = hits
            if param in taken:
                return Unsettled(f"{_label(tool)} cannot take both {in_quotes(taken[param].text)} and "
                                 f"{in_quotes(value.text)} as its {param}")
            taken[param] = value
        else:
            deferred.append((value, hits))
    for value, hits in deferred:
        left = hits - set(taken)
        if len(left) != 1:
            return Unsettled(f"the request does not say which parameter of {_label(tool)} "
                             f"{in_quotes(value.text)} is ({' or '.join(sorted(hits))})")
        taken[left.pop()] = value
    for value, hits in weak:
        left = hits - set(taken)
        rivals = [v for v, h in weak if v is not value and left & h]
        if len(left) == 1 and not rivals:
            taken[left.pop()] = value
        else:
            loose.append(value)
    open_required = [p for p in params if p in required and p not in taken]
    if len(loose) == 1 and len(open_required) == 1 and id(loose[0]) not in held:
        taken[open_required[0]] = loose.pop()
    if loose:
        missing = open_required or [p for p in params if p not in taken]
        shown = ", ".join(in_quotes(v.text) for v in loose)
        if not missing:
            return Unsettled(f"{_label(tool)} has no parameter for {shown}")
        if len(missing) == 1 and len(loose) == 1:
            return Unsettled(f"the request does not say that {shown} is the {missing[0]} of {_label(tool)}")
        return Unsettled(f"the request does not say which of {_label(tool)}'s parameters "
                         f"({', '.join(missing)}) {shown} {'is' if len(loose) == 1 else 'are'}")
    return {p: taken[p].text for p in params if p in taken}


def example_cue(param: str) -> str:
    """How a request names ``param``: "the file '...'" for a path, "named '...'" for a name."""
    for word in words(param.replace("_", " ")):
        for keys, shown in (("path file filename filepath", "to the file '...'"), ("name title", "named '...'"),
                            ("content contents body text data", "with the content '...'"),
                            ("source src origin", "from '...'"), ("target destination dest dst", "to '...'")):
            if word in keys.split():
                return shown
    return f"the {param.replace('_', ' ')} '...'"
