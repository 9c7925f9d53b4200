"""``agentplat new-plugin``: a complete plugin distribution, valid names only, never an overwrite.

These tests are fast: the generated package is laid out in a throwaway site directory (as
an installer would) and loaded through its entry point by the real CLI. Building it into
a wheel and installing it into a fresh virtual environment is in test_authoring_install.py.
"""

from __future__ import annotations

import shutil
import tomllib
from importlib.metadata import version
from pathlib import Path

import pytest

from agentplat._authoring.names import InvalidPluginName
from agentplat._authoring.scaffold import PluginFolderExists
from agentplat._authoring.names import PluginNames, core_requirement
from agentplat._authoring.scaffold import FILES, create_plugin
from agentplat.testing import run_cli


def lay_out_as_installed(plugin: Path, site: Path) -> None:
    """Put a generated plugin into ``site`` the way an installer would: its package plus a
    ``.dist-info`` with the metadata and entry points of its pyproject."""
    project = tomllib.loads((plugin / "pyproject.toml").read_text())["project"]
    (package,) = [p for p in (plugin / "src").iterdir() if p.is_dir()]
    shutil.copytree(package, site / package.name)
    info = site / f"{project['name'].replace('-', '_')}-{project['version']}.dist-info"
    info.mkdir()
    meta = ["Metadata-Version: 2.1", f"Name: {project['name']}", f"Version: {project['version']}"]
    meta += [f"Requires-Dist: {r}" for r in project["dependencies"]]
    (info / "METADATA").write_text("\n".join(meta) + "\n")
    points = project["entry-points"]["agentplat"]
    (info / "entry_points.txt").write_text("[agentplat]\n" + "".join(f"{k} = {v}\n" for k, v in points.items()))


@pytest.mark.parametrize("raw, dist, package, agent", [
    ("wordy", "agentplat-wordy", "agentplat_wordy", "wordy"),
    ("word-count", "agentplat-word-count", "agentplat_word_count", "word_count"),
    ("word_count", "agentplat-word-count", "agentplat_word_count", "word_count"),
    ("agentplat-geo2", "agentplat-geo2", "agentplat_geo2", "geo2"),
])
def test_a_name_becomes_distribution_package_and_agent(raw, dist, package, agent):
    names = PluginNames.parse(raw)
    assert (names.dist, names.package, names.agent) == (dist, package, agent)


@pytest.mark.parametrize("raw", ["", "Wordy", "2fast", "word count", "word--count", "word-", "wörd", "a.b"])
def test_names_that_cannot_be_a_package_are_refused(raw):
    with pytest.raises(InvalidPluginName, match="invalid plugin name"):
        PluginNames.parse(raw)


def test_the_dependency_range_follows_the_installed_release_line():
    assert core_requirement("0.1.0") == "agentplat>=0.1,<0.2"
    assert core_requirement("0.3.2.dev1") == "agentplat>=0.3,<0.4"
    assert core_requirement("1.4.2") == "agentplat>=1.4,<2"
    assert core_requirement("2") == "agentplat>=2.0,<3"


def test_new_plugin_writes_a_complete_distribution(tmp_path):
    result = run_cli("new-plugin", "word-count", "--dir", str(tmp_path))
    assert result.code == 0, result.stderr
    root = tmp_path / "agentplat-word-count"
    assert f"Created agentplat-word-count in {root}" in result.stdout
    written = sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())
    assert written == sorted(p.format(package="agentplat_word_count", agent="word_count") for p in FILES.values())

    pyproject = tomllib.loads((root / "pyproject.toml").read_text())
    assert pyproject["project"]["name"] == "agentplat-word-count"
    assert pyproject["project"]["entry-points"]["agentplat"] == {"word-count": "agentplat_word_count"}
    assert pyproject["build-system"]["build-backend"] == "hatchling.build"
    assert pyproject["project"]["dependencies"] == [core_requirement(version("agentplat"))]
    assert pyproject["tool"]["pytest"]["ini_options"]["addopts"] == "-p agentplat.testing.pytest_plugin"

    package = root / "src" / "agentplat_word_count"
    hooks = (package / "__init__.py").read_text()
    assert "def register_agents(register)" in hooks and "def register_commands(cli)" in hooks
    assert "environment=Environment(" in hooks and "# def register_offline_parsers(register)" in hooks
    tools = (package / "tools.py").read_text()
    assert "@tool(examples=[" in tools and "async def count_words(text: str) -> int:" in tools and "Args:" in tools
    tests = (root / "tests" / "test_word_count.py").read_text()
    assert "ScriptedModel" in tests and "openai_server" in tests and 'model="offline"' in tests
    assert "{{" not in "".join(p.read_text() for p in root.rglob("*") if p.is_file())
    for source in root.rglob("*.py"):
        compile(source.read_text(), str(source), "exec")


