"""The run store: every run, its plan, steps and LLM calls in SQLite, safe across processes.

WAL mode and a busy timeout let several ``agentplat`` processes write at once. LLM calls
are stored with their responses so a resumed run replays them instead of paying again.
Secrets never reach the store: request headers are not recorded, and values that look
like API keys are masked before anything is written.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator, overload

from .._common.errors import AgentplatError
from .._common.jsondata import dumps, loads
from .._common.secrets import redact
from .._common.settings import data_dir
from .lease import run_lease, unless_held

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
ADDED_COLUMNS = {"steps": {"refused_json": "TEXT", "approvals_json": "TEXT"}}


def request_hash(request: dict[str, Any]) -> str:
    """Identity of an LLM request: the same conversation sent again gets the same hash."""
    canonical = json.dumps(request, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def store_path() -> Path:
    return data_dir() / "runs.db"


class DamagedStore(AgentplatError):
    """The run store's file cannot be used; the message says which file and what to do."""

    def __init__(self, path: Path, exc: Exception):
        super().__init__(f"the run store {path} cannot be used ({exc}); move it aside (e.g. to {path.name}.bad) "
                         "and agentplat starts a new one")
        self.path = path


class RunStore:
    """Thread-safe (a connection per thread) and process-safe (WAL + busy timeout)."""

    def __init__(self, path: Path | str | None = None):
        self.path = Path(path) if path else store_path()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self._initialise()

    def _initialise(self) -> None:
        """Create the schema. Switching a new file to WAL takes an exclusive lock that SQLite
        may refuse at once (no busy wait) while other processes create it too: retry."""
        deadline = time.monotonic() + 30
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
            except sqlite3.DatabaseError as exc:  # a truncated or overwritten file
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
            conn = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
            conn.row_factory = sqlite3.Row
            self._local.conn = conn
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA busy_timeout=30000")
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
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")

    # -- runs ---------------------------------------------------------------------------

    def lease(self, run_id: str):
        """Hold the run for this process (see ``lease``): ``RunBusy`` if another has it."""
        return run_lease(self.path.parent, run_id)

    def create_run(self, run_id: str, request: str, *, model: str, max_parallel: int,
                   tags: dict[str, str] | None = None) -> None:
        with self.connect() as db:
            db.execute(
                "INSERT INTO runs (run_id, request, status, model, max_parallel, started_at, pid)"
                " VALUES (?, ?, 'running', ?, ?, ?, ?)",
                (run_id, redact(request), model, max_parallel, time.time(), os.getpid()),
            )
            for key, value in (tags or {}).items():
                db.execute("INSERT INTO tags (run_id, key, value) VALUES (?, ?, ?)",
                           (run_id, redact(key), redact(value)))

    def mark_running(self, run_id: str) -> None:
        with self.connect() as db:
            db.execute("UPDATE runs SET status='running', ended_at=NULL, error=NULL, pid=? WHERE run_id=?",
                       (os.getpid(), run_id))

    def forget_steps(self, run_id: str) -> None:
        """Drop the steps of an incomplete plan before the run is planned again."""
        with self.connect() as db:
            db.execute("DELETE FROM steps WHERE run_id=?", (run_id,))

    def save_plan(self, run_id: str, plan_json: dict, complete: bool) -> None:
        with self.connect() as db:
            db.execute("UPDATE runs SET plan_json=?, plan_complete=? WHERE run_id=?",
                       (redact(dumps(plan_json)), int(complete), run_id))

    def finish_run(self, run_id: str, *, status: str, answer: str | None, error: str | None,
                   usage: dict[str, int]) -> None:
        with self.connect() as db:
            db.execute(
                "UPDATE runs SET status=?, answer=?, error=?, llm_calls=?, prompt_tokens=?,"
                " completion_tokens=?, ended_at=? WHERE run_id=?",
                (status, redact(answer or ""), redact(error) if error else None, usage.get("llm_calls", 0),
                 usage.get("prompt_tokens", 0), usage.get("completion_tokens", 0), time.time(), run_id),
            )
            if status == "interrupted":
                db.execute("UPDATE steps SET status='interrupted', error='interrupted' "
                           "WHERE run_id=? AND status IN ('running', 'waiting')", (run_id,))
            else:  # a run that ended leaves no step looking alive, whatever ended it
                db.execute("UPDATE steps SET status=CASE status WHEN 'running' THEN 'failed' ELSE 'skipped' END,"
                           " error=COALESCE(error, ?) WHERE run_id=? AND status IN ('running', 'waiting')",
                           (f"cancelled: the run {status}" + (f": {redact(error)}" if error else ""), run_id))

    def get_run(self, run_id: str) -> dict[str, Any] | None:
        """A run by id or by a unique prefix of it."""
        conn = self._connection()
        rows = conn.execute("SELECT * FROM runs WHERE run_id LIKE ? || '%' LIMIT 2", (run_id,)).fetchall()
        if len(rows) != 1:
            return None
        run = dict(rows[0])
        run["tags"] = self.tags(run["run_id"])
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
        return run

    def tags(self, run_id: str) -> dict[str, str]:
        rows = self._connection().execute("SELECT key, value FROM tags WHERE run_id=?", (run_id,)).fetchall()
        return {r["key"]: r["value"] for r in rows}

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

    def save_step(self, run_id: str, index: int, step_json: dict) -> None:
        with self.connect() as db:
            db.execute(
                "INSERT INTO steps (run_id, idx, step_json, status) VALUES (?, ?, ?, 'waiting')"
                " ON CONFLICT(run_id, idx) DO UPDATE SET step_json=excluded.step_json",
                (run_id, index, redact(dumps(step_json))),
            )

    def update_step(self, run_id: str, index: int, outcome, inputs: Any = None) -> None:
        with self.connect() as db:
            db.execute(
                "UPDATE steps SET status=?, result_json=?, error=?, attempts=?, usage_json=?, started_at=?,"
                " ended_at=?, inputs_json=COALESCE(?, inputs_json), refused_json=?, approvals_json=?"
                " WHERE run_id=? AND idx=?",
                (outcome.status, redact(dumps(outcome.result)) if outcome.status == "succeeded" else None,
                 redact(outcome.error) if outcome.error else None, outcome.attempts, dumps(outcome.usage),
                 outcome.started_at, outcome.ended_at, redact(dumps(inputs)) if inputs is not None else None,
                 redact(dumps(refused)) if (refused := getattr(outcome, "refused", None)) else None,
                 redact(dumps(approvals)) if (approvals := getattr(outcome, "approvals", None)) else None,
                 run_id, index),
            )

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
            out.append(data)
        return out

    # -- LLM calls ----------------------------------------------------------------------

    def record_llm_call(self, run_id: str, *, step_index: int | None, role: str, model: str,
                        request: dict[str, Any], response: dict[str, Any], latency: float) -> None:
        with self.connect() as db:
            db.execute(
                "INSERT INTO llm_calls (run_id, step_index, role, model, request_hash, request_json,"
                " response_json, prompt_tokens, completion_tokens, latency, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (run_id, step_index, role, model, request_hash(request), redact(dumps(request)),
                 redact(dumps(response)), int(response.get("prompt_tokens") or 0),
                 int(response.get("completion_tokens") or 0), latency, time.time()),
            )

    def recorded_responses(self, run_id: str, request: dict[str, Any]) -> list[dict[str, Any]]:
        """Responses already received for this exact request in this run, oldest first."""
        rows = self._connection().execute(
            "SELECT response_json FROM llm_calls WHERE run_id=? AND request_hash=? ORDER BY id",
            (run_id, request_hash(request))).fetchall()
        return [json.loads(r["response_json"]) for r in rows]

    def llm_calls(self, run_id: str) -> list[dict[str, Any]]:
        rows = self._connection().execute(
            "SELECT id, step_index, role, model, prompt_tokens, completion_tokens, latency, created_at"
            " FROM llm_calls WHERE run_id=? ORDER BY id", (run_id,)).fetchall()
        return [dict(r) for r in rows]


class StoreRecorder:
    """A run listener that writes the plan and every step's progress to the store."""

    def __init__(self, store: RunStore, run_id: str):
        self.store = store
        self.run_id = run_id

    def planned(self, index: int, step) -> None:
        self.store.save_step(self.run_id, index, step.to_json())

    def plan_ready(self, plan) -> None:
        self.store.save_plan(self.run_id, plan.to_json(), complete=True)

    def step_event(self, index: int, outcome) -> None:
        """``outcome`` is the step's ``StepResult``; its inputs are written as it starts."""
        self.store.update_step(self.run_id, index, outcome, outcome.inputs if outcome.status == "running" else None)


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
            return _stores[path]
    except DamagedStore:
        if damaged_ok:
            return None
        raise

