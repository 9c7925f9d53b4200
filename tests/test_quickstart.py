"""The README's Quickstart as a newcomer meets it, from a fresh copy of the repository in a
clean shell, on an externally managed system Python (PEP 668, as Debian 12 and Ubuntu
23.04+ ship it) and on one that is not.

SLOW (~30-60 s per Python): nothing is faked. Each run starts ``env -i`` with only ``HOME``
(a new, empty folder: no uv or pip cache, no agentplat data) and ``PATH`` (the Python's own
folder, /usr/bin, /bin) and types what the README and the commands' own output say:

    <the Quickstart's first line, read from README.md>
    agentplat runs; agentplat plan "..."; agentplat --help
    agentplat new-plugin hello, then its printed "Next:" lines
    <the Quickstart's first line again>       the plugin survives it
    agentplat uninstall agentplat-hello       twice: the second is one error line
    <the Quickstart's second line>            resolves to the .venv's pytest (run on one file)
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SYSTEM_PYTHON = "/usr/bin/python3"


def quickstart_lines() -> list[str]:
    """The two fenced code blocks of README's ``## Quickstart``, each one line."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Quickstart\n", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"^```[a-z]*\n(.*?)^```$", section, flags=re.S | re.M)
    return [block.strip() for block in blocks]


def test_the_quickstart_is_two_one_line_blocks_and_ci_runs_the_second():
    lines = quickstart_lines()
    assert len(lines) == 2 and all("\n" not in line for line in lines), lines
    assert "agentplat run " in lines[0]
    assert "--break-system-packages" not in lines[0]
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert lines[1] in ci, f".ci/run must run the Quickstart's test line {lines[1]!r} as it is"


def probe(python: str) -> tuple[bool, bool, tuple[int, int]]:
    """(externally managed, has pip, version) of ``python``."""
    code = ("import os, sys, sysconfig, importlib.util\n"
            "marker = os.path.join(sysconfig.get_path('stdlib'), 'EXTERNALLY-MANAGED')\n"
            "print(os.path.exists(marker) and sys.prefix == sys.base_prefix,"
            " importlib.util.find_spec('pip') is not None, *sys.version_info[:2])")
    out = subprocess.run([python, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    return out[0] == "True", out[1] == "True", (int(out[2]), int(out[3]))


def managed_python(tmp_path: Path) -> str:
    if not Path(SYSTEM_PYTHON).exists():
        pytest.skip(f"no {SYSTEM_PYTHON} on this machine: the externally managed case is not checked")
    managed, pip, version = probe(SYSTEM_PYTHON)
    if not (managed and pip and version >= (3, 11)):
        pytest.skip(f"{SYSTEM_PYTHON} here is not an externally managed Python 3.11+ with pip "
                    f"(managed={managed}, pip={pip}, version={version})")
    return SYSTEM_PYTHON


def unmanaged_python(tmp_path: Path) -> str:
    """The Python this suite's venv was made from (CI: pyenv's), else a venv with pip made by
    the system Python (a venv is never externally managed)."""
    base = Path(getattr(sys, "_base_executable", "") or sys.executable).parent / "python3"
    if base.exists():
        managed, pip, version = probe(str(base))
        if not managed and pip and version >= (3, 11):
            return str(base)
    venv = tmp_path / "python"
    made = subprocess.run([SYSTEM_PYTHON, "-m", "venv", str(venv)], capture_output=True, text=True)
    if made.returncode != 0:
        pytest.skip(f"no Python 3.11+ with pip that is not externally managed here: {made.stderr.strip()}")
    return str(venv / "bin" / "python3")


@dataclass
class Shell:
    """``env -i`` with only HOME and PATH, in the copy of the repository."""

    python: str
    home: Path
    clone: Path

    def __call__(self, script: str, timeout: float = 600) -> subprocess.CompletedProcess:
        env = {"HOME": str(self.home), "PATH": f"{Path(self.python).parent}:/usr/bin:/bin"}
        argv = ["env", "-i", *(f"{k}={v}" for k, v in env.items()), "bash", "-c", f"set -e\n{script}"]
        return subprocess.run(argv, cwd=self.clone, capture_output=True, text=True, timeout=timeout)


def fresh_copy(target: Path) -> Path:
    """What a clone of this repository has (plus uncommitted edits, so the working tree is what
    is tested): the files git tracks or would track, without .venv and other ignored ones."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=REPO,
                            capture_output=True, text=True, check=True).stdout.split("\0")
    for name in filter(None, listed):
        source = REPO / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    return target


def must(done: subprocess.CompletedProcess) -> str:
    assert done.returncode == 0, f"exit {done.returncode}\nstdout:\n{done.stdout}\nstderr:\n{done.stderr}"
    return done.stdout


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["externally managed", "not externally managed"])
def test_the_quickstart_from_a_fresh_copy_in_a_clean_shell(kind, tmp_path):
    python = managed_python(tmp_path) if kind == "externally managed" else unmanaged_python(tmp_path)
    install_line, test_line = quickstart_lines()
    home = tmp_path / "newcomer"  # their HOME: empty
    home.mkdir()
    shell = Shell(python, home, fresh_copy(tmp_path / "agentplat"))

    if kind == "externally managed":  # what the old Quickstart ran into
        refused = shell("python3 -m pip install uv")
        assert refused.returncode != 0 and "externally-managed-environment" in refused.stderr

    # the first line, then the README's commands as written, in the same shell
    first = must(shell(f"""{install_line}
agentplat runs
agentplat plan "Add 3 and 4, multiply 6 by 7, then add the two results"
agentplat --help
agentplat new-plugin hello
"""))
    assert "Answer: 106" in first
    assert re.search(r"^[0-9a-f]{12} .* succeeded +Calculate 10 times 5", first, flags=re.M)  # agentplat runs
    assert "[2] math.add(a=$0, b=$1)  (after 0, 1)" in first  # agentplat plan
    assert re.search(r"^Commands added by plugins:\n  mcp .*\n(?: .*\n)*?  report ", first, flags=re.M)  # --help

    # new-plugin's "Next:" lines as printed, in a new shell that activates .venv as the README says
    steps = first.split("Next:\n", 1)[1].split("\nThen ", 1)[0].splitlines()
    steps = [re.sub(r"\s+# .*$", "", step).strip() for step in steps]
    assert steps[:2] == ["cd agentplat-hello", "agentplat install -e ."] and steps[-1] == "pytest"
    second = must(shell(". .venv/bin/activate\n" + "\n".join(steps)))
    assert "Added agentplat-hello 0.1.0" in second and "Answer: 4" in second
    assert re.search(r"\b7 passed\b", second)

    # the Quickstart again: the plugin is installed again; then uninstall, twice
    third = shell(f"""{install_line}
agentplat agents
agentplat uninstall agentplat-hello
agentplat uninstall agentplat-hello
""")
    assert third.returncode == 1, third.stdout + third.stderr
    assert "hello  (agentplat-hello)" in third.stdout
    assert "Removed agentplat-hello 0.1.0 (agents: hello)" in third.stdout
    assert third.stderr.strip().splitlines()[-1].startswith("agentplat: error: agentplat-hello is not installed")

    # the second line, in the first line's shell, is the .venv's pytest (run here on one file)
    fourth = must(shell(f"""{install_line}
command -v {test_line}
{test_line} -q -p no:cacheprovider tests/test_architecture.py
"""))
    assert str(shell.clone / ".venv" / "bin" / test_line) in fourth.splitlines()
    assert re.search(r"\b\d+ passed\b", fourth)
