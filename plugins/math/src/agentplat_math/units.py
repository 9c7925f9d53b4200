"""Units and conversions with pint: temperatures, time, length, mass, volume, speed, data...

``convert(value, from_unit, to_unit)`` is a tool; ``parse_units_clause`` reads "convert 100 F
to C", "5 km in miles", "how many minutes in 3 hours", "how many km is 26.2 miles" as one call
to it. Unit names are whatever pint knows (``km``, ``miles``, ``hours``, ``degF``...) plus the
everyday temperature spellings ("F", "fahrenheit", "degrees C"). pint is imported on first use:
listing and planning with other agents never pay for it.

A unit that means different amounts to different people is refused, never guessed: a bare
"ton" (short, long or metric), "gallon", "pint", "quart", "cup", "fluid ounce" (US or
imperial), "calorie" (small or food), "horsepower"; "year" and "month" only go to each other
(a year is 12 months, but 365, 365.25 or 366 days). "US gallon", "imperial pint", "metric
ton", "tonne", "kcal" are clear. Words are never multiplied: "fl oz" is not femtolitre-ounce.
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
    "degree f": "degF", "degree fahrenheit": "degF", "degree c": "degC", "degree celsius": "degC",
}

#: Spellings that name more than one amount, and what to say instead.
AMBIGUOUS = {
    **dict.fromkeys(("ton", "tons"), "short ton, long ton or metric ton (tonne)"),
    **{w: f"US {u} or imperial {u}" for u, ws in [
        ("gallon", ("gallon", "gallons", "gal")), ("quart", ("quart", "quarts", "qt")),
        ("pint", ("pint", "pints", "pt")), ("cup", ("cup", "cups")),
        ("fluid ounce", ("fluid ounce", "fluid ounces", "fl oz", "fl. oz", "fl. oz.", "floz"))] for w in ws},
    **dict.fromkeys(("calorie", "calories", "cal"), "kcal (a food Calorie) or small calorie"),
    **dict.fromkeys(("horsepower", "hp"), "mechanical or metric horsepower"),
    **dict.fromkeys(("barrel", "barrels", "bbl"), "oil barrel or another barrel"),
}
#: Qualifiers people write before a unit, as pint spells them.
_QUALIFIED = {"us": ("US_liquid_", "US_"), "u.s.": ("US_liquid_", "US_"), "american": ("US_liquid_", "US_"),
              "imperial": ("imperial_",), "uk": ("imperial_",), "british": ("imperial_",),
              "metric": ("metric_",), "short": ("short_",), "long": ("long_",), "troy": ("troy_",),
              "nautical": ("nautical_",), "small": ("",), "mechanical": ("",)}
#: Units whose length in days is a convention ("a year is 365.25 days" in pint): they convert
#: only to each other, where the ratio is fixed (12 months, 10 years).
CALENDAR = frozenset({"year", "month", "decade", "century", "millennium"})


@lru_cache(maxsize=1)
def _registry():
    import pint

    ureg = pint.UnitRegistry(autoconvert_offset_to_baseunit=True)
    # pint's "acre" is the US survey acre (43,560.17 international square feet); the acre in
    # use everywhere since the survey foot was retired (2023) is 43,560 square feet exactly
    ureg.define("international_acre = 43560 * foot ** 2")
    return ureg


class UnitError(ValueError):
    """Text that is not one clear unit; the message says why, in the user's terms."""


def _one_unit(text: str) -> str:
    """pint's name for one unit written as words ("km", "nautical miles", "square feet")."""
    words = text.split()
    power = ""
    if len(words) > 1 and words[0].lower() in ("square", "sq", "sq.", "cubic", "cu", "cu."):
        power, words = ("**2" if words[0].lower().startswith("s") else "**3"), words[1:]
    elif len(words) > 1 and words[-1].lower() in ("squared", "cubed"):
        power, words = ("**2" if words[-1].lower() == "squared" else "**3"), words[:-1]
    prefixes = ("",)
    if len(words) > 1 and words[0].lower() in _QUALIFIED:
        prefixes, words = _QUALIFIED[words[0].lower()], words[1:]
    joined = "_".join(words)  # several words are one unit's name, never a product of units
    if joined.lower() in ("acre", "acres"):
        joined = "international_acre"
    for candidate in dict.fromkeys(p + j for p in prefixes for j in (joined, joined.lower())):
        try:
            unit = _registry().parse_units(candidate)
        except Exception:  # noqa: BLE001 - pint raises assorted errors for text that is no unit
            continue
        name = str(unit)
        if name == "dimensionless" or ("barn" in name and "barn" not in candidate.lower()):
            continue  # "mb" and "kb" are megabytes and kilobytes to people, millibarns to pint
        return f"({name}){power}" if power else name
    raise UnitError(f"{text!r} is not a unit agentplat knows")


def resolve_unit(text: str) -> str:
    """pint's name for a unit as a person writes it; ``UnitError`` (saying why) if it is not
    one unit, or means different amounts to different people."""
    text = " ".join(str(text).split())
    for prefix in ("a ", "an ", "one ", "A ", "An ", "One "):
        text = text.removeprefix(prefix)
    key = text.lower().rstrip(".")
    if not key:
        raise UnitError("no unit given")
    if key in TEMPERATURES:
        return TEMPERATURES[key]
    if key in AMBIGUOUS:
        raise UnitError(f"{text!r} means different amounts in different places: say {AMBIGUOUS[key]}")
    pieces = re.split(r"\s+per\s+|\s*/\s*", text)
    if any(not p for p in pieces):
        raise UnitError(f"{text!r} is not a unit agentplat knows")
    return "/".join(_one_unit(p) if len(pieces) == 1 else f"({_one_unit(p)})" for p in pieces)


