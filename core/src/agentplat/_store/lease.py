"""One process at a time per run: an OS lock on a file beside the run store.

A recorded run is executed by the process that holds its lease (``run`` from its start,
``resume`` before it reads what is left to do). The operating system drops the lock when
its holder dies, however it dies: SIGKILL, a zombie not yet reaped, a pid reused since.
So no one guesses liveness from a pid, and two ``resume`` of one run never both work.
POSIX record locks (``lockf``) also hold between hosts that share ``AGENTPLAT_HOME`` on
NFS. Within one process the lease is re-entrant (the CLI takes it, then the run itself).
"""

from __future__ import annotations

import os
import socket
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from .._common.errors import AgentplatError


class RunBusy(AgentplatError):
    """Another process is executing this run right now."""


_held: dict[Path, list[int]] = {}  # lock file -> [its descriptor, holders in this process]
_guard = threading.Lock()


def _try_lock(fd: int) -> bool:
    try:
        if os.name == "nt":  # pragma: no cover - exercised on Windows only
            import msvcrt

            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        else:
            import fcntl

            fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:  # EAGAIN / EACCES: held elsewhere
        return False
    return True


def holder(path: Path) -> str:
    """Who wrote the lock file last (pid and host), for the message; may be stale."""
    try:
        return path.read_text(encoding="utf-8").strip()
    except OSError:
        return ""


def _lock_soon(fd: int, patience: float = 2.0) -> bool:
    """The lock, waiting up to ``patience`` seconds only while its holder is a short probe
    (:func:`unless_held`, which holds it for a store update); a run holds it for good."""
    import time

    deadline = time.monotonic() + patience
    while not _try_lock(fd):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


@contextmanager
def unless_held(folder: Path, run_id: str) -> Iterator[bool]:
    """``True`` (holding the lease for the block) when no process executes ``run_id`` and it
    was leased before; ``False`` when a process holds it, or it never had a lease file (a run
    recorded before leases, or by another tool): only then may a caller call a "running" run dead."""
    path = Path(folder) / "locks" / f"{run_id}.lock"
    with _guard:
        if path in _held or not path.exists():  # closing another descriptor would drop our own lock
            yield False
            return
        fd = os.open(path, os.O_RDWR)
    try:
        got = _try_lock(fd)
        yield got
    finally:
        os.close(fd)


def _holder_soon(path: Path) -> str:
    """The holder's note; a new holder writes it just after locking, so wait a moment for it."""
    import time

    for _ in range(10):
        who = holder(path)
        if who:
            return who
        time.sleep(0.02)
    return ""


@contextmanager
def run_lease(folder: Path, run_id: str) -> Iterator[None]:
    """Hold ``run_id``'s lease for the block; ``RunBusy`` at once if another process has it."""
    path = Path(folder) / "locks" / f"{run_id}.lock"
    with _guard:
        if path in _held:
            _held[path][1] += 1
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)  # not inherited by child processes
            if not _lock_soon(fd):
                os.close(fd)
                who = _holder_soon(path)
                raise RunBusy(f"run {run_id} is being executed by another process{f' ({who})' if who else ''}; "
                              f"wait for it to end (or stop it), then `agentplat resume {run_id}`")
            note = f"pid {os.getpid()} on {socket.gethostname()}\n".encode()
            os.pwrite(fd, note, 0)  # never empty in between, as truncating first would leave it
            os.ftruncate(fd, len(note))
            _held[path] = [fd, 1]
    try:
        yield
    finally:
        with _guard:
            _held[path][1] -= 1
            if _held[path][1] == 0:
                os.close(_held.pop(path)[0])  # closing the descriptor drops the lock
