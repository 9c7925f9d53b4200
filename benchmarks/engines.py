"""What a step costs on each engine, side by side in one run, against a plain asyncio DAG.

    uv run python benchmarks/engines.py [--sizes 10 100 500] [--dag 100]

1. CPU per step with no-op tools, for a chain (each step waits for the one before) and a
   fan-out (all independent), at each size: the default engine (inline), local Flyte (steps
   as tasks, tool calls as traces) and the limit, a plain ``asyncio`` task per step awaiting
   its dependencies. Ratios are to inline.
2. A 3-step offline request through ``run_request``, per engine (median CPU of many).
3. Makespan of a random DAG of sleeping steps on the default engine, against its critical
   path (the best any scheduler can do with enough parallelism).

Figures are CPU seconds of this process (``time.process_time``), the best of ``--repeat``
rounds, so other load on the machine weighs less.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import time

from agentplat import Agent, Plan
from agentplat._plugin.registry import get_registry
from agentplat._run.request import run_request


async def noop() -> int:
    """Do nothing."""
    return 0


async def sleep_for(seconds: float) -> float:
    """Sleep, then return how long."""
    await asyncio.sleep(seconds)
    return seconds


def chain(n: int) -> Plan:
    return Plan.parse({"steps": [{"agent": "bench", "tool": "noop", "args": {}, "dependencies": [i - 1] if i else []}
                                 for i in range(n)]})


def fan_out(n: int) -> Plan:
    return Plan.parse({"steps": [{"agent": "bench", "tool": "noop", "args": {}} for _ in range(n)]})


async def asyncio_dag(plan: Plan) -> None:
    """The limit: one task per step, started at once, each awaiting its dependencies."""
    tasks: list[asyncio.Task] = []

    async def step(deps: list[int]) -> int:
        for dep in deps:
            await tasks[dep]
        return await noop()

    for s in plan.steps:
        tasks.append(asyncio.ensure_future(step(list(s.dependencies))))
    await asyncio.gather(*tasks)


async def cpu(make, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.process_time()
        await make()
        best = min(best, time.process_time() - started)
    return best


async def per_step(sizes: list[int], repeat: int) -> None:
    print("CPU per step, no-op tools (ms; ratio to inline)")
    print(f"{'shape':<8} {'steps':>6} {'asyncio DAG':>16} {'inline':>9} {'flyte':>16}")
    for shape, make in (("chain", chain), ("fan-out", fan_out)):
        for n in sizes:
            plan = make(n)
            limit = await cpu(lambda: asyncio_dag(plan), repeat) / n
            inline = await cpu(lambda: run_request("b", plan=plan, model="offline", engine="inline"), repeat) / n
            flyte = await cpu(lambda: run_request("b", plan=plan, model="offline", engine="flyte"), repeat) / n
            print(f"{shape:<8} {n:>6} {limit * 1000:>8.3f} ({limit / inline:>4.2f}x) {inline * 1000:>9.3f} "
                  f"{flyte * 1000:>8.3f} ({flyte / inline:>4.1f}x)")


async def small_run(runs: int) -> None:
    request = "Calculate 10 times 5 and count words in 'Hello World', then multiply the word count by the calculation result"
    figures = {}
    for engine in ("inline", "flyte"):
        await run_request(request, model="offline", engine=engine)  # warm-up
        times = []
        for _ in range(runs):
            started = time.process_time()
            result = await run_request(request, model="offline", engine=engine)
            times.append(time.process_time() - started)
            assert result.answer == "100", result.answer
        figures[engine] = statistics.median(times)
    print(f"A 3-step offline request in process (median CPU of {runs}): inline {figures['inline'] * 1000:.2f} ms, "
          f"flyte {figures['flyte'] * 1000:.2f} ms ({figures['flyte'] / figures['inline']:.1f}x)")


async def makespan(n: int, seed: int, limit: int) -> None:
    rng = random.Random(seed)
    durations = [round(rng.choice([0.01, 0.02, 0.05, 0.1]) * rng.uniform(0.5, 1.5), 4) for _ in range(n)]
    steps, finish = [], []
    for i in range(n):
        window = list(range(max(0, i - 20), i))
        deps = sorted(rng.sample(window, k=min(len(window), rng.choice([0, 1, 1, 2]))))
        steps.append({"agent": "bench", "tool": "sleep_for", "args": {"seconds": durations[i]}, "dependencies": deps})
        finish.append(durations[i] + max((finish[d] for d in deps), default=0.0))
    plan, critical = Plan.parse({"steps": steps}), max(finish)
    bound = max(critical, sum(durations) / limit)
    print(f"Random DAG of {n} sleeping steps, at most {limit} at once: critical path {critical:.2f} s, "
          f"lower bound {bound:.2f} s")
    for engine in ("inline", "flyte"):
        started = time.perf_counter()
        result = await run_request("b", plan=plan, model="offline", engine=engine, max_parallel=limit)
        took = time.perf_counter() - started
        assert result.status == "succeeded", result.error
        print(f"  {engine:<7} {took:.2f} s  ({took / bound:.3f}x the lower bound)")


async def main(sizes: list[int], repeat: int, dag: int, runs: int) -> None:
    registry = get_registry()
    registry.agents["bench"] = Agent(name="bench", description="Benchmark tools.", tools=[noop, sleep_for])
    from agentplat._engines.flyte import ensure_initialised

    ensure_initialised()
    await per_step(sizes, repeat)
    await small_run(runs)
    await makespan(dag, 7, 64)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 100, 500])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--dag", type=int, default=100, help="steps of the random DAG")
    parser.add_argument("--runs", type=int, default=50, help="runs of the 3-step request per engine")
    args = parser.parse_args()
    asyncio.run(main(args.sizes, args.repeat, args.dag, args.runs))
