"""The promise `pip install agentplat-weather` keeps: every distribution of the workspace
builds as an sdist and a wheel with complete metadata, a fresh environment installs the core
and a plugin from the built files alone (their dependencies from the package index), the
plugin is found and removed like any pip package, and a name the index does not have is
said so in one line."""

from __future__ import annotations

import email
import os
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

from agentplat._authoring.installer import _failure
from agentplat.testing import run_cli

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
PROJECTS = [ROOT / "core", *sorted(p for p in (ROOT / "plugins").iterdir() if (p / "pyproject.toml").is_file())]


@pytest.fixture(scope="module")
def dist(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    built = subprocess.run(["bash", str(ROOT / "scripts" / "build-dist"), str(out)], env=env, cwd=ROOT,
                           capture_output=True, text=True, timeout=600)
    assert built.returncode == 0, built.stdout + built.stderr  # twine check --strict passed too
    return out


def metadata(wheel: Path) -> email.message.Message:
    with zipfile.ZipFile(wheel) as archive:
        name = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        return email.message_from_bytes(archive.read(name))


def test_every_distribution_builds_an_sdist_and_a_wheel_with_complete_metadata(dist):
    for project in PROJECTS:
        name = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))["project"]["name"]
        stem = name.replace("-", "_")
        [wheel] = dist.glob(f"{stem}-*.whl")
        assert list(dist.glob(f"{stem}-*.tar.gz")), f"no sdist for {name}"
        meta = metadata(wheel)
        assert meta["Name"] == name and meta["Summary"]
        assert meta["License-Expression"] == "Apache-2.0" and meta.get_all("License-File")
        assert meta["Requires-Python"] == ">=3.11"
        assert "Programming Language :: Python :: 3.11" in meta.get_all("Classifier")
        assert meta.get_all("Project-URL") and meta["Description-Content-Type"] == "text/markdown"
        assert len(meta.get_payload()) > 300, f"{name}: its README is its description on the index"
        assert "](../" not in meta.get_payload(), f"{name}: a relative link goes nowhere on the index"
        requires = meta.get_all("Requires-Dist") or []
        if name != "agentplat":
            assert "agentplat<0.2,>=0.1" in requires, requires  # a plugin fits the core it was made for


@pytest.mark.slow
def test_a_fresh_environment_installs_the_core_and_a_plugin_from_the_built_files(dist, tmp_path):
    venv = tmp_path / "venv"
    made = subprocess.run([str(BIN / "uv"), "venv", "--seed", "--quiet", "--python", sys.executable, str(venv)],
                          capture_output=True, text=True, timeout=120)
    assert made.returncode == 0, made.stderr
    python = venv / "bin" / "python"
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    env["AGENTPLAT_HOME"] = str(tmp_path / "home")

    def pip(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([str(python), "-m", "pip", *args], capture_output=True, text=True, env=env, timeout=900)

    got = pip("install", "--quiet", "--find-links", str(dist), "agentplat", "agentplat-weather")
    assert got.returncode == 0, got.stdout + got.stderr
    agents = subprocess.run([str(venv / "bin" / "agentplat"), "agents"], capture_output=True, text=True, env=env,
                            timeout=120)
    assert agents.returncode == 0, agents.stderr
    assert "weather  (agentplat-weather)" in agents.stdout
    assert "math" not in agents.stdout  # only what was installed
    gone = pip("uninstall", "--yes", "--quiet", "agentplat-weather")
    assert gone.returncode == 0, gone.stderr
    agents = subprocess.run([str(venv / "bin" / "agentplat"), "agents"], capture_output=True, text=True, env=env,
                            timeout=120)
    assert agents.returncode == 0 and "weather" not in agents.stdout


def test_the_quickstart_environment_has_pip():
    got = subprocess.run([sys.executable, "-m", "pip", "--version"], capture_output=True, text=True, timeout=60)
    assert got.returncode == 0 and str(Path(sys.prefix)) in got.stdout


def test_a_name_the_index_does_not_have_is_said_so_in_one_line(tmp_path):
    result = run_cli("install", "agentplat-surely-not-a-published-plugin-7f3", home=tmp_path, timeout=300)
    assert result.code == 1
    line = result.stderr.strip().splitlines()[-1]
    assert line.startswith("agentplat: error: agentplat-surely-not-a-published-plugin-7f3 is not in the package index")
    assert "--find-links DIR" in line and "stays at" not in line


def test_pips_words_for_a_missing_name_read_the_same():
    said = ("ERROR: Could not find a version that satisfies the requirement agentplat-nope (from versions: none)\n"
            "ERROR: No matching distribution found for agentplat-nope\n")
    message = _failure("install", ["agentplat-nope"], ["python", "-m", "pip"], 1, said, "agentplat==0.1.0")
    assert message.startswith("agentplat-nope is not in the package index")
    other = _failure("install", ["./x"], ["uv", "pip", "install"], 2, "error: something else\n", "agentplat==0.1.0")
    assert "see its message above" in other and "stays at" not in other
    core = _failure("install", ["agentplat-x"], ["uv", "pip", "install"], 1,
                    "Because agentplat-x==2.0 depends on agentplat>=0.2 and you require agentplat==0.1.0, ...\n",
                    "agentplat==0.1.0")
    assert "agentplat stays at 0.1.0" in core
