"""Pass 1 of the math parser: a clause's words and symbols to tokens.

Operator words turn into the symbols they mean ("multiplied by" is ``*``, "to the 3rd
power" is ``^ 3``), number words into numbers (text2num), references to earlier results
into reference tokens by a small grammar (determiner, count, "previous", noun: "those two
results", "the first answer"), and filler ("what is", "please") disappears; any other word
ends the attempt (``NoParse``). The phrases are data tables, so another language's words
can map onto the same tokens.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any


class NoParse(Exception):
    """The clause is not arithmetic this parser understands."""


class Written(Decimal):
    """A number in scientific notation ("2.5e-3"), kept as written in the plan: the plan
    shows the request's own number."""

    def __new__(cls, text: str) -> "Written":
        self = super().__new__(cls, text)
        self.text = text
        return self

    def __format__(self, spec: str) -> str:
        return self.text


# --- pass 1: words and symbols to tokens ----------------------------------------------


@dataclass
class Tok:
    kind: str  # num ord op post func ref refs self verb kw lp rp
    value: Any = None
    word: bool = False  # an operator written as a word ("minus", not "-")


_RAW = re.compile(
    r"""
    (?P<space>\s+)
    |(?P<ord>\d+(?:st|nd|rd|th)\b)
    |(?P<num>\d+(?:\.\d+)?e[-+]?\d{1,4}(?![\w.])|\d{1,3}(?:,\d{3})+(?:\.\d+)?(?!\d|,\d)|\d+(?:\.\d+)?|\.\d+)
    |(?P<word>[a-z]+(?:'[a-z]+)?)
    |(?P<sym>\*\*|[-+*/^()!%=,&])
    """,
    re.VERBOSE,
)

_ORDINALS = {
    w: i
    for i, w in enumerate(
        "first second third fourth fifth sixth seventh eighth ninth tenth eleventh twelfth "
        "thirteenth fourteenth fifteenth sixteenth seventeenth eighteenth nineteenth twentieth".split(),
        1,
    )
}

_FILLER = set(
    """what whats what's is are was be the a an please kindly calculate compute evaluate
    solve work out figure how much tell me us find get give determine can could would will
    you i we want know value number together then next finally lastly also now just do does
    let let's lets go ahead quickly exactly up equal equals = altogether result answer
    dollar dollars euro euros bucks usd eur""".split()
)

# Phrases, longest match first. "#n" matches a number, "#o" an ordinal ("3rd", "third").
# An action is a list of tokens; a token value "#" takes the matched number.
_PHRASES: dict[str, list[Tok]] = {}


def _phrases(action: list[Tok], *patterns: str) -> None:
    for pattern in patterns:
        _PHRASES[pattern] = action


_phrases([], "equal to", "equals to", "want to", "need to", "like to", "i'd like to", "would like to",
         "the result of", "result of", "the value of", "value of", "in total", "for me", "how many")
# references to earlier results: plural ones stand for two operands ("add them")
_phrases([Tok("refs")], "them", "both", "both of them", "them both", "both results", "both numbers",
         "both values", "both answers", "the two results", "the two numbers", "the two values",
         "the two answers", "the two", "these", "those", "these two", "those two", "these results",
         "those results", "these numbers", "those numbers", "the results", "the previous results",
         "the last two results", "the previous two results", "the two previous results", "all of them",
         "them all", "all results", "all the results", "all of the results", "steps #n and #n",
         "the results of steps #n and #n", "results of steps #n and #n")
# "the former" and "the latter" of the last two results
_phrases([Tok("ref", ("back", 2))], "the former")
_phrases([Tok("ref", ("back", 1))], "the latter")
_phrases([Tok("ref")], "it", "that", "this", "the previous step", "the last step",
         "the result of step #n", "the result from step #n",
         "the output of step #n", "the answer to step #n", "result of step #n", "step #n",
         "the sum", "the total", "the product", "the difference", "the quotient")
_phrases([Tok("self")], "itself")
_phrases([Tok("range")], *(f"{det}{noun} from" for det in ("", "the ", "all ", "all the ", "all of the ")
                           for noun in ("numbers", "integers", "whole numbers", "natural numbers")))
