"""SLOW (~30-40 s, all tests share one virtual environment): a generated plugin, built into a
wheel and installed next to agentplat in a fresh venv, works like any plugin, and
``agentplat install`` / ``uninstall`` / ``install --reinstall-plugins`` manage it.

This is the path a third-party author and their users take, with nothing faked: uv makes
the venv, agentplat is installed from this repository's ``core/``, hatchling (from PyPI,
cached by uv after the first run) builds the wheel, and every command runs in a subprocess
of the venv's own interpreter. Third-party packages are pinned to the versions of the
environment running the tests, so uv serves them from its cache.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

CORE = Path(__file__).resolve().parents[1] / "core"
REQUEST = 'Count the words in "the quick brown fox"'


def find_uv() -> str:
    found = os.environ.get("UV") or shutil.which("uv")
    assert found, "these tests need uv (https://docs.astral.sh/uv/) on PATH"
    return found


@dataclass
class Result:
    code: int
    stdout: str
    stderr: str

    def json(self):
        return json.loads(self.stdout)


@dataclass
class Lab:
    """A fresh venv with agentplat installed, and a private AGENTPLAT_HOME."""

    root: Path
    venv: Path
    env: dict[str, str]
    uv: str

    @property
    def bin(self) -> Path:
        return self.venv / ("Scripts" if os.name == "nt" else "bin")

    @property
    def python(self) -> str:
        return str(self.bin / ("python.exe" if os.name == "nt" else "python"))

    @property
    def records(self) -> list[dict]:
        path = Path(self.env["AGENTPLAT_HOME"]) / "plugins.json"
        return json.loads(path.read_text())["plugins"] if path.exists() else []

    def run(self, *args: str, cwd: Path | None = None, env: dict[str, str] | None = None, timeout: float = 180) -> Result:
        proc = subprocess.run(list(args), capture_output=True, text=True, cwd=cwd or self.root,
                              env={**self.env, **(env or {})}, timeout=timeout)
        return Result(proc.returncode, proc.stdout, proc.stderr)

    def agentplat(self, *args: str, **kwargs) -> Result:
        return self.run(str(self.bin / "agentplat"), *args, **kwargs)

    def agent_names(self) -> set[str]:
        listed = self.agentplat("agents", "--json")
        assert listed.code == 0, listed.stderr
        return {a["name"] for a in listed.json()}

    def installed(self, dist: str) -> bool:
        shown = self.run(self.uv, "pip", "show", "--python", self.python, dist)
        return shown.code == 0


def must(result: Result) -> Result:
    assert result.code == 0, f"exit {result.code}\nstdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    return result


@pytest.fixture(scope="module")
def lab(tmp_path_factory) -> Lab:
    root = tmp_path_factory.mktemp("authoring")
    uv = find_uv()
    base_env = {k: v for k, v in os.environ.items()
                if k not in ("VIRTUAL_ENV", "PYTHONPATH", "OPENAI_API_KEY", "OPENAI_BASE_URL", "AGENTPLAT_MODEL",
                             "AGENTPLAT_LOAD_PLUGINS", "AGENTPLAT_ENGINE", "AGENTPLAT_TRACE_PLUGINS")}
    home = root / "home"
    home.mkdir()
    venv = root / "venv"
    lab = Lab(root=root, venv=venv, uv=uv, env={**base_env, "AGENTPLAT_HOME": str(home), "AGENTPLAT_FLYTE_RECORDS": "0"})
    must(lab.run(uv, "venv", "-q", "--python", sys.executable, str(venv)))
    lab.env["PATH"] = str(lab.bin) + os.pathsep + base_env.get("PATH", "")
    frozen = must(lab.run(uv, "pip", "freeze", "--python", sys.executable)).stdout.splitlines()
    pins = [line for line in frozen if "==" in line and not line.lower().startswith("agentplat")]
    (root / "constraints.txt").write_text("\n".join(pins) + "\n")
    must(lab.run(uv, "pip", "install", "-q", "--python", lab.python, "-c", str(root / "constraints.txt"),
                 str(CORE), "pytest"))
    return lab


@pytest.fixture(scope="module")
def plugin(lab) -> Path:
    """``agentplat new-plugin wordy``, run by the venv's agentplat."""
    work = lab.root / "work"
    work.mkdir()
    must(lab.agentplat("new-plugin", "wordy", "--dir", str(work)))
    return work / "agentplat-wordy"


