"""The workspace's database: jobs, runs, task runs, clusters and workspace objects in SQLite.

Every change is one transaction; a connection per thread. File contents live on disk beside it.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator

SCHEMA = """
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS jobs (
    job_id INTEGER PRIMARY KEY, settings TEXT NOT NULL, created_time INTEGER NOT NULL,
    creator_user_name TEXT NOT NULL, deleted INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS runs (
    run_id INTEGER PRIMARY KEY, job_id INTEGER, number_in_job INTEGER, run_type TEXT NOT NULL,
    run_name TEXT, trigger TEXT NOT NULL, launched_by TEXT NOT NULL, spec TEXT NOT NULL,
    overriding_parameters TEXT, life_cycle_state TEXT NOT NULL, result_state TEXT,
    state_message TEXT NOT NULL DEFAULT '', start_time INTEGER NOT NULL, setup_duration INTEGER NOT NULL DEFAULT 0,
    execution_duration INTEGER NOT NULL DEFAULT 0, end_time INTEGER NOT NULL DEFAULT 0,
    creator_user_name TEXT NOT NULL, repair_history TEXT NOT NULL DEFAULT '[]',
    cancel_requested INTEGER NOT NULL DEFAULT 0);
CREATE INDEX IF NOT EXISTS runs_by_job ON runs (job_id, run_id);
CREATE TABLE IF NOT EXISTS task_runs (
    task_run_id INTEGER PRIMARY KEY, run_id INTEGER NOT NULL, task_key TEXT NOT NULL,
    attempt_number INTEGER NOT NULL DEFAULT 0, repair_id INTEGER, life_cycle_state TEXT NOT NULL,
    result_state TEXT, state_message TEXT NOT NULL DEFAULT '', start_time INTEGER NOT NULL DEFAULT 0,
    setup_duration INTEGER NOT NULL DEFAULT 0, execution_duration INTEGER NOT NULL DEFAULT 0,
    end_time INTEGER NOT NULL DEFAULT 0, cluster_id TEXT, pid INTEGER, exit_code INTEGER,
    error TEXT, error_trace TEXT, notebook_result TEXT, current INTEGER NOT NULL DEFAULT 1);
CREATE INDEX IF NOT EXISTS task_runs_by_run ON task_runs (run_id, task_key);
CREATE TABLE IF NOT EXISTS clusters (
    cluster_id TEXT PRIMARY KEY, run_id INTEGER, cluster_name TEXT NOT NULL, spec TEXT NOT NULL,
    state TEXT NOT NULL, state_message TEXT NOT NULL DEFAULT '', pid INTEGER, spark_port INTEGER,
    start_time INTEGER NOT NULL, terminated_time INTEGER NOT NULL DEFAULT 0, cluster_source TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS cluster_events (
    cluster_id TEXT NOT NULL, timestamp INTEGER NOT NULL, type TEXT NOT NULL, details TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS cluster_events_by_cluster ON cluster_events (cluster_id, timestamp);
CREATE TABLE IF NOT EXISTS cluster_libraries (
    cluster_id TEXT NOT NULL, library TEXT NOT NULL, status TEXT NOT NULL, messages TEXT NOT NULL DEFAULT '[]',
    position INTEGER NOT NULL, PRIMARY KEY (cluster_id, library));
CREATE TABLE IF NOT EXISTS task_run_results (
    task_run_id INTEGER PRIMARY KEY, task_values TEXT NOT NULL DEFAULT '{}', outcome TEXT,
    resolved_values TEXT, child_run_id INTEGER);
CREATE TABLE IF NOT EXISTS workspace_objects (
    path TEXT PRIMARY KEY, object_type TEXT NOT NULL, language TEXT, object_id INTEGER NOT NULL,
    created_at INTEGER NOT NULL, modified_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS uc_objects (
    kind TEXT NOT NULL, full_name TEXT NOT NULL, parent TEXT, info TEXT NOT NULL, PRIMARY KEY (kind, full_name));
"""


class _Lease:
    """A thread's hold on a connection, given back to the idle ones when the thread ends (and its
    thread-local values with it)."""

    __slots__ = ("conn", "idle")

    def __init__(self, conn: sqlite3.Connection, idle: list[sqlite3.Connection]):
        self.conn, self.idle = conn, idle

    def __del__(self):
        self.idle.append(self.conn)


class Database:
    def __init__(self, path: Path):
        self.path = Path(path)
        self._local = threading.local()
        # Each HTTP request runs in a thread of its own: a new connection's first statement costs
        # about 0.3 ms of CPU (SQLite reads the schema and maps the WAL index), a tenth to a quarter
        # of a request. A thread takes an idle connection if there is one; never two threads at once.
        self._idle: list[sqlite3.Connection] = []
        self._write_lock = threading.RLock()
        with self._write_lock:
            self._connection().executescript(SCHEMA)  # its own transaction

    def _open(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        return conn

    def _connection(self) -> sqlite3.Connection:
        lease = getattr(self._local, "lease", None)
        if lease is None:
            try:
                conn = self._idle.pop()
            except IndexError:
                conn = self._open()
            lease = self._local.lease = _Lease(conn, self._idle)
        return lease.conn

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: committed on success, rolled back on any error."""
        conn = self._connection()
        with self._write_lock:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def query(self, sql: str, params: tuple = ()) -> list[sqlite3.Row]:
        return self._connection().execute(sql, params).fetchall()

    def one(self, sql: str, params: tuple = ()) -> sqlite3.Row | None:
        return self._connection().execute(sql, params).fetchone()

    def next_id(self, conn: sqlite3.Connection, name: str, start: int = 1) -> int:
        row = conn.execute("SELECT value FROM counters WHERE name = ?", (name,)).fetchone()
        value = start if row is None else row["value"] + 1
        conn.execute("INSERT OR REPLACE INTO counters (name, value) VALUES (?, ?)", (name, value))
        return value

    def close(self) -> None:
        """Closes this thread's connection and the idle ones (a thread still running keeps its own)."""
        self._local.lease = None  # its connection joins the idle ones
        while self._idle:
            self._idle.pop().close()


def dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), sort_keys=True)
