"""The expression language of the ``evaluate`` tool: tokenizer, Pratt parser, evaluator."""

from __future__ import annotations

import asyncio
import re
from decimal import Decimal

import pytest

from agentplat import ToolError
from agentplat_math.expression import (
    BinOp,
    Neg,
    Num,
    Postfix,
    evaluate,
    parse,
    render,
    tokenize,
)
from agentplat_math.numbers import to_result
from agentplat_math.tools import evaluate as evaluate_tool


def value(text: str):
    return to_result(evaluate(text))


@pytest.mark.parametrize("text, expected", [
    # precedence
    ("(3 + 4) * 5 - 2^3", 27),
    ("2 + 3 * 4", 14),
    ("(2 + 3) * 4", 20),
    ("10 - 4 - 3", 3),  # left associative
    ("100 / 10 / 5", 2),
    ("2 * 3 ^ 2", 18),
    # power: right associative, ** is ^
    ("2 ^ 3 ^ 2", 512),
    ("(2 ^ 3) ^ 2", 64),
    ("2 ** 10", 1024),
    ("2 ** 3 ** 2", 512),
    ("2^-1", Decimal("0.5")),
    ("2^-2^2", Decimal("0.0625")),
    ("4 ^ 0.5", 2),
    ("27 ^ (1/3)", 3),
    # unary minus binds looser than ^ and tighter than * and +
    ("-2^2", -4),
    ("(-2)^2", 4),
    ("-3 * -3", 9),
    ("--3", 3),
    ("3 - -2", 5),
    ("+5 - 1", 4),
    ("-(3 + 4)", -7),
    # factorial and percent are postfix and bind tightest
    ("5!", 120),
    ("3!!", 720),
    ("2 ^ 3!", 64),
    ("-3!", -6),
    ("(1 + 2)! + 1", 7),
    ("50% * 8", 4),
    ("50%", Decimal("0.5")),
    ("200 * 15%", 30),
    ("12.5% * 640", 80),
    # % before a number is modulo; mod is a word too
    ("10 % 3", 1),
    ("10 mod 4", 2),
    ("-7 mod 3", 2),
    ("10 % (2 + 1)", 1),
    # sqrt with or without parentheses
    ("sqrt(16) + 9", 13),
    ("sqrt 16 + 9", 13),
    ("sqrt(16 + 9)", 5),
    ("sqrt(2.25)", Decimal("1.5")),
    ("√(81)", 9),
    ("sqrt(2)^2", 2),
    # numbers: decimals, thousands separators, unicode operators, spacing
    ("1.1 * 3", Decimal("3.3")),
    ("0.1 + 0.2", Decimal("0.3")),
    (".5 + 1.", Decimal("1.5")),
    ("1,000 * 2", 2000),
    ("6 × 7 ÷ 2 − 1", 20),
    ("  7*8  ", 56),
    ("1/3", Decimal("0.3333333333333333333333333333")),
    ("((((((((((1))))))))))", 1),
])
def test_evaluate(text, expected):
    result = value(text)
    assert result == expected
    assert type(result) is type(expected)


def test_the_tree_shows_the_grouping():
    assert parse("-2^2") == Neg(BinOp("^", Num(Decimal(2)), Num(Decimal(2))))
    assert parse("2^3^2") == BinOp("^", Num(Decimal(2)), BinOp("^", Num(Decimal(3)), Num(Decimal(2))))
    assert parse("1-2-3") == BinOp("-", BinOp("-", Num(Decimal(1)), Num(Decimal(2))), Num(Decimal(3)))
    assert parse("50%*8") == BinOp("*", Postfix("%", Num(Decimal(50))), Num(Decimal(8)))


def test_tokens_carry_their_positions():
    tokens = tokenize("12 + sqrt(3)")
    assert [(t.kind, t.text, t.pos) for t in tokens] == [
        ("num", "12", 1), ("op", "+", 4), ("name", "sqrt", 6), ("op", "(", 10),
        ("num", "3", 11), ("op", ")", 12), ("end", "", 13),
    ]


@pytest.mark.parametrize("text", [
    "(3 + 4) * 5 - 2 ^ 3", "-2 ^ 2", "(-2) ^ 2", "2 ^ 3 ^ 2", "(2 ^ 3) ^ 2", "1 - (2 - 3)", "1 - 2 - 3",
    "2 ^ (-1)", "(3 + 4)!", "-3!", "50% * 8", "sqrt(16 + 9)", "10 mod 3", "1 / (2 * 3)", "-(3 + 4)",
])
def test_render_round_trips(text):
    tree = parse(text)
    assert parse(render(tree)) == tree
    assert render(tree) == text


@pytest.mark.parametrize("text, message", [
    ("(3 + 4))", "unexpected ')' at position 8"),
    ("2 +", "ends too early after '+' at position 3"),
    ("(3 + 4", "missing ')' for the '(' at position 1"),
    ("2 * * 3", "unexpected '*' at position 5"),
    ("3 # 4", "unexpected character '#' at position 3"),
    ("2 x 3", "unknown name 'x' at position 3"),
    ("import os", "unknown name 'import' at position 1"),
    ("2 (3)", "unexpected '(' at position 3"),
    ("sqrt", "ends too early after 'sqrt' at position 1"),
    ("", "empty expression"),
    ("   ", "empty expression"),
])
def test_syntax_errors_name_the_position(text, message):
    with pytest.raises(ToolError, match=re.escape(message)):
        evaluate(text)


@pytest.mark.parametrize("text, message", [
    ("1 / 0", "division by zero"),
    ("5 / (3 - 3)", "division by zero"),
    ("0 ^ -1", "division by zero"),
    ("4 mod 0", "modulo by zero"),
    ("sqrt(-1)", "negative"),
    ("(-1) ^ 0.5", "not a real number"),
    ("(-1)!", "whole number"),
    ("10^10^10", "result would have about 10000000000 digits (limit 4000)"),
    ("9^9^9", "digits (limit 4000)"),
    ("2^2^2^2^2", "digits (limit 4000)"),
    ("1000000!", "result would have about 5565709 digits"),
    ("(10^2000)^3", "digits (limit 4000)"),
    ("2^0.5^-1000", "digits"),
])
def test_evaluation_errors(text, message):
    with pytest.raises(ToolError, match=re.escape(message)):
        evaluate(text)


def test_limits_on_length_and_depth_are_errors_not_crashes():
    with pytest.raises(ToolError, match="too long"):
        evaluate("+".join(["1"] * 600))
    with pytest.raises(ToolError, match="nested too deeply"):
        evaluate("(" * 200 + "1" + ")" * 200)
    with pytest.raises(ToolError, match="nested too deeply"):
        evaluate("2^" * 300 + "1")
    # a long flat sum is fine: evaluation does not recurse
    assert value("+".join(["1"] * 500)) == 500


def test_the_tool_wraps_the_evaluator():
    assert asyncio.run(evaluate_tool("(3 + 4) * 5 - 2^3")) == 27
    with pytest.raises(ToolError, match="division by zero"):
        asyncio.run(evaluate_tool("1/0"))


def test_scientific_notation_is_a_number():
    """The offline parser writes "1e3" into plans as the request wrote it."""
    from fractions import Fraction

    from agentplat_math.expression import evaluate

    assert evaluate("1e3 + 1") == 1001
    assert evaluate("2.5e-3 * 1000") == Fraction(5, 2)
    assert evaluate("1.2E+3") == 1200
