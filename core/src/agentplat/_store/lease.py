"""One process at a time per run: an OS lock on a file beside the run store.

A recorded run is executed by the process that holds its lease (``run`` from its start,
``resume`` before it reads what is left to do). The operating system drops the lock when
its holder dies, however it dies: SIGKILL, a zombie not yet reaped, a pid reused since.
So no one guesses liveness from a pid, and two ``resume`` of one run never both work.
POSIX record locks (``lockf``) also hold between hosts that share ``AGENTPLAT_HOME`` on
NFS. Within one process the lease is re-entrant (the CLI takes it, then the run itself).

A lease file lives only as long as it means something: the holder removes it when the run is
over (``forget``), and a killed run's file is removed once the run is recorded as
interrupted. Removing a file others may be waiting on is safe because a lock counts only on
the file the path names when it is taken (``_same_file``): a waiter that got the lock of a
removed file lets go and takes the new one.
"""

from __future__ import annotations

import functools
import os
import socket
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

from .._common.errors import AgentplatError


class RunBusy(AgentplatError):
    """Another process is executing this run right now."""


_held: dict[str, list[int]] = {}  # lock file -> [its descriptor, holders in this process]
_folders: set[str] = set()  # lock folders known to exist
_guard = threading.Lock()


@functools.lru_cache(maxsize=1)
def _host() -> str:
    return socket.gethostname()


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


def holder(path: str) -> str:
    """Who wrote the lock file last (pid and host), for the message; may be stale."""
    try:
        return Path(path).read_text(encoding="utf-8").strip()
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


def _same_file(fd: int, path: str) -> bool:
    """Whether ``fd`` is still the file ``path`` names (it may have been removed, or replaced)."""
    try:
        mine, named = os.fstat(fd), os.stat(path)
    except OSError:
        return False
    return (mine.st_dev, mine.st_ino) == (named.st_dev, named.st_ino)


def lock_path(folder: Path | str, run_id: str) -> str:
    """The lease file of ``run_id`` in the store's ``folder`` (plain strings: this is on every
    run's path, and ``pathlib`` costs more than the lock itself)."""
    return os.path.join(os.fspath(folder), "locks", run_id + ".lock")


@contextmanager
def unless_held(folder: Path, run_id: str) -> Iterator[bool]:
    """``True`` (holding the lease for the block) when no process executes ``run_id`` and it
    was leased before; ``False`` when a process holds it, or it never had a lease file (a run
    recorded before leases, or by another tool): only then may a caller call a "running" run dead."""
    path = lock_path(folder, run_id)
    with _guard:
        if path in _held or not os.path.exists(path):  # closing another descriptor would drop our own lock
            yield False
            return
        try:
            fd = os.open(path, os.O_RDWR)
        except FileNotFoundError:  # its run ended just now
            yield False
            return
    try:
        got = _try_lock(fd) and _same_file(fd, path)  # a removed file's lock says nothing
        yield got
    finally:
        os.close(fd)


def remove_if_free(folder: Path, run_id: str) -> bool:
    """Remove ``run_id``'s lease file when no process holds it (a killed run's, once recorded
    as interrupted; a stale one). Returns whether it was removed."""
    path = lock_path(folder, run_id)
    with _guard:
        if path in _held:
            return False
        try:
            fd = os.open(path, os.O_RDWR)
        except OSError:
            return False
        try:
            if _try_lock(fd) and _same_file(fd, path):
                os.unlink(path)
                return True
            return False
        except OSError:
            return False
        finally:
            os.close(fd)


def _holder_soon(path: str) -> str:
    """The holder's note; a new holder writes it just after locking, so wait a moment for it."""
    import time

    for _ in range(10):
        who = holder(path)
        if who:
            return who
        time.sleep(0.02)
    return ""


@contextmanager
def run_lease(folder: Path, run_id: str, forget: Callable[[], bool] | None = None) -> Iterator[None]:
    """Hold ``run_id``'s lease for the block; ``RunBusy`` at once if another process has it.
    When the last holder in this process lets go and ``forget()`` says the run is over, the
    lease file is removed (a run still recorded as running keeps it: its file is how a later
    process tells that its holder died)."""
    path = lock_path(folder, run_id)
    with _guard:
        if path in _held:
            _held[path][1] += 1
        else:
            _held[path] = [_take(path, run_id), 1]
    try:
        yield
    finally:
        with _guard:
            _held[path][1] -= 1
            if _held[path][1] == 0:
                fd = _held.pop(path)[0]
                try:
                    if forget is not None and forget():
                        os.unlink(path)  # while locked: a waiter on it sees it gone and takes a new one
                except OSError:
                    pass
                finally:
                    os.close(fd)  # closing the descriptor drops the lock


def _take(path: str, run_id: str) -> int:
    """The lock on the file ``path`` names, as a descriptor; ``RunBusy`` if another process has it."""
    folder = os.path.dirname(path)
    if folder not in _folders:
        os.makedirs(folder, exist_ok=True)
        _folders.add(folder)
    for _ in range(100):  # a file removed under us is taken again (a holder ending just now)
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)  # not inherited by child processes
        except FileNotFoundError:  # its folder was removed since
            os.makedirs(folder, exist_ok=True)
            continue
        if not _lock_soon(fd):
            os.close(fd)
            who = _holder_soon(path)
            raise RunBusy(f"run {run_id} is being executed by another process{f' ({who})' if who else ''}; "
                          f"wait for it to end (or stop it), then `agentplat resume {run_id}`")
        if _same_file(fd, path):
            note = f"pid {os.getpid()} on {_host()}\n".encode()
            os.pwrite(fd, note, 0)  # never empty in between, as truncating first would leave it
            os.ftruncate(fd, len(note))
            return fd
        os.close(fd)
    raise RunBusy(f"run {run_id}: its lease file keeps changing under this process; try again")
