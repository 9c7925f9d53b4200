"""Start-up: how long the listing, planning and running commands take in a fresh process,
and which heavy libraries each one imports (``openai`` ~0.8 s, ``flyte`` ~0.2 s here).

    uv run python benchmarks/startup.py [--runs 7]

Each command runs offline (``AGENTPLAT_MODEL=offline``) in its own interpreter, in a
throwaway ``AGENTPLAT_HOME``; the figure is the median wall time of ``--runs`` runs after
one warm-up, and its ratio to ``python -c pass``. (``install.py`` compiles everything to
bytecode, so ``PYTHONDONTWRITEBYTECODE`` costs a command nothing.)
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

COMMANDS = [
    ("--help", ["--help"]),
    ("agents", ["agents"]),
    ("plan (offline)", ["plan", "Calculate 10 times 5 and then add 3"]),
    ("run (offline)", ["run", "Calculate 10 times 5 and then add 3"]),
    ("run (offline, Flyte)", ["run", "--engine", "flyte", "Calculate 10 times 5 and then add 3"]),
]
PROBE = ("import sys, atexit\n"
         "atexit.register(lambda: print('HEAVY', *[m for m in ('openai', 'flyte') if m in sys.modules], "
         "file=sys.stderr))\n"
         "from agentplat.cli import main\nmain()")


def timed(args: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", "from agentplat.cli import main; main()", *args], env=env,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - started


def heavy(args: list[str], env: dict[str, str]) -> str:
    proc = subprocess.run([sys.executable, "-c", PROBE, *args], env=env, capture_output=True, text=True)
    line = next((l for l in proc.stderr.splitlines() if l.startswith("HEAVY")), "HEAVY")
    return ", ".join(line.split()[1:]) or "neither"


def floor(env: dict[str, str], runs: int) -> float:
    """``python -c pass``: what any command costs before it does anything."""
    times = []
    for _ in range(runs + 1):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], env=env, check=True)
        times.append(time.perf_counter() - started)
    return statistics.median(times[1:])


def main(runs: int) -> None:
    home = tempfile.mkdtemp(prefix="agentplat-startup-")
    base = {**os.environ, "AGENTPLAT_HOME": home, "AGENTPLAT_MODEL": "offline", "AGENTPLAT_FLYTE_RECORDS": "0"}
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "AGENTPLAT_ENGINE"):
        base.pop(name, None)
    least = floor(base, runs)
    print(f"{'python -c pass':<24} {least:>7.3f}s")
    print(f"{'command':<24} {'median':>8} {'min':>8} {'x pass':>7}  imports openai/flyte")
    for label, args in COMMANDS:
        timed(args, base)  # warm-up: caches, compiled files
        times = [timed(args, base) for _ in range(runs)]
        middle = statistics.median(times)
        print(f"{label:<24} {middle:>7.3f}s {min(times):>7.3f}s {middle / least:>6.1f}x  {heavy(args, base)}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    main(parser.parse_args().runs)
