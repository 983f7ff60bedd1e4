"""A durable journal of scanned batches, so that each is processed exactly once, also across
restarts: a batch is keyed by the hash of its contents, and each submission of it is recorded
the moment its results are written. A run interrupted half-way resumes after the last recorded
submission; a batch already finished is never started again, even under another file name.

SQLite (stdlib) in WAL mode with synchronous=FULL: a committed record survives a crash.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS batches ("
    " batch_id TEXT PRIMARY KEY, name TEXT NOT NULL, status TEXT NOT NULL,"
    " started_at TEXT NOT NULL, finished_at TEXT, error TEXT)",
    "CREATE TABLE IF NOT EXISTS batch_submissions ("
    " batch_id TEXT NOT NULL, ref TEXT NOT NULL, row TEXT NOT NULL, done_at TEXT NOT NULL,"
    " PRIMARY KEY (batch_id, ref))",
)

PROCESSING, DONE, FAILED = "processing", "done", "failed"


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


class BatchJournal:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=FULL")
        self._conn.execute("PRAGMA busy_timeout=10000")
        for statement in _SCHEMA:
            self._conn.execute(statement)

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    def status(self, batch_id: str) -> str | None:
        with self._lock:
            row = self._conn.execute(
                "SELECT status FROM batches WHERE batch_id = ?", (batch_id,)
            ).fetchone()
        return str(row[0]) if row else None

    def begin(self, batch_id: str, name: str) -> None:
        """Mark a batch started (a restart of an unfinished one keeps its records)."""
        with self._tx() as c:
            c.execute(
                "INSERT INTO batches (batch_id, name, status, started_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (batch_id) DO UPDATE SET status = excluded.status, error = NULL",
                (batch_id, name, PROCESSING, _now()),
            )

    def finish(self, batch_id: str, status: str, error: str | None = None) -> None:
        with self._tx() as c:
            c.execute(
                "UPDATE batches SET status = ?, finished_at = ?, error = ? WHERE batch_id = ?",
                (status, _now(), error, batch_id),
            )

    def submission(self, batch_id: str, ref: str) -> dict[str, Any] | None:
        """The summary row recorded for a finished submission of the batch, if any."""
        with self._lock:
            row = self._conn.execute(
                "SELECT row FROM batch_submissions WHERE batch_id = ? AND ref = ?",
                (batch_id, ref),
            ).fetchone()
        return json.loads(row[0]) if row else None

    def record(self, batch_id: str, ref: str, row: dict[str, Any]) -> None:
        with self._tx() as c:
            c.execute(
                "INSERT INTO batch_submissions (batch_id, ref, row, done_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (batch_id, ref) DO NOTHING",
                (batch_id, ref, json.dumps(row, ensure_ascii=False), _now()),
            )

    def submissions(self, batch_id: str) -> int:
        with self._lock:
            row = self._conn.execute(
                "SELECT count(*) FROM batch_submissions WHERE batch_id = ?", (batch_id,)
            ).fetchone()
        return int(row[0])

    def close(self) -> None:
        with self._lock:
            self._conn.close()
