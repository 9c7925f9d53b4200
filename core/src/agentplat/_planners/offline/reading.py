"""Reading a request: clauses, numbers, quoted strings and references to earlier results.

Quoted text is the user's literal text: ``mask`` turns each quoted string into one opaque
token before anything splits or rewrites the request (sentence ends, commas, "and", "then",
runs of spaces inside quotes are not the request's), and ``Masked.restore`` puts it back
byte for byte in the clause a parser sees.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..._plugin.parsing import STEP_REFERENCE, numbers, quoted, quoted_spans  # noqa: F401 - the planner reads them from here

#: "then" and its kin, in English and in the other languages whose arithmetic the math
#: plugin reads (Spanish, French, German): none of these is an English word.
SEQUENCE_WORDS = (
    r"(?:and\s+then|then|after\s+that|afterwards|next|finally|and\s+finally"
    r"|y\s+luego|y\s+despu[eé]s|y\s+entonces|luego|despu[eé]s(?:\s+de\s+eso)?|entonces"
    r"|y\s+a\s+continuaci[oó]n|a\s+continuaci[oó]n|y\s+finalmente|finalmente|y\s+por\s+[uú]ltimo|por\s+[uú]ltimo"
    r"|et\s+puis|et\s+ensuite|puis|ensuite|apr[eè]s\s+(?:ça|cela)|et\s+enfin|enfin|et\s+finalement|finalement"
    # "teile es dann durch 3", "addiere dann 5": after the object or the verb, German "dann"
    # is inside the clause
    r"|und\s+dann|(?<!\bes\s)(?<!\bdas\s)(?<!ergebnis\s)(?<!e\s)(?:dann|danach)|und\s+danach"
    r"|und\s+anschlie(?:ß|ss)end|anschlie(?:ß|ss)end"
    r"|und\s+schlie(?:ß|ss)lich|schlie(?:ß|ss)lich)"
)
#: A comma between two digits ("2,5", "1,000") is part of a number, never a clause break.
_DELIMITER = re.compile(
    rf"((?:[.;!?]+\s+[¿¡]?|(?<!\d),\s*|,(?!\d)\s*)(?:{SEQUENCE_WORDS}\b[\s,]*)?|\s+{SEQUENCE_WORDS}\b[\s,]*)",
    re.I,
)
_SEQUENCE = re.compile(rf"\b{SEQUENCE_WORDS}\b", re.I)
_LEADING = re.compile(rf"^\s*(?:({SEQUENCE_WORDS})|and)\b[\s,]*", re.I)
#: "and" between parallel parts; Spanish "y" and French "et" not inside a number in words
#: ("treinta y uno", "vingt et un").
_AND = re.compile(
    r"\s+(?:and|und|y(?!\s+(?:uno|una|un|dos|tres|cuatro|cinco|seis|siete|ocho|nueve)\b)"
    r"|et(?!\s+(?:un|une|onze)\b))\s+",
    re.I,
)

_COUNT_WORDS = {"two": 2, "three": 3, "four": 4, "five": 5, "both": 2}
MANY_REFERENCE = re.compile(
    r"\b(?:the\s+(?:(two|three|four|five|\d+)\s+)?(?:previous\s+|last\s+|above\s+)?(?:results|answers|numbers|values|outputs)|"
    r"them|both(?:\s+results)?|these|those|all\s+of\s+them|"
    # the same in Spanish, French and German, for the math plugin's other languages
    r"(?:los|las)\s+(?:dos\s+)?resultados|ambos(?:\s+resultados)?|los\s+dos|s[uú]malos|multipl[ií]calos|"
    r"les\s+(?:deux\s+)?r[ée]sultats|les\s+deux|tous\s+les\s+deux|(?:additionne|ajoute)z?-les|"
    r"(?:die\s+)?beiden?(?:\s+ergebnisse)?|die\s+ergebnisse)\b",
    re.I,
)
#: Words for "both" in the other languages: two results, like "both".
_BOTH = re.compile(r"(?:both|ambos|los\s+dos|les\s+deux|tous\s+les\s+deux|(?:die\s+)?beiden?)\b", re.I)
ONE_REFERENCE = re.compile(
    r"\b(?:it|that|this|the\s+(?:previous\s+|last\s+|above\s+|first\s+)?(?:result|answer|number|value|output|total|sum|product)|"
    r"that\s+result|this\s+result|there$|here$)\b",
    re.I,
)


@dataclass(frozen=True)
class Masked:
    """A request whose quoted strings are opaque tokens: ``text`` has ``marker`` + one
    private-use character per quoted string + ``marker`` where ``spans[i]`` (quotes included)
    stood. No rule of the planner reads such a token as a word, number or delimiter."""

    text: str
    spans: tuple[str, ...] = ()
    marker: str = ""

    def restore(self, text: str) -> str:
        """``text`` (a piece of ``self.text``) with its quoted strings back as written."""
        if not self.spans:
            return text
        return re.sub(re.escape(self.marker) + r"(.)" + re.escape(self.marker),
                      lambda m: self.spans[ord(m.group(1)) - _SLOT_BASE], text, flags=re.S)


_SLOT_BASE = 0xF0000  # supplementary private use plane A: 65,534 quoted strings per request


def mask(request: str) -> Masked:
    """``request`` with each quoted string replaced by an opaque token (see ``Masked``)."""
    spans = quoted_spans(request)
    if not spans:
        return Masked(request)
    marker = next(chr(c) for c in range(0xE000, 0xF900) if chr(c) not in request)
    pieces, last = [], 0
    for i, (start, end, _) in enumerate(spans[: 0xFFFE]):
        pieces += [request[last:start], marker, chr(_SLOT_BASE + i), marker]
        last = end
    pieces.append(request[last:])
    return Masked("".join(pieces), tuple(request[a:b] for a, b, _ in spans[: 0xFFFE]), marker)


@dataclass
class Segment:
    """A piece of the request between sequencing words; ``chained`` if one led into it."""

    text: str
    chained: bool


def segments(request: str) -> list[Segment]:
    """Split on sentence ends, commas and sequencing words ("then", "after that", ...).

    Give it a masked request (``mask(request).text``): quoted text is not the request's
    punctuation. The pieces are masked too."""
    text = ends(" ".join(request.split()))
    pieces = _DELIMITER.split(text)  # text, delimiter, text, delimiter, ...
    out: list[Segment] = []
    chained = False
    for i, piece in enumerate(pieces):
        if i % 2:
            chained = bool(_SEQUENCE.search(piece))
            continue
        piece = piece.strip(" ,¿¡")
        while m := _LEADING.match(piece):
            chained = chained or bool(m.group(1))
            piece = piece[m.end():].strip(" ,¿¡")
        if piece:
            out.append(Segment(piece, chained))
        chained = False
    return out


def ends(text: str) -> str:
    """``text`` without its closing punctuation; a "!" right after a number stays: "what is
    3 + 5!" is a factorial (notation), not 8 said loudly."""
    text = text.rstrip(".? ")
    while text.endswith("!") and ("¡" in text or not re.search(r"[\d)]!+$", text)):
        text = text[:-1].rstrip(".?! ")
    return text


