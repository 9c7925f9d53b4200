"""A model stream that ignores ``max_tokens`` is read only up to a cap, then the call ends with
one clear error: the process's memory stays bounded whatever the server sends. The stream
comes from the real loopback OpenAI server, to a real ``agentplat run``."""

from __future__ import annotations

import os
import sys
import signal
import subprocess
import threading

from agentplat.testing import Reply, cli_command

ENDLESS = 400_000_000  # characters the server would send if no one stopped reading


#: Runs a command and prints its peak RSS (KB). A child forked from a big process starts with
#: that process's pages counted in its peak (the test process grows as other tests load data),
#: so the command is started from this small one.
_MEASURE = """
import os, subprocess, sys
child = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL)
_, status, usage = os.wait4(child.pid, 0)
print(usage.ru_maxrss)
sys.exit(os.waitstatus_to_exitcode(status))
"""


def run_measured(args, env) -> tuple[int, str, float]:
    """Exit status, stderr and peak RSS (MB) of one ``agentplat`` process, killed after 60 s."""
    proc = subprocess.Popen([sys.executable, "-c", _MEASURE, *cli_command(), *args], env={**os.environ, **env},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    deadline = threading.Timer(60, lambda: os.killpg(proc.pid, signal.SIGKILL))
    deadline.start()
    try:
        stdout, stderr = proc.communicate()  # until it exits
    finally:
        deadline.cancel()
    return proc.returncode, stderr, int(stdout.strip() or 0) / 1024


def test_a_stream_that_ignores_max_tokens_is_cut_with_one_clear_error(endpoint):
    for _ in range(3):  # the planner's call, and any repair
        endpoint.reply(Reply(content="", overrun=ENDLESS, chunk_size=65536, chunk_delay=0))
    code, stderr, peak = run_measured(["run", "Add 3 and 4"], {"AGENTPLAT_ENGINE": "inline",
                                                                 "AGENTPLAT_MAX_REPLY_BYTES": "2000000"})
    print(f"peak RSS {peak:.0f} MB")
    assert code == 1
    [line] = stderr.strip().splitlines()
    assert "passed 2000000 characters" in line and "AGENTPLAT_MAX_REPLY_BYTES" in line
    assert peak < 150, f"peak RSS {peak:.0f} MB"
