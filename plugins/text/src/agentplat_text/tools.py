"""The text agent's tools: exact, deterministic string operations.

Every tool reads its text in Unicode NFC form first, so "é" counts as one letter and one
character whether it was typed as one code point or as "e" plus a combining accent.

Words follow one rule everywhere (``count_words``, ``title_case``, ``reverse_words``): a
word is a run of letters and digits (``str.isalnum``, any script), with combining marks
kept in the word and an apostrophe between two such characters kept inside it. So
"Hello World" is 2 words, "don't" and "l'été" are one, "well-known" and "e-mail" are two,
"3.14" is two, and a script written without spaces ("你好世界") is one word per run.
"""

from __future__ import annotations

import re
import unicodedata

from agentplat import ToolError, tool

#: Apostrophes that join two word characters ("don't", "don’t").
APOSTROPHES = "'\u2019"
VOWELS = "aeiou"
_ZWJ = "\u200d"
#: A sentence ends at a run of ., !, ? or … (then closing quotes or brackets) before a space or
#: the end of the text, or at a full-width 。！？ wherever it is.
_SENTENCE_END = re.compile(r"(?:[.!?\u2026]+[\"'\u201d\u2019)\]]*(?=\s|$)|[\u3002\uff01\uff1f]+)")


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def word_spans(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` of each word of ``text`` by the module's word rule."""
    spans: list[tuple[int, int]] = []
    start: int | None = None
    for i, char in enumerate(text):
        if char.isalnum() or (start is not None and unicodedata.category(char).startswith("M")):
            if start is None:
                start = i
        elif (char in APOSTROPHES and start is not None and i + 1 < len(text) and text[i + 1].isalnum()):
            continue
        elif start is not None:
            spans.append((start, i))
            start = None
    if start is not None:
        spans.append((start, len(text)))
    return spans


def words(text: str) -> list[str]:
    """The words of ``text`` (NFC), by the module's word rule."""
    text = _nfc(text)
    return [text[a:b] for a, b in word_spans(text)]


def _joins_previous(cluster: str, char: str) -> bool:
    """Whether ``char`` belongs to the user-perceived character ``cluster`` ends with."""
    code = ord(char)
    last = ord(cluster[-1])
    return (
        unicodedata.category(char) in ("Mn", "Mc", "Me")  # accents, variation selectors
        or char == _ZWJ
        or cluster.endswith(_ZWJ)  # the next emoji of a ZWJ sequence
        or 0x1F3FB <= code <= 0x1F3FF  # skin tone modifiers
        or 0xE0020 <= code <= 0xE007F  # tag characters of subdivision flags
        or (len(cluster) == 1 and 0x1F1E6 <= last <= 0x1F1FF and 0x1F1E6 <= code <= 0x1F1FF)  # flag pairs
        or (cluster == "\r" and char == "\n")
    )


def clusters(text: str) -> list[str]:
    """``text`` split into user-perceived characters: a base character with its combining
    marks, an emoji with its modifiers and ZWJ partners, a flag's two regional indicators."""
    out: list[str] = []
    for char in text:
        if out and _joins_previous(out[-1], char):
            out[-1] += char
        else:
            out.append(char)
    return out


@tool(examples=["count words in 'lorem ipsum dolor'", "word count of 'lorem ipsum'"], pure=True)
async def count_words(text: str) -> int:
    """Count the words in a text (runs of letters and digits; "don't" is one word).

    A word is a run of letters and digits in any script, with an apostrophe between two of
    them kept inside ("don't"); punctuation, spaces and symbols separate words, so
    "well-known" is two words. An empty text has 0 words.

    Args:
        text: The text whose words to count.
    """
    return len(words(text))


@tool(examples=["count the letters in 'agentplat'", "count the letter 'a' in 'banana'"], pure=True)
async def count_letters(text: str, letter: str | None = None) -> int:
    """Count the letters in a text, or how often one letter occurs in it (case-insensitive).

    Letters are characters for which ``str.isalpha`` holds, in any script; digits, spaces
    and punctuation are not letters. With ``letter``, each character is compared with it by
    ``str.casefold`` ("A" counts as "a"), and an accented letter is a letter of its own
    ("é" is not "e").

    Args:
        text: The text whose letters to count.
        letter: One letter to count; leave it out to count all letters.
    """
    text = _nfc(text)
    if letter is None:
        return sum(1 for char in text if char.isalpha())
    letter = _nfc(letter.strip())
    if len(letter) != 1 or not letter.isalpha():
        raise ToolError(f"letter must be a single letter, not {letter!r}")
    wanted = letter.casefold()
    return sum(1 for char in text if char.casefold() == wanted)


@tool(examples=["count the characters in 'lorem ipsum'", "character count of 'lorem ipsum'"], pure=True)
async def count_characters(text: str, include_spaces: bool = True) -> int:
    """Count the characters in a text, with or without its whitespace.

    Characters are Unicode code points after NFC normalisation: "é" is one character however
    it was typed, an emoji with a skin tone is two. Spaces, tabs and newlines
    (``str.isspace``) count unless ``include_spaces`` is false.

    Args:
        text: The text whose characters to count.
        include_spaces: Whether whitespace counts as characters.
    """
    text = _nfc(text)
    if include_spaces:
        return len(text)
    return sum(1 for char in text if not char.isspace())


@tool(examples=["count the occurrences of 'an' in 'banana'", "occurrences of 'na' in 'banana'"], pure=True)
async def count_occurrences(text: str, part: str, case_sensitive: bool = False) -> int:
    """Count the occurrences of a substring in a text (case-insensitive by default).

    Occurrences are counted left to right without overlapping, as ``str.count`` does: "aa"
    occurs twice in "aaaa" and once in "aaa". Without ``case_sensitive`` both texts are
    compared by ``str.casefold`` ("The" is found in "the").

    Args:
        text: The text to search.
        part: The piece of text to count; it may not be empty.
        case_sensitive: Whether "The" and "the" are different.
    """
    if not part:
        raise ToolError("the text to count is empty")
    text, part = _nfc(text), _nfc(part)
    if not case_sensitive:
        text, part = text.casefold(), part.casefold()
    return text.count(part)


@tool(examples=["count the sentences in 'Lorem. Ipsum.'", "sentence count of 'Lorem! Ipsum?'"], pure=True)
async def count_sentences(text: str) -> int:
    """Count the sentences in a text (each ends with ., ! or ? before a space or the end).

    A run such as "?!" or "..." ends one sentence; a period inside a number ("3.14") ends
    none; text after the last end mark is one more sentence. Abbreviations are not
    recognised: "Dr. Who" is two sentences. Pieces without letters or digits are not
    sentences, so an empty text has 0.

    Args:
        text: The text whose sentences to count.
    """
    pieces = _SENTENCE_END.split(_nfc(text))
    return sum(1 for piece in pieces if any(char.isalnum() for char in piece))


@tool(examples=["count the vowels in 'agentplat'", "vowel count of 'banana'"], pure=True)
async def count_vowels(text: str) -> int:
    """Count the vowels a, e, i, o and u in a text, in either case and with any accent.

    "É" and "ü" count (their base letters are vowels); "y" does not.

    Args:
        text: The text whose vowels to count.
    """
    decomposed = unicodedata.normalize("NFD", text)
    return sum(1 for char in decomposed if char.casefold() in VOWELS)


@tool(examples=["reverse 'agentplat'", "reverse the text 'lorem ipsum'"], pure=True)
async def reverse(text: str) -> str:
    """Reverse a text character by character ("abc" becomes "cba").

    Accents stay on their letters and emoji sequences (skin tones, flags, families) stay
    whole: the text is reversed by user-perceived characters, not code points.

    Args:
        text: The text to reverse.
    """
    return "".join(reversed(clusters(_nfc(text))))


@tool(examples=["reverse the words in 'lorem ipsum dolor'", "reverse the words of 'lorem ipsum'"], pure=True)
async def reverse_words(text: str) -> str:
    """Reverse the words of a text, leaving the spaces and punctuation between them in place.

    "Hello, big world!" becomes "world, big Hello!". Words follow the same rule as
    ``count_words``.

    Args:
        text: The text whose words to put in reverse order.
    """
    text = _nfc(text)
    spans = word_spans(text)
    if not spans:
        return text
    found = [text[a:b] for a, b in spans]
    out = [text[: spans[0][0]]]
    for i, word in enumerate(reversed(found)):
        out.append(word)
        end = spans[i][1]
        out.append(text[end : spans[i + 1][0]] if i + 1 < len(spans) else text[end:])
    return "".join(out)


@tool(examples=["uppercase 'lorem ipsum'", "'lorem ipsum' in uppercase"], pure=True)
async def uppercase(text: str) -> str:
    """Convert a text to upper case with ``str.upper`` (Unicode-aware: "straße" becomes "STRASSE").

    Args:
        text: The text to convert.
    """
    return _nfc(text).upper()


@tool(examples=["lowercase 'LOREM IPSUM'", "'LOREM IPSUM' in lowercase"], pure=True)
async def lowercase(text: str) -> str:
    """Convert a text to lower case with ``str.lower`` (Unicode-aware: "ÉCOLE" becomes "école").

    Args:
        text: The text to convert.
    """
    return _nfc(text).lower()


@tool(examples=["title case 'lorem ipsum'", "'lorem ipsum' in title case"], pure=True)
async def title_case(text: str) -> str:
    """Capitalise each word of a text: its first character upper case, the rest lower case.

    Words follow the ``count_words`` rule, so "don't stop" becomes "Don't Stop" (where
    ``str.title`` would give "Don'T") and "well-known" becomes "Well-Known". Each word is
    changed with ``str.capitalize``; every word is capitalised, small ones ("and", "of")
    included.

    Args:
        text: The text to convert.
    """
    text = _nfc(text)
    out = list(text)
    for start, end in word_spans(text):
        out[start:end] = [text[start:end].capitalize()] + [""] * (end - start - 1)
    return "".join(out)


@tool(examples=["replace 'an' with 'AN' in 'banana'", "remove 'na' from 'banana'"], pure=True)
async def replace(text: str, old: str, new: str) -> str:
    """Replace every occurrence of one piece of text with another (case-sensitive, exact).

    Occurrences are found left to right without overlapping (``str.replace``); ``new`` may
    be empty to remove ``old``.

    Args:
        text: The text to change.
        old: The text to look for; it may not be empty.
        new: What to put in its place.
    """
    if not old:
        raise ToolError("the text to replace is empty")
    return text.replace(old, new)


@tool(examples=["is 'racecar' a palindrome", "is 'agentplat' a palindrome"], pure=True)
async def is_palindrome(text: str) -> bool:
    """Check whether a text reads the same backwards, ignoring case, spaces and punctuation.

    Only letters and digits are compared (``str.isalnum``, compared by ``str.casefold``), so
    "A man, a plan, a canal: Panama" is a palindrome.

    Args:
        text: The text to check.
    """
    kept = [char.casefold() for char in _nfc(text) if char.isalnum()]
    if not kept:
        raise ToolError("the text has no letters or digits to check")
    return kept == kept[::-1]


TOOLS = [
    count_words,
    count_letters,
    count_characters,
    count_occurrences,
    count_sentences,
    count_vowels,
    reverse,
    reverse_words,
    uppercase,
    lowercase,
    title_case,
    replace,
    is_palindrome,
]
