"""Offline planning time as requests grow: it must stay linear in the number of clauses.

    uv run python benchmarks/offline_planning.py

Requests of 10, 100 and 1000 clauses, served ("1 plus 2 and 3 plus 4 and ...") and not
served by any agent ("1 and 1 and 1 ..."), planned with the embedded offline model and the
installed plugins; the figure is the best of three runs.
"""

from __future__ import annotations

import time

from agentplat import get_registry
from agentplat._planners.offline.planner import OfflinePlanner


def best(planner: OfflinePlanner, request: str) -> tuple[float, str]:
    times, outcome = [], ""
    for _ in range(3):
        started = time.perf_counter()
        try:
            outcome = f"{len(planner.plan(request).steps)} steps"
        except Exception as exc:  # noqa: BLE001 - a refusal is an outcome to time too
            outcome = f"refused ({type(exc).__name__})"
        times.append(time.perf_counter() - started)
    return min(times), outcome


def main() -> None:
    planner = OfflinePlanner(get_registry())
    print(f"{'clauses':>8}  {'served':>22}  {'not served':>26}")
    for n in (10, 100, 1000):
        served = best(planner, " and ".join(f"{i} plus {i + 1}" for i in range(n)))
        unserved = best(planner, " and ".join(["1"] * n))
        print(f"{n:>8}  {served[0] * 1000:>8.1f} ms {served[1]:>11}  {unserved[0] * 1000:>8.1f} ms {unserved[1]:>15}")


if __name__ == "__main__":
    main()
