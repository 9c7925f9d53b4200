"""Exact numbers: conversion to and from ``Fraction``, and the size limits.

Every computation runs on ``fractions.Fraction`` so ``1.1 * 3`` is exactly ``3.3``. Results
leave as an ``int`` when integral, else as a ``Decimal`` rounded to ``PRECISION``
significant digits. Operations whose result could be huge (powers, factorials) estimate
its size with logarithms *before* computing, so absurd requests fail in microseconds.
"""

from __future__ import annotations

import math
from decimal import Decimal, InvalidOperation, localcontext
from fractions import Fraction
from typing import Annotated

from agentplat import Number, ToolError
from pydantic import BeforeValidator

#: Largest number of decimal digits a numerator or denominator may have. Kept below
#: Python's default int-to-str limit (4300 digits) so every result can be printed and
#: serialised by the core without touching ``sys.set_int_max_str_digits``.
MAX_DIGITS = 4000
#: Significant digits of a result that is not an exact terminating decimal.
PRECISION = 28
#: Working precision of irrational intermediate results (square roots, fractional powers).
WORK_PRECISION = 50

_LOG10_2 = math.log10(2)
_LOG10_E = math.log10(math.e)


def _largest_factorial() -> int:
    """The largest ``n`` whose ``n!`` has at most ``MAX_DIGITS`` digits."""
    total, n = 0.0, 1
    while True:
        total += math.log10(n + 1)
        if math.floor(total) + 1 > MAX_DIGITS:
            return n
        n += 1


#: Largest argument of ``factorial`` (its result stays within ``MAX_DIGITS``).
MAX_FACTORIAL = _largest_factorial()


def digit_count(n: int) -> int:
    """Decimal digits of ``|n|`` without ``str()`` (which refuses ints over 4300 digits)."""
    n = abs(n)
    if n == 0:
        return 1
    d = int(n.bit_length() * _LOG10_2)
    return d + 1 if n >= 10**d else d


def about_digits(log10_digits: float) -> str:
    """``"about N digits"`` for a count given by its log10 (it may be astronomically big)."""
    if log10_digits < 15:
        return f"about {round(10**log10_digits)} digits"
    return f"about 10^{math.floor(log10_digits)} digits"


def too_large(log10_digits: float) -> ToolError:
    """The error for a result of about ``10 ** log10_digits`` digits."""
    return ToolError(f"result would have {about_digits(log10_digits)} (limit {MAX_DIGITS})")


def _int_size(n: int) -> float | None:
    """log10 of the digits of an int over ``MAX_DIGITS`` digits, else ``None``; far over,
    from its bit length alone (an exact count builds a power of ten as big as the number)."""
    approx = abs(n).bit_length() * _LOG10_2
    if approx > 10 * MAX_DIGITS:
        return math.log10(approx)
    digits = digit_count(n)
    return math.log10(digits) if digits > MAX_DIGITS else None


def _decimal_size(value: Decimal) -> float | None:
    """The same for a finite Decimal, from its exponent alone (``1e999999`` is 8 characters):
    the digits of its integer part, or of its denominator ``10 ** -exponent``."""
    _, digits, exponent = value.as_tuple()
    size = max(len(digits) + exponent, -exponent)
    return math.log10(size) if size > MAX_DIGITS else None


def check_size(value: Fraction) -> Fraction:
    """Refuse a value whose numerator or denominator exceeds ``MAX_DIGITS`` digits."""
    size = _int_size(value.numerator) or _int_size(value.denominator)
    if size is not None:
        raise too_large(size)
    return value


def oversize(value: object) -> float | None:
    """log10 of the digits of a number given as an int, Fraction, Decimal or str, when they
    exceed ``MAX_DIGITS``; ``None`` when it is within them or is no number (a float always is:
    at most 309 digits before the point). Computed without converting the value."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return _int_size(value)
    if isinstance(value, Fraction):
        return _int_size(value.numerator) or _int_size(value.denominator)
    if isinstance(value, str):
        try:
            value = Decimal(value.strip().replace(",", "").replace("_", ""))
        except (InvalidOperation, ValueError):
            return None
    if isinstance(value, Decimal) and value.is_finite():
        return _decimal_size(value)
    return None


def refuse_oversized(value: object) -> object:
    """A tool argument unchanged, once its size is known to be within ``MAX_DIGITS``.

    It runs before pydantic converts the argument to the parameter's type: an int becomes a
    Decimal in time quadratic in its digits, and a Decimal becomes an int by building every
    digit of ``1e99999999999``, so the check must see the value as it was given.
    """
    size = oversize(value)
    if size is not None:
        raise too_large(size)
    return value


def refuse_oversized_factorial(value: object) -> object:
    """``refuse_oversized`` for factorial's ``n``, saying what factorial accepts."""
    size = oversize(value)
    if size is not None:
        raise ToolError(f"factorial accepts whole numbers from 0 to {MAX_FACTORIAL}; n has {about_digits(size)}")
    return value


def to_fraction(value: object) -> Fraction:
    """An exact ``Fraction`` from an int, Decimal, float (by its repr), str or Fraction."""
    if isinstance(value, bool):
        raise ToolError(f"expected a number, got {value!r}")
    if isinstance(value, Fraction):
        return check_size(value)
    if isinstance(value, int):
        return check_size(Fraction(value))
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ToolError(f"expected a finite number, got {value!r}")
        value = Decimal(repr(value))
    if isinstance(value, str):
        try:
            value = Decimal(value.strip().replace(",", "").replace("_", ""))
        except InvalidOperation:
            raise ToolError(f"not a number: {value!r}") from None
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ToolError(f"expected a finite number, got {value}")
        size = _decimal_size(value)
        if size is not None:
            raise too_large(size)
        return Fraction(value)
    raise ToolError(f"expected a number, got {type(value).__name__}")


