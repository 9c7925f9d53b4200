"""Arithmetic read by composition, through the real offline planner and a real run.

Two request sets, each answered right or refused, never wrong: a GENERATED one (operand
forms x operators x chaining, its answers computed here with ``fractions``, never by the
parser) and a HAND-WRITTEN one of varied English written before the parser learned it.
Each test prints its exact share and asserts 0 wrong and a floor it reaches.
"""

from __future__ import annotations

import random
from decimal import Decimal
from fractions import Fraction as F

from agentplat.testing import offline_answer


answer = offline_answer  # what the embedded offline model answers; None: refused


def _exact(x: F) -> str:
    return str(x.numerator) if x.denominator == 1 else str(Decimal(x.numerator) / Decimal(x.denominator))


def same(got: str | None, expected: F | None) -> bool:
    if got is None or expected is None:
        return got is None and expected is None
    try:
        return Decimal(got) == Decimal(_exact(expected))
    except ArithmeticError:
        return False


def measure(cases: list[tuple[str, F | None]]) -> tuple[list[str], int]:
    """The wrong answers (run succeeded with another value) and how many came out exact
    (a right value, or a refusal where refusing is right)."""
    wrong, exact = [], 0
    for request, expected in cases:
        got = answer(request)
        if got is not None and not same(got, expected):
            shown = None if expected is None else _exact(expected)
            wrong.append(f"{request!r}: answered {got!r}, expected {shown}")
        exact += same(got, expected)
    return wrong, exact


# --- hand-written: varied English, written before the parser was extended -----------------

