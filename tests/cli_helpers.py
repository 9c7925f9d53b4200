"""Helpers for tests: run the real CLI in a subprocess, and install throwaway plugin distributions."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path



@dataclass
class CliResult:
    code: int
    stdout: str
    stderr: str

    def json(self):
        return json.loads(self.stdout)


def run_cli(*args: str, env: dict[str, str] | None = None, timeout: float = 120, input: str | None = None) -> CliResult:
    """``agentplat ARGS`` in a fresh interpreter, as a user would run it."""
    full_env = {**os.environ, **(env or {})}
    full_env.pop("OPENAI_API_KEY", None) if "OPENAI_API_KEY" not in (env or {}) else None
    full_env.pop("OPENAI_BASE_URL", None) if "OPENAI_BASE_URL" not in (env or {}) else None
    proc = subprocess.run(
        [sys.executable, "-c", "from agentplat.cli import main; main()", *args],
        capture_output=True, text=True, env=full_env, timeout=timeout, input=input,
    )
    return CliResult(proc.returncode, proc.stdout, proc.stderr)


def install_fake_distribution(
    site: Path,
    dist: str,
    module: str,
    code: str,
    *,
    version: str = "0.1.0",
    requires: list[str] | None = None,
    entry_point: str | None = None,
) -> Path:
    """Write a distribution into ``site`` the way an installer lays it out (package +
    ``.dist-info`` with METADATA and entry_points.txt), so ``importlib.metadata`` finds it
    through ``sys.path`` exactly like a pip-installed plugin."""
    site.mkdir(parents=True, exist_ok=True)
    (site / f"{module}.py").write_text(textwrap.dedent(code))
    info = site / f"{dist.replace('-', '_')}-{version}.dist-info"
    info.mkdir(exist_ok=True)
    meta = ["Metadata-Version: 2.1", f"Name: {dist}", f"Version: {version}"]
    meta += [f"Requires-Dist: {r}" for r in (requires or [])]
    (info / "METADATA").write_text("\n".join(meta) + "\n")
    name = entry_point or module
    (info / "entry_points.txt").write_text(f"[agentplat]\n{name} = {module}\n")
    (info / "RECORD").write_text("")
    return site


