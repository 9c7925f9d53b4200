"""A run store that is damaged, locked, read-only or on a full disk never costs a run its work:
the run warns in one line (the file, the real cause) and goes on unrecorded; ``runs``/``show``
say how to recover. Each cause is produced for real (a corrupt page, a lock held by another
process, a read-only mount and a full filesystem in a private mount namespace)."""

from __future__ import annotations

import shlex
import shutil
import sqlite3
import subprocess
import sys
import time

import pytest

from agentplat.testing import cli_command, run_cli

ENV = {"AGENTPLAT_MODEL": "offline", "AGENTPLAT_ENGINE": "inline"}


def recorded_store(home):
    """A real store with one run in it."""
    first = run_cli("run", "Add 3 and 4", env=ENV)
    assert first.code == 0, first.stderr
    return home / "runs.db"


def test_a_corrupt_page_behind_a_valid_header_warns_and_the_run_goes_on(home):
    db = recorded_store(home)
    with open(db, "r+b") as f:  # pages 2.. (the tables' roots) overwritten, page 1 (header, schema) intact
        f.seek(4096)
        f.write(b"\xa5" * 4096 * 4)
    result = run_cli("run", "Add 5 and 6", env=ENV)
    assert result.code == 0 and "Answer: 11" in result.stdout, result.stderr
    [warning] = result.stderr.strip().splitlines()
    assert warning.startswith(f"agentplat: warning: the run store {db} is damaged (database disk image is malformed)")
    assert warning.endswith("this run is not recorded")
    failing = run_cli("run", "Divide 1 by 0", env=ENV)  # the exit status is the run's own
    assert failing.code == 1 and "division by zero" in failing.stderr.lower() and "is damaged" in failing.stderr
    for command in (["runs"], ["show", "abc"]):
        listed = run_cli(*command, env=ENV)
        assert listed.code == 1
        [line] = listed.stderr.strip().splitlines()
        assert line.startswith(f"agentplat: error: the run store {db} is damaged")
        assert f'sqlite3 {db} ".recover" | sqlite3 fixed.db' in line and "move it aside" in line


HOLD = """
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("BEGIN EXCLUSIVE")
db.execute("INSERT INTO tags VALUES ('x', 'k', 'v')")
print("held", flush=True)
sys.stdin.readline()  # until the test is done (or its end closes the pipe)
"""


def test_a_lock_held_past_the_bound_warns_and_the_run_goes_on(home):
    db = recorded_store(home)
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(db)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        started = time.monotonic()
        result = run_cli("run", "Add 5 and 6", env={**ENV, "AGENTPLAT_STORE_TIMEOUT": "1"}, timeout=60)
        took = time.monotonic() - started
    finally:
        holder.stdin.close()
        holder.wait(timeout=10)
    assert result.code == 0 and "Answer: 11" in result.stdout, result.stderr
    [warning] = result.stderr.strip().splitlines()
    assert warning.startswith(f"agentplat: warning: the run store {db} is locked (database is locked)")
    assert "AGENTPLAT_STORE_TIMEOUT" in warning
    assert took < 15, f"the run waited {took:.1f}s for a lock bounded at 1 s"


def test_the_lock_bound_is_a_checked_setting():
    result = run_cli("runs", env={"AGENTPLAT_STORE_TIMEOUT": "soon"})
    assert result.code == 1
    assert result.stderr.strip() == "agentplat: error: AGENTPLAT_STORE_TIMEOUT must be a number of seconds, not 'soon'"


def in_private_mount(script: str, tmp_path) -> subprocess.CompletedProcess:
    """``script`` (sh) as root of a user + mount namespace with a 2 MB tmpfs at $D; skipped where
    the kernel allows no unprivileged namespaces."""
    if not shutil.which("unshare"):
        pytest.skip("no unshare here")
    probe = subprocess.run(["unshare", "-rm", "true"], capture_output=True)
    if probe.returncode:
        pytest.skip(f"no user namespaces here: {probe.stderr.decode().strip()}")
    mount = tmp_path / "mnt"
    mount.mkdir()
    agentplat = shlex.join(cli_command())
    full = (f"set -e; D={shlex.quote(str(mount))}; mount -t tmpfs -o size=2m none $D; "
            f"export AGENTPLAT_HOME=$D/home AGENTPLAT_MODEL=offline AGENTPLAT_ENGINE=inline; "
            f"{agentplat} run 'Add 3 and 4' >/dev/null; {script.replace('AGENTPLAT', agentplat)}")
    return subprocess.run(["unshare", "-rm", "sh", "-c", full], capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize(("breakage", "cause", "advice"), [
    ("mount -o remount,ro $D", "is read-only", "make the file and its folder writable"),
    ("dd if=/dev/zero of=$D/filler bs=4k 2>/dev/null || true", "is on a full disk", "free space on its disk"),
])
def test_a_read_only_or_full_store_warns_with_its_cause_and_the_run_goes_on(tmp_path, breakage, cause, advice):
    done = in_private_mount(f"{breakage}; AGENTPLAT run 'Add 5 and 6'; echo exit=$?; AGENTPLAT runs || echo exit=$?",
                            tmp_path)
    assert "Answer: 11" in done.stdout and "exit=0" in done.stdout, done.stderr
    assert "exit=1" in done.stdout
    warning, error = done.stderr.strip().splitlines()
    assert warning.startswith(f"agentplat: warning: the run store {tmp_path}/mnt/home/runs.db {cause} (")
    assert advice in warning and warning.endswith("this run is not recorded")
    assert error.startswith(f"agentplat: error: the run store {tmp_path}/mnt/home/runs.db {cause} (") and advice in error


def test_sqlites_own_words_map_to_the_cause(tmp_path):
    """The exceptions a real SQLite raises for each cause, as the store words them."""
    from agentplat._store.runs import DamagedStore

    db = tmp_path / "runs.db"
    sqlite3.connect(db).executescript("CREATE TABLE t (x); INSERT INTO t VALUES (1);").close()

    def cause(connect, sql):
        with pytest.raises(sqlite3.Error) as raised:
            connect().execute(sql)
        return DamagedStore(db, raised.value).cause

    assert cause(lambda: sqlite3.connect(f"file:{db}?mode=ro", uri=True), "INSERT INTO t VALUES (2)") == "read-only"

    def tiny():
        conn = sqlite3.connect(db)
        conn.execute("PRAGMA max_page_count=2")
        return conn
    assert cause(tiny, "INSERT INTO t VALUES (zeroblob(100000))") == "disk full"
    held = sqlite3.connect(db, isolation_level=None)
    held.execute("BEGIN EXCLUSIVE")
    assert cause(lambda: sqlite3.connect(db, timeout=0.1), "SELECT * FROM t") == "locked"
    held.execute("ROLLBACK")


def test_a_library_run_warns_once_and_returns_its_result(home):
    import asyncio

    from agentplat import run_request
    from agentplat._store.runs import StoreWarning
    from agentplat.extend import run_store

    with open(recorded_store(home), "r+b") as f:
        f.seek(4096)
        f.write(b"\xa5" * 4096 * 4)
    store = run_store()
    with pytest.warns(StoreWarning, match="is damaged") as caught:
        result = asyncio.run(run_request("Add 5 and 6", model="offline", engine="inline", store=store))
    assert result.status == "succeeded" and result.answer == "11"
    assert len(caught) == 1
