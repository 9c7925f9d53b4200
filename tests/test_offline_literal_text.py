"""What a user quotes reaches the tool byte for byte, through the offline planner, end to end.

Hundreds of quoted strings of many shapes (punctuation at every position, sentence ends inside
the quotes, ellipses, commas, runs of spaces, tabs, Unicode with combining marks and emoji,
quotes of the other kind nested, apostrophes, words the planner itself reads such as "then",
"and", "it", "step 2", "$0") go through every tool of the text agent, in each kind of quotes
that can hold them. Each run's argument must be the string itself and its answer what Python
(or the tool's own function, where the text agent defines the rule) makes of that string.
"""

from __future__ import annotations

import asyncio
import itertools
import unicodedata

import pytest

import agentplat_text
from agentplat import AgentplatError, Registry, ToolError, run_request
from agentplat._plan.refs import resolve

_PUNCTUATION = list(".,;:!?…-–—()[]{}/\\@#$%&*+=<>~`^|_") + ["...", "?!", ". ", ", "]

_SHAPES = [
    "Hi. How are you? Fine!", "Dr. Who", "Wait... what?", "One. Two. Three.", "e.g. this, i.e. that",
    "U.S.A.", "Well… maybe", "a, b, c", "x; y; z", "first, then second", "this and then that",
    "after that, halve it", "a and b and c", "reverse it", "count words in x", "the result",
    "step 2", "add 3 and 4", "3.14", "1,000", "50%", "$0", "I paid $1.50, then $2", "$$0",
    "a  b", "a\tb", "  leading", "trailing  ", "a\nb", "tab\t\tand  spaces", " ", "x",
    "École. Straße!", "ÉCOLE. STRASSE!", "naïve café", "e\u0301cole", "l'été", "Ångström",
    "👍🏽 ok", "👨‍👩‍👧 family", "🇫🇷 and 🇩🇪", "你好。世界！", "مرحبا بالعالم", "ΣΊΣΥΦΟΣ", "İstanbul",
    "it's a 'test'", 'say "hi" now', "don't stop", "rock'n'roll", "the dogs' bowls", "’tis",
    "l’été", "“curly”", "‘single curly’", "O'Neil's", "A man, a plan, a canal: Panama",
    "racecar", "Never odd or even.", "?", "...", "—", "'", '"', "x'", "\"quoted\" start",
]


def quoted_strings() -> list[str]:
    """The shapes above, and punctuation at the start, the end and the middle of a word and
    before a space, each once."""
    out = list(_SHAPES)
    for mark in _PUNCTUATION:
        out += [f"{mark}word", f"word{mark}", f"wo{mark}rd", f"one{mark} two", f"{mark}"]
    return list(dict.fromkeys(s for s in out if s))


def _word_char(char: str) -> bool:
    return char.isalnum() or char == "_"


def _inside_word(text: str, i: int) -> bool:
    return 0 < i < len(text) - 1 and _word_char(text[i - 1]) and _word_char(text[i + 1])


def quotings(text: str) -> list[str]:
    """``text`` in each kind of quotes that can hold it, by the documented rule: double quotes
    hold anything without a double quote, typographic quotes anything without their closer,
    single quotes a text whose every apostrophe sits inside a word ("don't")."""
    out = []
    if '"' not in text:
        out.append(f'"{text}"')
    if "“" not in text and "”" not in text:
        out.append(f"“{text}”")
    if all(_inside_word(text, i) for i, c in enumerate(text) if c == "'"):
        out.append(f"'{text}'")
    if "‘" not in text and all(_inside_word(text, i) for i, c in enumerate(text) if c == "’"):
        out.append(f"‘{text}’")
    return out


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def call(function, *args):
    """What the text agent's own function makes of ``args`` (``None``: it refuses them)."""
    try:
        return asyncio.run(function(*args))
    except ToolError:
        return None


