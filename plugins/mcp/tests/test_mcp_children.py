"""An MCP server agentplat starts, and what that server starts, never outlives agentplat: not
when agentplat is stopped (SIGTERM) mid-call, nor when it is killed outright (SIGKILL), even
if the server blocks and never reads the end of its input."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
from agentplat.testing import cli_command, wait_until


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with open(f"/proc/{pid}/stat") as fh:  # a zombie is not running
        return fh.read().split()[2] != "Z"


def gone(pid: int, timeout: float) -> bool:
    try:
        return wait_until(lambda: not alive(pid), timeout, interval=0.05)
    except TimeoutError:
        return False


def lines(path) -> list[int]:
    return [int(x) for x in path.read_text().split()] if path.exists() else []


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
def test_a_hung_server_and_its_children_die_with_agentplat(servers, home, tmp_path, sig):
    helpers = tmp_path / "helpers.txt"
    servers.stdio("loud", env={"SHOUT_HELPERS": str(helpers)})
    env = {**os.environ, "AGENTPLAT_MODEL": "offline", "AGENTPLAT_ENGINE": "inline",
           "AGENTPLAT_MCP_CALL_TIMEOUT": "120"}
    run = subprocess.Popen([*cli_command(), "run", "Burrow 'deep'"], env=env, stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE, text=True)
    try:
        wait_until(lambda: lines(helpers) or run.poll() is not None, 90, interval=0.1,
                   message="the tool never started its helper")
        assert run.poll() is None, run.stderr.read()
        [helper] = lines(helpers)
        server = int(servers.starts()[-1])  # the run's server (an earlier one listed the tools)
        assert alive(server) and alive(helper)
        os.kill(run.pid, sig)
        run.wait(timeout=30)
        started = time.monotonic()
        assert gone(server, timeout=10), f"the server outlived agentplat ({signal.Signals(sig).name})"
        assert gone(helper, timeout=10), f"the server's child outlived agentplat ({signal.Signals(sig).name})"
        print(f"{signal.Signals(sig).name}: server and helper gone {time.monotonic() - started:.2f}s after agentplat")
    finally:
        if run.poll() is None:
            run.kill()
            run.wait(timeout=10)
        for pid in lines(helpers) + [int(p) for p in servers.starts()]:
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
