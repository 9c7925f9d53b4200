"""The run store: every run, its plan, steps and LLM calls in SQLite, safe across processes.

WAL mode and a bounded busy timeout (``AGENTPLAT_STORE_TIMEOUT`` seconds) let several
``agentplat`` processes write at once. Any SQLite error becomes ``DamagedStore``, whose one line
names the file, the real cause (damaged, locked, read-only, disk full) and the way out; a run
records through ``BestEffortStore``, which warns once and goes on unrecorded. LLM calls
are stored with their responses so a resumed run replays them instead of paying again.
Secrets never reach the store: request headers are not recorded, and values that look
like API keys are masked before anything is written.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import hashlib
import json
import os
import sqlite3
import threading
import time
import warnings
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator, overload

from .._common.errors import AgentplatError
from .._common.jsondata import dumps, loads
from .._common.secrets import redact
from .._common.settings import data_dir, number
from .lease import lock_path, remove_if_free, run_lease, unless_held

SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    run_id TEXT PRIMARY KEY,
    request TEXT NOT NULL,
    status TEXT NOT NULL,
    model TEXT,
    max_parallel INTEGER,
    plan_json TEXT,
    plan_complete INTEGER NOT NULL DEFAULT 0,
    error TEXT,
    answer TEXT,
    llm_calls INTEGER NOT NULL DEFAULT 0,
    prompt_tokens INTEGER NOT NULL DEFAULT 0,
    completion_tokens INTEGER NOT NULL DEFAULT 0,
    started_at REAL NOT NULL,
    ended_at REAL,
    pid INTEGER
);
CREATE INDEX IF NOT EXISTS runs_started ON runs(started_at DESC);
CREATE TABLE IF NOT EXISTS steps (
    run_id TEXT NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE,
    idx INTEGER NOT NULL,
    step_json TEXT NOT NULL,
    status TEXT NOT NULL,
    inputs_json TEXT,
    result_json TEXT,
    error TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    usage_json TEXT,
    started_at REAL,
    ended_at REAL,
    refused_json TEXT,
    approvals_json TEXT,
    calls_json TEXT,
    PRIMARY KEY (run_id, idx)
);
CREATE TABLE IF NOT EXISTS llm_calls (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id TEXT NOT NULL,
    step_index INTEGER,
    role TEXT NOT NULL,
    model TEXT,
    request_hash TEXT NOT NULL,
    request_json TEXT NOT NULL,
    response_json TEXT NOT NULL,
    prompt_tokens INTEGER NOT NULL DEFAULT 0,
    completion_tokens INTEGER NOT NULL DEFAULT 0,
    latency REAL,
    created_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS llm_calls_lookup ON llm_calls(run_id, request_hash, id);
CREATE TABLE IF NOT EXISTS tags (
    run_id TEXT NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (run_id, key)
);
"""

#: Columns added since the first release: a store made before gets them when opened
#: (``ALTER TABLE ... ADD COLUMN``: additive, so older agentplat versions still read it).
ADDED_COLUMNS = {"steps": {"refused_json": "TEXT", "approvals_json": "TEXT", "calls_json": "TEXT", "round": "INTEGER"},
                 "runs": {"role_models_json": "TEXT", "planner": "TEXT", "rounds": "INTEGER", "decisions_json": "TEXT",
                          "attachments_json": "TEXT"}}