for _parity in ("even", "odd"):  # "the sum of all even numbers from 1 to 100"
    _phrases([Tok("range", _parity)], *(f"{det}{_parity} {noun} from"
                                        for det in ("", "the ", "all ", "all the ", "all of the ")
                                        for noun in ("numbers", "integers", "whole numbers", "natural numbers")))
_phrases([Tok("powof", 2)], "the square of", "square of")
_phrases([Tok("powof", 3)], "the cube of", "cube of")
_phrases([Tok("powof", "#")], "the #o power of")
_phrases([Tok("kw", "to"), Tok("powof", "#")], "to the #o power of")  # "add 2 to the 3rd power of 3"
_phrases([Tok("part", "#")], "a #o of", "one #o of")  # "a third of 90"
_phrases([Tok("part", Decimal(4))], "a quarter of", "one quarter of", "a fourth of")
# verbs
for _verb, _patterns in {
    "add": ("add", "add up", "add together"),
    "sum": ("sum of", "the sum of", "sum up", "total of", "the total of"),
    "average": ("average of", "the average of", "mean of", "the mean of", "arithmetic mean of",
                "the arithmetic mean of", "average", "mean"),
    "subtract": ("subtract", "deduct"),
    "take": ("take",),
    "difference": ("difference between", "the difference between", "difference of", "the difference of"),
    "multiply": ("multiply",),
    "product": ("product of", "the product of"),
    "divide": ("divide",),
    "quotient": ("quotient of", "the quotient of", "ratio of", "the ratio of"),
    "raise": ("raise",),
    "square": ("square",),
    "cube": ("cube",),
    "double": ("double", "twice"),
    "triple": ("triple", "thrice"),
    "halve": ("halve", "half of", "half"),
    "increase": ("increase",),
    "decrease": ("decrease", "reduce"),
}.items():
    _phrases([Tok("verb", _verb)], *_patterns)
# infix operators in words
for _op, _patterns in {
    "+": ("plus", "added to", "increased by"),
    "more": ("more than", "greater than", "bigger than", "larger than"),
    "-": ("minus", "less", "decreased by"),
    "rsub": ("subtracted from", "taken away from", "less than", "fewer than", "smaller than"),
    "*": ("times", "multiplied by", "multiplied with", "x"),
    "/": ("divided by", "over"),
    "mod": ("mod", "modulo", "modulus"),
    "^": ("to the power of", "to the power", "raised to the power of", "raised to the power", "raised to",
          "to the exponent"),
}.items():
    _phrases([Tok("op", _op, word=True)], *_patterns)
_phrases([Tok("op", "^", word=True), Tok("num", "#")], "to the #o power", "raised to the #o power",
         "to the #o")
_phrases([Tok("post", "sq")], "squared")
_phrases([Tok("post", "cube")], "cubed")
_phrases([Tok("post", "!")], "factorial", "!")
_phrases([Tok("post", "%")], "percent", "per cent", "pct", "%")
_phrases([Tok("func", "sqrt")], "square root of", "the square root of", "square root", "the square root",
         "sqrt", "sqrt of", "root of", "the root of")
_phrases([Tok("func", "cbrt")], "cube root of", "the cube root of", "cube root", "the cube root")
_phrases([Tok("func", "fact")], "factorial of", "the factorial of")
_phrases([Tok("op", "-")], "negative")
# a percent taken off or put on: "20% off (of) 80", "80 with 20% off", "80 plus 10% tax"
_phrases([Tok("kw", "off")], "off", "off of", "discount on", "discount off", "discount off of", "discount from",
         "discount", "reduction on", "off the price of")
_phrases([Tok("kw", "tax")], "tax", "tip", "vat", "sales tax", "markup", "surcharge")
for _sym, _tok in {"+": Tok("op", "+"), "-": Tok("op", "-"), "*": Tok("op", "*"), "/": Tok("op", "/"),
                   "^": Tok("op", "^"), "**": Tok("op", "^"), "(": Tok("lp"), ")": Tok("rp"),
                   ",": Tok("comma"), "&": Tok("kw", "and")}.items():
    _phrases([_tok], _sym)
for _kw in ("and", "to", "by", "from", "with", "away", "of", "into", "between", "through", "on"):
    _phrases([Tok("kw", _kw)], _kw)

