"""The math tools: exact results, the int/Decimal result shape, and clear, fast errors."""

from __future__ import annotations

import asyncio
import math
import re
from decimal import Decimal

import pytest

from agentplat import ToolError
from agentplat_math import tools
from agentplat_math.numbers import (
    MAX_DIGITS,
    MAX_FACTORIAL,
    digit_count,
    to_fraction,
    to_result,
)


def run(tool, *args, **kwargs):
    return asyncio.run(tool(*args, **kwargs))


def test_no_float_surprises():
    assert run(tools.multiply, Decimal("1.1"), 3) == Decimal("3.3")
    assert run(tools.add, Decimal("0.1"), Decimal("0.2")) == Decimal("0.3")
    assert run(tools.subtract, Decimal("0.3"), Decimal("0.1")) == Decimal("0.2")
    # floats passed directly are read by their repr, not their binary value
    assert run(tools.multiply, 1.1, 3) == Decimal("3.3")


def test_integral_results_are_ints_and_others_normalised_decimals():
    result = run(tools.add, Decimal("1.5"), Decimal("1.5"))
    assert result == 3 and type(result) is int
    result = run(tools.multiply, Decimal("1.10"), 3)
    assert type(result) is Decimal and str(result) == "3.3"
    assert str(run(tools.divide, 1, 8)) == "0.125"


def test_non_terminating_results_are_rounded_to_28_significant_digits():
    assert run(tools.divide, 1, 3) == Decimal("0.3333333333333333333333333333")
    assert run(tools.divide, 2, 3) == Decimal("0.6666666666666666666666666667")
    assert run(tools.divide, 100, 7) == Decimal("14.28571428571428571428571429")


@pytest.mark.parametrize("tool, args, expected", [
    (tools.add, (2, 3), 5),
    (tools.add, (-2, Decimal("0.5")), Decimal("-1.5")),
    (tools.subtract, (3, 10), -7),
    (tools.multiply, (15, 7), 105),
    (tools.multiply, (Decimal("-0.5"), 4), -2),
    (tools.divide, (10, 4), Decimal("2.5")),
    (tools.divide, (42, 6), 7),
    (tools.power, (2, 10), 1024),
    (tools.power, (2, -2), Decimal("0.25")),
    (tools.power, (Decimal("1.5"), 2), Decimal("2.25")),
    (tools.power, (4, Decimal("0.5")), 2),
    (tools.power, (8, Decimal("1") / 3), 2),  # 0.333...3 is not 1/3, but rounds back to 2
    (tools.power, (Decimal("2.25"), Decimal("-0.5")), Decimal("0.6666666666666666666666666667")),
    (tools.power, (-2, 3), -8),
    (tools.power, (0, 0), 1),
    (tools.power, (-1, 10**100), 1),
    (tools.power, (2, Decimal("0.5")), Decimal("1.414213562373095048801688724")),
    (tools.square_root, (16,), 4),
    (tools.square_root, (Decimal("2.25"),), Decimal("1.5")),
    (tools.square_root, (0,), 0),
    (tools.square_root, (2,), Decimal("1.414213562373095048801688724")),
    (tools.factorial, (0,), 1),
    (tools.factorial, (5,), 120),
    (tools.factorial, (20,), 2432902008176640000),
    (tools.percentage, (Decimal("12.5"), 640), 80),
    (tools.percentage, (15, 80), 12),
    (tools.percentage, (10, Decimal("0.5")), Decimal("0.05")),
    (tools.evaluate, ("(3 + 4) * 5 - 2^3",), 27),
    (tools.evaluate, ("1.1 * 3",), Decimal("3.3")),
])
def test_each_tool(tool, args, expected):
    result = run(tool, *args)
    assert result == expected
    assert type(result) is type(expected)


def test_an_irrational_intermediate_squared_comes_back_whole():
    # inside one expression the root keeps 50 digits, so squaring it rounds back to 2
    assert run(tools.evaluate, "sqrt(2)^2") == 2
    # a rounded 28-digit result squared is exactly what it is: no pretending
    root = run(tools.square_root, 2)
    assert run(tools.power, root, 2) == Decimal("1.999999999999999999999999999")


