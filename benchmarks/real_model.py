"""A real model behind a real OpenAI-compatible server: how many requests it answers right.

    eval "$(../shared/tools/local-llm env)"     # or any OPENAI_BASE_URL / OPENAI_API_KEY / AGENTPLAT_MODEL
    uv run python benchmarks/real_model.py [--timeout 90] [--only N,M]

Every request runs through ``agentplat run --json`` in a fresh process, as a user would run
it, against the endpoint the environment names; each has a known answer. Printed per
request: verdict, wall time, LLM calls, tokens; then the totals: exact, wrong but reported
as succeeded (the worst outcome), clean failures (one line, non-zero exit), LLM calls,
prompt and completion tokens, the slowest wall time. Not a test: a real model is slow and
varies with its server; CI uses the scripted loopback server.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from decimal import Decimal

#: (request, the exact answer). Arithmetic of one to four steps, with and without dependencies.
REQUESTS = [
    ("Calculate 5 factorial", "120"),
    ("What is 17 plus 25?", "42"),
    ("Multiply 6 by 7", "42"),
    ("Divide 144 by 12", "12"),
    ("Multiply 6 by 7, then add 8 to the result", "50"),
    ("Add 12 and 30, then multiply the result by 2", "84"),
    ("What is the square root of 81 plus 10?", "19"),
    ("Calculate 2 to the power of 10, then subtract 24", "1000"),
    ("Add 3 and 4, multiply 5 by 6, then add the two results", "37"),
    ("Calculate 10 times 5 and 7 times 8, then add them together", "106"),
    ("What is 15 percent of 200?", "30"),
    ("Calculate 4 factorial, then divide it by 3, then add 2", "10"),
]


def same(answer: str | None, expected: str) -> bool:
    try:
        return answer is not None and Decimal(answer.strip()) == Decimal(expected)
    except Exception:  # noqa: BLE001 - a prose or multi-part answer is not the number
        return False


def run_one(request: str, timeout: float, env: dict[str, str]) -> dict:
    started = time.perf_counter()
    try:
        proc = subprocess.run([sys.executable, "-c", "from agentplat.cli import main; main()", "run", request,
                               "--json"], capture_output=True, text=True, timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        return {"verdict": "timeout", "seconds": time.perf_counter() - started, "calls": 0, "prompt": 0,
                "completion": 0, "detail": f"no answer within {timeout:g}s"}
    seconds = time.perf_counter() - started
    try:
        data = json.loads(proc.stdout)
    except ValueError:
        data = {}
    usage = data.get("usage") or {}
    error_lines = proc.stderr.strip().splitlines()
    return {"seconds": seconds, "code": proc.returncode, "answer": data.get("answer"), "status": data.get("status"),
            "calls": usage.get("llm_calls", 0), "prompt": usage.get("prompt_tokens", 0),
            "completion": usage.get("completion_tokens", 0),
            "detail": error_lines[-1] if error_lines else "", "clean": len(error_lines) == 1 and proc.returncode != 0}


def main(timeout: float, only: list[int] | None) -> None:
    env = {**os.environ, "AGENTPLAT_HOME": tempfile.mkdtemp(prefix="agentplat-real-"),
           "AGENTPLAT_FLYTE_RECORDS": "0"}
    if not env.get("OPENAI_BASE_URL"):
        sys.exit("set OPENAI_BASE_URL (and AGENTPLAT_MODEL) first, e.g. eval \"$(../shared/tools/local-llm env)\"")
    print(f"endpoint {env['OPENAI_BASE_URL']}  model {env.get('AGENTPLAT_MODEL', '(default)')}")
    totals = {"exact": 0, "wrong": 0, "clean": 0, "unclean": 0, "calls": 0, "prompt": 0, "completion": 0}
    slowest = 0.0
    chosen = [(i, r) for i, r in enumerate(REQUESTS) if only is None or i in only]
    for index, (request, expected) in chosen:
        out = run_one(request, timeout, env)
        slowest = max(slowest, out["seconds"])
        for key in ("calls", "prompt", "completion"):
            totals[key] += out[key]
        if out.get("code") == 0 and same(out.get("answer"), expected):
            verdict, key = "exact", "exact"
        elif out.get("code") == 0:
            verdict, key = "WRONG", "wrong"  # succeeded with another answer: the worst outcome
        elif out.get("clean"):
            verdict, key = "refused", "clean"
        else:
            verdict, key = out.get("verdict", "unclean"), "unclean"
        totals[key] += 1
        shown = out.get("answer") if verdict in ("exact", "WRONG") else out.get("detail", "")
        print(f"[{index:2}] {verdict:<8} {out['seconds']:6.1f}s  {out['calls']} calls  "
              f"{out['prompt']}+{out['completion']} tok  {request!r} -> {str(shown)[:120]}")
    n = len(chosen)
    print(f"\n{totals['exact']}/{n} exact, {totals['wrong']} wrong but succeeded, {totals['clean']} clean failures, "
          f"{totals['unclean']} unclean; {totals['calls']} LLM calls, {totals['prompt']} prompt + "
          f"{totals['completion']} completion tokens; slowest {slowest:.1f}s")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timeout", type=float, default=90.0, help="seconds one request may take")
    parser.add_argument("--only", help="request numbers to run, e.g. 0,4,9")
    args = parser.parse_args()
    main(args.timeout, [int(i) for i in args.only.split(",")] if args.only else None)
