"""Finding the plan in a model's reply as hostile replies grow: it must stay linear.

    uv run python benchmarks/plan_extraction.py [--braces 30000]

Replies of N opening brackets in the shapes that used to cost a decode attempt per bracket
(each running deep or far before failing), plus a real plan after N stray braces that must
still be found. Each is read by ``extract_plan`` (what the LLM planner does with every whole
reply); the figure is the best of three runs, with the outcome: the plan's step count, or
the reason the reply goes back to the model for repair.
"""

from __future__ import annotations

import argparse
import json
import time

from agentplat._plan.extract import extract_plan

PLAN = json.dumps({"steps": [{"agent": "math", "tool": "add", "args": {"a": 1, "b": 2}, "dependencies": []}]})


def shapes(n: int) -> dict[str, str]:
    return {
        "{ x N": "{" * n,
        "[ x N": "[" * n,
        '{"a": x N (unclosed)': '{"a": ' * n,
        "[ x N then ] x N": "[" * n + "]" * n,
        "[ x 990 then {}, x N": "[" * 990 + "{}," * n,
        '[ x 450 of {"a": [ then long': '{"a": [' * 450 + "1," * n,
        "{ x N then a plan": "{" * n + "\n" + PLAN,
    }


def best(text: str) -> tuple[float, str]:
    times, outcome = [], ""
    for _ in range(3):
        started = time.perf_counter()
        try:
            outcome = f"plan of {len(extract_plan(text)['steps'])} step(s)"
        except Exception as exc:  # noqa: BLE001 - a refusal is an outcome to time too
            reason = str(exc).replace("the reply's JSON could not be read: ", "unreadable, ")
            outcome = f"{type(exc).__name__}: {reason[:70]}"
        times.append(time.perf_counter() - started)
    return min(times), outcome


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--braces", type=int, nargs="+", default=[3000, 30000])
    args = parser.parse_args()
    print(f"{'reply':32} {'N':>7} {'chars':>8} {'time':>10}  outcome")
    for n in args.braces:
        for name, text in shapes(n).items():
            seconds, outcome = best(text)
            print(f"{name:32} {n:>7} {len(text):>8} {seconds * 1000:>7.1f} ms  {outcome}")


if __name__ == "__main__":
    main()