def request_hash(request: dict[str, Any]) -> str:
    """Identity of an LLM request: the same conversation sent again gets the same hash."""
    canonical = json.dumps(request, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def store_path() -> Path:
    return data_dir() / "runs.db"


def store_timeout() -> float:
    """How long a write waits for another process's lock before giving up (seconds)."""
    return number("AGENTPLAT_STORE_TIMEOUT", 10.0, unit="seconds")


def _cause(path: Path, exc: BaseException) -> tuple[str, str]:
    """(cause, what to do) for an error of the store at ``path``, from SQLite's words or errno."""
    text = str(exc).lower()
    code = getattr(exc, "errno", None)
    if "malformed" in text or "not a database" in text or "corrupt" in text:
        return "damaged", (f'recover it with: sqlite3 {path} ".recover" | sqlite3 fixed.db (then put fixed.db in '
                           f"its place), or move it aside (e.g. to {path.name}.bad) and agentplat starts a new one")
    if "locked" in text or "busy" in text:
        return "locked", (f"another process holds it longer than {store_timeout():g} s; wait for it, or raise "
                          "AGENTPLAT_STORE_TIMEOUT")
    if "readonly" in text or "read-only" in text or code in (errno.EROFS, errno.EACCES, errno.EPERM) or (
            "unable to open" in text and not os.access(path.parent, os.W_OK)):
        return "read-only", ("make the file and its folder writable, or set AGENTPLAT_HOME to a writable folder")
    if "full" in text or code in (errno.ENOSPC, errno.EDQUOT) or _no_space(path):
        return "disk full", "free space on its disk, or set AGENTPLAT_HOME to a folder on another disk"
    return "unusable", f"move it aside (e.g. to {path.name}.bad) and agentplat starts a new one"


def _no_space(path: Path) -> bool:
    """The store's disk has no block left (SQLite then often says only "disk I/O error")."""
    try:
        return os.statvfs(path.parent).f_bavail == 0
    except (OSError, AttributeError):  # no folder, or no statvfs (Windows)
        return False


class DamagedStore(AgentplatError):
    """The run store cannot be used; the message says which file, why (``cause``: damaged,
    locked, read-only, disk full, unusable) and what to do, in one line."""

    def __init__(self, path: Path, exc: BaseException):
        self.cause, advice = _cause(path, exc)
        reason = " ".join(str(exc).split()) or type(exc).__name__
        state = {"disk full": "is on a full disk", "unusable": "cannot be used"}.get(self.cause, f"is {self.cause}")
        super().__init__(f"the run store {path} {state} ({reason}); {advice}")
        self.path = path


def _sqlite_errors(method):
    """Any SQLite (or file) error of ``method`` becomes a ``DamagedStore`` naming the file."""

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        try:
            return method(self, *args, **kwargs)
        except (sqlite3.Error, OSError) as exc:
            raise DamagedStore(self.path, exc) from exc

    return wrapper


class RunStore:
    """Thread-safe (a connection per thread) and process-safe (WAL + busy timeout)."""

    def __init__(self, path: Path | str | None = None):
        self.path = Path(path) if path else store_path()
        self.timeout = store_timeout()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise DamagedStore(self.path, exc) from exc
        self._local = threading.local()
        self._initialise()

    def _initialise(self) -> None:
        """Create the schema. Switching a new file to WAL takes an exclusive lock that SQLite
        may refuse at once (no busy wait) while other processes create it too: retry."""
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                self._connection().executescript(SCHEMA)  # idempotent
                self._add_columns()
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() > deadline:
                    raise DamagedStore(self.path, exc) from exc
                self._local.conn = None
                time.sleep(0.05)
            except (sqlite3.Error, OSError) as exc:  # a truncated or overwritten file, a read-only disk
                raise DamagedStore(self.path, exc) from exc

    def _add_columns(self) -> None:
        conn = self._connection()
        for table, columns in ADDED_COLUMNS.items():
            have = {row["name"] for row in conn.execute(f"PRAGMA table_info({table})")}
            for name, kind in columns.items():
                if name not in have:
                    try:
                        conn.execute(f"ALTER TABLE {table} ADD COLUMN {name} {kind}")
                    except sqlite3.OperationalError as exc:  # another process added it just now
                        if "duplicate column" not in str(exc):
                            raise

    def _connection(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, timeout=self.timeout, isolation_level=None, check_same_thread=False)
            conn.row_factory = sqlite3.Row
            self._local.conn = conn
            conn.execute(f"PRAGMA busy_timeout={int(self.timeout * 1000)}")
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA foreign_keys=ON")
            self._local.conn = conn
        return conn

    @contextmanager
    def connect(self) -> Iterator[sqlite3.Connection]:
        """A transaction (BEGIN IMMEDIATE, so writers queue instead of failing)."""
        conn = self._connection()
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
            conn.execute("COMMIT")
        except BaseException:
            with contextlib.suppress(sqlite3.Error):  # the first error is the one to report
                conn.execute("ROLLBACK")
            raise

    def _write(self, sql: str, params: tuple) -> None:
        """One statement, its own transaction: SQLite makes a lone statement atomic and takes
        the write lock with the busy timeout, so BEGIN/COMMIT around it would only cost two
        more round trips (every step event is one of these)."""
        self._connection().execute(sql, params)

    # -- runs ---------------------------------------------------------------------------

    def lease(self, run_id: str):
        """Hold the run for this process (see ``lease``): ``RunBusy`` if another has it. Its
        lease file goes when the run is recorded as over."""
        return run_lease(self.path.parent, run_id, forget=lambda: self._over(run_id))

    def _over(self, run_id: str) -> bool:
        try:
            row = self._connection().execute("SELECT status FROM runs WHERE run_id=?", (run_id,)).fetchone()
        except sqlite3.Error:  # unreadable: keep the file, it may yet tell that the run died
            return False
        return row is None or row["status"] != "running"

    def prune_locks(self) -> int:
        """Remove lease files no process holds whose run is over (or unknown): what runs killed
        before they were recorded as interrupted, or an older agentplat, left behind."""
        folder = os.path.dirname(lock_path(self.path.parent, "x"))
        try:
            names = [n[:-5] for n in os.listdir(folder) if n.endswith(".lock")]
        except OSError:
            return 0
        if not names:
            return 0
        try:
            running = {r["run_id"] for r in self._connection().execute("SELECT run_id FROM runs WHERE status='running'")}
        except sqlite3.Error:
            return 0
        return sum(remove_if_free(self.path.parent, name) for name in names if name not in running)

    @_sqlite_errors
    def create_run(self, run_id: str, request: str, *, model: str, max_parallel: int,
                   tags: dict[str, str] | None = None, role_models: dict[str, str] | None = None,
                   attachments: list[dict[str, Any]] | None = None) -> None:
        """``role_models``: the model name each role's calls use (``{"planner": "gpt-4o", ...}``),
        so a resume asks the very same models whatever config.toml says by then.
        ``attachments``: each file's name, source, type, size and hash (never its content)."""
        statements = [(
            "INSERT INTO runs (run_id, request, status, model, max_parallel, started_at, pid, role_models_json,"
            " attachments_json) VALUES (?, ?, 'running', ?, ?, ?, ?, ?, ?)",
            (run_id, redact(request), model, max_parallel, time.time(), os.getpid(),
             dumps(role_models) if role_models else None, redact(dumps(attachments)) if attachments else None), False)]
        if tags:
            statements.append(("INSERT INTO tags (run_id, key, value) VALUES (?, ?, ?)",
                               [(run_id, redact(key), redact(value)) for key, value in tags.items()], True))
        self.write(statements)

    @_sqlite_errors
    def mark_running(self, run_id: str) -> None:
        self._write("UPDATE runs SET status='running', ended_at=NULL, error=NULL, pid=? WHERE run_id=?",
                    (os.getpid(), run_id))

    @_sqlite_errors
    def forget_steps(self, run_id: str, after: int = 0) -> None:
        """Drop the steps from index ``after`` on (an incomplete plan, or a round whose decision
        was cut off) before they are planned again."""
        self._write("DELETE FROM steps WHERE run_id=? AND idx>=?", (run_id, after))

    @_sqlite_errors
    def save_decisions(self, run_id: str, decisions: list[dict[str, Any]]) -> None:
        """The joiner's decisions so far; the rounds whose steps are all known follow from them."""
        rounds = 1 + sum(1 for d in decisions if d.get("action") == "continue")
        self._write("UPDATE runs SET decisions_json=?, rounds=? WHERE run_id=?",
                    (redact(dumps(decisions)), rounds, run_id))

    @_sqlite_errors
    def finish_run(self, run_id: str, *, status: str, answer: str | None, error: str | None,
                   usage: dict[str, int]) -> None:
        self.write(run_end(run_id, status=status, answer=answer, error=error, usage=usage))

    @_sqlite_errors
    def get_run(self, run_id: str) -> dict[str, Any] | None:
        """A run by id or by a unique prefix of it."""
        conn = self._connection()
        rows = conn.execute("SELECT * FROM runs WHERE run_id LIKE ? || '%' LIMIT 2", (run_id,)).fetchall()
        if len(rows) != 1:
            return None
        run = dict(rows[0])
        run["tags"] = self.tags(run["run_id"])
        run["role_models"] = loads(run.pop("role_models_json")) if run.get("role_models_json") else {}
        run["decisions"] = loads(run.pop("decisions_json")) if run.get("decisions_json") else []
        run["attachments"] = loads(run.pop("attachments_json")) if run.get("attachments_json") else []
        return self._settled(run)

    def _settled(self, run: dict[str, Any]) -> dict[str, Any]:
        """A run recorded as running whose lease no process holds was killed (SIGKILL, a
        crash, a power cut): it is recorded as interrupted now, so listings tell the truth
        and ``resume`` is offered."""
        if run["status"] != "running":
            return run
        with unless_held(self.path.parent, run["run_id"]) as dead:
            if dead:
                error = "its process ended before the run did (killed?)"
                self.finish_run(run["run_id"], status="interrupted", answer=run.get("answer"), error=error,
                                usage={"llm_calls": run.get("llm_calls") or 0,
                                       "prompt_tokens": run.get("prompt_tokens") or 0,
                                       "completion_tokens": run.get("completion_tokens") or 0})
                run.update(status="interrupted", error=error)
        if dead:
            remove_if_free(self.path.parent, run["run_id"])  # its news is recorded; resume takes a new one
        return run

    @_sqlite_errors
    def tags(self, run_id: str) -> dict[str, str]:
        rows = self._connection().execute("SELECT key, value FROM tags WHERE run_id=?", (run_id,)).fetchall()
        return {r["key"]: r["value"] for r in rows}

    @_sqlite_errors
    def list_runs(self, *, limit: int = 20, status: str | None = None,
                  tags: dict[str, str] | None = None) -> list[dict[str, Any]]:
        sql = "SELECT * FROM runs"
        where, params = [], []
        if status:
            where.append("status = ?")
            params.append(status)
        for key, value in (tags or {}).items():
            where.append("run_id IN (SELECT run_id FROM tags WHERE key=? AND value=?)")
            params += [redact(key), redact(value)]  # stored masked: a tag holding a key is found by it
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY started_at DESC, rowid DESC LIMIT ?"
        params.append(limit)
        runs = [dict(r) for r in self._connection().execute(sql, params).fetchall()]
        for run in runs:
            run["tags"] = self.tags(run["run_id"])
            self._settled(run)
        return [r for r in runs if not status or r["status"] == status]

    # -- steps --------------------------------------------------------------------------

    @_sqlite_errors
    def save_step(self, run_id: str, index: int, step_json: dict, round_number: int = 1) -> None:
        self.write([step_rows(run_id, [(index, step_json, round_number)])])

    @_sqlite_errors
    def update_step(self, run_id: str, index: int, outcome, inputs: Any = None) -> None:
        self.write([step_update(run_id, index, outcome, inputs)])

    @_sqlite_errors
    def write(self, statements: list[tuple[str, Any, bool]]) -> None:
        """``(sql, params, many)`` statements (``step_rows``, ``step_update``, ``plan_update``) in
        one transaction: a run's recorder writes what happened together."""
        if not statements:
            return
        if len(statements) == 1 and not statements[0][2]:
            self._write(statements[0][0], statements[0][1])
            return
        with self.connect() as db:
            for sql, params, many in statements:
                (db.executemany if many else db.execute)(sql, params)

    @_sqlite_errors
    def steps(self, run_id: str) -> list[dict[str, Any]]:
        rows = self._connection().execute(
            "SELECT * FROM steps WHERE run_id=? ORDER BY idx", (run_id,)).fetchall()
        out = []
        for row in rows:
            data = dict(row)
            data["step"] = loads(data.pop("step_json"))
            data["result"] = loads(data.pop("result_json")) if data["result_json"] is not None else None
            data["inputs"] = loads(data.pop("inputs_json")) if data["inputs_json"] is not None else None
            data["usage"] = loads(data.pop("usage_json")) if data["usage_json"] else {}
            data["refused"] = loads(data.pop("refused_json")) if data.get("refused_json") else []
            data["approvals"] = loads(data.pop("approvals_json")) if data.get("approvals_json") else []
            data["calls"] = loads(data.pop("calls_json")) if data.get("calls_json") else []
            out.append(data)
        return out

    # -- LLM calls ----------------------------------------------------------------------

    @_sqlite_errors
    def record_llm_call(self, run_id: str, *, step_index: int | None, role: str, model: str,
                        request: dict[str, Any], response: dict[str, Any], latency: float) -> None:
        self._write(
            "INSERT INTO llm_calls (run_id, step_index, role, model, request_hash, request_json,"
            " response_json, prompt_tokens, completion_tokens, latency, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (run_id, step_index, role, model, request_hash(request), redact(dumps(request)),
             redact(dumps(response)), int(response.get("prompt_tokens") or 0),
             int(response.get("completion_tokens") or 0), latency, time.time()),
        )

    @_sqlite_errors
    def recorded_responses(self, run_id: str, request: dict[str, Any]) -> list[dict[str, Any]]:
        """Responses already received for this exact request in this run, oldest first."""
        rows = self._connection().execute(
            "SELECT response_json FROM llm_calls WHERE run_id=? AND request_hash=? ORDER BY id",
            (run_id, request_hash(request))).fetchall()
        return [json.loads(r["response_json"]) for r in rows]

    @_sqlite_errors
    def llm_calls(self, run_id: str) -> list[dict[str, Any]]:
        rows = self._connection().execute(
            "SELECT id, step_index, role, model, prompt_tokens, completion_tokens, latency, created_at"
            " FROM llm_calls WHERE run_id=? ORDER BY id", (run_id,)).fetchall()
        return [dict(r) for r in rows]


