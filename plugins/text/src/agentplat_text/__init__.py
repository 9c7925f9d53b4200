"""agentplat plugin: the text agent.

Exact string operations as tools (counting words, letters, characters, sentences and
vowels; reversing; changing case; replacing; palindromes), and an offline parser for
requests such as "count words in 'Hello World'" or "reverse 'agentplat' and uppercase it".
"""

from __future__ import annotations

from agentplat import Agent, hookimpl

from .tools import (
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

__all__ = [
    "parse_text_clause",
    "count_words",
    "count_letters",
    "count_characters",
    "count_occurrences",
    "count_sentences",
    "count_vowels",
    "reverse",
    "reverse_words",
    "uppercase",
    "lowercase",
    "title_case",
    "replace",
    "is_palindrome",
    "TOOLS",
]


def __getattr__(name: str):
    if name == "parse_text_clause":  # the offline parser, imported when first used
        from .parser import parse_text_clause

        return parse_text_clause
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


AGENT_NAME = "text"

EXAMPLES = [
    "Count the words in 'lorem ipsum dolor'",
    "How many a's are in 'banana'?",
    "Reverse 'agentplat' and uppercase it",
    "Replace 'an' with 'AN' in 'banana'",
    "Is 'racecar' a palindrome?",
]

SYSTEM_PROMPT = (
    "You work on text exactly, with your tools: never count, reverse or change case by eye. "
    "Pass the text exactly as the user gave it, without the quotes around it. "
    "Answer with what the tool returned."
)


@hookimpl
def register_agents(register):
    register(
        Agent(
            name=AGENT_NAME,
            description=(
                "Exact text operations: count words, letters, characters, sentences, vowels or "
                "occurrences; reverse; upper, lower or title case; replace; palindromes."
            ),
            examples=list(EXAMPLES),
            tools=list(TOOLS),
            system_prompt=SYSTEM_PROMPT,
        )
    )


@hookimpl
def register_offline_parsers(register):
    register("agentplat_text.parser:parse_text_clause", agent=AGENT_NAME)  # imported when first used