HAND: list[tuple[str, F | None]] = [(r, None if v is None else F(v)) for r, v in [
    ("Add 2 and two", 4),
    ("Multiply 3 by 4 and then by 5", 60),
    ("Subtract 5 from the product of 3 and 4", 7),
    ("Multiply the sum of 2 and 3 by the difference of 10 and 4", 30),
    ("What is 5% of 200, plus 3?", 13),
    ("What is 50% of 30% of 200?", 30),
    ("What is 20% off of 80 dollars?", 64),
    ("80 with 20% off", 64),
    ("a 15% discount on 40", 34),
    ("80 plus 10% tax", 88),
    ("add 10% to 80", 88),
    ("What's the 3rd power of 4?", 64),
    ("What is 1e3 plus 1?", 1001),
    ("What's 5 more than twice 8?", 21),
    ("What is the sum of the numbers from 1 to 10?", 55),
    ("What is the sum of all even numbers from 1 to 100?", 2550),
    ("What is the sum of the odd numbers from 1 to 9?", 25),
    ("the sum of all odd integers from 10 to 20", 75),
    ("Compute 17 * 23 and 4 + 5, then multiply those two results", 3519),
    ("If I have 12 apples and eat 5, how many are left?", 7),
    ("I had 20 dollars and spent 8, how much do I have left?", 12),
    ("A box has 6 rows of 4 eggs, how many eggs?", 24),
    ("Tom has 3 apples and buys 4 more, how many does he have?", 7),
    ("Split 24 cookies among 6 friends, how many each?", 4),
    ("What is the square root of the sum of 9 and 16?", 5),
    ("What is half of 50?", 25),
    ("Triple the difference between 10 and 4", 18),
    ("What is 3 squared plus 4 squared?", 25),
    ("What is 2 to the 5th power minus 2?", 30),
    ("What is 4 factorial divided by 2?", 12),
    ("Add the product of 2 and 3 to the product of 4 and 5", 26),
    ("What is 10 minus 3 minus 2?", 5),
    ("What is 100 divided by 5 divided by 2?", 10),
    ("Double 7, then add 1", 15),
    ("Calculate 2 cubed times 3", 24),
    ("What is negative 5 plus 8?", 3),
    ("What is -4 times -5?", 20),
    ("What is 2.5e-3 times 1000?", "2.5"),
    ("What is 1.2 x 10^3 plus 5?", 1205),
    ("What is twelve divided by four?", 3),
    ("What is thirty-two plus 8?", 40),
    ("Add one and 1", 2),
    ("What is the product of 2, 3 and 5?", 30),
    ("What is the quotient of 20 and 4?", 5),
    ("What is the difference between 100 and the sum of 20 and 30?", 50),
    ("Multiply the square root of 49 by 3", 21),
    ("What is 3 factorial plus 4 factorial?", 30),
    ("What is 6 squared divided by 4?", 9),
    ("Take 15 away from 40", 25),
    ("What is 10 percent of 10 percent of 1000?", 10),
    ("Calculate 9 times 9, then take the square root of the result", 9),
    ("Add 3 and 4, multiply 5 by 6, then add both of them", 37),
    ("Add 3 and 4, multiply 5 by 6, then multiply the two numbers", 210),
    ("Add 1 and 2, add 3 and 4, then subtract the first result from the second result", 4),
    ("What is 2 plus 3, then double it", 10),
    ("What is triple 5?", 15),
    ("What is 5 less than the product of 4 and 5?", 15),
    ("What is 20 more than half of 60?", 50),
    ("What is 12 divided by the sum of 1 and 2?", 4),
    ("Subtract the sum of 1 and 2 from 10", 7),
    ("If I have 10 apples and give away 3, how many do I have?", 7),
    ("Sarah has 5 pencils and gets 7 more, how many pencils does she have?", 12),
    ("What is 1e2 times 3?", 300),
    ("What is 7 plus 3, times 2?", 20),
    ("What is the sum of the integers from 1 to 100?", 5050),
    ("What is 3 times the sum of 4 and 5?", 27),
    ("What is the average of 2, 4 and 9?", 5),
    ("What is 0.1 plus 0.2?", "0.3"),
    ("I had 50 dollars and spent 15.5, how much is left?", "34.5"),
    ("Multiply 2 by 3, then by 4", 24),
    ("Add 10 and 5, then multiply them", None),
    ("Add 2 and 3, add 4 and 5, then multiply the previous two answers", 45),
    ("What is the 2nd power of 9?", 81),
    ("What is 3 to the 4th power?", 81),
    # ambiguous, unknown or incomplete: refused
    ("Add 3", None),
    ("What is 3 more?", None),
    ("Multiply by 4", None),
    ("Frobnicate 3 and 4", None),
    ("What is 5 plus?", None),
    ("What is the sum of all integers between 1 and 100?", None),
    ("What is the product of the even numbers from 1 to 6?", None),
    ("What is the sum of the even numbers from 3 to 3?", None),  # there are none
    ("What is the product of 2 and 3 plus 4?", None),
    ("What is 80 plus 10%?", None),
    ("I have 12 apples, eat 5 and buy 3, how many are left?", None),
    ("Tom has 3 apples and sells 4 more, how many does he have?", None),
    ("If I have 12 apples and juggle 5, how many are left?", None),
    # written after the parser was extended and measured before any change for them (26 of
    # these 30 exact then, 0 wrong): a check of what the composition reaches unseen
    ("What is 7 more than the product of 3 and 5?", 22),
    ("What's a third of 90?", 30),
    ("Calculate 15% of 60, then add 1", 10),
    ("How much is 9 squared minus 1?", 80),
    ("What is the cube of 3 plus 1?", None),
    ("What do you get if you multiply 6 by 9?", 54),
    ("What is 100 minus 25%?", None),
    ("Find the average of 10, 20 and 30", 20),
    ("Compute the quotient of 144 and 12, then square it", 144),
    ("What is 2 times 3 times 4?", 24),
    ("What is 1,000 divided by 8?", 125),
    ("What's 3/4 of 100?", 75),
    ("Take half of 18, then triple it", 27),
    ("What is 4 plus 4, divided by 2?", 4),
    ("Increase 50 by 20%", 60),
    ("What is 30 percent off 50?", 35),
    ("Subtract 3 from twice 10", 17),
    ("Jane had 15 stickers and gave away 6, how many stickers does she have now?", 9),
    ("There are 4 bags of 5 marbles, how many marbles in total?", 20),
    ("I bought 3 pens and 4 pencils, how many items?", 7),
    ("What is the sum of 1.5 and 2.25?", "3.75"),
    ("Add negative 3 and 10", 7),
    ("What is ten squared plus five?", 105),
    ("Multiply 12 by 12, then subtract 44 from it", 100),
    ("Compute 8 + 2 and 3 * 3, then add the two results", 19),
    ("What is 2e2 minus 50?", 150),
    ("What is the difference between 50 and 20, times 2?", 60),
    ("Divide 100 by 4 and then by 5", 5),
    ("What is 5 factorial minus 20?", 100),
    ("What's 12 less than 3 times 10?", 18),
]]

#: exact share before the parser read by composition: 49 of 112 (43.8%), and 4 answered
#: wrong ("add 10% to 80" was 80.1); after: 111 of 112 (99.1%), 0 wrong
HAND_FLOOR = 111


def test_hand_written_requests_are_answered_right_or_refused():
    wrong, exact = measure(HAND)
    print(f"\nhand-written: {exact} of {len(HAND)} exact ({exact / len(HAND):.1%})")
    assert len(HAND) >= 60
    assert wrong == [], f"{len(wrong)} wrong answers with exit 0:\n" + "\n".join(wrong)
    assert exact >= HAND_FLOOR


# --- generated: the grammar's own combinations ---------------------------------------------

_WORDS = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five", 6: "six", 7: "seven", 8: "eight", 9: "nine",
          10: "ten", 12: "twelve", 20: "twenty"}


