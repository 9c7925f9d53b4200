"""The offline parser runs code the request gives, as given, and nothing else."""

from __future__ import annotations

import pytest

from agentplat import Clause
from agentplat.testing import offline_answer

from agentplat_code import parse_code_clause


@pytest.mark.parametrize("text, code", [
    ("Run `sum(x * x for x in range(10))`", "sum(x * x for x in range(10))"),
    ("please execute `sorted([3, 1, 2])`", "sorted([3, 1, 2])"),
    ("Evaluate this python: `len('a b c')`", "len('a b c')"),
    ("evaluate this python:\n```python\nxs = [3, 1]\nsorted(xs)\n```", "xs = [3, 1]\nsorted(xs)"),
    ("Run this code:\n```\nprint('hi')\n```", "print('hi')"),
    ("What does `2 ** 10` return?", "2 ** 10"),
    ("what is the value of `max([4, 9, 2])` in python?", "max([4, 9, 2])"),
    ("Run `a = 'x and y'` in python", "a = 'x and y'"),
])
def test_code_the_request_gives_runs_byte_for_byte(text, code):
    call = parse_code_clause(Clause.from_text(text))
    assert call is not None and call.tool == "run_python"
    assert call.args == {"code": code}


@pytest.mark.parametrize("text", [
    "Run the tests",  # no code given: the parser never writes code
    "Run 'sorted([3, 1, 2])'",  # quoted text is text, not code
    "Evaluate 2 + 3",
    "Run `a = 1` and `b = 2`",  # two pieces of code in one clause
    "Count the words in `hello world`",  # another agent's work, on back-quoted text
    "Explain `sorted([3, 1, 2])`",  # not a request to run it
    "Run `x * 2` with x = the result",  # names a result, but there is none to point at
])
def test_anything_else_is_not_the_code_agents(text):
    assert parse_code_clause(Clause.from_text(text)) is None


def test_an_earlier_result_reaches_the_code_as_a_variable_never_pasted():
    named = parse_code_clause(Clause.from_text("run `x ** 2` with x = the result", index=1, references=[0]))
    assert named.args == {"code": "x ** 2", "inputs": {"x": "$0"}}
    alias = parse_code_clause(Clause.from_text("run `N + 1` using step 0 as N", index=1, references=[0]))
    assert alias.args == {"code": "N + 1", "inputs": {"N": "$0"}}
    unnamed = parse_code_clause(Clause.from_text("run `result * 2` on it", index=1, references=[0]))
    assert unnamed.args == {"code": "result * 2", "inputs": {"result": "$0", "_": "$0"}}
    chained = parse_code_clause(Clause.from_text("run `result + 1`", index=1, previous=0, chained=True))
    assert chained.args["inputs"] == {"result": "$0", "_": "$0"}


@pytest.mark.parametrize("request_, answer", [
    ("Run `sum(x * x for x in range(10))`", "285"),
    ("Multiply 6 by 7, then run `result * 2 + 1`", "85"),
    ("Count the words in 'Hello big World', then run `x ** 2` with x = the result", "9"),
    ("Run `xs = [5, 3, 9]`, then run `sorted(xs, reverse=True)`", "[9, 5, 3]"),
    ("Run `words = 'the cat and the hat'.split()` and then run `len(set(words))`", "4"),
    ("Evaluate this python: `(date(2026, 12, 25) - date(2026, 1, 1)).days` "
     "", None),  # ``date`` is not imported: the step fails, never a guess
])
def test_offline_answers(request_, answer):
    assert offline_answer(request_) == answer
