"""Helpers for the core's tests: install throwaway plugin distributions.

(The real CLI in a fresh process is ``agentplat.testing.run_cli``.)
"""

from __future__ import annotations

import textwrap
from pathlib import Path


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


