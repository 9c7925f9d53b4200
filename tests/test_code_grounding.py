"""Code a model writes is a program: its names are its own, but its constants are values the
request must give (a copied example answers another question with exit 0)."""

from __future__ import annotations

import pytest

from agentplat import Plan, Step, get_registry
from agentplat._planners.grounding import Grounding, unaccounted_in_code, unused_numbers

SQUARES = "What is the sum of the squares of the numbers from 1 to 10?"


@pytest.mark.parametrize("request_text, code", [
    (SQUARES, "sum(x * x for x in range(1, 11))"),  # one off a given number: a range's end
    ("What is the sum of all even numbers from 1 to 100?", "sum(x for x in range(1, 101) if x % 2 == 0)"),
    ("Sort the words of 'pear fig banana' by length", "sorted('pear fig banana'.split(), key=len)"),
    ("Sort the words of 'pear fig banana' by length", "sorted(step_0.split(), key=len)"),
    ("Run `sum(range(10))`", "sum(range(10))"),  # the user's own code, word for word
    ("How many days from 2026-01-01 to 2026-03-01?", "(date(2026, 3, 1) - date(2026, 1, 1)).days"),
    ("Call the factorial of 5", "call_tool('math.factorial', n=5)"),  # a tool's name is not prose
    ("Find the links in the page", "re.findall(r'http://[^ ]+', page)"),  # nor is a pattern
    ("Shuffle the list [1, 2, 3] with code", "import random\nxs = [1, 2, 3]\nrandom.shuffle(xs)\nxs"),
])
def test_code_whose_constants_the_request_gives_is_grounded(request_text, code):
    assert unaccounted_in_code(code, request_text) is None


@pytest.mark.parametrize("request_text, code, why", [
    (SQUARES, "sum(x * x for x in range(1, 6))", "6 is a number"),
    ("Sort the words of 'kiwi plum' by length", "sorted('pear fig apple'.split(), key=len)", "'pear fig apple'"),
    ("What is 35% of 200?", "35 * 200 * 7", "7 is a number"),
    # a real 0.5B model answered the cookies with six random numbers, exit 0
    ("Split 24 cookies among 6 friends. How many does each get?",
     "import random; cookies = [random.randint(1, 24) for _ in range(6)]; print(cookies)", "draws random values"),
])
def test_constants_from_elsewhere_are_named(request_text, code, why):
    assert why in unaccounted_in_code(code, request_text)


def test_a_planned_code_step_is_checked_as_code_and_uses_the_requests_numbers():
    registry = get_registry()
    good = Plan(steps=[Step(agent="code", tool="run_python", args={"code": "sum(x * x for x in range(1, 11))"})])
    assert Grounding(SQUARES, registry).check_plan(good) is good
    assert unused_numbers(SQUARES, good, registry) == []
    copied = Plan(steps=[Step(agent="code", tool="run_python", args={"code": "sum(x * x for x in range(1, 6))"})])
    with pytest.raises(Exception, match="6 is a number the request does not give"):
        Grounding(SQUARES, registry).check_plan(copied)
    placeholder = Plan(steps=[Step(agent="code", tool="run_python", args={"code": "..."})])
    with pytest.raises(Exception, match="placeholder"):
        Grounding(SQUARES, registry).check_plan(placeholder)
