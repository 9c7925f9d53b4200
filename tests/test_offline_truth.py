"""The offline model answers right or refuses: never a wrong answer with exit 0.

A table of phrasings, each with its exact answer or ``None`` (must be refused); planned and
run in-process on the inline engine with the installed plugins. The test counts wrong
answers and fails on any; it also fails when an answer that must come does not.
"""

from __future__ import annotations

import asyncio
from decimal import Decimal

from agentplat import AgentplatError, run_request

CASES = [
    # plain and chained arithmetic
    ("What is 17 plus 25?", "42"),
    ("Multiply 6 by 7, then add 8 to the result", "50"),
    ("Calculate 10 times 5 and 7 times 8, then add them", "106"),
    ("Add 3 and 4", "7"),
    ("Multiply 6 by 7 and add 2", "44"),
    ("Calculate 5 factorial", "120"),
    ("What is 15 percent of 200?", "30"),
    ("What is five times six?", "30"),
    # composition: understood, or refused, never flattened
    ("What is 3 more than 12 squared?", "147"),
    ("What is 3 less than 12?", "9"),
    ("Take the square root of 81 and add it to 9 factorial", "362889"),
    ("Calculate 5 factorial, then add 3 times 4 to it", "132"),
    ("Multiply the sum of 2 and 3 by 4", None),
    ("What is the average of 3, 5 and 10?", "6"),
    ("the sum of 4, 5 and 6", "15"),
    ("What is the mean of 2 and 4, then double it", "6"),
    ("the product of 2, 3 and 4", "24"),
    ("What is 20 percent of 50, plus 5", None),
    # not arithmetic, or not anything installed: refused
    ("Make me a sandwich", None),
    ("¿Cuánto es 12 más 30?", None),
    (" and ".join(["1"] * 24), None),
]


def answer(request: str) -> str | None:
    try:
        result = asyncio.run(run_request(request, model="offline", engine="inline"))
    except AgentplatError:
        return None
    return result.answer if result.status == "succeeded" else None


def same(got: str | None, expected: str | None) -> bool:
    if got is None or expected is None:
        return got is expected
    try:
        return Decimal(got) == Decimal(expected)
    except ArithmeticError:
        return got == expected


def test_the_offline_model_is_never_silently_wrong():
    wrong, missed = [], []
    for request, expected in CASES:
        got = answer(request)
        if got is not None and not same(got, expected):
            wrong.append(f"{request!r}: answered {got!r}, expected {expected!r}")
        elif got is None and expected is not None:
            missed.append(f"{request!r}: refused, expected {expected!r}")
    assert wrong == [], "wrong answers with exit 0:\n" + "\n".join(wrong)
    assert missed == [], "answers that must come:\n" + "\n".join(missed)


def test_a_plan_that_drops_a_number_of_the_request_is_caught():
    from agentplat import Plan
    from agentplat._planners.grounding import unused_numbers

    flattened = Plan.parse({"steps": [{"agent": "math", "tool": "multiply", "args": {"a": 2, "b": 3}}]})
    assert unused_numbers("Multiply the sum of 2 and 3 by 4", flattened) == [Decimal(4)]
    whole = Plan.parse({"steps": [{"agent": "math", "tool": "evaluate", "args": {"expression": "(2 + 3) * 4"}}]})
    assert unused_numbers("Multiply the sum of 2 and 3 by four", whole) == []
