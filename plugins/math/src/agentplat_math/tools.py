"""The math agent's tools: exact arithmetic behind plain typed ``async def`` functions.

Each computes on ``Fraction`` and returns an ``int`` when the value is integral, else a
``Decimal`` (exact when it terminates, else 28 significant digits). Errors that retrying
cannot fix (division by zero, results too large, bad syntax) raise ``ToolError``; a number
too large to compute with is refused as it was given, before anything converts it.
"""

from __future__ import annotations

from decimal import Decimal

from agentplat import ToolError, tool

from . import numbers
from .expression import evaluate as evaluate_expression
from .numbers import FactorialArgument, SizedNumber, to_fraction, to_result


@tool(examples=["add 3 and 4", "what is 12 plus 30", "the sum of 2.5 and 4"], pure=True)
async def add(a: SizedNumber, b: SizedNumber) -> int | Decimal:
    """Add two numbers exactly (a + b).

    Args:
        a: The first number.
        b: The number to add to it.
    """
    return to_result(to_fraction(a) + to_fraction(b))


@tool(examples=["subtract 5 from 12", "what is 10 minus 3", "take 4 away from 9"], pure=True)
async def subtract(a: SizedNumber, b: SizedNumber) -> int | Decimal:
    """Subtract one number from another exactly (a - b).

    Args:
        a: The number to subtract from.
        b: The number to subtract.
    """
    return to_result(to_fraction(a) - to_fraction(b))


@tool(examples=["multiply 6 by 7", "what is 15 times 7", "the product of 3 and 8"], pure=True)
async def multiply(a: SizedNumber, b: SizedNumber) -> int | Decimal:
    """Multiply two numbers exactly (a × b).

    Args:
        a: The first factor.
        b: The second factor.
    """
    return to_result(to_fraction(a) * to_fraction(b))


@tool(examples=["divide 100 by 8", "what is 22 divided by 7", "10 over 4"], pure=True)
async def divide(a: SizedNumber, b: SizedNumber) -> int | Decimal:
    """Divide one number by another (a ÷ b); exact when the quotient terminates.

    Args:
        a: The dividend.
        b: The divisor (must not be zero).
    """
    divisor = to_fraction(b)
    if divisor == 0:
        raise ToolError(f"division by zero ({numbers.show(to_fraction(a))} / 0)")
    return to_result(to_fraction(a) / divisor)


@tool(examples=["2 to the power of 10", "raise 3 to the 4th power", "what is 5 squared"], pure=True)
async def power(base: SizedNumber, exponent: SizedNumber) -> int | Decimal:
    """Raise a number to a power (base ^ exponent); results over 4000 digits are refused.

    Args:
        base: The number to raise.
        exponent: The power; may be negative or fractional (0.5 is a square root).
    """
    return to_result(numbers.power(to_fraction(base), to_fraction(exponent)))


@tool(examples=["square root of 144", "what is the square root of 2"], pure=True)
async def square_root(x: SizedNumber) -> int | Decimal:
    """The square root of a number; exact for perfect squares such as 16 or 2.25.

    Args:
        x: A number that is not negative.
    """
    return to_result(numbers.square_root(to_fraction(x)))


@tool(examples=["5 factorial", "what is 10!", "factorial of 7"], pure=True)
async def factorial(n: FactorialArgument) -> int:
    """The factorial n! = 1 × 2 × … × n of a whole number (n up to 1463).

    Args:
        n: A whole number, at least 0.
    """
    return numbers.factorial(to_fraction(n)).numerator


@tool(examples=["12.5% of 640", "what is 15 percent of 80", "20% of 45"], pure=True)
async def percentage(percent: SizedNumber, of: SizedNumber) -> int | Decimal:
    """A percentage of a number: percent% of ``of`` (12.5% of 640 is 80).

    Args:
        percent: The percentage, e.g. 12.5 for 12.5%.
        of: The number to take the percentage of.
    """
    return to_result(to_fraction(percent) * to_fraction(of) / 100)


@tool(examples=["what is (3 + 4) * 5 - 2^3", "compute 2 ** 10 + 1", "evaluate sqrt(16) + 3!"], pure=True)
async def evaluate(expression: str) -> int | Decimal:
    """Evaluate an arithmetic expression exactly, e.g. "(3 + 4) * 5 - 2^3".

    Supports + - * / ^ (or **, right associative), unary minus, parentheses, postfix !
    (factorial) and % (percent: 50% * 8 = 4), sqrt(x) and mod. No variables.

    Args:
        expression: The expression to evaluate, using numbers and the operators above.
    """
    return to_result(evaluate_expression(expression))

#: Every tool of the math agent, in the order the planner prompt lists them.
TOOLS = [add, subtract, multiply, divide, power, square_root, factorial, percentage, evaluate]
