"""What a huge tool result costs: peak memory, runs.db, Flyte's records, printed output.

Run: ``uv run python benchmarks/result_size.py [--megabytes 50] [--cap BYTES] [--src DIR]``

A throwaway plugin whose tool returns ``--megabytes`` MB of text is installed in a temporary
site directory; ``agentplat run`` (Flyte engine, Flyte's local records on) runs it in a fresh
process with its own ``AGENTPLAT_HOME`` and ``HOME``. Printed per setting: the process's peak
RSS, the bytes in runs.db (with its WAL), in Flyte's records (~/.flyte) and on stdout.
Settings: the default cap (1 MB), and a cap far above the result (what happens uncapped).
``--src`` runs another checkout's core (e.g. ``../main/core/src``) for a before/after figure.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

PLUGIN = '''
from agentplat import hookimpl, Agent, tool

@tool(examples=["make a blob of 3 megabytes"])
async def blob(megabytes: int) -> str:
    """Make a blob of text of the given number of megabytes."""
    return "x" * (megabytes * 1_000_000)

@hookimpl
def register_agents(register):
    register(Agent(name="blobs", description="Makes blobs of text.", tools=[blob]))
'''


def install_plugin(site: Path) -> None:
    site.mkdir(parents=True)
    (site / "agentplat_blobs.py").write_text(PLUGIN)
    info = site / "agentplat_blobs-0.1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: agentplat-blobs\nVersion: 0.1.0\n")
    (info / "entry_points.txt").write_text("[agentplat]\nagentplat_blobs = agentplat_blobs\n")
    (info / "RECORD").write_text("")


def size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) if folder.exists() else 0


def measure(megabytes: int, cap: str | None, src: str | None) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        install_plugin(root / "site")
        path = [str(root / "site")] + ([src] if src else []) + [os.environ.get("PYTHONPATH", "")]
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in path if p), "HOME": str(root),
               "AGENTPLAT_HOME": str(root / "agentplat"), "AGENTPLAT_MODEL": "offline",
               "AGENTPLAT_FLYTE_RECORDS": "1", "AGENTPLAT_ENGINE": "flyte"}
        env.pop("AGENTPLAT_MAX_RESULT_BYTES", None)
        if cap:
            env["AGENTPLAT_MAX_RESULT_BYTES"] = cap
        with open(root / "stdout", "wb") as out:
            proc = subprocess.Popen([sys.executable, "-c", "from agentplat.cli import main; main()", "run",
                                     f"make a blob of {megabytes} megabytes"], env=env, stdout=out,
                                    stderr=subprocess.PIPE)
            _, status, usage = os.wait4(proc.pid, 0)
        if os.waitstatus_to_exitcode(status) != 0:
            raise SystemExit(f"the run failed: {proc.stderr.read().decode()[-500:]}")
        return {"rss": usage.ru_maxrss / 1024, "runs_db": size(root / "agentplat") / 1e6,
                "flyte": size(root / ".flyte") / 1e6, "stdout": (root / "stdout").stat().st_size / 1e6}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=int, default=50)
    parser.add_argument("--cap", help="AGENTPLAT_MAX_RESULT_BYTES for the capped setting (default: its default)")
    parser.add_argument("--src", help="put this core source folder first on PYTHONPATH (another checkout)")
    args = parser.parse_args()
    settings = [(f"cap {args.cap or 'default'}", args.cap), ("uncapped", str(10**12))]
    print(f"{args.megabytes} MB tool result{f' ({args.src})' if args.src else ''}")
    print(f"{'setting':<16} {'peak RSS MiB':>12} {'runs.db MB':>10} {'Flyte MB':>9} {'stdout MB':>9}")
    for label, cap in settings:
        m = measure(args.megabytes, cap, args.src)
        print(f"{label:<16} {m['rss']:>12.0f} {m['runs_db']:>10.2f} {m['flyte']:>9.2f} {m['stdout']:>9.2f}")


if __name__ == "__main__":
    main()
