"""Input that is not text, or not TOML, ends in one line that says where: the argument and byte,
or the file, line and column. Never Python's "'utf-8' codec can't decode byte 0xff in position 12"."""

from __future__ import annotations

import pytest

from agentplat.testing import run_cli


def one_line_error(result) -> str:
    assert result.code != 0 and "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest.mark.parametrize("args, expected", [
    (["run", b"\xff\xfe"], r"argument 2 (\xff\xfe) is not valid text (byte 0xff at position 0)"),
    (["plan", b"Add 3 and \xe9"], r"argument 2 (Add 3 and \xe9) is not valid text (byte 0xe9 at position 10)"),
    (["run", "--tag", b"who=\xc3", "Add 3 and 4"], r"argument 3 (who=\xc3) is not valid text (byte 0xc3 at position 4)"),
])
def test_a_command_line_argument_that_is_not_utf8_is_named_with_its_byte(args, expected, tmp_path):
    result = run_cli(*args, home=tmp_path)
    assert one_line_error(result) == f"agentplat: error: {expected}"
    assert result.code == 2


def test_a_batch_file_that_is_not_utf8_names_its_line_and_column(tmp_path):
    batch = tmp_path / "requests.txt"
    batch.write_bytes(b"Add 3 and 4\n# comment\nAdd \xff and 2\n")
    line = one_line_error(run_cli("batch", str(batch), home=tmp_path / "home"))
    assert line == f"agentplat: error: {batch}:3:5: not valid UTF-8 text (byte 0xff)"


@pytest.mark.parametrize("config, where, what", [
    (b'[models]\ndefault = "gpt-\xff"\n', "2:16", "not valid UTF-8 text (byte 0xff)"),
    (b"[models]\ndefault = gpt\n", "2:11", "not valid TOML (Invalid value)"),
    (b'[models]\ndefault = "gpt', "2:15", "not valid TOML (Unterminated string at the end)"),
])
def test_a_config_toml_that_is_not_utf8_or_not_toml_names_its_line_and_column(config, where, what, tmp_path):
    (tmp_path / "config.toml").write_bytes(config)
    line = one_line_error(run_cli("run", "Add 3 and 4", home=tmp_path))
    assert line == f"agentplat: error: {tmp_path / 'config.toml'}:{where}: {what}"


def test_a_batch_on_stdin_that_is_not_utf8_names_its_line_and_column(tmp_path):
    import os
    import subprocess

    from agentplat.testing import cli_command

    done = subprocess.run([*cli_command(), "batch", "-"], input=b"Add 3 and 4\n\xfe\n", capture_output=True,
                          env={**os.environ, "AGENTPLAT_HOME": str(tmp_path)}, timeout=120)
    assert done.returncode == 1
    assert done.stderr.decode().splitlines() == ["agentplat: error: <stdin>:2:1: not valid UTF-8 text (byte 0xfe)"]
