"""``agentplat ARGS`` in a fresh Python process, as a user runs it, with a private data folder.

Why: an end-to-end test of a command (or of a plugin through the command line) must not touch
the user's runs, config or plugin records, nor depend on their API key; and it should not
have to write the "start a subprocess with the right environment" dance again.

``run_cli`` picks ``AGENTPLAT_HOME`` in this order:

1. ``home=`` (a folder; created if missing), or ``AGENTPLAT_HOME`` in ``env=``;
2. ``AGENTPLAT_HOME`` already set in this process's environment (a fixture that does
   ``monkeypatch.setenv("AGENTPLAT_HOME", ...)`` and reads the store from the same folder
   afterwards keeps working unchanged);
3. otherwise a new temporary folder, deleted when the command ends (nothing can leak, and
   nothing is kept: pass ``home=`` to run several commands against the same data).

``OPENAI_API_KEY`` and ``OPENAI_BASE_URL`` are dropped unless ``env=`` passes them, so a
developer's real key never reaches a test's command; ``drop=`` names more variables to leave
out (``env=`` wins over ``drop=``). The result's ``home`` is the folder the command used.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["CliResult", "run_cli", "cli_command"]

#: Never passed to a test's command unless the test passes them itself.
DROPPED = ("OPENAI_API_KEY", "OPENAI_BASE_URL")


@dataclass
class CliResult:
    """What ``agentplat ARGS`` did: exit code, output, and the ``AGENTPLAT_HOME`` it used."""

    code: int
    stdout: str
    stderr: str
    home: Path | None = None

    def json(self) -> Any:
        """``stdout`` parsed as JSON (for ``--json`` commands)."""
        return json.loads(self.stdout)


def cli_command() -> list[str]:
    """The argv prefix that runs agentplat's CLI with this Python (add the arguments)."""
    return [sys.executable, "-c", "from agentplat.cli import main; main()"]


def run_cli(
    *args: str,
    env: Mapping[str, str] | None = None,
    home: str | os.PathLike[str] | None = None,
    drop: Iterable[str] = (),
    cwd: str | os.PathLike[str] | None = None,
    timeout: float = 120,
    input: str | None = None,
) -> CliResult:
    """Run ``agentplat ARGS`` in a fresh interpreter and return its :class:`CliResult`.

    The command sees this process's environment, updated with ``env``, without
    ``OPENAI_API_KEY``/``OPENAI_BASE_URL`` (unless ``env`` has them) and without the names in
    ``drop`` (unless ``env`` has them). ``AGENTPLAT_HOME`` comes from ``home``, else ``env``,
    else this process's environment, else a temporary folder removed afterwards.
    ``input`` is sent on stdin; ``timeout`` (seconds) raises ``subprocess.TimeoutExpired``.
    """
    given = dict(env or {})
    full = dict(os.environ)
    for name in (*DROPPED, *drop):
        if name not in given:
            full.pop(name, None)
    full.update(given)
    scratch: str | None = None
    if home is not None:
        Path(home).mkdir(parents=True, exist_ok=True)
        full["AGENTPLAT_HOME"] = str(home)
    elif not full.get("AGENTPLAT_HOME"):
        scratch = tempfile.mkdtemp(prefix="agentplat-home-")
        full["AGENTPLAT_HOME"] = scratch
    used = Path(full["AGENTPLAT_HOME"])
    try:
        proc = subprocess.run([*cli_command(), *args], capture_output=True, text=True, env=full, cwd=cwd,
                              timeout=timeout, input=input)
    finally:
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)
    return CliResult(proc.returncode, proc.stdout, proc.stderr, None if scratch else used)