def step_rows(run_id: str, steps: list[tuple[int, dict | str, int]]) -> tuple[str, list, bool]:
    """Steps planned ``(index, step, round)``, as waiting rows (a step planned again replaces
    its row: a resumed run's last round). A step may come as its masked JSON text already."""
    return ("INSERT INTO steps (run_id, idx, step_json, status, round) VALUES (?, ?, ?, 'waiting', ?)"
            " ON CONFLICT(run_id, idx) DO UPDATE SET step_json=excluded.step_json, round=excluded.round",
            [(run_id, index, step if isinstance(step, str) else redact(dumps(step)), round_number)
             for index, step, round_number in steps], True)


def step_update(run_id: str, index: int, outcome, inputs: Any = None) -> tuple[str, tuple, bool]:
    """A step's progress (``outcome``: its ``StepResult``); ``inputs`` as it starts."""
    return (
        "UPDATE steps SET status=?, result_json=?, error=?, attempts=?, usage_json=?, started_at=?,"
        " ended_at=?, inputs_json=COALESCE(?, inputs_json), refused_json=?, approvals_json=?, calls_json=?"
        " WHERE run_id=? AND idx=?",
        (outcome.status, redact(dumps(outcome.result)) if outcome.status == "succeeded" else None,
         redact(outcome.error) if outcome.error else None, outcome.attempts, dumps(outcome.usage),
         outcome.started_at, outcome.ended_at, redact(dumps(inputs)) if inputs is not None else None,
         redact(dumps(refused)) if (refused := getattr(outcome, "refused", None)) else None,
         redact(dumps(approvals)) if (approvals := getattr(outcome, "approvals", None)) else None,
         redact(dumps(calls)) if (calls := getattr(outcome, "calls", None)) else None,
         run_id, index),
        False,
    )


