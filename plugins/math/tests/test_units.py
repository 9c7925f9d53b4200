"""Units and conversions (pint): the tool, the parser, and routing through the real planner."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest

from agentplat import Clause, ToolError, plan_request, run_request
from agentplat_math.units import convert, parse_units_clause


@pytest.mark.parametrize("value, source, target, expected", [
    (100, "F", "C", Decimal("37.7777777778")),
    (0, "celsius", "fahrenheit", Decimal(32)),
    (300, "kelvin", "celsius", Decimal("26.85")),
    (3, "hours", "minutes", Decimal(180)),
    (5, "km", "miles", Decimal("3.1068559612")),
    (2, "pounds", "kg", Decimal("0.90718474")),
    (1, "inch", "cm", Decimal("2.54")),
    (1, "GB", "MB", Decimal(1000)),
])
def test_convert(value, source, target, expected):
    assert asyncio.run(convert(Decimal(value), source, target)) == expected


@pytest.mark.parametrize("source, target, message", [
    ("apples", "kg", "'apples' is not a unit"),
    ("km", "kg", "km cannot be converted to kg: they measure different things"),
])
def test_convert_refuses_clearly(source, target, message):
    with pytest.raises(ToolError, match=message):
        asyncio.run(convert(Decimal(1), source, target))


@pytest.mark.parametrize("text, args", [
    ("convert 100 F to C", {"value": Decimal(100), "from_unit": "F", "to_unit": "C"}),
    ("how many minutes in 3 hours", {"value": Decimal(3), "from_unit": "hours", "to_unit": "minutes"}),
    ("how many cm in an inch", {"value": Decimal(1), "from_unit": "inch", "to_unit": "cm"}),
    ("What is 100 degrees fahrenheit in celsius?",
     {"value": Decimal(100), "from_unit": "degrees fahrenheit", "to_unit": "celsius"}),
    ("How many MB in 2 GB", {"value": Decimal(2), "from_unit": "GB", "to_unit": "MB"}),
])
def test_the_parser_reads_conversions(text, args):
    call = parse_units_clause(Clause.from_text(text))
    assert call is not None and call.tool == "convert" and call.args == args


@pytest.mark.parametrize("text", ["convert 3 apples to oranges", "what is 5 times 3", "weather in Paris",
                                  "take me to Berlin", "100 in total"])
def test_the_parser_leaves_other_clauses_alone(text):
    assert parse_units_clause(Clause.from_text(text)) is None


def test_a_conversion_is_math_never_weather():
    planned = asyncio.run(plan_request("convert 100 F to C", model="offline"))
    assert [(s.agent, s.tool) for s in planned.plan.steps] == [("math", "convert")]
    result = asyncio.run(run_request("how many minutes in 3 hours, then multiply it by 2", model="offline",
                                     engine="inline"))
    assert result.answer == "360"
