"""An MCP server agentplat starts, and what that server starts, never outlives agentplat: not
when agentplat is stopped (SIGTERM) mid-call, nor when it is killed outright (SIGKILL), even
if the server blocks and never reads the end of its input."""

from __future__ import annotations

import os
import signal
import subprocess
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


def peak_mib(pid: int) -> float:
    """The process's own high-water mark of resident memory so far (VmHWM), in MiB."""
    try:
        with open(f"/proc/{pid}/status") as fh:
            return next(int(line.split()[1]) for line in fh if line.startswith("VmHWM:")) / 1024
    except (OSError, StopIteration):
        return 0.0


def test_a_result_far_over_the_cap_is_dropped_as_it_arrives(servers, home, tmp_path):
    """A 100 MB answer from an MCP server never sits in agentplat's memory: the launcher drops the
    line as it arrives, the step fails with a line saying why, and agentplat's own peak memory
    stays that of a small run."""
    servers.stdio("loud", env={"SHOUT_FLOOD_BYTES": str(100_000_000)})
    env = {**os.environ, "AGENTPLAT_MODEL": "offline", "AGENTPLAT_ENGINE": "inline"}
    started = time.monotonic()
    process = subprocess.Popen([*cli_command(), "run", "Flood 'x'"], env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    peak = 0.0
    try:
        while process.poll() is None and time.monotonic() - started < 120:
            peak = max(peak, peak_mib(process.pid))
            time.sleep(0.05)
    finally:
        if process.poll() is None:
            process.kill()
    out, err = process.communicate(timeout=30)
    seconds = time.monotonic() - started
    print(f"100 MB MCP result: {seconds:.1f}s, agentplat peak {peak:.0f} MiB")
    assert process.returncode != 0 and "over" in err and "AGENTPLAT_MAX_RESULT_BYTES" in err, out + err
    assert seconds < 60, f"took {seconds:.1f}s: the message was not cut as it arrived"
    assert peak < 250, f"agentplat's peak memory was {peak:.0f} MiB: the message was held"
