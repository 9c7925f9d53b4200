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


@pytest.fixture(autouse=True)
def home(tmp_path, monkeypatch):
    """A private AGENTPLAT_HOME for every test (and its subprocesses), so tests never touch
    the user's data; Flyte's own run records (written under ~/.flyte) are left off."""
    path = tmp_path / "home"
    path.mkdir()
    monkeypatch.setenv("AGENTPLAT_HOME", str(path))
    monkeypatch.setenv("AGENTPLAT_FLYTE_RECORDS", "0")
    # tests that script a model script what it plans: the model plans every request they send
    # (the exact offline plan that runs first by default is pinned in test_plan_first.py)
    monkeypatch.setenv("AGENTPLAT_DETERMINISTIC_FIRST", "0")
    return path


@pytest.fixture
def testkit(tmp_path, monkeypatch):
    """Installs the testkit plugin (nap, flaky_echo) for this test's subprocesses."""
    from cli_helpers import install_fake_distribution
    from testkit_plugin import CODE

    site = tmp_path / "site"
    install_fake_distribution(site, "agentplat-testkit", "agentplat_testkit", CODE)
    markers = tmp_path / "markers"
    markers.mkdir()
    monkeypatch.setenv("PYTHONPATH", str(site) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    monkeypatch.setenv("TESTKIT_DIR", str(markers))
    return markers


@pytest.fixture
def endpoint(openai_server, monkeypatch):
    """Point agentplat at the loopback OpenAI server, as a user would with environment
    variables; subprocesses started by the test inherit them."""
    monkeypatch.setenv("OPENAI_BASE_URL", openai_server.base_url)
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    monkeypatch.setenv("AGENTPLAT_RETRY_WAIT", "0.01")
    monkeypatch.delenv("AGENTPLAT_MODEL", raising=False)
    monkeypatch.delenv("AGENTPLAT_ENGINE", raising=False)
    return openai_server
