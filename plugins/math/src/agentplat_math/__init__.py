"""agentplat plugin: the math agent.

Exact arithmetic (no float surprises: 1.1 × 3 is 3.3) as tools, and an offline parser
that turns clauses such as "15 times 7" or "then add 20" into direct tool steps (also
asked in Spanish, French or German: "¿Cuánto es 15 por 7?").
"""

from __future__ import annotations

from agentplat import Agent, hookimpl

from .units import convert
from .tools import TOOLS, add, divide, evaluate, factorial, multiply, percentage, power, square_root, subtract

#: The offline parsers, imported when first used (listing the agents needs none of them).
_PARSERS = {"parse_math_clause": "agentplat_math.parser", "parse_language_clause": "agentplat_math.languages",
            "parse_units_clause": "agentplat_math.units"}


def __getattr__(name: str):
    if name in _PARSERS:
        from importlib import import_module

        return getattr(import_module(_PARSERS[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

__all__ = [
    "parse_math_clause",
    "parse_language_clause",
    "add",
    "subtract",
    "multiply",
    "divide",
    "power",
    "square_root",
    "factorial",
    "percentage",
    "evaluate",
    "convert",
    "parse_units_clause",
    "TOOLS",
]

AGENT_NAME = "math"

EXAMPLES = [
    "What is 15 times 7, then add 20?",
    "Calculate 12.5% of 640",
    "Add 3 and 4, multiply 6 by 7, then add the two results",
    "What is (3 + 4) * 5 - 2^3?",
    "Calculate 5 factorial",
    "What is the square root of 2.25?",
    "Raise 2 to the power of 10, then divide it by 8",
    "Subtract 17 from 100",
]

SYSTEM_PROMPT = (
    "You are an exact calculator. Use a tool for every computation, never mental arithmetic. "
    "Prefer the specific tool (add, multiply, percentage, ...) for one operation and "
    "evaluate for a whole expression. Answer with the number the tools returned."
)


@hookimpl
def register_agents(register):
    register(
        Agent(
            name=AGENT_NAME,
            description=(
                "Exact arithmetic: add, subtract, multiply, divide, powers, square roots, "
                "factorials, percentages, whole expressions like (3 + 4) * 5, and unit conversions."
            ),
            examples=list(EXAMPLES),
            tools=[*TOOLS, convert],
            system_prompt=SYSTEM_PROMPT,
        )
    )


@hookimpl
def register_offline_parsers(register):
    register("agentplat_math.units:parse_units_clause", agent=AGENT_NAME)
    register("agentplat_math.parser:parse_math_clause", agent=AGENT_NAME)
    register("agentplat_math.languages:parse_language_clause", agent=AGENT_NAME)  # es, fr, de: read as English
