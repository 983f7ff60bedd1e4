"""verifier.registry.InvoiceRegistry on the service database, so DUPLICATE_INVOICE holds
across workers and machines (SQLite embedded, PostgreSQL in production)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from api.db import Database, InvoiceSeenRow, utcnow
from verifier.registry import SeenInvoice


class DbInvoiceRegistry:
    def __init__(self, db: Database) -> None:
        self.db = db

    def earlier(
        self, invoice_code: str, invoice_number: str, submission_id: str
    ) -> SeenInvoice | None:
        with self.db.session() as s:
            own = s.scalar(
                select(InvoiceSeenRow.seen_at).where(
                    InvoiceSeenRow.invoice_code == invoice_code,
                    InvoiceSeenRow.invoice_number == invoice_number,
                    InvoiceSeenRow.submission_id == submission_id,
                )
            )
            query = select(InvoiceSeenRow).where(
                InvoiceSeenRow.invoice_code == invoice_code,
                InvoiceSeenRow.invoice_number == invoice_number,
                InvoiceSeenRow.submission_id != submission_id,
            )
            # Only submissions that had the invoice before this one count: re-verifying the
            # first submission must not call it a duplicate of a later one.
            if own is not None:
                query = query.where(InvoiceSeenRow.seen_at < own)
            row = s.scalars(query.order_by(InvoiceSeenRow.seen_at).limit(1)).first()
            if row is None:
                return None
            return SeenInvoice(row.invoice_code, row.invoice_number, row.submission_id, row.seen_at)

    def record(self, invoice_code: str, invoice_number: str, submission_id: str) -> None:
        try:
            with self.db.session() as s:
                exists = s.get(InvoiceSeenRow, (invoice_code, invoice_number, submission_id))
                if exists is None:
                    s.add(
                        InvoiceSeenRow(
                            invoice_code=invoice_code,
                            invoice_number=invoice_number,
                            submission_id=submission_id,
                            seen_at=utcnow(),
                        )
                    )
        except IntegrityError:
            pass  # recorded concurrently by another worker: idempotent