#: (request template, the argument that holds the quoted text, the expected answer for text s).
#: Python's own string methods where they are the rule; the tool's function where the text
#: agent defines its own (words, sentences, grapheme clusters).
TOOLS = [
    ("Count the words in {q}", "text", lambda s: call(agentplat_text.count_words, s)),
    ("Count the letters in {q}", "text", lambda s: sum(c.isalpha() for c in nfc(s))),
    ("How many times does the letter 'e' appear in {q}", "text", lambda s: sum(c.casefold() == "e" for c in nfc(s))),
    ("Count the characters in {q}", "text", lambda s: len(nfc(s))),
    ("Count the characters in {q} without spaces", "text", lambda s: sum(not c.isspace() for c in nfc(s))),
    ("Count the occurrences of 'o' in {q}", "text", lambda s: nfc(s).casefold().count("o")),
    ("Count the occurrences of {q} in 'xx'", "part", lambda s: "xx".count(nfc(s).casefold())),
    ("Count the sentences in {q}", "text", lambda s: call(agentplat_text.count_sentences, s)),
    ("Count the vowels in {q}", "text", lambda s: call(agentplat_text.count_vowels, s)),
    ("Reverse {q}", "text", lambda s: call(agentplat_text.reverse, s)),
    ("Reverse the words in {q}", "text", lambda s: call(agentplat_text.reverse_words, s)),
    ("Uppercase {q}", "text", lambda s: nfc(s).upper()),
    ("Lowercase {q}", "text", lambda s: nfc(s).lower()),
    ("Title case {q}", "text", lambda s: call(agentplat_text.title_case, s)),
    ("Replace 'o' with '0' in {q}", "text", lambda s: s.replace("o", "0")),
    ("Replace 'x' with {q} in 'axb'", "new", lambda s: "axb".replace("x", s)),
    ("Is {q} a palindrome?", "text", lambda s: call(agentplat_text.is_palindrome, s)),
]


def test_every_text_tool_gets_every_quoted_string_exactly():
    registry = Registry.load()
    strings = quoted_strings()
    # each string through every tool, the kinds of quotes that can hold it taking turns
    cases = [(template.format(q=kinds[i % len(kinds)]), arg, expected(s), s)
             for s in strings if (kinds := quotings(s)) for i, (template, arg, expected) in enumerate(TOOLS)]

    async def run_all():
        wrong, refused = [], []
        for request, arg, expected, text in cases:
            try:
                result = await run_request(request, model="offline", engine="inline", registry=registry)
            except AgentplatError as exc:
                refused.append(f"{request!r}: {exc}")
                continue
            [step] = result.steps
            given = resolve(step.step.args, {}).get(arg)
            got = step.result if step.status == "succeeded" else None
            if given != text or got != expected:
                wrong.append(f"{request!r}: {step.step.label()} -> {got!r}, expected {expected!r}")
        return wrong, refused

    wrong, refused = asyncio.run(run_all())
    assert len(strings) >= 200 and len(cases) == len(strings) * len(TOOLS)
    assert wrong == [], f"{len(wrong)} of {len(cases)} wrong:\n" + "\n".join(wrong[:40])
    assert refused == [], f"{len(refused)} of {len(cases)} refused:\n" + "\n".join(refused[:40])


@pytest.mark.parametrize("request_text, expected", [
    ("Count the sentences in 'Hi. How are you? Fine!'", 3),
    ("Reverse the string 'Dr. Who'", "ohW .rD"),
    ("Lowercase 'ÉCOLE. Straße!'", "école. straße!"),
    ("Count words in \"it's a 'test'\"", 3),
    ("Uppercase 'don't stop, then go'", "DON'T STOP, THEN GO"),
    ("Count the characters in 'a  b'", 4),
    ("Add 1 and 2, then count the characters in 'I paid $0'", 9),
])
def test_the_reported_requests(request_text, expected):
    """The requests that once lost their punctuation, spaces or dollar signs on the way."""
    result = asyncio.run(run_request(request_text, model="offline", engine="inline"))
    assert result.status == "succeeded" and result.steps[-1].result == expected


def test_a_quoted_string_that_reads_as_a_reference_next_to_a_real_one_is_refused():
    """"replace '$0' with 'x' in it": the quoted "$0" and "it" cannot both be step 0's result
    in one plan argument format; refused, not guessed."""
    with pytest.raises(AgentplatError):
        asyncio.run(run_request("Add 1 and 2, then replace '$0' with 'x' in it", model="offline", engine="inline"))


def test_the_quote_rule_reads_apostrophes_inside_words_and_nested_quotes():
    from agentplat import quoted_spans

    def values(text):
        return [v for _, _, v in quoted_spans(text)]

    assert values("Uppercase 'don't stop' and 'l'été'") == ["don't stop", "l'été"]
    assert values("How many a's are in 'banana'?") == ["banana"]
    assert values("Count words in \"it's a 'test'\"") == ["it's a 'test'"]
    assert values("Reverse ‘don’t’ and “say ‘hi’”") == ["don’t", "say ‘hi’"]
    text = "Reverse 'a. b' then 'c'"
    assert [text[a:b] for a, b, _ in quoted_spans(text)] == ["'a. b'", "'c'"]


def test_masking_keeps_quoted_text_out_of_every_split():
    from agentplat._planners.offline.reading import mask, segments

    masked = mask("Reverse 'a. b, then c' and then  uppercase \"x  and\ty\". After that, count it")
    pieces = [masked.restore(s.text) for s in segments(masked.text)]
    assert pieces == ["Reverse 'a. b, then c'", "uppercase \"x  and\ty\"", "count it"]
    assert list(itertools.chain(mask("no quotes").spans)) == []