@pytest.fixture(scope="module")
def wheel(lab, plugin) -> Path:
    must(lab.run(lab.uv, "build", "--wheel", "-q", "-o", str(plugin / "dist"), str(plugin)))
    (built,) = (plugin / "dist").glob("agentplat_wordy-0.1.0-*.whl")
    return built


@pytest.fixture(scope="module")
def installed(lab, wheel) -> Result:
    """``agentplat install path/to/the.whl``: the way a user adds a plugin."""
    return must(lab.agentplat("install", str(wheel)))


def test_install_shows_what_the_plugin_added_and_records_it(lab, wheel, installed):
    assert installed.stdout.splitlines() == [
        "Added agentplat-wordy 0.1.0",
        "  agents: wordy (tools: count_words)",
        "  commands: agentplat wordy",
        "  hooks: register_agents, register_commands",
    ]
    assert "agentplat-wordy" in installed.stderr  # the installer's own progress, kept off stdout
    assert lab.records == [{"spec": str(wheel.resolve()), "name": "agentplat-wordy", "editable": False}]


def test_agents_lists_the_new_agent_with_its_environment(lab, installed):
    agents = {a["name"]: a for a in must(lab.agentplat("agents", "--json")).json()}
    assert set(agents) == {"wordy"}  # a fresh venv: the core plus this plugin only
    assert agents["wordy"]["plugin"] == "agentplat-wordy"
    assert agents["wordy"]["environment"]["packages"] == ["agentplat-wordy"]
    assert "count_words(text): Count the words in a text." in must(lab.agentplat("agents")).stdout


def test_an_offline_run_routes_the_request_to_the_tool(lab, installed):
    run = must(lab.agentplat("run", "--json", REQUEST, env={"AGENTPLAT_MODEL": "offline"})).json()
    assert run["status"] == "succeeded"
    assert [(s["agent"], s["tool"], s["args"]) for s in run["steps"]] == [
        ("wordy", "count_words", {"text": "the quick brown fox"})
    ]
    assert run["answer"] == "4" and run["llm_calls"] == 0


def test_the_plugin_command_works(lab, installed):
    assert must(lab.agentplat("wordy", "one two three")).stdout.strip() == "3"


def test_the_generated_tests_pass_with_pytest_in_the_venv(lab, plugin, installed):
    result = lab.run(lab.python, "-m", "pytest", "-q", "-p", "no:cacheprovider", cwd=plugin)
    assert result.code == 0, result.stdout + result.stderr
    assert "7 passed" in result.stdout


def test_a_plugin_that_does_not_fit_the_core_is_refused_without_touching_the_core(lab):
    must(lab.agentplat("new-plugin", "future", "--dir", str(lab.root / "work")))
    folder = lab.root / "work" / "agentplat-future"
    pyproject = folder / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('"agentplat>=', '"agentplat>=99,agentplat>='))
    core_before = lab.run(lab.uv, "pip", "show", "--python", lab.python, "agentplat").stdout
    refused = lab.agentplat("install", str(folder))
    assert refused.code == 1
    last = refused.stderr.strip().splitlines()[-1]
    assert last.startswith(f"agentplat: error: install of {folder} failed") and "agentplat stays at" in last
    assert lab.run(lab.uv, "pip", "show", "--python", lab.python, "agentplat").stdout == core_before
    assert not lab.installed("agentplat-future")
    assert all(r["name"] != "agentplat-future" for r in lab.records)


