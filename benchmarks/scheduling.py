"""How close the scheduler gets to the best possible makespan, and what a step costs.

Run: ``uv run python benchmarks/scheduling.py [--steps 300] [--seed 7]``
(``AGENTPLAT_FLYTE_RECORDS=1`` adds Flyte's local run records, to see their cost.)

1. Random DAGs of a few hundred steps with unequal durations (asyncio sleeps) run through
   the real scheduler, once inline and once as a local Flyte run (steps as tasks, tool
   calls as traces). Printed next to the lower bound max(critical path, work / limit)
   and to a simulated wave-barrier schedule (each wave waits for its slowest step).
2. Per-step overhead with no-op tools: a chain of N steps (pure latency) and N
   independent steps (throughput), inline and on Flyte.
"""

from __future__ import annotations

import argparse
import asyncio
import heapq
import random
import time

from agentplat import Agent, Plan
from agentplat._plugin.registry import get_registry
from agentplat._run.request import run_request


async def sleep_for(seconds: float) -> float:
    """Sleep, then return how long."""
    await asyncio.sleep(seconds)
    return seconds


async def noop() -> int:
    """Do nothing."""
    return 0


def random_plan(n: int, rng: random.Random) -> tuple[Plan, list[float]]:
    durations = [round(rng.choice([0.01, 0.02, 0.05, 0.1, 0.2]) * rng.uniform(0.5, 1.5), 4) for _ in range(n)]
    steps = []
    for i in range(n):
        window = list(range(max(0, i - 30), i))
        deps = sorted(rng.sample(window, k=min(len(window), rng.choice([0, 1, 1, 2, 3]))))
        steps.append({"agent": "bench", "tool": "sleep_for", "args": {"seconds": durations[i]}, "dependencies": deps})
    return Plan.parse({"steps": steps}), durations


def critical_path(plan: Plan, durations: list[float]) -> float:
    finish: list[float] = []
    for i, step in enumerate(plan.steps):
        finish.append(durations[i] + max((finish[d] for d in step.dependencies), default=0.0))
    return max(finish)


def wave_barrier(plan: Plan, durations: list[float], limit: int) -> float:
    """Makespan if each wave waited for the whole previous wave (list-scheduled within a wave)."""
    total = 0.0
    for wave in plan.waves():
        workers = [0.0] * min(limit, len(wave))
        for i in sorted(wave, key=lambda i: -durations[i]):
            heapq.heapreplace(workers, workers[0] + durations[i])
        total += max(workers)
    return total


async def timed(plan: Plan, engine: str, limit: int) -> float:
    start = time.perf_counter()
    result = await run_request("benchmark", plan=plan, model="offline", max_parallel=limit, engine=engine)
    elapsed = time.perf_counter() - start
    failed = [s.error for s in result.steps if s.status != "succeeded"]
    assert not failed, failed[:3]
    return elapsed


async def main(steps: int, seed: int, limit: int, overhead_steps: int = 200) -> None:
    registry = get_registry()
    registry.agents["bench"] = Agent(name="bench", description="Benchmark tools.", tools=[sleep_for, noop])
    rng = random.Random(seed)
    plan, durations = random_plan(steps, rng)
    cp = critical_path(plan, durations)
    bound = max(cp, sum(durations) / limit)
    waves = wave_barrier(plan, durations, limit)
    print(f"Random DAG: {steps} steps, {len(plan.waves())} waves, work {sum(durations):.2f}s, "
          f"critical path {cp:.2f}s, limit {limit} -> lower bound {bound:.2f}s")
    print(f"  wave-barrier schedule (simulated): {waves:.2f}s  ({waves / bound:.2f}x bound)")
    from agentplat._engines.flyte import ensure_initialised

    ensure_initialised()
    for engine in ("inline", "flyte"):
        took = await timed(plan, engine, limit)
        print(f"  {engine:<6} dependency-driven:           {took:.2f}s  ({took / bound:.2f}x bound)")

    n = overhead_steps
    chain = Plan.parse({"steps": [
        {"agent": "bench", "tool": "noop", "args": {}, "dependencies": [i - 1] if i else []} for i in range(n)
    ]})
    flat = Plan.parse({"steps": [{"agent": "bench", "tool": "noop", "args": {}} for _ in range(n)]})
    print(f"Per-step overhead, no-op tools, {n} steps:")
    for engine in ("inline", "flyte"):
        serial = await timed(chain, engine, limit)
        parallel = await timed(flat, engine, limit)
        print(f"  {engine:<6} chain: {serial / n * 1000:.2f} ms/step   independent: {parallel / n * 1000:.2f} ms/step")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--max-parallel", type=int, default=16)
    parser.add_argument("--overhead-steps", type=int, default=200)
    args = parser.parse_args()
    asyncio.run(main(args.steps, args.seed, args.max_parallel, args.overhead_steps))
