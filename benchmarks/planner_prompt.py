"""The planner's prompt as the installed tools grow: its size, and whether the tools a request
needs are still in it.

    uv run python benchmarks/planner_prompt.py [--tools 500]

With the installed tools alone, then with N generated tools added (verbs x nouns, many
sharing words with the real ones: ``add_calendar_event``, ``multiply_matrices``...), it
prints the system prompt's and the plan schema's size (characters, and ~tokens at four
characters a token) for a request, and the shortlist's recall on a request set whose needed
tools are known: the share of requests whose every needed tool is shown to the model.
"""

from __future__ import annotations

import argparse
import itertools
import json
import random

from agentplat import Agent, Registry, get_registry
from agentplat._planners.llm import system_prompt
from agentplat._planners.schema import plan_schema
from agentplat._planners.shortlist import shortlist

#: (request, the tools it needs as agent.tool)
NEEDS = [
    ("Calculate 5 factorial", {"math.factorial"}),
    ("What is 17 plus 25?", {"math.add"}),
    ("Multiply 6 by 7, then add 8 to the result", {"math.multiply", "math.add"}),
    ("Divide 144 by 12", {"math.divide"}),
    ("What is the square root of 81 plus 10?", {"math.square_root", "math.add"}),
    ("Calculate 2 to the power of 10, then subtract 24", {"math.power", "math.subtract"}),
    ("What is 15 percent of 200?", {"math.percentage"}),
    ("Evaluate (3 + 4) * 12", {"math.evaluate"}),
    ("What's the weather in Paris?", {"weather.current_weather"}),
    ("Forecast for Berlin for the next 3 days", {"weather.forecast"}),
    ("Search the web for python asyncio tutorials", {"web_search.search"}),
    ("Fetch https://example.com and tell me what it says", {"web_search.fetch_page"}),
    ("Write a report on solar power", {"report.write_report"}),
    ("What is the temperature in Rome, and multiply 3 by 9", {"weather.current_weather", "math.multiply"}),
]

VERBS = ["add", "remove", "list", "get", "update", "create", "delete", "convert", "compute", "search", "fetch",
         "multiply", "divide", "translate", "resize", "schedule", "send", "check", "count", "find", "sort", "merge"]
NOUNS = ["calendar_event", "contact", "invoice", "image", "currency", "matrices", "playlist", "ticket", "file",
         "email", "reminder", "order", "stock_price", "recipe", "flight", "hotel", "note", "task", "user", "page",
         "temperature_unit", "percentage_change", "tax", "loan_payment", "timezone"]


def generated(count: int, seed: int = 1) -> list[Agent]:
    rng = random.Random(seed)
    pairs = list(itertools.product(VERBS, NOUNS))
    rng.shuffle(pairs)
    agents: dict[str, list] = {}
    for number, (verb, noun) in enumerate(pairs[:count]):
        name = f"{verb}_{noun}"

        async def fn(value: str) -> str:
            return value

        fn.__name__ = name
        fn.__doc__ = f"{verb.capitalize()} a {noun.replace('_', ' ')} in the {noun.split('_')[0]} service.\n\n" \
                     f"Args:\n    value: The {noun.replace('_', ' ')} to {verb}."
        agents.setdefault(f"svc{number % 40}", []).append(fn)
    return [Agent(name=a, description=f"Service agent {a} for everyday office tasks.", tools=t)
            for a, t in agents.items()]


def measure(registry: Registry, label: str) -> None:
    request = NEEDS[2][0]
    about = {name: agent.description for name, agent in registry.agents.items()}
    tools = registry.tools()
    shown = shortlist(request, tools, about)
    prompt = system_prompt(registry, shown)
    schema = json.dumps(plan_schema(shown, list(dict.fromkeys(t.agent for t in shown))))
    everything = system_prompt(registry, tools)
    found = 0
    for text, needs in NEEDS:
        names = {f"{t.agent}.{t.name}" for t in shortlist(text, tools, about)}
        found += needs <= names
    print(f"{label}: {len(tools)} tools installed, {len(shown)} shown")
    print(f"  prompt {len(prompt)} chars (~{len(prompt) // 4} tokens), schema {len(schema)} chars "
          f"(~{len(schema) // 4} tokens); every tool shown would be {len(everything)} chars")
    print(f"  recall: {found}/{len(NEEDS)} requests have every tool they need in the prompt")


def main(extra: int) -> None:
    base = get_registry()
    measure(base, "installed")
    grown = Registry(agents=dict(base.agents), models=base.models, parsers=base.parsers)
    for agent in generated(extra):
        grown.agents[agent.name] = agent
    measure(grown, f"installed + {extra} generated")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tools", type=int, default=500)
    main(parser.parse_args().tools)
