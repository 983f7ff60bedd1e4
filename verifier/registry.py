"""Invoices seen in earlier submissions, for DUPLICATE_INVOICE. SQLite by default."""

from __future__ import annotations

import datetime as dt
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol


@dataclass(frozen=True)
class SeenInvoice:
    invoice_code: str
    invoice_number: str
    submission_id: str
    seen_at: dt.datetime


class InvoiceRegistry(Protocol):
    def earlier(
        self, invoice_code: str, invoice_number: str, submission_id: str
    ) -> SeenInvoice | None:
        """The first other submission that carried this invoice, if any."""

    def record(self, invoice_code: str, invoice_number: str, submission_id: str) -> None:
        """Remember that this submission carries this invoice (idempotent)."""


class SqliteInvoiceRegistry:
    def __init__(self, path: Path | str) -> None:
        self._path = str(path)
        if self._path != ":memory:":
            Path(self._path).parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(self._path, check_same_thread=False, timeout=30)
        with self._lock, self._conn:
            self._conn.execute(
                "CREATE TABLE IF NOT EXISTS invoices_seen ("
                " invoice_code TEXT NOT NULL, invoice_number TEXT NOT NULL,"
                " submission_id TEXT NOT NULL, seen_at TEXT NOT NULL,"
                " PRIMARY KEY (invoice_code, invoice_number, submission_id))"
            )

    def earlier(
        self, invoice_code: str, invoice_number: str, submission_id: str
    ) -> SeenInvoice | None:
        with self._lock:
            # Only submissions that had the invoice before this one did count: re-verifying
            # the first submission must not call it a duplicate of a later one.
            row = self._conn.execute(
                "SELECT submission_id, seen_at FROM invoices_seen o"
                " WHERE invoice_code = ? AND invoice_number = ? AND submission_id != ?"
                " AND seen_at < COALESCE((SELECT seen_at FROM invoices_seen"
                "   WHERE invoice_code = o.invoice_code AND invoice_number = o.invoice_number"
                "   AND submission_id = ?), '9999')"
                " ORDER BY seen_at LIMIT 1",
                (invoice_code, invoice_number, submission_id, submission_id),
            ).fetchone()
        if row is None:
            return None
        return SeenInvoice(invoice_code, invoice_number, row[0], dt.datetime.fromisoformat(row[1]))

    def record(self, invoice_code: str, invoice_number: str, submission_id: str) -> None:
        with self._lock, self._conn:
            self._conn.execute(
                "INSERT OR IGNORE INTO invoices_seen VALUES (?, ?, ?, ?)",
                (invoice_code, invoice_number, submission_id, dt.datetime.now(dt.UTC).isoformat()),
            )

    def close(self) -> None:
        self._conn.close()
