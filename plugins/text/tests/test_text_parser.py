"""The offline parser claims the text agent's own phrasings, and only those."""

from __future__ import annotations

import time

import pytest

from agentplat import Clause, ToolCall
from agentplat_text import parse_text_clause


def parse(text, *, index=0, previous=None, chained=False, references=()):
    return parse_text_clause(
        Clause.from_text(text, index=index, previous=previous, chained=chained, references=list(references))
    )


def call(tool, **args):
    return ToolCall(tool=tool, args=args)


@pytest.mark.parametrize("text, expected", [
    ("count words in 'Hello World'", call("count_words", text="Hello World")),
    ("Count the words in \"to be or not to be\"", call("count_words", text="to be or not to be")),
    ("how many words are in 'a b c'?", call("count_words", text="a b c")),
    ("how many words does 'a b c' have", call("count_words", text="a b c")),
    ("what is the word count of 'a b c'", call("count_words", text="a b c")),
    ("please tell me the number of words in 'a b'", call("count_words", text="a b")),
    ("how many letters are in \"banana\"", call("count_letters", text="banana")),
    ("how many letters in 'Hello World'", call("count_letters", text="Hello World")),
    ("how many a's in 'banana'", call("count_letters", text="banana", letter="a")),
    ("How many A's are in 'banana'?", call("count_letters", text="banana", letter="a")),
    ("count the letter 'n' in 'banana'", call("count_letters", text="banana", letter="n")),
    ("how many times does the letter b appear in 'bob'", call("count_letters", text="bob", letter="b")),
    ("how many times does 'an' appear in 'banana'", call("count_occurrences", text="banana", part="an")),
    ("count the occurrences of 'the' in 'the cat and the hat'",
     call("count_occurrences", text="the cat and the hat", part="the")),
    ("count the characters in 'abc de'", call("count_characters", text="abc de")),
    ("how many characters are in 'abc de' without spaces",
     call("count_characters", text="abc de", include_spaces=False)),
    ("how many characters in 'abc de' including spaces",
     call("count_characters", text="abc de", include_spaces=True)),
    ("count the non-space characters in 'abc de'",
     call("count_characters", text="abc de", include_spaces=False)),
    ("count the sentences in 'Hi. Bye.'", call("count_sentences", text="Hi. Bye.")),
    ("how many vowels are in 'education'", call("count_vowels", text="education")),
    ("reverse 'agentplat'", call("reverse", text="agentplat")),
    ("Reverse the word 'stressed'", call("reverse", text="stressed")),
    ("spell 'stressed' backwards", call("reverse", text="stressed")),
    ("reverse the words in 'one two three'", call("reverse_words", text="one two three")),
    ("reverse the order of the words in 'one two'", call("reverse_words", text="one two")),
    ("uppercase 'hello'", call("uppercase", text="hello")),
    ("convert 'hello' to upper case", call("uppercase", text="hello")),
    ("write 'hello' in all caps", call("uppercase", text="hello")),
    ("lowercase 'HELLO'", call("lowercase", text="HELLO")),
    ("make 'HELLO' lower case", call("lowercase", text="HELLO")),
    ("make 'hello world' title case", call("title_case", text="hello world")),
    ("convert 'the old man' to title case", call("title_case", text="the old man")),
    ("replace 'cat' with 'dog' in 'the cat sat'", call("replace", text="the cat sat", old="cat", new="dog")),
    ("replace all occurrences of 'a' with 'o' in 'banana'", call("replace", text="banana", old="a", new="o")),
    ("remove 'very ' from 'a very long day'", call("replace", text="a very long day", old="very ", new="")),
    ("is 'racecar' a palindrome?", call("is_palindrome", text="racecar")),
    ("check whether 'A man, a plan, a canal: Panama' is a palindrome",
     call("is_palindrome", text="A man, a plan, a canal: Panama")),
])
def test_quoted_text(text, expected):
    assert parse(text) == expected


@pytest.mark.parametrize("text, expected", [
    ("uppercase it", call("uppercase", text="$0")),
    ("reverse that", call("reverse", text="$0")),
    ("make it title case", call("title_case", text="$0")),
    ("count the words in the result", call("count_words", text="$0")),
    ("how many letters are in it", call("count_letters", text="$0")),
    ("replace 'a' with 'o' in it", call("replace", text="$0", old="a", new="o")),
    ("is it a palindrome", call("is_palindrome", text="$0")),
])
def test_an_earlier_result(text, expected):
    assert parse(text, index=1, previous=0, references=[0]) == expected


def test_the_latest_reference_is_the_text():
    assert parse("count the words in step 1", index=3, previous=2, references=[0]) == call("count_words", text="$0")
    assert parse("lowercase it", index=3, previous=2, references=[2]) == call("lowercase", text="$2")


@pytest.mark.parametrize("text", [
    "uppercase it",  # "it" with nothing before it
    "reverse the result",
    "uppercase",
    "count words",
])
def test_no_text_and_no_reference_is_not_a_guess(text):
    assert parse(text) is None
    assert parse(text, index=1, previous=0, chained=True) is None  # a bare "then uppercase" names no text


@pytest.mark.parametrize("text, references", [
    ("reverse the order of my meetings", []),
    ("reverse the order of my meetings", [0]),
    ("count to 10", []),
    ("count the words in my essay", []),
    ("what is 15 times 7", []),
    ("double it", [0]),
    ("add 3 to it", [0]),
    ("weather in Paris", []),
    ("search the web for 'uppercase letters'", []),
    ("search for 'how many words are in a novel'", []),
    ("write a report on 'string theory'", []),
    ("reverse 'abc' and 'def'", []),  # two texts: not one of its phrasings
    ("capitalize 'hello'", []),  # first letter or every letter? not guessed
    ("how many a's in banana", []),
    ("how many times does 'ab' appear", []),
])
def test_other_agents_clauses_are_left_alone(text, references):
    previous = references[-1] if references else None
    assert parse(text, index=len(references), previous=previous, references=references) is None


def test_a_clause_without_quotes_or_references_costs_nothing():
    clauses = [Clause.from_text(t) for t in ("Add 3 and 4", "weather in Paris", "reverse the order of my meetings")]
    start = time.perf_counter()
    for _ in range(10_000):
        for clause in clauses:
            assert parse_text_clause(clause) is None
    per_clause = (time.perf_counter() - start) / 30_000
    assert per_clause < 20e-6  # measured ~0.1 µs


def test_a_clause_with_quotes_is_parsed_quickly():
    clauses = [Clause.from_text(t) for t in ("search for 'python'", "reverse 'agentplat'", "write a report on 'x'")]
    start = time.perf_counter()
    for _ in range(1_000):
        for clause in clauses:
            parse_text_clause(clause)
    per_clause = (time.perf_counter() - start) / 3_000
    assert per_clause < 1e-3  # measured ~7-12 µs


def test_every_tool_example_is_parsed_to_its_tool():
    from agentplat import Tool
    from agentplat_text import TOOLS

    for function in TOOLS:
        tool = Tool.from_function(function)
        for example in tool.examples:
            found = parse(example)
            assert found is not None and found.tool == tool.name, example
