"""``--remote`` with no reachable Flyte endpoint fails with one clear line, fast; the options fit
together; ``deploy --dry-run`` needs neither a cluster nor Flyte. Through the real CLI."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from agentplat.testing import CliResult, run_cli

REMOTE_COMMANDS = [
    ("run", "Calculate 5 factorial", "--remote"),
    ("run", "Calculate 5 factorial", "--remote", "--wait"),
    ("runs", "--remote"),
    ("show", "some-run", "--remote"),
    ("deploy",),
    ("report", "solar power", "--remote", "--wait"),
    ("report", "serve", "--remote"),
]


def cli_in(folder: Path, *args: str, env: dict[str, str] | None = None) -> tuple[CliResult, float]:
    """``agentplat ARGS`` run from ``folder`` with a HOME of its own (no stray Flyte config)."""
    started = time.monotonic()
    result = run_cli(*args, env={"HOME": str(folder), **(env or {})}, drop=("FLYTE_CONFIG",), cwd=folder, timeout=60)
    return result, time.monotonic() - started


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def write_config(folder: Path, endpoint: str) -> Path:
    config = folder / ".flyte" / "config.yaml"
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text(f"admin:\n  endpoint: dns:///{endpoint}\n  insecure: true\n"
                      "task:\n  project: flytesnacks\n  domain: development\n")
    return config


def assert_one_line_error(result: CliResult, expected: str) -> None:
    assert result.code == 1, (result.stdout, result.stderr)
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert lines == [f"agentplat: error: {expected}"], result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("args", REMOTE_COMMANDS, ids=lambda a: " ".join(a))
def test_no_flyte_config_fails_with_one_clear_line(tmp_path, args):
    result, took = cli_in(tmp_path, *args)
    assert_one_line_error(
        result, "no Flyte config found: create .flyte/config.yaml (see docs/cluster.md) or set FLYTE_CONFIG")
    assert took < 10


@pytest.mark.parametrize("args", REMOTE_COMMANDS, ids=lambda a: " ".join(a))
def test_an_endpoint_nobody_listens_on_fails_fast_with_one_clear_line(tmp_path, args):
    port = closed_port()
    write_config(tmp_path, f"127.0.0.1:{port}")
    result, took = cli_in(tmp_path, *args)
    assert_one_line_error(result, f"cannot reach the Flyte endpoint 127.0.0.1:{port}: connection refused")
    assert took < 10


def test_the_devbox_hint_is_given_for_the_devbox_endpoint(tmp_path):
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", 30080)) == 0:
            pytest.skip("something listens on localhost:30080 (a running devbox?)")
    config = write_config(tmp_path / "elsewhere", "localhost:30080")
    result, _ = cli_in(tmp_path, "runs", "--remote", "--config", str(config))
    assert_one_line_error(result, "cannot reach the Flyte endpoint localhost:30080: connection refused "
                                  "(is the devbox running? `flyte start devbox`)")


def test_flyte_config_env_and_config_flag_are_honoured(tmp_path):
    missing = tmp_path / "nope.yaml"
    result, _ = cli_in(tmp_path, "run", "x", "--remote", "--config", str(missing))
    assert_one_line_error(result, f"Flyte config {missing} does not exist (see docs/cluster.md)")
    result, _ = cli_in(tmp_path, "runs", "--remote", env={"FLYTE_CONFIG": str(missing)})
    assert_one_line_error(result, f"FLYTE_CONFIG points at {missing}, which does not exist (see docs/cluster.md)")
    port = closed_port()
    config = write_config(tmp_path / "other", f"127.0.0.1:{port}")
    result, _ = cli_in(tmp_path, "show", "r1", "--remote", env={"FLYTE_CONFIG": str(config)})
    assert_one_line_error(result, f"cannot reach the Flyte endpoint 127.0.0.1:{port}: connection refused")


def test_a_config_without_endpoint_is_named(tmp_path):
    config = tmp_path / ".flyte" / "config.yaml"
    config.parent.mkdir()
    config.write_text("task:\n  project: p\n")
    result, _ = cli_in(tmp_path, "deploy")
    assert_one_line_error(result, f"the Flyte config {config.resolve()} names no admin.endpoint (see docs/cluster.md)")


@pytest.mark.parametrize("args, message", [
    (("run", "x", "--wait"), "--config and --wait go with --remote"),
    (("run", "x", "--remote", "--synthesize"), "--synthesize is not available with --remote"),
    (("runs", "--config", "c.yaml"), "--config goes with --remote"),
    (("runs", "--remote", "--status", "partial"), "--status partial is a local notion"),
    (("show", "r1", "--config", "c.yaml"), "--config goes with --remote"),
    (("report", "solar power", "--wait"), "--config and --wait go with --remote"),
    (("report", "serve", "--run", "r1"), "--run and --config go with --remote"),
])
def test_remote_options_go_together(tmp_path, args, message):
    result, _ = cli_in(tmp_path, *args)
    assert result.code == 2
    assert message in result.stderr


def test_an_empty_request_fails_before_looking_for_a_cluster(tmp_path):
    result, _ = cli_in(tmp_path, "run", "  ", "--remote")
    assert_one_line_error(result, "the request is empty")


def test_deploy_dry_run_needs_no_cluster_and_imports_neither_flyte_nor_openai(tmp_path):
    code = (
        "import sys\n"
        "from agentplat.cli import cli\n"
        "try:\n    cli(['deploy', '--dry-run', '--json'], prog_name='agentplat')\nexcept SystemExit:\n    pass\n"
        "print('LOADED', [m for m in sys.modules if m.split('.')[0] in ('openai', 'flyte')])\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "FLYTE_CONFIG"}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path,
                          env={**env, "HOME": str(tmp_path)})
    assert proc.returncode == 0, proc.stderr
    assert '"dry_run": true' in proc.stdout
    assert "LOADED []" in proc.stdout


def test_help_lists_deploy_and_the_remote_options(tmp_path):
    top, _ = cli_in(tmp_path, "--help")
    assert "deploy" in top.stdout
    for command in (("run", "--help"), ("runs", "--help"), ("show", "--help")):
        result, _ = cli_in(tmp_path, *command)
        assert "--remote" in result.stdout and "--config" in result.stdout
    run_help, _ = cli_in(tmp_path, "run", "--help")
    assert "--wait" in run_help.stdout
    deploy_help, _ = cli_in(tmp_path, "deploy", "--help")
    assert "--dry-run" in deploy_help.stdout and "--json" in deploy_help.stdout