def unit_name(text: str) -> str | None:
    """pint's name for a unit as a person writes it, or ``None`` if it is not one clear unit."""
    try:
        return resolve_unit(text)
    except UnitError:
        return None


def _calendar(unit: str) -> bool:
    return bool(CALENDAR & set(re.findall(r"[a-z_]+", unit)))


def check_pair(source: str, target: str, shown: tuple[str, str] | None = None) -> None:
    """``UnitError`` unless ``source`` converts to ``target`` (pint names) with no convention;
    ``shown`` is how the user wrote them."""
    ureg = _registry()
    a, b = shown or (source, target)
    if ureg.parse_units(source).dimensionality != ureg.parse_units(target).dimensionality:
        raise UnitError(f"{a} cannot be converted to {b}: they measure different things")
    if _calendar(source) != _calendar(target):
        raise UnitError(f"how many days a year or a month has depends on which one: {a} cannot be converted "
                        f"to {b} exactly")


@tool(examples=["convert 100 F to C", "how many minutes in 3 hours", "5 km in miles", "convert 2 pounds to kg"], pure=True)
async def convert(value: Number, from_unit: str, to_unit: str) -> Decimal:
    """Convert a quantity from one unit to another (temperatures, time, length, mass, volume, speed...).

    Args:
        value: The amount, in ``from_unit``.
        from_unit: The unit it is in, e.g. "km", "hours", "fahrenheit".
        to_unit: The unit wanted, e.g. "miles", "minutes", "celsius".
    """
    try:
        source, target = resolve_unit(from_unit), resolve_unit(to_unit)
        check_pair(source, target, (from_unit, to_unit))
    except UnitError as error:
        raise ToolError(str(error)) from None
    converted = _registry().Quantity(float(value), source).to(target).magnitude
    return Decimal(repr(round(converted, 10))).normalize() + 0


_NUMBER = r"(?P<value>-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|-?\.\d+)"
_UNIT = r"[a-z°][a-z°_ ./]*?"
_WHAT = r"(?:please\s+)?(?:convert\s+|change\s+|turn\s+|what\s+is\s+|what's\s+|whats\s+|how\s+much\s+is\s+)?"
_CONVERT = re.compile(rf"(?i)^{_WHAT}{_NUMBER}\s*(?P<source>{_UNIT})\s+(?:to|in|into|as)\s+(?P<target>{_UNIT})$")
_ONE = rf"(?:(?:a|an|one)\s+|{_NUMBER}\s*)?"
_HOW_MANY = re.compile(rf"(?i)^how\s+many\s+(?P<target>{_UNIT})\s+(?:(?:are|is)\s+)?(?:there\s+)?(?:in|per)\s+"
                       rf"{_ONE}(?P<source>{_UNIT})$")
#: "how many km is 26.2 miles", "how many feet make a mile", "how many F is 20 C"
_HOW_MANY_IS = re.compile(rf"(?i)^how\s+many\s+(?P<target>{_UNIT})\s+(?:is|are|equals?|makes?(?:\s+up)?|make\s+up|"
                          rf"(?:is|are)\s+equal\s+to)\s+{_ONE}(?P<source>{_UNIT})$")
#: "26.2 miles is how many km", "5 kg equals how many pounds"
_IS_HOW_MANY = re.compile(rf"(?i)^{_NUMBER}\s*(?P<source>{_UNIT})\s+(?:is|are|equals?|makes?)\s+how\s+many\s+"
                          rf"(?P<target>{_UNIT})$")
_SECOND = "\ue000"  # "second" kept from number words ("a second" is no "2nd")


def _digits(text: str) -> str:
    """Number words as digits ("two miles" -> "2 miles"), by text2num."""
    from text_to_num import alpha2digit

    kept = re.sub(r"(?i)\bsecond", lambda m: _SECOND + m.group(0)[1:], text)
    return alpha2digit(kept, "en", threshold=0).replace(_SECOND, "s").replace(_SECOND.upper(), "S")


def parse_units_clause(clause: Clause) -> ToolCall | None:
    """One clause as a ``convert`` call when it asks for a conversion between two clear units
    of the same kind; ``None`` for anything else (comparisons, "a ton", "km to kg")."""
    text = " ".join(clause.text.split()).rstrip(" ?.!")
    if clause.quoted or not re.search(r"\b(?:to|in|into|as|is|are|equals?|makes?|per)\b", text, re.I):
        return None
    text = re.sub(r"(?i)\bdegrees?\s+(?=[cfk]\b|celsius|fahrenheit|centigrade|kelvin)", "degrees_", _digits(text))
    for pattern in (_CONVERT, _HOW_MANY, _HOW_MANY_IS, _IS_HOW_MANY):
        match = pattern.match(text)
        if match is not None:
            break
    else:
        return None
    source, target = (match.group(g).replace("degrees_", "degrees ").strip() for g in ("source", "target"))
    try:
        check_pair(resolve_unit(source), resolve_unit(target))
    except UnitError:
        return None
    value = match.groupdict().get("value")
    amount = Decimal(value.replace(",", "")) if value else Decimal(1)
    return ToolCall(tool="convert", args={"value": amount, "from_unit": source, "to_unit": target}, agent="math")
