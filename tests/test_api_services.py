"""The service against the real loopback services: PostgreSQL (Alembic upgrade on a fresh
database, persistence, the audit trigger) and Celery workers on Redis and RabbitMQ actually
consuming the processing tasks."""

from __future__ import annotations

import secrets
from pathlib import Path

import pytest
from sqlalchemy import func, inspect, select, text
from sqlalchemy.exc import DatabaseError

from api.db import AuditRow, Database, InvoiceSeenRow, ResultRow
from api.registry import DbInvoiceRegistry
from tests.api_support import (
    A,
    R,
    case_documents,
    client,
    make_files,
    make_runtime,
    submit,
    wait_status,
)
from tests.builders import set_field
from tests.conftest import require_service

pytestmark = pytest.mark.services


def test_postgresql_upgrade_persistence_and_audit_trigger(tmp_path: Path, pg_url: str) -> None:
    fresh = Database(pg_url)
    assert inspect(fresh.engine).get_table_names() == []
    fresh.upgrade()
    fresh.upgrade()  # a second upgrade is a no-op
    assert {"submissions", "verification_results", "audit_log", "invoices_seen"} <= set(
        inspect(fresh.engine).get_table_names()
    )
    with fresh.engine.connect() as conn:
        assert conn.scalar(text("SELECT version_num FROM alembic_version")) == "0001"
    fresh.dispose()

    rt, _, extractor = make_runtime(tmp_path, database_url=pg_url)
    docs = case_documents()
    docs["form"] = set_field([docs["form"]], "d5", signature_present=False)[0]
    with client(rt) as c:
        sid = submit(c, make_files(extractor, docs)).json()["id"]
        body = c.get(f"/submissions/{sid}", headers=A).json()
        assert body["status"] == "decided"
        assert body["result"]["decision"]["outcome"] == "correct"
        key = next(f["key"] for f in body["result"]["findings"])
        r = c.post(
            f"/submissions/{sid}/findings/{key}",
            json={"action": "confirm", "reason": "核实"},
            headers=R,
        )
        assert r.status_code == 200
        queue = c.get("/review/queue", params={"code": "SIGNATURE_MISSING"}, headers=R).json()
        assert [q["id"] for q in queue] == [sid]
        assert c.get("/readyz").json()["checks"]["database"] == "ok"

    # a new process (new engine) sees everything
    again = Database(pg_url)
    with again.session() as s:
        assert s.scalar(select(func.count(ResultRow.id))) == 1
        assert s.scalar(select(func.count(AuditRow.id))) == 2
        assert s.scalar(select(func.count(InvoiceSeenRow.submission_id))) == 1
    seen = DbInvoiceRegistry(again).earlier("35060126", "00012345", "S-other")
    assert seen is not None and seen.submission_id == sid
    with again.engine.connect() as conn, pytest.raises(DatabaseError, match="append-only"):
        conn.execute(text("UPDATE audit_log SET reason = 'changed'"))
    with again.engine.connect() as conn, pytest.raises(DatabaseError, match="append-only"):
        conn.execute(text("DELETE FROM audit_log"))
    with again.engine.connect() as conn, pytest.raises(DatabaseError, match="append-only"):
        conn.execute(text("TRUNCATE audit_log"))
    with again.session() as s:
        assert s.scalar(select(func.count(AuditRow.id))) == 2
    again.dispose()


@pytest.mark.parametrize(
    ("service", "port", "broker"),
    [
        ("Redis", 6379, "redis://127.0.0.1:6379/15"),
        ("RabbitMQ", 5672, "amqp://guest:guest@127.0.0.1:5672//"),
    ],
)
def test_celery_worker_consumes_the_tasks(
    tmp_path: Path, service: str, port: int, broker: str
) -> None:
    require_service(service, "127.0.0.1", port)
    from celery.contrib.testing.worker import start_worker  # type: ignore[import-untyped]

    from api.worker import CeleryDispatcher, make_celery, set_runtime

    queue = "yibao-test-" + secrets.token_hex(4)
    rt, engine, extractor = make_runtime(tmp_path, broker_url=broker, queue=queue)
    app = make_celery(rt.settings)
    rt.dispatcher = CeleryDispatcher(rt.settings, app)
    set_runtime(rt)
    try:
        with (
            start_worker(
                app,
                pool="solo",
                perform_ping_check=False,
                loglevel="WARNING",
                shutdown_timeout=30,
            ),
            client(rt) as c,
        ):
            assert c.get("/readyz").json()["mode"] == "broker"
            assert c.get("/readyz").json()["checks"]["broker"] == "ok"
            r = submit(c, make_files(extractor, case_documents()))
            assert r.status_code == 202
            body = wait_status(c, r.json()["id"], A, {"decided", "failed"}, timeout=90)
        assert body["status"] == "decided", body["error"]
        assert body["result"]["decision"]["outcome"] == "accept"
        assert engine.calls == 5  # each file OCR'd once, by the worker
    finally:
        set_runtime(None)
        with app.connection_for_write() as conn:
            conn.default_channel.queue_delete(queue)
        if broker.startswith("redis"):
            import redis

            redis.Redis.from_url(broker).delete(
                f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}"
            )
