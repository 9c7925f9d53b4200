"""The offline parser: one clause in the text agent's own phrasings to one tool call.

The text a tool works on must be spelled out: quoted in the clause ("count words in
'Hello World'") or an earlier result the clause points at ("uppercase it", "reverse the
result", "count the words in step 2"). Without either the parser answers ``None`` at once,
so it never guesses which words of a clause are the text.

A clause is reduced to a *frame*: lower case, its quoted strings replaced by numbered
slots (``⟨0⟩``), polite filler ("please", "can you", "tell me", "what is") dropped at
either end. The frame must match one of the phrasings below as a whole; anything else
("reverse the order of my meetings", "count to 10") is left to other agents.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable

from agentplat import Clause, ToolCall, quoted_spans, ref

_SLOT = re.compile(r"⟨(\d+)⟩")

_LEADING = re.compile(
    r"^(?:(?:please|kindly|now|also|just|so|ok|okay|can you|could you|would you|will you|i want you to|"
    r"i'd like you to|i need you to|help me|go ahead and|tell me|let me know|show me|what is|what's|whats|"
    r"find|find out|get|compute|calculate|determine|figure out|work out)\s+)+"
)
_TRAILING = re.compile(r"(?:\s+(?:please|for me|thanks|thank you))+$")

#: Words one of the phrasings needs; a frame with none of them is not looked at further.
_GATE = re.compile(
    r"count|how many|how often|number of|occurrence|instance|revers|backward|upper|lower|title|caps|capital|small letters|"
    r"replace|substitute|swap|change|remove|delete|strip|palindrom|length|how long|words?\b|letters?\b|char|sentence|vowel"
)

# --- the pieces phrasings are made of --------------------------------------------------

#: An earlier result, in the words the core resolves into ``Clause.references``.
_PRONOUN = (
    r"(?:it|that|this|(?:that|this) (?:result|answer|output|text|string|word|sentence)|"
    r"the (?:previous |last |above )?(?:result|answer|output)|"
    r"(?:the )?(?:(?:result|output|answer) (?:of|from) )?step (?:#|no\.? ?)?\d+|result (?:#|no\.? ?)?\d+)"
)
_NOUN = r"(?:the (?:text|string|word|phrase|sentence|name|line|input) )?"


def _operand(name: str) -> str:
    """The text a tool works on: a quoted string (optionally "the word '...'") or a reference."""
    return rf"(?:{_NOUN}⟨(?P<{name}>\d+)⟩|(?P<{name}_ref>{_PRONOUN}))"


def _quote(name: str) -> str:
    return rf"⟨(?P<{name}>\d+)⟩"


OP = _operand("text")
_IN = r"(?:in|of|within|inside|contained in)"
_THERE = r"(?:(?:are|is) )?(?:there )?"
_UNITS = {
    "count_words": r"words?",
    "count_letters": r"letters?",
    "count_characters": r"(?:characters?|chars?)",
    "count_sentences": r"sentences?",
    "count_vowels": r"vowels?",
}
_SINGULAR = {"count_words": "word", "count_letters": "letter", "count_characters": "(?:character|char)",
             "count_sentences": "sentence", "count_vowels": "vowel"}
#: "without spaces" and its kin, after "characters".
_SPACES = (r"(?: (?P<spaces>including|with|counting|excluding|without|not counting|ignoring|minus|except|except for|"
           r"apart from|leaving out|skipping) (?:the |any )?(?:spaces|whitespace|blanks))?")
_NO_SPACES = {"excluding", "without", "not counting", "ignoring", "minus", "except", "except for", "apart from",
              "leaving out", "skipping"}
#: One letter: a's, 'a's, the letter a, the letter 'a', "a".
_LETTER = (r"(?:(?:the )?letter )?(?:(?P<letter>[^\W\d_])'s|'(?P<letter2>[^\W\d_])'s|"
           r"(?:the )?letter (?P<letter3>[^\W\d_])|⟨(?P<letter_q>\d+)⟩(?:'?s)?)")

_CASES = {
    "uppercase": (r"(?:uppercase|upper-case|upcase)", r"(?:upper ?case|upper-case|uppercase|all caps|caps|capitals|"
                                                      r"capital letters|block capitals)"),
    "lowercase": (r"(?:lowercase|lower-case|downcase)", r"(?:lower ?case|lower-case|lowercase|small letters)"),
    "title_case": (r"(?:title ?case|title-case|titlecase)", r"(?:title ?case|title-case|titlecase)"),
}
_CASE_VERBS = r"(?:make|convert|turn|change|put|write|transform|format|set|render|rewrite|print|type)"


# --- the phrasings -----------------------------------------------------------------------

Builder = Callable[[re.Match, "_Frame"], ToolCall | None]
_PATTERNS: list[tuple[str, Builder]] = []


def _phrasing(builder: Builder, *patterns: str) -> None:
    _PATTERNS.extend((pattern, builder) for pattern in patterns)


@functools.lru_cache(maxsize=1)
def phrasings() -> list[tuple[re.Pattern, Builder]]:
    """The phrasings, compiled on first use: listing agents must not pay for ~0.1 s of regexes."""
    return [(re.compile(pattern), builder) for pattern, builder in _PATTERNS]


class _Frame:
    """A clause's frame, its quoted strings and what a pronoun in it means."""

    def __init__(self, clause: Clause, text: str, quoted: list[str]):
        self.clause, self.text, self.quoted = clause, text, quoted

    def quote(self, match: re.Match, name: str) -> str | None:
        index = match.group(name)
        return None if index is None else self.quoted[int(index)]

    def operand(self, match: re.Match, name: str = "text") -> str | None:
        """The quoted text, or ``"$i"`` for the earlier result a pronoun points at."""
        if match.group(name) is not None:
            return self.quoted[int(match.group(name))]
        if self.clause.references:  # "it", "that", "the result", "step 2", resolved by the core
            return ref(self.clause.references[-1])
        return None  # a pronoun with nothing before it to point at


