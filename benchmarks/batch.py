"""Batches of offline requests: requests a second, CPU per request and peak memory of
``agentplat batch`` with its defaults, next to the in-process limit, and what recording costs.

    uv run python benchmarks/batch.py [--requests 1000 10000]

- **in-process limit**: the same requests through ``run_request`` one after another in one
  process (inline engine, no store): the work itself.
- **recorded**: the same, each run recorded in a run store: recording overhead = recorded /
  limit.
- **agentplat batch**: the command as a user runs it (defaults: 4 workers, the default engine,
  runs recorded), in its own process and a throwaway ``AGENTPLAT_HOME``; wall time, the
  process's CPU and peak RSS. Also checks that no lease file is left behind.

Every request is varied (numbers and words change), so nothing is served from a cache.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TEMPLATES = [
    "Calculate {a} times {b} and then add {c}",
    "Count the words in 'alpha beta {a} gamma {b}'",
    "What is {a} plus {b}?",
    "Calculate {a} times {b} and count words in 'Hello World {c}', then multiply the word count by the calculation result",
    "What is {c} divided by {b}?",
]


def requests(n: int) -> list[str]:
    return [TEMPLATES[i % len(TEMPLATES)].format(a=i % 97 + 2, b=i % 13 + 1, c=i % 31 + 3) for i in range(n)]


async def in_process(items: list[str], store) -> float:
    """CPU seconds for ``items`` one after another in this process."""
    from agentplat._run.request import run_request

    started = time.process_time()
    for request in items:
        result = await run_request(request, model="offline", engine="inline", store=store)
        assert result.status == "succeeded", (request, result.error)
    return time.process_time() - started


def cli_batch(items: list[str]) -> dict[str, float]:
    home = Path(tempfile.mkdtemp(prefix="agentplat-batch-"))
    source = home / "requests.txt"
    source.write_text("\n".join(items) + "\n", encoding="utf-8")
    env = {**os.environ, "AGENTPLAT_HOME": str(home), "AGENTPLAT_MODEL": "offline"}
    for name in ("AGENTPLAT_ENGINE", "OPENAI_API_KEY", "OPENAI_BASE_URL", "AGENTPLAT_FLYTE_RECORDS"):
        env.pop(name, None)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "agentplat", "batch", str(source)], env=env,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise SystemExit(f"agentplat batch failed: {proc.stderr.strip()[-500:]}")
    lines = proc.stdout.count("\n")
    assert lines == len(items), (lines, len(items))
    locks = home / "locks"
    return {"wall": wall, "cpu": (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime),
            "rss_mb": after.ru_maxrss / 1024, "locks": len(list(locks.iterdir())) if locks.exists() else 0}


def main(sizes: list[int], limit_sample: int, rounds: int = 5) -> None:
    from agentplat._store.runs import RunStore

    sample = requests(limit_sample)
    asyncio.run(in_process(sample[:20], None))  # warm-up: imports, compiled patterns
    store = RunStore(Path(tempfile.mkdtemp(prefix="agentplat-batch-store-")) / "runs.db")
    plain, recorded = [], []
    for _ in range(rounds):  # side by side, alternating; the best of each (this machine is shared)
        plain.append(asyncio.run(in_process(sample, None)) / len(sample))
        recorded.append(asyncio.run(in_process(sample, store)) / len(sample))
    plain, recorded = min(plain), min(recorded)
    print(f"in-process limit (inline, no store):  {plain * 1000:.2f} ms CPU per request  "
          f"({1 / plain:.0f} requests/s on one core)")
    print(f"in-process, recorded in a run store:  {recorded * 1000:.2f} ms CPU per request  "
          f"(recording overhead {recorded / plain:.2f}x)")
    print(f"{'agentplat batch (defaults)':<28} {'req/s':>7} {'CPU/req':>9} {'vs limit':>9} {'peak RSS':>9} {'locks left':>10}")
    for n in sizes:
        got = cli_batch(requests(n))
        per = got["cpu"] / n
        print(f"{n:>6} requests{'':<14} {n / got['wall']:>7.0f} {per * 1000:>7.2f}ms {per / plain:>8.2f}x "
              f"{got['rss_mb']:>7.0f}MB {got['locks']:>10}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--limit-sample", type=int, default=300, help="requests timed in process")
    parser.add_argument("--rounds", type=int, default=5, help="alternating rounds of the in-process figures")
    args = parser.parse_args()
    main(args.requests, args.limit_sample, args.rounds)
