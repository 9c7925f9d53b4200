"""Fixtures shared by the core's tests."""

from __future__ import annotations

import os

import pytest

@pytest.fixture
def plugin_site(tmp_path):
    """A site directory for throwaway plugins, and the env that puts it on ``sys.path``."""
    site = tmp_path / "site"
    site.mkdir()
    env = {"PYTHONPATH": str(site) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    return site, env


@pytest.fixture
def home(tmp_path, monkeypatch):
    """A private AGENTPLAT_HOME so tests never touch the user's data directory."""
    path = tmp_path / "home"
    path.mkdir()
    monkeypatch.setenv("AGENTPLAT_HOME", str(path))
    return path