def run_end(run_id: str, *, status: str, answer: str | None, error: str | None,
            usage: dict[str, int]) -> list[tuple[str, tuple, bool]]:
    """How a run ended; no step is left looking alive, whatever ended it."""
    ended = ("UPDATE runs SET status=?, answer=?, error=?, llm_calls=?, prompt_tokens=?, completion_tokens=?,"
             " ended_at=? WHERE run_id=?",
             (status, redact(answer or ""), redact(error) if error else None, usage.get("llm_calls", 0),
              usage.get("prompt_tokens", 0), usage.get("completion_tokens", 0), time.time(), run_id), False)
    if status == "interrupted":
        steps = ("UPDATE steps SET status='interrupted', error='interrupted' "
                 "WHERE run_id=? AND status IN ('running', 'waiting')", (run_id,), False)
    else:
        steps = ("UPDATE steps SET status=CASE status WHEN 'running' THEN 'failed' ELSE 'skipped' END,"
                 " error=COALESCE(error, ?) WHERE run_id=? AND status IN ('running', 'waiting')",
                 (f"cancelled: the run {status}" + (f": {redact(error)}" if error else ""), run_id), False)
    return [ended, steps]


def plan_update(run_id: str, plan: dict | str, planner: str = "") -> tuple[str, tuple, bool]:
    """The whole plan, known now (or its masked JSON text)."""
    return ("UPDATE runs SET plan_json=?, plan_complete=1, planner=COALESCE(NULLIF(?, ''), planner) WHERE run_id=?",
            (plan if isinstance(plan, str) else redact(dumps(plan)), planner, run_id), False)


