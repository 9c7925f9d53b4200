"""A real model behind a real OpenAI-compatible server: how many requests it answers right.

    eval "$(../shared/tools/local-llm env)"     # or any OPENAI_BASE_URL / OPENAI_API_KEY / AGENTPLAT_MODEL
    uv run python benchmarks/real_model.py [--timeout 90] [--only N,M] [--category NAME] [--json-out FILE]
                                           [--reflect auto|always|never]

Every request runs through ``agentplat run --json`` in a fresh process, as a user would run
it, against the endpoint the environment names; each has a known answer. The requests come in
categories (arithmetic, text, units, two_agents, beyond_offline, code, adaptive). Printed per request: verdict, wall time, LLM
calls, tokens, the planner that planned (when ``run --json`` names it), the answer or the error;
then per category and overall: exact, wrong (succeeded with another answer: the worst outcome),
refused (a clean failure: one line, non-zero exit), other (timeout, crash), LLM calls, prompt
and completion tokens, p50 and p95 wall time. ``--json-out`` writes every request's result, plan
included, for comparing two runs. Not a test: a real model is slow and varies with its server;
CI uses the scripted loopback server.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from decimal import Decimal

#: (category, request, the exact answer). Every answer was worked out by hand.
REQUESTS = [
    # Arithmetic of one to four steps, with and without dependencies.
    ("arithmetic", "Calculate 5 factorial", "120"),
    ("arithmetic", "What is 17 plus 25?", "42"),
    ("arithmetic", "Multiply 6 by 7", "42"),
    ("arithmetic", "Divide 144 by 12", "12"),
    ("arithmetic", "Multiply 6 by 7, then add 8 to the result", "50"),
    ("arithmetic", "Add 12 and 30, then multiply the result by 2", "84"),
    ("arithmetic", "What is the square root of 81 plus 10?", "19"),
    ("arithmetic", "Calculate 2 to the power of 10, then subtract 24", "1000"),
    ("arithmetic", "Add 3 and 4, multiply 5 by 6, then add the two results", "37"),
    ("arithmetic", "Calculate 10 times 5 and 7 times 8, then add them together", "106"),
    ("arithmetic", "What is 15 percent of 200?", "30"),
    ("arithmetic", "Calculate 4 factorial, then divide it by 3, then add 2", "10"),
    ("arithmetic", "What is 35% of 200?", "70"),
    ("arithmetic", "What is 5% of 200, plus 3?", "13"),
    ("arithmetic", "Subtract 5 from the product of 3 and 4", "7"),
    ("arithmetic", "What's 5 more than twice 8?", "21"),
    ("arithmetic", "Multiply 3 by 4 and then by 5", "60"),
    ("arithmetic", "Compute 17 * 23 and 4 + 5, then multiply those two results", "3519"),
    ("arithmetic", "What is 50% of 30% of 200?", "30"),
    ("arithmetic", "If I have 12 apples and eat 5, how many are left?", "7"),
    # The text agent's tools; a text answer must match exactly.
    ("text", "Count the words in 'the quick brown fox jumps'", "5"),
    ("text", "Reverse 'hello world'", "dlrow olleh"),
    ("text", "Uppercase 'agent platform'", "AGENT PLATFORM"),
    ("text", "How many characters are in 'hello world'?", "11"),
    ("text", "Count the vowels in 'education'", "5"),
    ("text", "Reverse the words in 'one two three'", "three two one"),
    # The math agent's convert tool, which rounds to 10 decimal places (compared with a tolerance).
    ("units", "Convert 26.2 miles to km", "42.1648128"),
    ("units", "Convert 212 fahrenheit to celsius", "100"),
    ("units", "How many minutes in 3 hours?", "180"),
    ("units", "Convert 5 kg to pounds", "11.0231131092"),  # 5 / 0.45359237
    ("units", "How many seconds are in a day?", "86400"),
    ("units", "Convert 100 F to C", "37.7777777778"),  # 68 * 5 / 9
    # A text step whose result a math step uses.
    ("two_agents", "Calculate 10 times 5 and count words in 'Hello World', then multiply the word count by the "
                   "calculation result", "100"),
    ("two_agents", "Count the words in 'a b c d' and multiply that by 6", "24"),
    ("two_agents", "Count the letters in 'banana' and add 10", "16"),
    ("two_agents", "Count the characters in 'hello' and multiply by 3", "15"),
    ("two_agents", "Count the words in 'one two three' and calculate 5 factorial, then add the two results", "123"),
    # Phrasings the offline planner refuses today: with deterministic-first on, the model plans these.
    ("beyond_offline", "What do you get if you multiply 9 by 11?", "99"),
    ("beyond_offline", "Start with 100, subtract 30, then divide by 7", "10"),
    ("beyond_offline", "Multiply 5 by 5, then take the square root", "5"),
    ("beyond_offline", "Split 24 cookies among 6 friends. How many does each get?", "4"),
    ("beyond_offline", "There are 5 bags with 8 marbles each. How many marbles in total?", "40"),
    ("beyond_offline", "Add 10 and 5, multiply 2 by 3, then subtract the second result from the first", "9"),
    # Work no tool does: a sort, a count over a range, a loop, dates; the code agent's (or refused).
    ("code", "Run `sorted([3, 1, 2])`", "[1, 2, 3]"),
    ("code", "Sort the numbers 42, 7, 19 and 3 from smallest to largest", "[3, 7, 19, 42]"),
    ("code", "What is the sum of all even numbers from 1 to 100?", "2550"),
    ("code", "What is the sum of the squares of the numbers from 1 to 10?", "385"),
    ("code", "What is the sum of all multiples of 3 from 1 to 30?", "165"),
    ("code", "How many numbers between 1 and 50 are divisible by 7?", "7"),
    ("code", "How many days are there from 2026-01-01 to 2026-03-01?", "59"),
    ("code", "Write Python that finds the largest of 12, 45, 7 and 33", "45"),
    ("code", "Use code to reverse the list [1, 2, 3, 4]", "[4, 3, 2, 1]"),
    # A result decides the next step: a condition or a choice (the joiner's; refused without it).
    ("adaptive", "Add 45 and 38. If the sum is even, divide it by 2; otherwise multiply it by 3", "249"),
    ("adaptive", "Compute 12 times 15; if it is over 100, subtract 100, otherwise add 100", "80"),
    ("adaptive", "Compute 4 times 15; if it is over 100, subtract 100, otherwise add 100", "160"),
    ("adaptive", "Multiply 7 by 8 and 9 by 6, then add 5 to the larger of the two", "61"),
    ("adaptive", "Calculate 6 factorial. If it is more than 500, divide it by 10, otherwise double it", "72"),
    ("adaptive", "Which is bigger, 3 to the power of 5 or 250? Subtract 50 from the bigger one", "200"),
]
CATEGORIES = list(dict.fromkeys(category for category, _, _ in REQUESTS))
#: Relative tolerance per category, where the tool rounds its result; elsewhere numbers compare exactly.
TOLERANCE = {"units": Decimal("1e-6")}


def same(answer: str | None, expected: str, tolerance: Decimal | None = None) -> bool:
    """A number compares as a number (``42.0`` is ``42``), any other answer as the exact text."""
    if answer is None:
        return False
    try:
        got, want = Decimal(answer.strip()), Decimal(expected)
    except Exception:  # noqa: BLE001 - a prose or text answer compares as text
        return answer.strip() == expected
    if not got.is_finite():
        return False
    return got == want if tolerance is None else abs(got - want) <= tolerance * max(abs(want), Decimal(1))


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (no interpolation: with a few dozen runs it is one of the measured times)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def run_one(request: str, timeout: float, env: dict[str, str]) -> dict:
    started = time.perf_counter()
    try:
        proc = subprocess.run([sys.executable, "-c", "from agentplat.cli import main; main()", "run", request,
                               "--json"], capture_output=True, text=True, timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        return {"outcome": "timeout", "seconds": time.perf_counter() - started, "calls": 0, "prompt": 0,
                "completion": 0, "detail": f"no answer within {timeout:g}s"}
    seconds = time.perf_counter() - started
    try:
        data = json.loads(proc.stdout)
    except ValueError:
        data = {}
    if not isinstance(data, dict):
        data = {}
    usage = data.get("usage") or {}
    error_lines = proc.stderr.strip().splitlines()
    steps = (data.get("plan") or {}).get("steps") or []
    return {"seconds": seconds, "code": proc.returncode, "answer": data.get("answer"), "status": data.get("status"),
            "planner": data.get("planner"), "model": data.get("model"), "rounds": data.get("rounds"),
            "decisions": [d.get("action") for d in data.get("decisions") or []],
            "plan": [{"agent": s.get("agent"), "tool": s.get("tool"), "args": s.get("args"),
                      "dependencies": s.get("dependencies")} for s in steps if isinstance(s, dict)],
            "calls": usage.get("llm_calls", 0) or 0, "prompt": usage.get("prompt_tokens", 0) or 0,
            "completion": usage.get("completion_tokens", 0) or 0,
            "detail": error_lines[-1] if error_lines else "", "clean": len(error_lines) == 1 and proc.returncode != 0,
            "outcome": "crash"}


def verdict(out: dict, expected: str, tolerance: Decimal | None) -> str:
    """exact | wrong (exit 0 with another answer: the worst) | refused (clean failure) | other."""
    if out.get("code") == 0:
        return "exact" if same(out.get("answer"), expected, tolerance) else "wrong"
    if out.get("clean"):
        return "refused"
    return "other"


def summary(label: str, results: list[dict]) -> str:
    count = {key: sum(1 for r in results if r["verdict"] == key) for key in ("exact", "wrong", "refused", "other")}
    times = [r["seconds"] for r in results]
    return (f"{label:<12} {len(results):>3} {count['exact']:>5} {count['wrong']:>5} {count['refused']:>7} "
            f"{count['other']:>5} {sum(r['calls'] for r in results):>6} {sum(r['prompt'] for r in results):>8} "
            f"{sum(r['completion'] for r in results):>10} {percentile(times, 50):>6.1f}s {percentile(times, 95):>6.1f}s")


def write_json(path: str, env: dict[str, str], timeout: float, results: list[dict]) -> None:
    with open(path, "w", encoding="utf-8") as handle:
        json.dump({"endpoint": env["OPENAI_BASE_URL"], "model": env.get("AGENTPLAT_MODEL"), "timeout": timeout,
                   "results": results}, handle, indent=2, default=str)
        handle.write("\n")


def main(timeout: float, only: list[int] | None, category: str | None, json_out: str | None,
         reflect: str | None = None) -> None:
    env = {**os.environ, "AGENTPLAT_HOME": tempfile.mkdtemp(prefix="agentplat-real-"),
           "AGENTPLAT_FLYTE_RECORDS": "0"}
    if reflect:  # when the joiner is asked: "never" measures the same requests without it
        env["AGENTPLAT_REFLECT"] = reflect
    if not env.get("OPENAI_BASE_URL"):
        sys.exit("set OPENAI_BASE_URL (and AGENTPLAT_MODEL) first, e.g. eval \"$(../shared/tools/local-llm env)\"")
    print(f"endpoint {env['OPENAI_BASE_URL']}  model {env.get('AGENTPLAT_MODEL', '(default)')}  "
          f"joiner {env.get('AGENTPLAT_REFLECT', 'auto')}")
    chosen = [(i, c, r, e) for i, (c, r, e) in enumerate(REQUESTS)
              if (only is None or i in only) and (category is None or c == category)]
    results: list[dict] = []
    for index, cat, request, expected in chosen:
        out = run_one(request, timeout, env)
        kind = verdict(out, expected, TOLERANCE.get(cat))
        if kind == "other":
            kind_shown = out["outcome"]
        else:
            kind_shown = "WRONG" if kind == "wrong" else kind
        result = {"index": index, "category": cat, "request": request, "expected": expected, "verdict": kind,
                  **{k: v for k, v in out.items() if k not in ("clean", "outcome")}, "outcome": kind_shown}
        results.append(result)
        if json_out:  # rewritten after every request, so a run cut short keeps what it measured
            write_json(json_out, env, timeout, results)
        shown = out.get("answer") if kind in ("exact", "wrong") else out.get("detail", "")
        print(f"[{index:2}] {cat:<10} {kind_shown:<8} {out['seconds']:6.1f}s  {out['calls']} calls  "
              f"{out['prompt']}+{out['completion']} tok  {out.get('planner') or '-':<10} {request!r} -> "
              f"{str(shown)[:120]}", flush=True)
    print(f"\n{'category':<12} {'n':>3} {'exact':>5} {'wrong':>5} {'refused':>7} {'other':>5} {'calls':>6} "
          f"{'prompt':>8} {'completion':>10} {'p50':>7} {'p95':>7}")
    for cat in CATEGORIES:
        in_category = [r for r in results if r["category"] == cat]
        if in_category:
            print(summary(cat, in_category))
    print(summary("overall", results))
    planners = sorted({r.get("planner") or "-" for r in results})
    print(f"planner: {', '.join(planners)}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timeout", type=float, default=90.0, help="seconds one request may take")
    parser.add_argument("--only", help="request numbers to run, e.g. 0,4,9")
    parser.add_argument("--category", choices=CATEGORIES, help="run only the requests of this category")
    parser.add_argument("--json-out", metavar="FILE", help="write every request's result (plan included) as JSON")
    parser.add_argument("--reflect", choices=["auto", "always", "never"],
                        help="when the joiner is asked (AGENTPLAT_REFLECT); never: the joiner off")
    args = parser.parse_args()
    main(args.timeout, [int(i) for i in args.only.split(",")] if args.only else None, args.category, args.json_out,
         args.reflect)
