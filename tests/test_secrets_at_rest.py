"""No key leaves: not on screen, not in agentplat's store, not in Flyte's local records."""

from __future__ import annotations

from pathlib import Path

from agentplat.testing import run_cli

KEY = "sk-live-Qm7xT2vR9pL4nW8kJ3hF"
TOKEN = "hunter2-" + "zq8" * 20  # a secret with no well-known shape, longer than a label shows


def _files_holding(root: Path, needle: str) -> list[str]:
    return [str(p.relative_to(root)) for p in root.rglob("*")
            if p.is_file() and needle.encode() in p.read_bytes()]


def test_a_key_in_a_request_is_masked_on_screen_and_on_disk_by_default(tmp_path, monkeypatch):
    monkeypatch.delenv("AGENTPLAT_FLYTE_RECORDS")  # the default a user gets
    env = {"HOME": str(tmp_path), "OPENAI_API_KEY": KEY, "AGENTPLAT_MODEL": "offline", "AGENTPLAT_ENGINE": "flyte"}
    ran = run_cli("run", f"Count the words in 'my key is {KEY} ok', then add 2 and 3", env=env)
    assert ran.code == 0, ran.stderr
    assert "Answer:" in ran.stdout and "***" in ran.stdout
    assert "Qm7xT2vR9" not in ran.stdout + ran.stderr
    run_id = run_cli("runs", "--json", env=env).json()[0]["run_id"]
    shown = run_cli("show", "--json", run_id, env=env)
    assert shown.code == 0, shown.stderr
    assert "Qm7xT2vR9" not in shown.stdout + shown.stderr
    assert _files_holding(tmp_path, "Qm7xT2vR9") == []  # HOME: ~/.flyte and AGENTPLAT_HOME alike
    assert not (tmp_path / ".flyte" / "local-cache").exists()


def test_flyte_records_are_opt_in_and_say_what_they_hold(tmp_path, monkeypatch):
    monkeypatch.setenv("AGENTPLAT_FLYTE_RECORDS", "1")
    env = {"HOME": str(tmp_path), "OPENAI_API_KEY": KEY, "AGENTPLAT_MODEL": "offline", "AGENTPLAT_ENGINE": "flyte"}
    ran = run_cli("run", "Add 2 and 3", env=env)
    assert ran.code == 0, ran.stderr
    assert (tmp_path / ".flyte" / "local-cache").is_dir()


def test_a_secret_without_a_known_shape_leaves_no_prefix_in_a_shortened_label(tmp_path):
    env = {"SERVICE_TOKEN": TOKEN, "AGENTPLAT_MODEL": "offline", "AGENTPLAT_ENGINE": "inline"}
    ran = run_cli("run", f"Count the words in '{TOKEN} and more'", env=env)
    assert ran.code == 0, ran.stderr
    assert "zq8zq8" not in ran.stdout + ran.stderr
    assert "count_words(text=*** and more)" in ran.stdout
