"""Faults the service survives, injected into real processes: the API and Celery workers each in
their own process (tests/fault_service.py, the fake extractor and an OCR engine whose speed the
test controls), a private Redis and a private PostgreSQL that are killed and restarted, an S3
server (moto, on loopback) stopped and started. Each test is bounded in time."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from api.db import Database, InvoiceSeenRow, ResultRow, SubmissionRow
from ingest.storage import sha256_hex
from ingest.storage.s3 import S3Storage
from models.documents import Document
from tests.api_support import A, FakeExtractor, case_documents, make_files
from tests.builders import set_field
from tests.conftest import fresh_pg_database, require_service
from tests.fault_support import (
    PrivatePostgres,
    PrivateRedis,
    free_port,
    stack,
    submit,
    wait_decided,
    wait_for,
)

pytestmark = [pytest.mark.services, pytest.mark.timeout(120)]


def case_files(n: int = 0) -> tuple[dict[str, bytes], dict[str, list[Document]]]:
    """The clean inpatient case with an unsigned form (one SIGNATURE_MISSING finding); case
    `n` has its own files and invoice number."""
    extractor = FakeExtractor()
    docs = case_documents()
    docs["form"] = set_field([docs["form"]], "d5", signature_present=False)[0]
    docs["invoice"] = set_field([docs["invoice"]], "d2", invoice_number=f"{n + 1:08d}")[0]
    files = make_files(extractor, docs, f"-{n}")
    return files, extractor.by_sha


def assert_decided_once(db_url: str, body: dict[str, Any]) -> None:
    """One verification result, one history entry, every finding once, the invoice seen once."""
    assert body["status"] == "decided", body["error"]
    assert [h["version"] for h in body["history"]] == [1]
    findings = body["result"]["findings"]
    keys = [f["key"] for f in findings]
    assert len(keys) == len(set(keys)), keys
    assert [f["code"] for f in findings] == ["SIGNATURE_MISSING"]
    assert body["result"]["decision"]["outcome"] == "correct"
    assert all(f["processed"] and f["error"] is None for f in body["files"])
    db = Database(db_url)
    try:
        with db.session() as s:
            sid = body["id"]
            results = s.scalar(select(func.count()).where(ResultRow.submission_id == sid))
            seen = s.scalar(select(func.count()).where(InvoiceSeenRow.submission_id == sid))
            assert (results, seen) == (1, 1)
    finally:
        db.dispose()


@pytest.fixture
def pg_url() -> Iterator[str]:
    with fresh_pg_database("yibao_fault_") as url:
        yield url


@pytest.mark.parametrize("broker", ["redis", "rabbitmq"])
def test_worker_killed_mid_ocr_the_task_is_redelivered_and_decided_once(
    tmp_path: Path, pg_url: str, broker: str
) -> None:
    """SIGKILL the worker (its whole process group) while its OCR call is running: the
    unacknowledged task goes to the other worker — with Redis after the visibility timeout,
    with RabbitMQ as soon as the connection drops — and the submission is decided once."""
    redis: PrivateRedis | None = None
    if broker == "redis":
        redis = PrivateRedis(tmp_path / "redis")
        redis.start()
        broker_url = redis.url
    else:
        require_service("RabbitMQ", "127.0.0.1", 5672)
        broker_url = "amqp://guest:guest@127.0.0.1:5672//"
    files, docs = case_files()
    try:
        with stack(
            tmp_path,
            broker_url=broker_url,
            database_url=pg_url,
            docs=docs,
            broker_visibility_timeout="4",
            test_ocr_hang="1",
        ) as st:
            workers = [st.worker("worker-1"), st.worker("worker-2")]
            st.api()
            with st.http() as http:
                r = submit(http, files, A)
                assert r.status_code == 202, r.text
                sid = r.json()["id"]
                hang = st.ocr_dir / "hang"
                wait_for("an OCR call to hang", lambda: hang.exists() and hang.read_text(), 60)
                victim = next(w for w in workers if w.pgid == int(hang.read_text()))
                survivor = next(w for w in workers if w is not victim)
                calls_before = len(st.ocr_calls())
                victim.kill()
                body = wait_decided(http, sid, A, timeout=60)
            assert survivor.alive()
            calls = st.ocr_calls()
            # every page OCR'd once, the killed one twice; what followed the kill, by the survivor
            assert len(calls) == len(files) + 1, calls
            assert {g for g, _ in calls[calls_before:]} == {survivor.pgid}
            assert_decided_once(pg_url, body)
            queue = st.queue
    finally:
        if redis is not None:
            redis.kill()
    if broker == "rabbitmq":
        _delete_amqp_queue(broker_url, queue)


def _delete_amqp_queue(url: str, queue: str) -> None:
    from kombu import Connection

    with Connection(url) as conn:
        conn.default_channel.queue_delete(queue)


def test_redis_restarted_with_submissions_queued_none_is_lost(tmp_path: Path, pg_url: str) -> None:
    """Kill the private Redis (SIGKILL; append-only file) while tasks are queued and one is
    running, submit during the outage, restart it: every submission is decided, once."""
    redis = PrivateRedis(tmp_path / "redis")
    redis.start()
    cases = [case_files(n) for n in range(3)]
    docs = {sha: d for _, by_sha in cases for sha, d in by_sha.items()}
    try:
        with stack(
            tmp_path,
            broker_url=redis.url,
            database_url=pg_url,
            docs=docs,
            broker_visibility_timeout="4",
            redispatch_after="3",
            test_ocr_seconds="0.3",
        ) as st:
            st.worker()  # starting while the API does
            st.api()
            with st.http() as http:
                sids = []
                for files, _ in cases[:2]:
                    r = submit(http, files, A)
                    assert r.status_code == 202, r.text
                    sids.append(r.json()["id"])
                wait_for("a task running", lambda: len(st.ocr_calls()) > 0, 30)
                queued = redis.queued(st.queue)
                assert queued > 0  # tasks are waiting in Redis when it dies
                redis.kill()
                # the broker is down: the upload is still taken (originals and record stored)
                r = submit(http, cases[2][0], A)
                assert r.status_code == 202, r.text
                sids.append(r.json()["id"])
                time.sleep(2)
                redis.start()
                bodies = [wait_decided(http, sid, A, timeout=60) for sid in sids]
        for body in bodies:
            assert_decided_once(pg_url, body)
    finally:
        redis.kill()


@pytest.fixture
def moto(tmp_path: Path) -> Iterator[Any]:
    moto_server = pytest.importorskip("moto.server")
    port = free_port()

    class Moto:
        """An S3 server on loopback that can be stopped and started again (its objects are
        kept in this process meanwhile, as a real server keeps them on disk)."""

        endpoint = f"127.0.0.1:{port}"

        def __init__(self) -> None:
            self.server: Any = None

        def start(self) -> None:
            self.server = moto_server.ThreadedMotoServer(
                ip_address="127.0.0.1", port=port, verbose=False
            )
            self.server.start()

        def stop(self) -> None:
            self.server.stop()

    m = Moto()
    m.start()
    try:
        yield m
    finally:
        m.stop()


def test_storage_unavailable_retries_then_succeeds_or_fails_coded(
    tmp_path: Path, pg_url: str, moto: Any
) -> None:
    """S3 down at upload time: a coded 503 and nothing recorded. Down for a while during
    processing: retries with backoff, then decided. Down for good: `failed` with
    STORAGE_UNAVAILABLE, and every original still there once S3 is back."""
    redis = PrivateRedis(tmp_path / "redis")
    redis.start()
    (first, docs1), (second, docs2) = (case_files(n) for n in range(2))
    try:
        with stack(
            tmp_path,
            broker_url=redis.url,
            database_url=pg_url,
            docs={**docs1, **docs2},
            storage="s3",
            s3_endpoint=moto.endpoint,
            s3_access_key="testing",
            s3_secret_key="testing",
            s3_bucket="yibao-fault",
            task_max_retries="3",
            task_retry_backoff_max="1",
            test_ocr_seconds="0.5",
        ) as st:
            st.worker()  # starting while the API does
            st.api()
            with st.http() as http:
                moto.stop()
                r = submit(http, first, A)
                assert r.status_code == 503, r.text
                assert r.json()["error"]["code"] == "STORAGE_FAILED"
                assert _submissions(pg_url) == 0  # nothing half-stored

                moto.start()
                r = submit(http, first, A)
                assert r.status_code == 202, r.text
                wait_for("OCR under way", lambda: len(st.ocr_calls()) >= 1, 30)
                moto.stop()
                time.sleep(2)  # the worker meets the outage and retries
                moto.start()
                assert_decided_once(pg_url, wait_decided(http, r.json()["id"], A, timeout=60))

                r = submit(http, second, A)
                assert r.status_code == 202, r.text
                moto.stop()  # and it stays down
                body = wait_decided(http, r.json()["id"], A, timeout=45, want="failed")
                assert body["error"]["code"] == "STORAGE_UNAVAILABLE"
                assert body["error"]["message_zh"]
                moto.start()
        s3 = S3Storage(moto.endpoint, "testing", "testing", "yibao-fault")
        for blob in (*first.values(), *second.values()):
            assert s3.get_original(sha256_hex(blob)) == blob
    finally:
        redis.kill()


def _submissions(url: str) -> int:
    db = Database(url)
    try:
        with db.session() as s:
            return int(s.scalar(select(func.count(SubmissionRow.id))) or 0)
    finally:
        db.dispose()


def test_database_restarted_the_api_recovers(tmp_path: Path) -> None:
    """Stop the private PostgreSQL: requests get a coded 503 (the process lives on, /healthz
    answers); a submission in flight waits in its retries; once PostgreSQL is back, pooled
    connections are replaced (pool_pre_ping) and everything proceeds."""
    pg = PrivatePostgres()
    redis = PrivateRedis(tmp_path / "redis")
    (first, docs1), (second, docs2), (third, docs3) = (case_files(n) for n in range(3))
    try:
        pg.start()
        redis.start()
        with stack(
            tmp_path,
            broker_url=redis.url,
            database_url=pg.url,
            docs={**docs1, **docs2, **docs3},
            test_ocr_seconds="0.5",
        ) as st:
            st.worker()  # starting while the API does
            st.api()
            with st.http() as http:
                r = submit(http, first, A)
                assert r.status_code == 202, r.text
                sid = r.json()["id"]
                wait_decided(http, sid, A, timeout=45)  # every pool has its connections now

                r = submit(http, second, A)
                assert r.status_code == 202, r.text
                in_flight = r.json()["id"]
                pg.stop()
                for response in (
                    http.get(f"/submissions/{sid}", headers=A),
                    submit(http, third, A),
                ):
                    assert response.status_code == 503, response.text
                    assert response.json()["error"]["code"] == "DATABASE_UNAVAILABLE"
                ready = http.get("/readyz")
                assert ready.status_code == 503
                assert ready.json()["checks"]["database"].startswith("error")
                assert http.get("/healthz").status_code == 200
                time.sleep(2)
                pg.start()
                assert http.get(f"/submissions/{sid}", headers=A).status_code == 200
                assert http.get("/readyz").status_code == 200
                assert_decided_once(pg.url, wait_decided(http, in_flight, A, timeout=45))
                r = submit(http, third, A)
                assert r.status_code == 202, r.text
                assert_decided_once(pg.url, wait_decided(http, r.json()["id"], A, timeout=45))
    finally:
        redis.kill()
        pg.destroy()