def _text_tool(tool: str, **fixed) -> Builder:
    def build(match: re.Match, frame: _Frame) -> ToolCall | None:
        text = frame.operand(match)
        return None if text is None else ToolCall(tool=tool, args={"text": text, **fixed})

    return build


def _characters(match: re.Match, frame: _Frame) -> ToolCall | None:
    text = frame.operand(match)
    if text is None:
        return None
    args: dict = {"text": text}
    groups = match.groupdict()
    if groups.get("spaces") in _NO_SPACES or groups.get("nonspace"):
        args["include_spaces"] = False
    elif groups.get("spaces"):
        args["include_spaces"] = True
    return ToolCall(tool="count_characters", args=args)


def _letter(match: re.Match, frame: _Frame) -> ToolCall | None:
    text = frame.operand(match)
    letter = match.group("letter") or match.group("letter2") or match.group("letter3") or frame.quote(match, "letter_q")
    if text is None or letter is None:
        return None
    if len(letter) == 1 and letter.isalpha():
        return ToolCall(tool="count_letters", args={"text": text, "letter": letter})
    return ToolCall(tool="count_occurrences", args={"text": text, "part": letter})


def _occurrences(match: re.Match, frame: _Frame) -> ToolCall | None:
    text = frame.operand(match)
    if text is None:
        return None
    return ToolCall(tool="count_occurrences", args={"text": text, "part": frame.quote(match, "part")})


def _replace(match: re.Match, frame: _Frame) -> ToolCall | None:
    text = frame.operand(match)
    if text is None:
        return None
    new = frame.quote(match, "new") if "new" in match.re.groupindex else ""
    return ToolCall(tool="replace", args={"text": text, "old": frame.quote(match, "old"), "new": new})


for _tool, _unit in _UNITS.items():
    _extra = _SPACES if _tool == "count_characters" else ""
    _nonspace = r"(?P<nonspace>non-?(?:space|whitespace|blank) )?" if _tool == "count_characters" else ""
    _phrasing(
        _characters if _tool == "count_characters" else _text_tool(_tool),
        # count (the number of) words in '...'
        rf"(?:count|tally) (?:up )?(?:all )?(?:the )?(?:number of )?{_nonspace}{_unit} {_THERE}{_IN} {OP}{_extra}",
        # how many words (are there) in '...'
        rf"how many {_nonspace}{_unit} {_THERE}{_IN} {OP}{_extra}",
        # how many words does '...' have
        rf"how many {_nonspace}{_unit} (?:does|do) {OP} (?:have|has|contain){_extra}",
        # (what is) the number of words in '...'
        rf"(?:the )?(?:total )?(?:number|count) of {_nonspace}{_unit} {_IN} {OP}{_extra}",
        # the word count of '...'
        rf"(?:the )?{_SINGULAR[_tool]} count (?:of|for|in) {OP}{_extra}",
        # words in '...' (a terse question: the text quoted, never "it")
        rf"{_nonspace}{_unit} {_IN} (?:{_NOUN}⟨(?P<text>\d+)⟩){_extra}",
    )
_phrasing(
    _characters,
    # a text's length is its characters
    rf"(?:the )?(?:length|len) (?:of )?(?:{_NOUN}⟨(?P<text>\d+)⟩){_SPACES}",
    rf"how long is (?:{_NOUN}⟨(?P<text>\d+)⟩){_SPACES}",
)