@pytest.mark.parametrize("tool, args, fragment", [
    (tools.divide, (5, 0), "division by zero"),
    (tools.evaluate, ("1 / (2 - 2)",), "division by zero"),
    (tools.evaluate, ("7 mod 0",), "modulo by zero"),
    (tools.power, (0, -1), "division by zero"),
    (tools.square_root, (-4,), "negative"),
    (tools.power, (-8, Decimal("0.5")), "not a real number"),
    (tools.factorial, (-1,), "whole number"),
    (tools.evaluate, ("2.5!",), "whole number"),
    (tools.evaluate, ("2 +",), "ends too early"),
    (tools.add, ("abc", 1), "not a number"),
    (tools.add, (Decimal("NaN"), 1), "finite"),
])
def test_errors_that_retrying_cannot_fix_are_tool_errors(tool, args, fragment):
    with pytest.raises(ToolError, match=fragment):
        run(tool, *args)


@pytest.mark.parametrize("tool, args, digits", [
    (tools.evaluate, ("10^10^10",), "about 10000000000 digits"),
    (tools.power, (10, 10**10), "about 10000000000 digits"),
    (tools.power, (2, 10**6), "about 301030 digits"),
    (tools.power, (Decimal("0.5"), 10**10), "about 3010299957 digits"),
    (tools.power, (10, 10**400), "about 10^400 digits"),
    (tools.power, (3, Decimal("100000.5")), "about 47712 digits"),
    (tools.factorial, (10**6,), "about 5565709 digits"),
    (tools.factorial, (10**100,), "about 10^101 digits"),
    (tools.evaluate, ("(10^3000)!",), "about 10^3003 digits"),
    (tools.evaluate, ("(10^3000) * (10^3000)",), "about 6001 digits"),
    (tools.add, (Decimal("1E+100000"), 1), "about 100001 digits"),
])
def test_absurd_sizes_are_refused_before_computing(tool, args, digits):
    with pytest.raises(ToolError, match=re.escape(f"result would have {digits} (limit {MAX_DIGITS})")):
        run(tool, *args)


def test_the_limits_agree_and_results_up_to_them_work():
    assert MAX_DIGITS < 4300  # Python's default int-to-str limit: every result stays printable
    assert digit_count(math.factorial(MAX_FACTORIAL)) <= MAX_DIGITS < digit_count(math.factorial(MAX_FACTORIAL + 1))
    assert str(MAX_FACTORIAL) in tools.factorial.__doc__
    assert run(tools.factorial, MAX_FACTORIAL) == math.factorial(MAX_FACTORIAL)
    with pytest.raises(ToolError, match=f"up to {MAX_FACTORIAL}"):
        run(tools.factorial, MAX_FACTORIAL + 1)
    assert run(tools.power, 10, MAX_DIGITS - 1) == 10 ** (MAX_DIGITS - 1)
    with pytest.raises(ToolError, match="digits"):
        run(tools.power, 10, MAX_DIGITS)
    assert str(run(tools.power, 10, MAX_DIGITS - 1)).startswith("1000")


def test_digit_count_is_exact_around_powers_of_ten():
    for k in (1, 2, 15, 16, 17, 100, 3999):
        assert digit_count(10**k - 1) == k
        assert digit_count(10**k) == k + 1
    assert digit_count(0) == 1 and digit_count(-12345) == 5


def test_number_helpers_round_trip():
    assert to_fraction("1,000.5") == to_fraction(Decimal("1000.5"))
    assert to_result(to_fraction(Decimal("2.50"))) == Decimal("2.5")
    with pytest.raises(ToolError):
        to_fraction(True)


