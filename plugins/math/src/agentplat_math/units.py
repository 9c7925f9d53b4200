"""Units and conversions with pint: temperatures, time, length, mass, volume, speed, data...

``convert(value, from_unit, to_unit)`` is a tool; ``parse_units_clause`` reads "convert 100 F
to C", "5 km in miles", "how many minutes in 3 hours" as one call to it. Unit names are
whatever pint knows (``km``, ``miles``, ``hours``, ``degF``...) plus the everyday temperature
spellings ("F", "fahrenheit", "degrees C"). pint is imported on first use: listing and
planning with other agents never pay for it.
"""

from __future__ import annotations

import re
from decimal import Decimal
from functools import lru_cache

from agentplat import Clause, Number, ToolCall, ToolError, tool

#: Everyday temperature spellings -> pint's names (pint reads "F" as farad, "C" as coulomb).
TEMPERATURES = {
    "f": "degF", "°f": "degF", "fahrenheit": "degF", "degrees f": "degF", "degrees fahrenheit": "degF",
    "c": "degC", "°c": "degC", "celsius": "degC", "centigrade": "degC", "degrees c": "degC",
    "degrees celsius": "degC", "k": "kelvin", "kelvin": "kelvin", "kelvins": "kelvin",
}


@lru_cache(maxsize=1)
def _registry():
    import pint

    return pint.UnitRegistry(autoconvert_offset_to_baseunit=True)


def unit_name(text: str) -> str | None:
    """pint's name for a unit as a person writes it, or ``None`` if it is not a unit."""
    text = " ".join(text.split())
    for prefix in ("a ", "an ", "A ", "An "):
        text = text.removeprefix(prefix)
    if not text:
        return None
    if text.lower() in TEMPERATURES:
        return TEMPERATURES[text.lower()]
    for candidate in dict.fromkeys((text, text.lower())):  # "MB" is megabyte, "mb" millibarn
        try:
            unit = _registry().parse_units(candidate.replace(" per ", "/"))
        except Exception:  # noqa: BLE001 - pint raises assorted errors for text that is no unit
            continue
        if str(unit) != "dimensionless":
            return str(unit)
    return None


@tool(examples=["convert 100 F to C", "how many minutes in 3 hours", "5 km in miles", "convert 2 pounds to kg"], pure=True)
async def convert(value: Number, from_unit: str, to_unit: str) -> Decimal:
    """Convert a quantity from one unit to another (temperatures, time, length, mass, volume, speed...).

    Args:
        value: The amount, in ``from_unit``.
        from_unit: The unit it is in, e.g. "km", "hours", "fahrenheit".
        to_unit: The unit wanted, e.g. "miles", "minutes", "celsius".
    """
    import pint

    source, target = unit_name(from_unit), unit_name(to_unit)
    if source is None:
        raise ToolError(f"{from_unit!r} is not a unit agentplat knows")
    if target is None:
        raise ToolError(f"{to_unit!r} is not a unit agentplat knows")
    ureg = _registry()
    try:
        converted = ureg.Quantity(float(value), source).to(target).magnitude
    except pint.errors.DimensionalityError:
        raise ToolError(f"{from_unit} cannot be converted to {to_unit}: they measure different things") from None
    return Decimal(repr(round(converted, 10))).normalize() + 0


_NUMBER = r"(?P<value>-?\d+(?:[.,]\d+)?)"
_UNIT = r"[a-z°][a-z°_ /]*?"
_CONVERT = re.compile(rf"(?i)^(?:please\s+)?(?:convert\s+|what\s+is\s+|what's\s+|how\s+much\s+is\s+)?{_NUMBER}\s*"
                      rf"(?P<source>{_UNIT})\s+(?:to|in|into|as)\s+(?P<target>{_UNIT})\s*\??$")
_HOW_MANY = re.compile(rf"(?i)^how\s+many\s+(?P<target>{_UNIT})\s+(?:are\s+)?(?:there\s+)?(?:in|per)\s+"
                       rf"(?:(?:a|an|one)\s+|{_NUMBER}\s*)?(?P<source>{_UNIT})\s*\??$")


def parse_units_clause(clause: Clause) -> ToolCall | None:
    """One clause as a ``convert`` call when it asks for a conversion between two known units."""
    text = re.sub(r"(?i)\bdegrees\s+", "degrees_", " ".join(clause.text.split()))
    match = _CONVERT.match(text) or _HOW_MANY.match(text)
    if match is None:
        return None
    source, target = (match.group(g).replace("degrees_", "degrees ").strip() for g in ("source", "target"))
    if unit_name(source) is None or unit_name(target) is None:
        return None
    value = match.groupdict().get("value")
    amount = Decimal(value.replace(",", ".")) if value else Decimal(1)
    return ToolCall(tool="convert", args={"value": amount, "from_unit": source, "to_unit": target}, agent="math")