class StoreWarning(UserWarning):
    """A run's recording stopped: the store failed (the message says which file and why)."""


#: What a read returns once the store failed: nothing recorded.
_NOTHING = {"steps": list, "llm_calls": list, "recorded_responses": list, "list_runs": list, "tags": dict}


class BestEffortStore:
    """A run's view of a store: the first store error is reported once (``on_failure``, by
    default a ``StoreWarning``) and from then on the run goes on unrecorded, so finished work
    and the answer are never lost to a damaged, locked, read-only or full store."""

    def __init__(self, store: RunStore, on_failure=None):
        self.store = store
        self.path = store.path
        self.failure: DamagedStore | None = None
        self._on_failure = on_failure or _warn

    def _failed(self, exc: DamagedStore) -> None:
        if self.failure is None:
            self.failure = exc
            self._on_failure(exc)

    @contextmanager
    def lease(self, run_id: str):
        """The run's lease; a lock folder that cannot be written is a store failure too."""
        with contextlib.ExitStack() as stack:
            if self.failure is None:
                try:
                    stack.enter_context(self.store.lease(run_id))
                except OSError as exc:
                    self._failed(DamagedStore(self.path, exc))
            yield

    def __getattr__(self, name: str):
        attr = getattr(self.store, name)
        if not callable(attr):
            return attr

        def guarded(*args, **kwargs):
            if self.failure is None:
                try:
                    return attr(*args, **kwargs)
                except DamagedStore as exc:
                    self._failed(exc)
            return _NOTHING[name]() if name in _NOTHING else None

        return guarded


