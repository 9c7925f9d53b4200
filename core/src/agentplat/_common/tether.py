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
import re
import signal
import subprocess
import sys


def tethered(argv: list[str], *, max_line_bytes: int | None = None) -> list[str]:
    """``argv`` so that the process it starts, and its process group, end with this process.

    With ``max_line_bytes`` the command's output is JSON-RPC, one message a line (an MCP
    server's): a line longer than that is never passed on whole; it is dropped as it arrives
    (memory stays flat) and, when it answered a request, replaced by a JSON-RPC error that
    says so."""
    if os.name == "nt":  # the MCP SDK puts its servers in a Job Object there
        return list(argv)
    cap = [f"--max-line-bytes={int(max_line_bytes)}"] if max_line_bytes else []
    return [sys.executable, "-I", "-S", os.path.abspath(__file__), str(os.getpid()), *cap, *argv]


_ID = re.compile(rb'"id"\s*:\s*("(?:[^"\\]|\\.){0,200}"|-?\d{1,30})')


def _too_long(head: bytes, limit: int) -> bytes | None:
    """The JSON-RPC error that stands for a message over ``limit`` bytes (``None`` for a
    notification, which has no id to answer)."""
    found = _ID.search(head)
    if found is None:
        return None
    message = (f"the MCP server's message was over {limit} bytes: agentplat cut it off as it arrived "
               "(AGENTPLAT_MAX_RESULT_BYTES bounds what a tool may return)")
    return b'{"jsonrpc":"2.0","id":' + found.group(1) + b',"error":{"code":-32603,"message":"' + \
        message.encode() + b'"}}\n'


def _copy_lines(source: int, limit: int) -> None:
    """Copy ``source`` to stdout line by line; a line over ``limit`` bytes is dropped as it
    arrives (only its first 4 KiB are kept, to find the request it answers)."""
    line = bytearray()
    head = b""
    over = False
    while True:
        chunk = os.read(source, 1 << 16)
        if not chunk:
            return
        start = 0
        while start < len(chunk):
            end = chunk.find(b"\n", start)
            piece = memoryview(chunk)[start:end if end >= 0 else len(chunk)]
            if not over and len(line) + len(piece) > limit:
                over, head = True, bytes(line[:4096]) + bytes(piece[:4096])
                line.clear()
            elif not over:
                line += piece
            if end < 0:
                break
            if over:
                reply = _too_long(head, limit)
                if reply is not None:
                    _write(reply)
                over, head = False, b""
            else:
                line += b"\n"
                _write(bytes(line))
            line.clear()
            start = end + 1


def _write(data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(1, view):]


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


def _main(parent: int, argv: list[str], limit: int | None = None) -> int:
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
        child = subprocess.Popen(argv, stdout=subprocess.PIPE if limit else None)
    except OSError as exc:
        print(f"cannot start {argv[0]}: {exc.strerror or exc}", file=sys.stderr)
        return 127
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):  # passed on; the group gets them anyway
        signal.signal(sig, lambda signum, _frame: child.send_signal(signum))
    if limit:
        try:
            _copy_lines(child.stdout.fileno(), limit)
        except OSError:  # agentplat stopped reading: the command sees its output closed
            pass
        child.stdout.close()
    while True:
        try:
            code = child.wait()
            break
        except InterruptedError:  # pragma: no cover - PEP 475 retries, kept for safety
            continue
    return code if code >= 0 else 128 - code


if __name__ == "__main__":
    _args = sys.argv[2:]
    _limit = None
    if _args and _args[0].startswith("--max-line-bytes="):
        _limit = int(_args.pop(0).split("=", 1)[1])
    sys.exit(_main(int(sys.argv[1]), _args, _limit))
