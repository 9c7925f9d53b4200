"""Starting a process that dies with agentplat, SIGKILL of agentplat included.

``tethered(argv)`` is ``argv`` behind a tiny launcher (this file, run as a script by path, so
it imports nothing of agentplat): the launcher leads a process group of its own, asks Linux
to signal it when its parent dies (``PR_SET_PDEATHSIG``; elsewhere it watches its parent
id), starts the real command in its group and, when agentplat is gone, kills the whole
group, so a server's own children die too. While agentplat lives it only waits, and passes
the command's exit status on. A polite stop (closing stdin, SIGTERM to the group) reaches
the command as before.

Note: Linux sends the signal when the *thread* that started the launcher ends; start it from
the thread whose lifetime it should share (the event loop's, for a run's servers).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys


def tethered(argv: list[str]) -> list[str]:
    """``argv`` so that the process it starts, and its process group, end with this process."""
    if os.name == "nt":  # the MCP SDK puts its servers in a Job Object there
        return list(argv)
    return [sys.executable, "-I", "-S", os.path.abspath(__file__), str(os.getpid()), *argv]


def _kill_group(*_: object) -> None:
    os.killpg(os.getpgrp(), signal.SIGKILL)  # the launcher too


def _watch_parent(parent: int) -> None:
    """Where there is no PR_SET_PDEATHSIG: notice the parent's death by being re-parented."""
    import threading
    import time

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.25)
        _kill_group()

    threading.Thread(target=watch, daemon=True).start()


def _main(parent: int, argv: list[str]) -> int:
    try:
        os.setsid()  # a group of our own (already so when started with start_new_session)
    except OSError:
        pass
    signal.signal(signal.SIGUSR1, _kill_group)
    tied = False
    if sys.platform.startswith("linux"):
        import ctypes

        try:
            libc = ctypes.CDLL(None, use_errno=True)
            tied = libc.prctl(1, int(signal.SIGUSR1), 0, 0, 0) == 0  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            tied = False
    if not tied:
        _watch_parent(parent)
    if os.getppid() != parent:  # it died before the tie was made
        _kill_group()
    try:
        child = subprocess.Popen(argv)
    except OSError as exc:
        print(f"cannot start {argv[0]}: {exc.strerror or exc}", file=sys.stderr)
        return 127
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):  # passed on; the group gets them anyway
        signal.signal(sig, lambda signum, _frame: child.send_signal(signum))
    while True:
        try:
            code = child.wait()
            break
        except InterruptedError:  # pragma: no cover - PEP 475 retries, kept for safety
            continue
    return code if code >= 0 else 128 - code


if __name__ == "__main__":
    sys.exit(_main(int(sys.argv[1]), sys.argv[2:]))