# Numbers too large to compute with, in every form a caller can pass them. Through the tool
# (what plans and the Python API call: pydantic converts the argument to the parameter's type)
# each must be refused from its size as given: converting first hangs (Decimal("1e+99999999999")
# to int builds 10^11 digits; an int of 10^7 digits to Decimal takes quadratic time).
OVERSIZED = {
    "int": "1 << 33_300_000",  # about 10^7 digits (a shift, so building it is instant)
    "negative int": "-(1 << 33_300_000)",
    "Fraction": "Fraction(1 << 33_300_000, 3)",
    "Decimal": "Decimal('1e+99999999999')",
    "negative Decimal": "Decimal('-1e+99999999999')",
    "tiny Decimal": "Decimal('1e-99999999999')",
    "Decimal 1e999999": "Decimal('1e999999')",
    "str": "'1e+99999999999'",
    "digits str": "'9' * 100000",
}
CALLS = {
    "factorial": "{'n': X}",
    "add": "{'a': X, 'b': 1}",
    "divide": "{'a': 1, 'b': X}",
    "power base": "{'base': X, 'exponent': 2}",
    "power exponent": "{'base': 2, 'exponent': X}",
    "square_root": "{'x': X}",
    "percentage": "{'percent': X, 'of': 2}",
}
PROBE = """
import asyncio, json, sys
from decimal import Decimal
from fractions import Fraction
from agentplat import ToolError, get_registry
math_agent = get_registry().agents["math"]
for label, expr in json.loads(sys.argv[1]).items():
    X = eval(expr)
    for call, template in json.loads(sys.argv[2]).items():
        tool = math_agent.tool(call.split()[0])
        args = eval(template)
        for path, run in (("tool", lambda: tool(**args)), ("function", lambda: tool.function(**args))):
            try:
                asyncio.run(run())
                outcome = "computed"
            except ToolError as exc:
                outcome = str(exc)
            except Exception as exc:
                outcome = "unexpected " + type(exc).__name__
            print(json.dumps([label, call, path, outcome]), flush=True)
"""


def test_numbers_too_large_are_refused_from_their_size_before_any_conversion():
    import json
    import subprocess
    import sys

    # one process for every case; a hang shows as the cases that never printed (bound: generous)
    try:
        out = subprocess.run([sys.executable, "-c", PROBE, json.dumps(OVERSIZED), json.dumps(CALLS)],
                             capture_output=True, text=True, timeout=180).stdout
    except subprocess.TimeoutExpired as exc:
        out = (exc.stdout or b"").decode() if isinstance(exc.stdout, bytes) else (exc.stdout or "")
        pytest.fail("a number too large hung the math tools; finished before it:\n" + out[-2000:])
    rows = [json.loads(line) for line in out.splitlines()]
    assert len(rows) == len(OVERSIZED) * len(CALLS) * 2
    for label, call, path, outcome in rows:
        expected = (f"factorial accepts whole numbers from 0 to {MAX_FACTORIAL}"
                    if call == "factorial" and path == "tool" else f"(limit {MAX_DIGITS})")
        assert expected in outcome, (label, call, path, outcome)


def test_the_size_check_leaves_every_number_within_the_limit_alone():
    from agentplat import get_registry

    math_agent = get_registry().agents["math"]
    assert asyncio.run(math_agent.tool("factorial")(n="5")) == 120
    assert asyncio.run(math_agent.tool("factorial")(n=Decimal("1E+1"))) == math.factorial(10)
    assert asyncio.run(math_agent.tool("add")(a=10 ** (MAX_DIGITS - 1), b=1)) == 10 ** (MAX_DIGITS - 1) + 1
    assert asyncio.run(math_agent.tool("power")(base=Decimal("1e-3999"), exponent=1)) == Decimal("1e-3999")
    with pytest.raises(ToolError, match="valid integer"):
        asyncio.run(math_agent.tool("factorial")(n=Decimal("2.5")))
    assert math_agent.tool("factorial").parameters["properties"]["n"]["type"] == "integer"
    assert math_agent.tool("add").parameters["properties"]["a"]["type"] == "number"