#: Phrases by their first word, longest first (every phrase starts with a literal word).
_BY_FIRST: dict[str, list[tuple[tuple[str, ...], list[Tok]]]] = {}
for _pattern, _action in sorted(((tuple(p.split()), a) for p, a in _PHRASES.items()), key=lambda pa: -len(pa[0])):
    assert not _pattern[0].startswith("#"), _pattern
    _BY_FIRST.setdefault(_pattern[0], []).append((_pattern, _action))


def _normalise(text: str) -> str:
    text = text.lower().strip()
    for old, new in (("×", "*"), ("÷", "/"), ("−", "-"), ("–", "-"), ("√", " sqrt "), ("’", "'")):
        text = text.replace(old, new)
    text = re.sub(r"(?<=[a-z])-(?=[a-z])", " ", text)  # twenty-five
    text = re.sub(r"[$€£](?=\s*\d)", "", text)  # currency signs before amounts
    while text and (text[-1] in "?.;:" or (text[-1] == "!" and not re.search(r"[\d)!]\s*!$", text))):
        text = text[:-1].rstrip()
    return text


def _raw_tokens(text: str) -> list[tuple[str, Any]]:
    """``(kind, value)`` pairs: num (Decimal), ord (int), word and sym (str)."""
    out: list[tuple[str, Any]] = []
    i = 0
    while i < len(text):
        match = _RAW.match(text, i)
        if match is None:
            raise NoParse(f"unexpected {text[i]!r}")
        kind, value = match.lastgroup, match.group()
        i = match.end()
        if kind == "num" and "e" in value:
            out.append(("num", Written(value)))
        elif kind == "num":
            out.append(("num", Decimal(value.replace(",", ""))))
        elif kind == "ord":
            out.append(("ord", int(value[:-2])))
        elif kind != "space":
            out.append((kind, value))
    return out


def _matches(pattern: tuple[str, ...], raw: list[tuple[str, Any]], i: int) -> list[Any] | None:
    """The numbers a pattern captured at ``raw[i:]``, or ``None`` if it does not match."""
    if i + len(pattern) > len(raw):
        return None
    captured = []
    for part, (kind, value) in zip(pattern, raw[i : i + len(pattern)], strict=True):
        if part == "#n" and kind == "num":
            captured.append(value)
        elif part == "#o" and kind == "ord":
            captured.append(Decimal(value))
        elif part == "#o" and kind == "word" and value in _ORDINALS:
            captured.append(Decimal(_ORDINALS[value]))
        elif kind in ("word", "sym") and value == part:
            continue
        else:
            return None
    return captured


#: "one" that is a pronoun, not a number: "the last one", "which one"
_PRONOUN_ONE = re.compile(r"(\b(?:the|that|this|last|previous|which|each|every|any|no|other|first)\s+ones?\b)", re.I)


@functools.lru_cache(maxsize=4096)  # the planner offers the same words in several spans
def _digits(text: str) -> str:
    """Number words as digits ("twenty-five" -> "25", "third" -> "3rd", "two" -> "2"), by
    text2num; every number word counts, small ones alone too ("add 2 and two"), except a
    pronoun "one" ("the last one")."""
    from text_to_num import alpha2digit

    pieces = _PRONOUN_ONE.split(text)
    return "".join(p if i % 2 else alpha2digit(p, "en", threshold=0) for i, p in enumerate(pieces))


# --- references to earlier results: determiner + count + order + noun ---------------------
# "those two results", "the previous two answers", "both of them", "the first result":
# a small grammar rather than a list of phrases. The word tables are data, so another
# language's words can map onto the same tokens.

_REF_NOUNS = {"result": 1, "answer": 1, "number": 1, "value": 1, "output": 1, "one": 1, "sum": 1, "total": 1,
              "product": 1, "difference": 1, "quotient": 1,
              "results": 2, "answers": 2, "numbers": 2, "values": 2, "outputs": 2, "ones": 2}