def operands(rng: random.Random, depth: int) -> list[tuple[str, F, bool]]:
    """Operand forms with their values; the flag marks a form a following operator would
    make ambiguous ("the sum of 2 and 3 times 4", "twice 3 plus 1"): it is closed with a comma."""
    a, b = rng.choice([2, 3, 4, 5, 6, 8, 10, 12]), rng.choice([1, 2, 3, 4, 5, 6, 9])
    p = rng.choice([10, 20, 25, 50])
    forms = [
        (str(a), F(a), False),
        (_WORDS.get(a, str(a)), F(a), False),
        (f"-{b}", F(-b), False),
        (f"{b}e2", F(b * 100), False),
        (f"the sum of {a} and {b}", F(a + b), True),
        (f"the product of {a} and {b}", F(a * b), True),
        # larger first: "the difference between 3 and 10" is 7 to most people, -7 to the order (refused)
        (f"the difference between {max(a, b)} and {min(a, b)}", F(abs(a - b)), True),
        (f"the quotient of {a * b} and {b}", F(a), True),
        (f"the average of {a} and {b}", F(a + b, 2), True),
        (f"{a} squared", F(a * a), False),
        (f"{b} cubed", F(b ** 3), False),
        (f"the square root of {a * a}", F(a), False),
        (f"{b} factorial", F([1, 1, 2, 6, 24, 120, 720, 5040, 40320, 362880][b]), False),
        (f"twice {a}", F(2 * a), True),
        (f"half of {a}", F(a, 2), True),
        (f"triple {b}", F(3 * b), True),
        (f"{p}% of {a * 4}", F(p * a * 4, 100), False),
        (f"{p} percent of {a * 4}", F(p * a * 4, 100), False),
        (f"the 3rd power of {b}", F(b ** 3), True),
        (f"{b} to the 2nd power", F(b * b), False),
    ]
    if depth > 0:
        x, y = rng.choice(operands(rng, 0)), rng.choice(operands(rng, 0))
        if not x[2] and not y[2] and not y[0].endswith(("squared", "cubed", "factorial")):
            forms += [
                (f"the sum of {x[0]} and {y[0]}", x[1] + y[1], True),
                (f"the product of {x[0]} and {y[0]}", x[1] * y[1], True),
                (f"the square root of the product of {a} and {a}", F(a), False),
            ]
    return forms


def _terminating(x: F) -> bool:
    d = x.denominator
    for p in (2, 5):
        while d % p == 0:
            d //= p
    return d == 1


def generated_requests(count: int = 400, seed: int = 23) -> list[tuple[str, F | None]]:
    rng = random.Random(seed)
    out: dict[str, F | None] = {}
    infix = [("plus", lambda x, y: x + y), ("minus", lambda x, y: x - y), ("times", lambda x, y: x * y),
             ("divided by", lambda x, y: x / y), ("more than", lambda x, y: y + x),
             ("less than", lambda x, y: y - x), ("multiplied by", lambda x, y: x * y)]
    verbs = [("Add {x} and {y}", lambda x, y: x + y), ("Add {x} to {y}", lambda x, y: y + x),
             ("Subtract {x} from {y}", lambda x, y: y - x), ("Multiply {x} by {y}", lambda x, y: x * y),
             ("Divide {x} by {y}", lambda x, y: x / y)]
    chains = [("", lambda v, z: v), (", then add {z}", lambda v, z: v + z),
              (", then multiply it by {z}", lambda v, z: v * z), (", then double it", lambda v, z: 2 * v),
              (", then subtract {z} from the result", lambda v, z: v - z)]
    guard = 0
    while len(out) < count and guard < 50 * count:
        guard += 1
        x = rng.choice(operands(rng, 1))
        y = rng.choice(operands(rng, 1))
        ambiguous = False
        z = rng.choice([2, 3, 7, 11])
        if rng.random() < 0.5:
            word, f = rng.choice(infix)
            text = f"What is {x[0]}{',' if x[2] else ''} {word} {y[0]}"
        else:
            pattern, f = rng.choice(verbs)
            text = pattern.format(x=x[0], y=y[0])
            if "{x} and" in pattern and x[0].startswith(("the sum of", "the product of", "the average of")):
                ambiguous = True  # "Add the sum of 2 and 3 and 4": which "and" is whose
        if f is infix[3][1] or "Divide" in text:
            if y[1] == 0:
                continue
        if "Divide" in text and y[1] == 0:
            continue
        value = f(x[1], y[1])
        tail, g = rng.choice(chains)
        text += tail.format(z=z)
        value = g(value, F(z))
        if not _terminating(value):
            continue
        out[text + "?"] = None if ambiguous else value
    return list(out.items())


GENERATED = generated_requests()

#: exact share before the parser read by composition: 91 of 400 (22.8%), and 5 answered
#: wrong ("the average of 10 and 4, plus twelve" was 26); after: 399 of 400 (99.8%), 0 wrong
GENERATED_FLOOR = 399


def test_generated_requests_are_answered_right_or_refused():
    wrong, exact = measure(GENERATED)
    print(f"\ngenerated: {exact} of {len(GENERATED)} exact ({exact / len(GENERATED):.1%})")
    assert len(GENERATED) >= 300
    assert wrong == [], f"{len(wrong)} wrong answers with exit 0:\n" + "\n".join(wrong[:40])
    assert exact >= GENERATED_FLOOR
