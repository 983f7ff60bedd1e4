"""Initial schema: submissions, files, results (history), audit log, users, invoices seen.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "submissions",
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("owner", sa.String(120), nullable=False, index=True),
        sa.Column("item_key", sa.String(80), nullable=False, index=True),
        sa.Column("region", sa.String(80)),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("facts", sa.JSON, nullable=False),
        sa.Column("received_at", TZ, nullable=False),
        sa.Column("submitted_on", sa.Date, nullable=False),
        sa.Column("status", sa.String(20), nullable=False, index=True),
        sa.Column("progress", sa.JSON, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("error", sa.JSON),
        sa.Column("outcome", sa.String(20), index=True),
        sa.Column("deadline", sa.Date, index=True),
        sa.Column("codes", sa.Text, nullable=False),
        sa.Column("decision_override", sa.JSON),
        sa.Column("updated_at", TZ, nullable=False),
    )
    op.create_table(
        "submission_files",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "submission_id",
            sa.String(40),
            sa.ForeignKey("submissions.id"),
            nullable=False,
            index=True,
        ),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("filename", sa.String(255), nullable=False),
        sa.Column("media_type", sa.String(120), nullable=False),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("received_at", TZ, nullable=False),
        sa.Column("added_in", sa.Integer, nullable=False),
        sa.Column("withdrawn_in", sa.Integer),
        sa.Column("ocr_done", sa.Boolean, nullable=False),
        sa.Column("pages", sa.Integer, nullable=False),
        sa.Column("error", sa.JSON),
        sa.UniqueConstraint("submission_id", "sha256", name="uq_file_sha"),
    )
    op.create_table(
        "verification_results",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "submission_id",
            sa.String(40),
            sa.ForeignKey("submissions.id"),
            nullable=False,
            index=True,
        ),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("input_hash", sa.String(64), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("outcome", sa.String(20), nullable=False),
        sa.Column("deadline", sa.Date),
        sa.Column("result", sa.JSON, nullable=False),
        sa.Column("pages", sa.JSON, nullable=False),
        sa.UniqueConstraint("submission_id", "version", name="uq_result_version"),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", TZ, nullable=False),
        sa.Column("actor", sa.String(120), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("submission_id", sa.String(40), index=True),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("target", sa.String(120)),
        sa.Column("reason", sa.Text),
        sa.Column("data", sa.JSON, nullable=False),
    )
    op.create_table(
        "api_users",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(120), nullable=False, unique=True),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("token_sha256", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
    )
    op.create_table(
        "invoices_seen",
        sa.Column("invoice_code", sa.String(40), primary_key=True),
        sa.Column("invoice_number", sa.String(40), primary_key=True),
        sa.Column("submission_id", sa.String(40), primary_key=True),
        sa.Column("seen_at", TZ, nullable=False),
    )
    op.create_index("ix_invoice_lookup", "invoices_seen", ["invoice_code", "invoice_number"])

    # The audit log is append-only, enforced by the database as well as by the code.
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute(
            """
            CREATE FUNCTION audit_log_append_only() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION 'audit_log is append-only (% refused)', TG_OP;
            END;
            $$ LANGUAGE plpgsql
            """
        )
        op.execute(
            "CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log"
            " FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()"
        )
        op.execute(
            "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log"
            " FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()"
        )
    elif dialect == "sqlite":
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_log_no_{verb.lower()} BEFORE {verb} ON audit_log"
                f" BEGIN SELECT RAISE(ABORT, 'audit_log is append-only ({verb} refused)'); END"
            )


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_change ON audit_log")
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log")
        op.execute("DROP FUNCTION IF EXISTS audit_log_append_only()")
    for table in (
        "invoices_seen",
        "api_users",
        "audit_log",
        "verification_results",
        "submission_files",
        "submissions",
    ):
        op.drop_table(table)