def test_new_plugin_refuses_an_existing_folder_and_leaves_it_alone(tmp_path):
    existing = tmp_path / "agentplat-wordy"
    existing.mkdir()
    (existing / "notes.txt").write_text("mine")
    result = run_cli("new-plugin", "wordy", "--dir", str(tmp_path))
    assert result.code == 1
    assert result.stderr.strip().splitlines() == [
        f"agentplat: error: {existing} already exists; remove it or choose another --dir"
    ]
    assert [p.name for p in existing.iterdir()] == ["notes.txt"]
    with pytest.raises(PluginFolderExists):
        create_plugin(PluginNames.parse("wordy"), tmp_path)


@pytest.mark.parametrize("raw, reason", [("Bad Name", "use lowercase letters"), ("plugins", "already a core command")])
def test_new_plugin_reports_a_bad_name_in_one_line(tmp_path, raw, reason):
    out = tmp_path / "out"
    out.mkdir()
    result = run_cli("new-plugin", raw, "--dir", str(out))
    assert result.code == 1
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("agentplat: error: invalid plugin name") and reason in line
    assert list(out.iterdir()) == []


def test_the_generated_plugin_loads_routes_and_adds_its_command(tmp_path, plugin_site):
    site, env = plugin_site
    root = create_plugin(PluginNames.parse("wordy"), tmp_path)
    lay_out_as_installed(root, site)

    plugins = {p["name"]: p for p in run_cli("plugins", "--json", env=env).json()}
    assert plugins["agentplat-wordy"]["status"] == "ok", plugins["agentplat-wordy"]["error"]
    assert plugins["agentplat-wordy"]["hooks"] == ["register_agents", "register_commands"]

    agents = {a["name"]: a for a in run_cli("agents", "--json", env=env).json()}
    wordy = agents["wordy"]
    assert wordy["plugin"] == "agentplat-wordy"
    assert [t["name"] for t in wordy["tools"]] == ["count_words"]
    assert wordy["tools"][0]["parameters"]["properties"]["text"]["description"] == "The text whose words to count."
    assert wordy["environment"] == {"cpu": 1, "memory": "256Mi", "gpu": None, "reuse_replicas": 1,
                                    "reuse_idle_ttl": None, "secrets": [], "packages": ["agentplat-wordy"],
                                    "env_vars": {}}
    assert agents["math"]["environment"] is None

    # routed among the built-in agents, and composable with them (the built-in text agent
    # counts words too and its parser would claim the request, so it is left out here)
    others = "agentplat-math,agentplat-weather,agentplat-web-search,agentplat-report"
    plan = run_cli("plan", "--json", 'Count the words in "the quick brown fox", then multiply it by 2',
                   env={**env, "AGENTPLAT_MODEL": "offline", "AGENTPLAT_LOAD_PLUGINS": f"agentplat-wordy,{others}"})
    assert plan.code == 0, plan.stderr
    assert plan.json()["steps"] == [
        {"agent": "wordy", "tool": "count_words", "args": {"text": "the quick brown fox"}, "dependencies": []},
        {"agent": "math", "tool": "multiply", "args": {"a": "$0", "b": 2}, "dependencies": [0]},
    ]

    command = run_cli("wordy", "one two three", env=env)
    assert (command.code, command.stdout.strip()) == (0, "3")
    empty = run_cli("wordy", "   ", env=env)
    assert empty.code == 1 and "there is no text to count the words of" in empty.stderr


def test_new_plugin_warns_when_the_name_is_taken_by_an_installed_plugin(tmp_path):
    result = run_cli("new-plugin", "math", "--dir", str(tmp_path))
    assert result.code == 0
    assert (tmp_path / "agentplat-math" / "pyproject.toml").exists()
    assert result.stderr.strip() == (
        "agentplat: warning: agentplat-math is already installed; installing the new plugin would replace it "
        "(choose another NAME unless that is the point)"
    )