def _warn(exc: DamagedStore) -> None:
    warnings.warn(f"{exc}; the run goes on unrecorded", StoreWarning, stacklevel=2)


def best_effort(store, on_failure=None):
    """``store`` for recording a run (``None`` stays ``None``; one already wrapped is kept)."""
    if store is None or isinstance(store, BestEffortStore):
        return store
    return BestEffortStore(store, on_failure)


_stores: dict[Path, RunStore] = {}
_stores_lock = threading.Lock()


@overload
def run_store() -> RunStore: ...
@overload
def run_store(*, damaged_ok: bool) -> RunStore | None: ...


def run_store(*, damaged_ok: bool = False) -> RunStore | None:
    """The store of the current ``AGENTPLAT_HOME``, the one ``agentplat runs`` and ``show`` read
    (one object per path in this process); pass it to ``run_request(store=...)``.

    A damaged store file raises ``DamagedStore`` (its message says what to do); with
    ``damaged_ok`` it is ``None`` instead, for a caller whose runs work without a history.
    """
    path = store_path()
    try:
        with _stores_lock:
            if path not in _stores:
                _stores[path] = RunStore(path)
                _stores[path].prune_locks()  # once per process: what killed runs left behind
            return _stores[path]
    except DamagedStore:
        if damaged_ok:
            return None
        raise

