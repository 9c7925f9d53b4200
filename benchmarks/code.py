"""The code agent's costs, side by side in one run: the first code step of a run (the sandbox
starts), a warm ``run_python``, a tool call made from code, against a plain tool step.

    python benchmarks/code.py [--repeat 200]

Every figure is a median over ``--repeat`` runs on this machine (a one-off cold start: over
fewer, each a new run). Whole runs go through ``run_request`` on the inline engine with a given
plan, so planning is not measured; the sandbox's own figures are measured on the sandbox alone.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time

from agentplat import Plan, Step, run_request

from agentplat_code.limits import Limits
from agentplat_code.sandbox import Sandbox


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


async def cold_starts(count: int) -> list[float]:
    """A new sandbox (worker process, session) and its first run, as the first code step of a run pays."""
    out = []
    for _ in range(count):
        started = time.perf_counter()
        async with Sandbox(Limits()) as sandbox:
            await sandbox.run("1 + 1")
            out.append(time.perf_counter() - started)
    return out


async def warm(repeat: int) -> tuple[list[float], list[float]]:
    """``run_python`` in a warm session; and the same code making one tool call through a caller."""
    from agentplat.extend import tool_caller

    plain, calling = [], []
    async with Sandbox(Limits()) as sandbox:
        caller = tool_caller(max_calls=10 ** 9)
        await sandbox.run("x = 1")
        for _ in range(repeat):
            started = time.perf_counter()
            await sandbox.run("x + 1")
            plain.append(time.perf_counter() - started)
        for _ in range(repeat):
            started = time.perf_counter()
            await sandbox.run("call_tool('math.add', a=x, b=1)", caller=caller)
            calling.append(time.perf_counter() - started)
    return plain, calling


async def runs(repeat: int) -> dict[str, list[float]]:
    """Whole one-step runs (inline engine, not recorded): a plain tool step, a code step, a code
    step that calls the same tool."""
    plans = {
        "plain tool step  math.add(1, 2)": Step(agent="math", tool="add", args={"a": 1, "b": 2}),
        "code step        run_python('1 + 2')": Step(agent="code", tool="run_python", args={"code": "1 + 2"}),
        "code step        call_tool('math.add')": Step(agent="code", tool="run_python",
                                                      args={"code": "call_tool('math.add', a=1, b=2)"}),
    }
    out: dict[str, list[float]] = {name: [] for name in plans}
    for name, step in plans.items():
        for _ in range(repeat):
            started = time.perf_counter()
            result = await run_request("benchmark", plan=Plan(steps=[step]), engine="inline")
            out[name].append(time.perf_counter() - started)
            assert result.status == "succeeded", result.error
    return out


def main(repeat: int) -> None:
    cold = asyncio.run(cold_starts(max(5, repeat // 20)))
    plain, calling = asyncio.run(warm(repeat))
    whole = asyncio.run(runs(max(10, repeat // 4)))
    print(f"code agent, medians ({repeat} warm runs; {len(cold)} cold starts):")
    print(f"  cold start (worker + session + first run):   {median_ms(cold):7.2f} ms")
    print(f"  warm run_python('x + 1'):                    {median_ms(plain):7.3f} ms")
    print(f"  warm run_python with one call_tool:          {median_ms(calling):7.3f} ms"
          f"  (the call from code: {median_ms(calling) - median_ms(plain):.3f} ms)")
    print("whole one-step runs, inline engine (a code step's run starts its own sandbox):")
    base = median_ms(next(iter(whole.values())))
    for name, samples in whole.items():
        print(f"  {name:<40} {median_ms(samples):7.2f} ms  ({median_ms(samples) / base:.1f}x)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=200)
    main(parser.parse_args().repeat)