_phrasing(
    _letter,
    rf"how many {_LETTER} {_THERE}{_IN} {OP}",
    rf"how many {_LETTER} (?:does|do) {OP} (?:have|has|contain)",
    rf"(?:count|tally) (?:up )?(?:all )?(?:the )?(?:number of )?{_LETTER} {_IN} {OP}",
    rf"(?:the )?(?:number|count) of {_LETTER} {_IN} {OP}",
    rf"how (?:many times|often) (?:does|do) {_LETTER} (?:appear|occur|show up|come up) {_IN} {OP}",
    rf"how (?:many times|often) {_LETTER} (?:appears|occurs|is used) {_IN} {OP}",
    rf"how many times is {_LETTER} {_IN} {OP}",
)
_phrasing(
    _occurrences,
    rf"(?:count|tally) (?:the )?(?:occurrences|instances|appearances) of {_quote('part')} {_IN} {OP}",
    rf"(?:the )?number of (?:occurrences|instances|times) of {_quote('part')} {_IN} {OP}",
    rf"(?:the )?(?:occurrences|instances) of {_quote('part')} {_IN} {OP}",
)
_phrasing(
    _text_tool("reverse_words"),
    rf"reverse (?:the )?(?:order of (?:the )?)?words {_IN} {OP}",
    rf"reverse the word order {_IN} {OP}",
    rf"(?:put|write) the words {_IN} {OP} in reverse(?: order)?",
)
_phrasing(
    _text_tool("reverse"),
    rf"(?:reverse|invert) {OP}",
    rf"(?:write|spell|say|print|read|type|give me) {OP} (?:backwards?|in reverse(?: order)?|reversed)",
    rf"{OP} (?:backwards?|reversed|in reverse)",
)
for _tool, (_verb, _target) in _CASES.items():
    _phrasing(
        _text_tool(_tool),
        rf"{_verb} {OP}",
        rf"{_CASE_VERBS} {OP} (?:(?:in|into|to) )?(?:all )?{_target}",
        rf"{OP} (?:in|to|into) {_target}",
    )
_phrasing(
    _replace,
    rf"(?:replace|substitute|swap) (?:all |every |each )?(?:(?:occurrences?|instances?) of )?(?:the )?"
    rf"{_quote('old')} (?:with|by|for) {_quote('new')} {_IN} {OP}",
    rf"(?:change|turn) (?:all |every |each )?(?:(?:occurrences?|instances?) of )?{_quote('old')} "
    rf"(?:to|into) {_quote('new')} {_IN} {OP}",
    rf"in {OP},? (?:replace|substitute|swap) (?:all |every |each )?{_quote('old')} (?:with|by|for) {_quote('new')}",
    rf"(?:remove|delete|strip) (?:all |every |each )?(?:(?:occurrences?|instances?) of )?(?:the )?"
    rf"{_quote('old')} (?:from|in) {OP}",
)
_phrasing(
    _text_tool("is_palindrome"),
    rf"is {OP} (?:a )?palindrome",
    rf"is {OP} palindromic",
    rf"(?:check |see |test |tell me )?(?:whether|if) {OP} is (?:a )?palindrome",
    rf"(?:check|test) (?:whether |if )?{OP} (?:is )?(?:a )?palindrome",
)


def frame(text: str) -> tuple[str, list[str]]:
    """The clause's frame and its quoted strings in order (what ``⟨n⟩`` stands for)."""
    quoted: list[str] = []
    pieces: list[str] = []
    last = 0
    for start, end, value in quoted_spans(text):  # the core's rule of what a quote is
        pieces.append(text[last:start].lower())
        pieces.append(f"⟨{len(quoted)}⟩")
        quoted.append(value)
        last = end
    pieces.append(text[last:].lower())
    framed = " ".join("".join(pieces).replace("’", "'").split())
    framed = framed.rstrip(" ?.!")
    framed = _TRAILING.sub("", _LEADING.sub("", framed))
    return framed, quoted


#: "how many words: '...'", "uppercase this: '...'": a colon that hands the quoted text at the
#: clause's end to the words before it.
_COLON = re.compile(r"(?P<head>.+?)\s*:\s*(?P<slot>⟨\d+⟩)")
#: Words before such a colon that stand for the text after it.
_FORWARD = re.compile(r"\b(?:the following|(?:this|the) (?:text|string|word|phrase|sentence|line|input)|this|it)\b")


def readings(framed: str) -> list[str]:
    """The frame as the phrasings read it: "how many words: ⟨0⟩" is read as "how many words
    ⟨0⟩", "... in ⟨0⟩" and "... of ⟨0⟩"; "uppercase this: ⟨0⟩" first as "uppercase ⟨0⟩"."""
    colon = _COLON.fullmatch(framed)
    if colon is None:
        return [framed]
    head, slot = colon.group("head"), colon.group("slot")
    out = [_FORWARD.sub(slot, head, count=1)] if _FORWARD.search(head) else []
    out.append(f"{head} {slot}")
    if " " in head:  # "words: '...'" alone says no more than "words '...'"
        out += [f"{head} in {slot}", f"{head} of {slot}"]
    return out


def parse_text_clause(clause: Clause) -> ToolCall | None:
    """One clause as one text tool call, or ``None`` when the clause is not clearly the text
    agent's: "reverse 'agentplat'" is ``reverse(text="agentplat")``, "and uppercase it" is
    ``uppercase(text="$0")``, "reverse the order of my meetings" is ``None``."""
    if not clause.quoted and not clause.references:
        return None  # no text to work on: never guess one from the clause's words
    framed, quoted = frame(clause.text)
    if not _GATE.search(framed):
        return None
    for reading in readings(framed):
        for pattern, build in phrasings():
            match = pattern.fullmatch(reading)
            if match is not None:
                return build(match, _Frame(clause, reading, quoted))
    return None