_REF_ONE_DETERMINERS = {"the", "that", "this"}
_REF_MANY_DETERMINERS = {"the", "these", "those", "both", "all"}
_REF_DETERMINERS = _REF_ONE_DETERMINERS | _REF_MANY_DETERMINERS
_REF_ORDER = {"previous", "last", "above", "earlier", "prior", "preceding", "two"}
_REF_COUNT_WORDS = {"both": 2}


def _reference(raw: list[tuple[str, Any]], i: int, elided: bool = False) -> tuple[Tok, int] | None:
    """A reference to earlier results at ``raw[i:]``: the token and how many words it spans.
    With ``elided`` (the clause names one result by its ordinal in full), "the first" alone
    is the first result too: "subtract the second result from the first"."""
    words = []
    for kind, value in raw[i : i + 6]:
        words.append((kind, value))
    if not words or words[0][0] != "word":
        return None
    j, det = 1, words[0][1]
    if det == "all" and j < len(words) and words[j][1] in ("the", "of", "these", "those"):
        j += 1 + (words[j][1] == "of" and j + 1 < len(words) and words[j + 1][1] in ("the", "these", "those"))
    count: int | None = _REF_COUNT_WORDS.get(det)
    ordinal: int | None = None
    order = False
    while j < len(words):
        kind, value = words[j]
        if kind == "num" and count is None and value == value.to_integral_value() and 2 <= value <= 9:
            count = int(value)
        elif kind == "ord" and ordinal is None:
            ordinal = value
        elif kind == "word" and value in _ORDINALS and ordinal is None:
            ordinal = _ORDINALS[value]
        elif kind == "word" and value in _REF_ORDER - {"two"} and not order:
            order = True
        else:
            break
        j += 1
    if j >= len(words) or words[j][0] != "word" or words[j][1] not in _REF_NOUNS:
        if elided and det == "the" and ordinal is not None and count is None and not order and j == 2:
            return Tok("ref", ("nth", ordinal)), j
        return None
    plural = _REF_NOUNS[words[j][1]] == 2
    j += 1
    if plural:
        if det not in _REF_MANY_DETERMINERS or ordinal is not None:
            return None
        if j + 1 < len(words) and words[j] == ("word", "of") and words[j + 1] == ("word", "them"):
            j += 2
        return Tok("refs", ("count", count)), j
    if det not in _REF_ONE_DETERMINERS or count is not None:
        return None
    if words[j - 1][1] in ("sum", "total", "product", "difference", "quotient") and (order or ordinal):
        return None
    if ordinal is not None:
        if order or det != "the":
            return None
        return Tok("ref", ("nth", ordinal)), j
    return Tok("ref"), j


def lex(text: str) -> list[Tok]:
    """Tokens of a clause; raises ``NoParse`` at the first word that is not arithmetic.

    At each position: the longest known phrase, else a number (in digits or words), else
    filler to drop; anything else ends the attempt.
    """
    raw = _raw_tokens(_normalise(_digits(text)))
    starts = [k for k, (kind, value) in enumerate(raw) if kind == "word" and value in _REF_DETERMINERS]
    elided = any((r := _reference(raw, k)) is not None and isinstance(r[0].value, tuple) and r[0].value[0] == "nth"
                 for k in starts)  # "the second result ... the first": the noun said once serves both
    out: list[Tok] = []
    i = 0
    while i < len(raw):
        kind, value = raw[i]
        found = _reference(raw, i, elided) if kind == "word" and value in _REF_DETERMINERS else None
        if found is not None and raw[i + found[1]:i + found[1] + 1] == [("word", "of")]:
            found = None  # "the number of apples": not a reference
        candidates = _BY_FIRST.get(value, []) if kind in ("word", "sym") else []
        for pattern, action in candidates:
            captured = _matches(pattern, raw, i)
            if captured is not None and found is not None and len(pattern) <= found[1]:
                continue  # the reference is longer
            if captured is not None:
                for tok in action:
                    value = captured[0] if tok.value == "#" else tok.value
                    out.append(Tok(tok.kind, value, tok.word))
                i += len(pattern)
                break
        else:
            if found is not None:
                out.append(found[0])
                i += found[1]
            elif kind == "num":
                out.append(Tok("num", value))
                i += 1
            elif value in _FILLER:
                i += 1
            else:
                raise NoParse(f"not arithmetic: {value!r}")
    return out
