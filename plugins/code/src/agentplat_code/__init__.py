"""agentplat plugin: the code agent.

``run_python`` runs Python in a sandbox (Monty: no host files, network or environment; time,
memory, output and tool calls bounded). Code calls every installed tool with
``call_tool("agent.tool", ...)`` through the core's own path, and its variables persist across
the code steps of a run. Offline, code the request gives in back quotes or a fenced block runs
as given; a model may write code in a plan's step or as the code agent.
"""

from __future__ import annotations

from agentplat import Agent, Environment, hookimpl

from .tools import TOOLS, run_python

__all__ = ["run_python", "parse_code_clause", "TOOLS"]


def __getattr__(name: str):
    if name == "parse_code_clause":  # the offline parser, imported when first used
        from .parser import parse_code_clause

        return parse_code_clause
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


AGENT_NAME = "code"

EXAMPLES = [
    "Run `sorted([3, 1, 2])`",
    "Evaluate this python: `sum(x * x for x in range(10))`",
    "How many days are there between 2026-01-01 and 2026-12-25? (write code)",
    "Sort these words by length: 'pear', 'fig', 'banana'",
]

SYSTEM_PROMPT = (
    "You solve the task by writing Python and running it with run_python: never compute by eye. "
    "The sandbox has the standard library's pure parts (math, re, json, datetime, collections, "
    "itertools...) but no files, network or environment. The value of the last line is the result; "
    "variables persist between your runs. Inside the code, call_tool('agent.tool', name=value) calls "
    "another agent's tool (tools() lists them). Earlier steps' results are the variables step_0, step_1... "
    "use them by name, never paste them into the code. If the code fails, read the error, fix the code and run it again. When it has "
    "given the answer, reply briefly with it."
)


@hookimpl
def register_agents(register):
    register(
        Agent(
            name=AGENT_NAME,
            description=(
                "Runs Python in a sandbox for what no other tool does: loops, sorting, counting, "
                "dates, formulas, combining other tools' results (code may call any tool)."
            ),
            examples=list(EXAMPLES),
            tools=list(TOOLS),
            system_prompt=SYSTEM_PROMPT,
            environment=Environment(cpu=1, memory="1Gi", packages=["agentplat-code"]),
        )
    )


@hookimpl
def register_offline_parsers(register):
    register("agentplat_code.parser:parse_code_clause", agent=AGENT_NAME)  # imported when first used
