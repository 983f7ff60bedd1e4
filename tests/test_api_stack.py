"""The production topology, end to end over HTTP, with real processes: `yibao serve` (API only),
two `yibao worker` processes on the loopback Redis, PostgreSQL for the records and an S3 server
(moto, on loopback) for the originals and derived artefacts. A real sample case goes through real
OCR and extraction, one corrupt file beside it: the submission ends decided with that file
flagged and nothing else lost."""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import require_service

pytestmark = [pytest.mark.services, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[1]
CASE = ROOT / "samples" / "cases" / "c001"
YIBAO = [sys.executable, "-m", "api.cli"]
TOKEN = "tok-stack-" + secrets.token_hex(4)
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _spawn(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    out = log.open("wb")
    return subprocess.Popen(
        [*YIBAO, *args], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
    )


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture
def stack(tmp_path: Path, pg_url: str, s3_endpoint: str) -> Iterator[dict[str, Any]]:
    require_service("Redis", "127.0.0.1", 6379)
    queue = "yibao-stack-" + secrets.token_hex(4)
    port = _free_port()
    env = {
        **os.environ,
        "YIBAO_DATA_DIR": str(tmp_path / "data"),
        "YIBAO_DATABASE_URL": pg_url,
        "YIBAO_BROKER_URL": "redis://127.0.0.1:6379/13",
        "YIBAO_QUEUE": queue,
        "YIBAO_STORAGE": "s3",
        "YIBAO_S3_ENDPOINT": s3_endpoint,
        "YIBAO_S3_ACCESS_KEY": "testing",
        "YIBAO_S3_SECRET_KEY": "testing",
        "YIBAO_S3_BUCKET": "yibao-stack",
        "YIBAO_TOKENS": json.dumps({TOKEN: {"user": "clerk-stack", "role": "clerk"}}),
        "YIBAO_OCR_THREADS": "1",
        "YIBAO_LOG_LEVEL": "WARNING",
    }
    procs = [
        _spawn(["serve", "--port", str(port)], env, tmp_path / "serve.log"),
        _spawn(["worker", "--concurrency", "1"], env, tmp_path / "worker1.log"),
        _spawn(["worker", "--concurrency", "1"], env, tmp_path / "worker2.log"),
    ]
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                ready = httpx.get(f"{base}/readyz", timeout=5)
                if ready.status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            dead = [p.args for p in procs if p.poll() is not None]
            if dead or time.monotonic() > deadline:
                logs = (tmp_path / "serve.log").read_text(errors="replace")[-2000:]
                raise AssertionError(f"stack not ready (exited: {dead}): {logs}")
            time.sleep(0.5)
        yield {"base": base, "procs": procs, "env": env, "tmp": tmp_path}
    finally:
        for proc in procs:
            _stop(proc)
        import redis

        redis.Redis.from_url(env["YIBAO_BROKER_URL"]).delete(
            queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}"
        )


def test_real_case_through_api_workers_postgresql_and_s3(stack: dict[str, Any]) -> None:
    base = stack["base"]
    case = json.loads((CASE / "case.json").read_text(encoding="utf-8"))
    expected = json.loads((CASE / "expected.json").read_text(encoding="utf-8"))
    names = sorted(p.name for p in CASE.iterdir() if p.name.startswith("scan_"))
    files = [("files", (n, (CASE / n).read_bytes())) for n in names]
    files.append(("files", ("broken.pdf", b"%PDF-1.7\n1 0 obj <<>> garbage")))
    ready = httpx.get(f"{base}/readyz", timeout=10).json()
    assert ready["mode"] == "broker" and set(ready["checks"].values()) == {"ok"}, ready

    r = httpx.post(
        f"{base}/submissions",
        headers=AUTH,
        data={
            "item": case["item"],
            "channel": case["channel"],
            "facts": json.dumps(case["facts"], ensure_ascii=False),
        },
        files=files,
        timeout=60,
    )
    assert r.status_code == 202, r.text
    sid = r.json()["id"]
    deadline = time.monotonic() + 400
    while True:
        body = httpx.get(f"{base}/submissions/{sid}", headers=AUTH, timeout=10).json()
        if body["status"] in ("decided", "failed") and (
            body["status"] == "failed" or body["result"]
        ):
            break
        assert time.monotonic() < deadline, f"still {body['status']} {body['progress']}"
        assert all(p.poll() is None for p in stack["procs"]), "a process of the stack died"
        time.sleep(1)

    assert body["status"] == "decided", body.get("error")
    result = body["result"]
    codes = [f["code"] for f in result["findings"] if f["severity"] == "blocking"]
    # the corrupt file is the only thing wrong with this otherwise complete, correct case
    assert codes == ["PDF_CORRUPT"], result["findings"]
    assert result["decision"]["outcome"] == "correct"
    kinds = sorted(d["kind"] for d in result["documents"])
    assert kinds == sorted(d["kind"] for d in expected["documents"])
    stored = {f["filename"]: f for f in body["files"]}
    assert set(stored) == {*names, "broken.pdf"}

    # originals (the corrupt one too) are in the S3 bucket, byte for byte
    from minio import Minio

    env = stack["env"]
    s3 = Minio(env["YIBAO_S3_ENDPOINT"], "testing", "testing", secure=False)
    keys = {o.object_name for o in s3.list_objects("yibao-stack", recursive=True)}
    for f in stored.values():
        assert any(f["sha256"] in k and k.startswith("originals/") for k in keys), f

    notice = httpx.get(f"{base}/submissions/{sid}/notice.pdf", headers=AUTH, timeout=60)
    assert notice.status_code == 200 and notice.content.startswith(b"%PDF")

    # the records are in PostgreSQL: a second API process on the same database sees them
    from sqlalchemy import create_engine, text

    engine = create_engine(env["YIBAO_DATABASE_URL"])
    with engine.connect() as conn:
        n = conn.execute(text("SELECT count(*) FROM audit_log")).scalar_one()
    engine.dispose()
    assert n >= 1
