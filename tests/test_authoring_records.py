"""The pieces behind ``agentplat install``: which installer, what is remembered, what is shown.

Fast unit tests; the real installs are in test_authoring_install.py.
"""

from __future__ import annotations

import json
import sys

import pytest

from agentplat._authoring import records
from agentplat._authoring.installer import InstallError
from agentplat._authoring.installer import Installer, find_installer
from agentplat._authoring.snapshot import changes


def test_the_uv_shipped_with_agentplat_needs_nothing_on_path(monkeypatch):
    """agentplat depends on the uv package, so an environment without pip and without uv on
    PATH (what `uv sync` makes) still has an installer."""
    from uv import find_uv_bin

    monkeypatch.delenv("UV", raising=False)
    chosen = find_installer("/env/bin/python", which=lambda name: None, has_pip=lambda python: False)
    assert chosen.kind == "uv" and chosen.program == (find_uv_bin(),)


def test_uv_is_preferred_and_targets_the_python_agentplat_runs_on(monkeypatch):
    monkeypatch.delenv("UV", raising=False)
    monkeypatch.setitem(sys.modules, "uv", None)  # as if agentplat's own uv were missing: the one on PATH
    chosen = find_installer("/env/bin/python", which=lambda name: "/usr/bin/uv", has_pip=lambda python: True)
    assert chosen.install_command(["agentplat-x"], "/tmp/c.txt") == [
        "/usr/bin/uv", "pip", "install", "--python", "/env/bin/python", "--compile-bytecode", "-c", "/tmp/c.txt",
        "agentplat-x"]
    assert chosen.uninstall_command(["agentplat-x"]) == [
        "/usr/bin/uv", "pip", "uninstall", "--python", "/env/bin/python", "agentplat-x"]


def test_the_uv_that_runs_us_comes_before_the_one_on_path(monkeypatch, tmp_path):
    uv = tmp_path / "uv"
    uv.write_text("")
    monkeypatch.setenv("UV", str(uv))
    monkeypatch.setitem(sys.modules, "uv", None)
    assert find_installer("/env/bin/python", which=lambda name: None).program == (str(uv),)


def test_without_uv_the_environments_own_pip_is_used(monkeypatch):
    monkeypatch.delenv("UV", raising=False)
    monkeypatch.setitem(sys.modules, "uv", None)  # no uv package either
    chosen = find_installer("/env/bin/python", which=lambda name: None, has_pip=lambda python: True)
    assert chosen == Installer("pip", ("/env/bin/python", "-m", "pip"), "/env/bin/python")
    assert chosen.install_command(["-e", "/src/x"]) == [
        "/env/bin/python", "-m", "pip", "install", "--disable-pip-version-check", "-e", "/src/x"]
    assert chosen.uninstall_command(["agentplat-x"])[-2:] == ["-y", "agentplat-x"]


def test_with_neither_the_error_says_what_to_do(monkeypatch):
    monkeypatch.delenv("UV", raising=False)
    monkeypatch.setitem(sys.modules, "uv", None)
    with pytest.raises(InstallError, match="neither uv nor pip is available for /env/bin/python: the uv that agentplat depends on"):
        find_installer("/env/bin/python", which=lambda name: None, has_pip=lambda python: False)


def test_what_is_remembered_for_each_kind_of_package(tmp_path):
    wheel = tmp_path / "agentplat_wordy-0.2.0-py3-none-any.whl"
    wheel.write_bytes(b"")
    sdist = tmp_path / "agentplat_wordy-0.2.0.tar.gz"
    sdist.write_bytes(b"")
    project = tmp_path / "proj"
    project.mkdir()
    (project / "pyproject.toml").write_text('[project]\nname = "agentplat-proj"\n')
    assert records.record_for(str(wheel)) == records.Record(str(wheel), "agentplat-wordy")
    assert records.record_for(str(sdist)).name == "agentplat-wordy"
    assert records.record_for(str(project), editable=True) == records.Record(str(project), "agentplat-proj", True)
    assert records.record_for("agentplat-geo>=1.2") == records.Record("agentplat-geo>=1.2", "agentplat-geo")
    assert records.record_for("git+https://example.org/x.git").name is None


def test_a_relative_path_is_remembered_absolute(tmp_path, monkeypatch):
    (tmp_path / "proj").mkdir()
    monkeypatch.chdir(tmp_path)
    assert records.record_for("proj").spec == str(tmp_path / "proj")


def test_remember_replaces_and_forget_removes_by_name_or_spec(home):
    records.remember([records.Record("agentplat-a", "agentplat-a"), records.Record("/w/b.whl", "agentplat-b")])
    records.remember([records.Record("agentplat-a>=2", "agentplat-a")])
    assert [r.spec for r in records.load()] == ["/w/b.whl", "agentplat-a>=2"]
    assert json.loads((home / "plugins.json").read_text())["plugins"][0] == {
        "spec": "/w/b.whl", "name": "agentplat-b", "editable": False}
    assert [r.name for r in records.forget(["agentplat_A"])] == ["agentplat-a"]  # names are normalised
    assert [r.name for r in records.forget(["/w/b.whl"])] == ["agentplat-b"]
    assert records.load() == []


def test_changes_show_added_removed_updated_and_unloadable_plugins():
    wordy = {"name": "agentplat-wordy", "version": "0.1.0", "status": "ok", "error": None, "agents": ["wordy"],
             "hooks": ["register_agents", "register_commands"], "tools": {"wordy": ["count_words"]},
             "commands": ["wordy"]}
    old = {**wordy, "name": "agentplat-old", "agents": ["old"], "commands": [], "tools": {}}
    future = {**wordy, "name": "agentplat-future", "status": "error", "error": "requires agentplat>=99, ..."}
    assert changes({"agentplat-old": old}, {"agentplat-wordy": wordy, "agentplat-future": future}) == [
        "agentplat-future 0.1.0 is installed but not loaded: requires agentplat>=99, ...",
        "Added agentplat-wordy 0.1.0",
        "  agents: wordy (tools: count_words)",
        "  commands: agentplat wordy",
        "  hooks: register_agents, register_commands",
        "Removed agentplat-old 0.1.0 (agents: old)",
    ]
    assert changes({"agentplat-wordy": wordy}, {"agentplat-wordy": {**wordy, "version": "0.2.0"}})[0] == \
        "Updated agentplat-wordy 0.1.0 -> 0.2.0"
    assert changes({"agentplat-wordy": wordy}, {"agentplat-wordy": wordy}) == []