def and_parts(text: str) -> list[str]:
    return [p for p in _AND.split(text) if p.strip()]


#: "the word count", "the calculation result", "the forecast": a result named by what made it.
NAMED_REFERENCE = re.compile(
    r"\bthe\s+((?:[^\W\d_]+\s+){0,2}(?:result|count|total|sum|product|answer|value|number|output|"
    r"difference|quotient|forecast|weather|text|word|words|length|average))\b(?!\s+(?:of|in|for)\b)",
    re.I,
)
WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
_GENERIC = frozenset("result results answer value output number the".split())


def _root(word: str) -> str:
    """A crude common root: "calculation" and "calculate" both give "calcu"."""
    word = word.lower()
    return word[:5] if len(word) > 5 else word.rstrip("s")


def named_steps(text: str, earlier: list[set[str]]) -> list[int]:
    """Earlier steps a clause names by what they produced ("the word count" -> the step
    whose tool counts words), in order of mention. ``earlier[i]`` holds the words that
    describe step i (its tool, its agent). Only a name that fits exactly one step counts."""
    return [index for index, _ in _named(text, earlier)]


def plain_references(text: str, earlier: list[set[str]]) -> str:
    """``text`` with each result it names by what made it written "the result": what every
    parser reads as a reference ("multiply the word count by the calculation result" ->
    "multiply the result by the result", with the references in that order)."""
    spans = [span for _, span in _named(text, earlier)]
    for start, end in reversed(spans):
        text = text[:start] + "the result" + text[end:]
    return text


def _named(text: str, earlier: list[set[str]]) -> list[tuple[int, tuple[int, int]]]:
    found: list[tuple[int, tuple[int, int]]] = []
    roots = [{_root(w) for w in vocabulary} for vocabulary in earlier]
    for match in NAMED_REFERENCE.finditer(text):
        described = [_root(w) for w in match.group(1).split() if w.lower() not in _GENERIC]
        if not described:
            continue
        scores = [sum(1 for w in described if w in step) for step in roots]
        best = max(scores, default=0)
        if best == 0 or scores.count(best) > 1:
            continue
        found.append((scores.index(best), match.span()))
    return found


def resolve_references(text: str, *, index: int, previous: int | None, frontier: list[int],
                       earlier: list[set[str]] | None = None) -> list[int]:
    """Earlier step indices a clause points at, in order of mention.

    "step 2" is 1-based as people count; "the word count" names the step that counted words
    (``earlier`` describes each step); "them"/"both"/"the two results" take the most recent
    results nobody used yet; "it"/"that"/"the result" take the previous step.
    """
    found: list[int] = []
    for m in STEP_REFERENCE.finditer(text):
        n = int(m.group(1)) - 1
        if 0 <= n < index and n not in found:
            found.append(n)
    if found:
        return found
    if earlier:
        found = named_steps(text, earlier[:index])
        if found:
            return found
    many = MANY_REFERENCE.search(text)
    if many and frontier:
        word = (many.group(1) or "").lower()
        count = _COUNT_WORDS.get(word) or (int(word) if word.isdigit() else None)
        if _BOTH.match(many.group(0)):
            count = 2
        return frontier[-count:] if count else list(frontier)
    if ONE_REFERENCE.search(text) and previous is not None:
        return [previous]
    return []
