"""In a terminal, a run shows a live table of its steps; elsewhere, plain lines."""

from __future__ import annotations

import os
import pty
import re
import select
import subprocess
import time

from agentplat.testing import cli_command


def run_in_terminal(*args: str, timeout: float = 120) -> str:
    """Run the CLI with a pseudo-terminal as stdout, as a person at a shell would."""
    master, slave = pty.openpty()
    proc = subprocess.Popen(
        [*cli_command(), *args],
        stdout=slave, stderr=slave, stdin=subprocess.DEVNULL,
        env={**os.environ, "AGENTPLAT_MODEL": "offline", "COLUMNS": "120", "TERM": "xterm"},
    )
    os.close(slave)
    chunks, deadline = [], time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.2)
        if ready:
            try:
                data = os.read(master, 65536)
            except OSError:
                break
            if not data:
                break
            chunks.append(data)
        elif proc.poll() is not None:
            break
    proc.wait(timeout=30)
    os.close(master)
    return re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", b"".join(chunks).decode(errors="replace"))


def test_a_terminal_gets_a_live_table_of_steps_with_states_and_times():
    screen = run_in_terminal("run", "Add 3 and 4, multiply 6 by 7, then add the two results")
    assert "wave" in screen and "state" in screen
    assert re.search(r"math\.add\(a=\$0, b=\$1\)\s+done\s+\d+\.\d+s\s+49", screen)
    assert "Answer: 49" in screen


def test_without_a_terminal_the_output_is_plain_lines():
    from agentplat.testing import run_cli

    out = run_cli("run", "Calculate 5 factorial", env={"AGENTPLAT_MODEL": "offline"}).stdout
    assert "\x1b[" not in out
    assert "[0] math.factorial(n=5) -> 120" in out