def test_an_editable_install_of_a_folder(lab, installed):
    must(lab.agentplat("new-plugin", "echoer", "--dir", str(lab.root / "work")))
    folder = lab.root / "work" / "agentplat-echoer"
    added = must(lab.agentplat("install", "-e", str(folder)))
    assert "Added agentplat-echoer 0.1.0" in added.stdout
    assert {"spec": str(folder), "name": "agentplat-echoer", "editable": True} in lab.records
    # editable: a change to the source shows without reinstalling
    tools = folder / "src" / "agentplat_echoer" / "tools.py"
    tools.write_text(tools.read_text().replace('"""Count the words in a text.', '"""Count the words in any text.'))
    assert "Count the words in any text." in must(lab.agentplat("agents")).stdout
    removed = must(lab.agentplat("uninstall", "agentplat-echoer"))
    assert removed.stdout.strip() == "Removed agentplat-echoer 0.1.0 (agents: echoer)"
    assert all(r["name"] != "agentplat-echoer" for r in lab.records)
    again = lab.agentplat("uninstall", "agentplat-echoer")
    assert again.code == 1 and again.stdout == ""
    assert again.stderr.strip().splitlines() == [
        "agentplat: error: agentplat-echoer is not installed in agentplat's environment; nothing was uninstalled "
        "(`agentplat plugins` lists what is)"
    ]


def test_uninstall_removes_the_agent_and_reinstall_plugins_restores_recorded_ones(lab, wheel, installed):
    removed = must(lab.agentplat("uninstall", "agentplat-wordy"))
    assert removed.stdout.strip() == "Removed agentplat-wordy 0.1.0 (agents: wordy)"
    assert "wordy" not in lab.agent_names()
    assert lab.records == []

    # installed again, then lost the way an upgrade or reinstall of agentplat loses plugins
    must(lab.agentplat("install", str(wheel)))
    must(lab.run(lab.uv, "pip", "uninstall", "--python", lab.python, "agentplat-wordy"))
    assert "wordy" not in lab.agent_names()

    restored = must(lab.agentplat("install", "--reinstall-plugins"))
    assert "Reinstalling 1 recorded plugin(s): agentplat-wordy" in restored.stderr
    assert restored.stdout.splitlines()[0] == "Added agentplat-wordy 0.1.0"
    assert "wordy" in lab.agent_names()
    assert [r["name"] for r in lab.records] == ["agentplat-wordy"]


def test_uninstall_of_a_plugin_removed_some_other_way_forgets_its_record(lab, wheel, installed):
    must(lab.agentplat("install", str(wheel)))
    must(lab.run(lab.uv, "pip", "uninstall", "--python", lab.python, "agentplat-wordy"))
    forgot = must(lab.agentplat("uninstall", "agentplat-wordy"))
    assert forgot.stdout.strip() == "agentplat-wordy was not installed; forgotten for --reinstall-plugins."
    assert lab.records == []


def test_agentplat_itself_is_not_the_installers_to_remove(lab):
    refused = lab.agentplat("uninstall", "agentplat")
    assert refused.code == 1
    assert refused.stderr.strip().splitlines() == [
        "agentplat: error: refusing to uninstall agentplat itself from agentplat; use the tool you installed it with"
    ]
    assert lab.installed("agentplat")


def next_steps(printed: str) -> str:
    """The "Next:" lines of `agentplat new-plugin`, without their comments, as one shell line."""
    lines = printed.split("Next:\n", 1)[1].split("\nThen ", 1)[0].splitlines()
    return " && ".join(re.sub(r"\s+# .*$", "", line).strip() for line in lines)


def test_new_plugins_next_steps_work_as_printed_with_no_pip_uv_or_pytest_on_path(lab):
    """Last: it removes pytest from the venv. With the venv not on PATH (not activated) and
    no pytest in it, the printed lines name agentplat by path and add pytest with agentplat's uv."""
    must(lab.run(lab.uv, "pip", "uninstall", "--python", lab.python, "pytest"))
    bare = {"PATH": "/usr/bin:/bin"}
    work = lab.root / "bare"
    work.mkdir()
    printed = must(lab.agentplat("new-plugin", "stepper", "--dir", str(work), env=bare)).stdout
    line = next_steps(printed)
    assert line.startswith(f"cd {work / 'agentplat-stepper'} && {lab.bin / 'agentplat'} install -e . && ")
    assert "pip install --python" in line and "-m pytest" in line
    done = lab.run("bash", "-c", line, env=bare)
    assert done.code == 0, done.stdout + done.stderr
    assert "Added agentplat-stepper 0.1.0" in done.stdout and "Answer: 4" in done.stdout
    assert re.search(r"\b7 passed\b", done.stdout)