def to_result(value: Fraction) -> int | Decimal:
    """An ``int`` when integral, else a normalised ``Decimal`` (exact if it terminates).

    A value that only differs from an integer beyond ``PRECISION`` digits (``sqrt(2)^2``
    computed through a 50-digit root) also comes back as that integer.
    """
    check_size(value)
    if value.denominator == 1:
        return value.numerator
    with localcontext() as ctx:
        ctx.prec = PRECISION
        result = (Decimal(value.numerator) / Decimal(value.denominator)).normalize()
        if result == result.to_integral_value() and abs(result) < Decimal(10) ** PRECISION:
            return int(result)
    return result


def show(value: Fraction) -> str:
    """A number as a user would write it, for error messages."""
    return str(to_result(value))


def _log10_abs(value: Fraction) -> float:
    return math.log10(abs(value.numerator)) - math.log10(value.denominator)


def _iroot(n: int, k: int) -> int:
    """The integer ``k``-th root of ``n >= 0`` (floor), by Newton's method."""
    if n < 2:
        return n
    x = 1 << -(-n.bit_length() // k)  # an upper bound
    while True:
        y = ((k - 1) * x + n // x ** (k - 1)) // k
        if y >= x:
            return x
        x = y


def _decimal(value: Fraction) -> Decimal:
    """``value`` as a Decimal in the current context (rounded to its precision)."""
    return Decimal(value.numerator) / Decimal(value.denominator)


def power(base: Fraction, exponent: Fraction) -> Fraction:
    """``base ** exponent``, exact whenever the result is rational.

    An integral exponent is exact; a fractional one ``p/q`` is exact when ``base`` is a
    perfect ``q``-th power (``8 ^ (1/3) = 2``, ``2.25 ^ 0.5 = 1.5``), else computed to
    ``WORK_PRECISION`` digits. The size of the result is estimated first.
    """
    if base == 0:
        if exponent < 0:
            raise ToolError("division by zero: 0 raised to a negative power")
        return Fraction(1) if exponent == 0 else Fraction(0)
    p, q = exponent.numerator, exponent.denominator
    if q == 1:
        if abs(base) == 1:
            return Fraction(1) if base == 1 or p % 2 == 0 else Fraction(-1)
        biggest = max(abs(base.numerator), base.denominator)
        # digits of the result ~ |p| * log10(biggest); compare in log space (p may be huge)
        log10_digits = math.log10(abs(p)) + math.log10(math.log10(biggest)) if p else 0.0
        if p and log10_digits > math.log10(MAX_DIGITS):
            raise too_large(log10_digits)
        return check_size(base**p)
    if base < 0 and q % 2 == 0:
        raise ToolError(
            f"{show(base)} ^ {show(exponent)} is not a real number (even root of a negative number)"
        )
    sign = -1 if base < 0 and p % 2 else 1
    magnitude = abs(base)
    if q <= 1000:
        num, den = _iroot(magnitude.numerator, q), _iroot(magnitude.denominator, q)
        if num**q == magnitude.numerator and den**q == magnitude.denominator:
            return sign * power(Fraction(num, den), Fraction(p))
    log10_size = abs(float(exponent) * _log10_abs(magnitude)) if abs(exponent) < 10**300 else math.inf
    if log10_size > MAX_DIGITS:
        raise too_large(math.log10(log10_size))
    with localcontext() as ctx:
        ctx.prec = WORK_PRECISION
        result = _decimal(magnitude) ** _decimal(exponent)
    return sign * Fraction(result)


def square_root(value: Fraction) -> Fraction:
    """The square root: exact for perfect squares (``2.25`` gives ``1.5``), else 50 digits."""
    if value < 0:
        raise ToolError(f"square root of a negative number ({show(value)}) is not a real number")
    num, den = math.isqrt(value.numerator), math.isqrt(value.denominator)
    if num * num == value.numerator and den * den == value.denominator:
        return Fraction(num, den)
    with localcontext() as ctx:
        ctx.prec = WORK_PRECISION
        return Fraction(_decimal(value).sqrt())


def factorial(value: Fraction | int) -> Fraction:
    """``n!`` for a whole ``n >= 0``, refused before computing when it would be too big."""
    value = Fraction(value)
    if value.denominator != 1 or value < 0:
        raise ToolError(f"factorial needs a whole number >= 0, got {show(value)}")
    n = value.numerator
    if n > MAX_FACTORIAL:
        if n < 10**15:
            log10_digits = math.log10(math.lgamma(n + 1) / math.log(10))
        else:  # log10(n!) ~ n * (log10 n - log10 e), kept in log space so any n works
            log10_digits = math.log10(n) + math.log10(math.log10(n) - _LOG10_E)
        raise ToolError(
            f"result would have {about_digits(log10_digits)} (limit {MAX_DIGITS}): "
            f"factorial accepts n up to {MAX_FACTORIAL}"
        )
    return Fraction(math.factorial(n))


#: A tool's number argument, size-checked as it was given, before pydantic converts it.
SizedNumber = Annotated[Number, BeforeValidator(refuse_oversized)]
#: factorial's whole-number argument, size-checked the same way.
FactorialArgument = Annotated[int, BeforeValidator(refuse_oversized_factorial)]
