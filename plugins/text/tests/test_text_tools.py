"""The text tools: exact answers, Unicode, punctuation and empty text."""

from __future__ import annotations

import asyncio

import pytest

from agentplat import Tool, ToolError
from agentplat.testing import dumps
from agentplat_text import (
    TOOLS,
    count_characters,
    count_letters,
    count_occurrences,
    count_sentences,
    count_vowels,
    count_words,
    is_palindrome,
    lowercase,
    replace,
    reverse,
    reverse_words,
    title_case,
    uppercase,
)


def run(coro):
    return asyncio.run(coro)


@pytest.mark.parametrize("text, expected", [
    ("Hello World", 2),
    ("", 0),
    ("   \n\t ", 0),
    ("don't stop", 2),
    ("don’t stop", 2),  # a typographic apostrophe joins too
    ("well-known e-mail", 4),
    ("Hello, world! How's it going?", 5),
    ("'quoted' words", 2),  # quotes around a word are not part of it
    ("3.14 is pi", 4),
    ("naïve café", 2),
    ("cafe\u0301 au lait", 3),  # a combining accent stays in its word
    ("Привет мир", 2),
    ("你好世界", 1),  # no spaces: one run
    ("... !!! ---", 0),
    ("a_b", 2),  # an underscore is punctuation
])
def test_count_words(text, expected):
    assert run(count_words(text)) == expected


@pytest.mark.parametrize("text, letter, expected", [
    ("Hello World", None, 10),
    ("", None, 0),
    ("abc 123 !?", None, 3),
    ("banana", "a", 3),
    ("Banana", "b", 1),
    ("BANANA", "a", 3),
    ("banana", "A", 3),
    ("été", "é", 2),
    ("e\u0301te\u0301", "é", 2),  # decomposed text, composed letter
    ("été", "e", 0),  # an accented letter is a letter of its own
    ("", "a", 0),
    ("Straße", None, 6),
])
def test_count_letters(text, letter, expected):
    assert run(count_letters(text, letter)) == expected


@pytest.mark.parametrize("letter", ["", "ab", "1", "!", " "])
def test_count_letters_wants_one_letter(letter):
    with pytest.raises(ToolError, match="single letter"):
        run(count_letters("banana", letter))


@pytest.mark.parametrize("text, include_spaces, expected", [
    ("abc de", True, 6),
    ("abc de", False, 5),
    ("", True, 0),
    (" \t\n", False, 0),
    ("e\u0301", True, 1),  # NFC: one character however it was typed
    ("👍", True, 1),
    ("a, b!", False, 4),
])
def test_count_characters(text, include_spaces, expected):
    assert run(count_characters(text, include_spaces)) == expected


@pytest.mark.parametrize("text, part, case_sensitive, expected", [
    ("banana", "an", False, 2),
    ("aaaa", "aa", False, 2),  # no overlaps
    ("The cat and the hat", "the", False, 2),
    ("The cat and the hat", "the", True, 1),
    ("", "x", False, 0),
])
def test_count_occurrences(text, part, case_sensitive, expected):
    assert run(count_occurrences(text, part, case_sensitive)) == expected


def test_count_occurrences_of_nothing_is_an_error():
    with pytest.raises(ToolError, match="empty"):
        run(count_occurrences("banana", ""))


@pytest.mark.parametrize("text, expected", [
    ("Hi. How are you?", 2),
    ("Stop! Go.", 2),
    ("Wait... what?!", 2),
    ("No end mark", 1),
    ("Pi is 3.14 today.", 1),
    ('He said "Hi." Then left.', 2),
    ("Dr. Who", 2),  # abbreviations are not recognised (documented)
    ("", 0),
    ("?!...", 0),
    ("你好。再见。", 2),
])
def test_count_sentences(text, expected):
    assert run(count_sentences(text)) == expected


@pytest.mark.parametrize("text, expected", [
    ("education", 5), ("rhythm", 0), ("AEIOU aeiou", 10), ("Éüö", 3), ("", 0), ("y", 0),
])
def test_count_vowels(text, expected):
    assert run(count_vowels(text)) == expected


@pytest.mark.parametrize("text, expected", [
    ("agentplat", "talptnega"),
    ("", ""),
    ("Hello, World!", "!dlroW ,olleH"),
    ("e\u0301a", "aé"),  # the accent stays on its letter
    ("ab👍🏽", "👍🏽ba"),  # skin tone stays with its emoji
    ("🇫🇷🇩🇪", "🇩🇪🇫🇷"),  # flags stay whole
    ("👨\u200d👩\u200d👧x", "x👨\u200d👩\u200d👧"),  # a ZWJ family stays whole
])
def test_reverse(text, expected):
    assert run(reverse(text)) == expected


@pytest.mark.parametrize("text, expected", [
    ("one two three", "three two one"),
    ("Hello, big world!", "world, big Hello!"),
    ("  padded  ", "  padded  "),
    ("", ""),
    ("...", "..."),
    ("don't stop", "stop don't"),
])
def test_reverse_words(text, expected):
    assert run(reverse_words(text)) == expected


def test_case_changes_are_unicode_aware():
    assert run(uppercase("talptnega")) == "TALPTNEGA"
    assert run(uppercase("straße")) == "STRASSE"
    assert run(uppercase("")) == ""
    assert run(lowercase("ÉCOLE Ünd")) == "école ünd"
    assert run(lowercase("ΣΟΦΟΣ")) == "σοφος"  # str.lower knows the final sigma


@pytest.mark.parametrize("text, expected", [
    ("hello world", "Hello World"),
    ("don't STOP me", "Don't Stop Me"),  # str.title would say "Don'T"
    ("well-known fact", "Well-Known Fact"),
    ("the old man and the sea", "The Old Man And The Sea"),
    ("  élan vital. ", "  Élan Vital. "),
    ("", ""),
    ("3rd place", "3rd Place"),
])
def test_title_case(text, expected):
    assert run(title_case(text)) == expected


def test_replace():
    assert run(replace("the cat sat on the cat", "cat", "dog")) == "the dog sat on the dog"
    assert run(replace("Cat cat", "cat", "dog")) == "Cat dog"  # case-sensitive
    assert run(replace("a very long day", "very ", "")) == "a long day"
    assert run(replace("", "a", "b")) == ""
    with pytest.raises(ToolError, match="empty"):
        run(replace("abc", "", "x"))


@pytest.mark.parametrize("text, expected", [
    ("racecar", True),
    ("A man, a plan, a canal: Panama", True),
    ("Été", True),
    ("12321", True),
    ("agentplat", False),
    ("ab", False),
])
def test_is_palindrome(text, expected):
    assert run(is_palindrome(text)) is expected


@pytest.mark.parametrize("text", ["", "  ", "!?"])
def test_is_palindrome_needs_letters_or_digits(text):
    with pytest.raises(ToolError, match="no letters or digits"):
        run(is_palindrome(text))


def test_every_tool_has_a_schema_examples_and_parameter_descriptions():
    for function in TOOLS:
        tool = Tool.from_function(function)
        assert tool.description and "\n" not in tool.description
        assert 2 <= len(tool.examples) <= 3
        properties = tool.parameters["properties"]
        assert properties["text"]["type"] == "string"
        assert all(p.get("description") for p in properties.values()), tool.name
    schema = Tool.from_function(count_letters).parameters
    assert schema["required"] == ["text"]


def test_an_earlier_result_that_is_not_text_is_read_as_text():
    tool = Tool.from_function(reverse)
    assert run(tool(text=42)) == "24"
    assert dumps(run(tool(text="abc"))) == '"cba"'
