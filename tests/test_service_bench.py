"""bench/service_bench.py in smoke mode: the same harness (API + 2 worker processes on the
loopback Redis and PostgreSQL, async clients uploading and polling to decision) with tiny
settings, the fake extractor and a fast test OCR engine: every accepted submission ends decided."""

from __future__ import annotations

import json
import secrets
import sys
from pathlib import Path

import pytest

from bench.service_bench import Case, Config, run, table
from tests.api_support import FACTS, ITEM, REGION
from tests.conftest import require_service
from tests.test_service_faults import case_files

pytestmark = [pytest.mark.services, pytest.mark.timeout(120)]


def test_smoke_run_loses_no_submission(tmp_path: Path) -> None:
    require_service("PostgreSQL", "127.0.0.1", 5432)
    require_service("Redis", "127.0.0.1", 6379)
    cases, docs = [], {}
    for n in range(3):
        files, by_sha = case_files(n)
        docs.update(by_sha)
        form = {"item": ITEM, "region": REGION, "channel": "邮寄", "facts": json.dumps(FACTS)}
        cases.append(
            Case(f"fake-{n}", form, [(f"{k}.png", v, "image/png") for k, v in files.items()])
        )
    docs_file = tmp_path / "docs.json"
    docs_file.write_text(
        json.dumps({sha: [d.model_dump(mode="json") for d in ds] for sha, ds in docs.items()})
    )
    (tmp_path / "ocr").mkdir()
    service = [sys.executable, "-m", "tests.fault_service"]
    cfg = Config(
        clients=3,
        duration=5,
        workers=2,
        database="yibao_bench_smoke_" + secrets.token_hex(4),
        redis="redis://127.0.0.1:6379/14",
        drain_timeout=40,
        poll_seconds=0.25,
        api_cmd=[*service, "api"],
        worker_cmd=[*service, "worker"],
        extra_env={
            "YIBAO_TEST_DOCS": str(docs_file),
            "YIBAO_TEST_OCR_DIR": str(tmp_path / "ocr"),
            "YIBAO_TEST_OCR_SECONDS": "0.05",
        },
        drop_database=True,
    )
    result = run(cfg, cases, tmp_path, log=lambda _: None)
    print(table(result))
    assert result["accepted"] >= 3 and result["refused"] == {}
    assert result["lost"] == 0 and result["failed"] == {}
    assert result["decided"] == result["accepted"]
    # SIGNATURE_MISSING each; a case sent again repeats its invoice (DUPLICATE_INVOICE: review)
    assert set(result["decisions"]) <= {"correct", "review"}
    assert result["decision_s"]["p50"] > 0 and result["upload_ms"]["p95"] > 0
    workers = [v for k, v in result["peak_rss_mb"].items() if k.startswith("worker")]
    assert len(workers) == 2 and all(w["main"] > 0 and w["children"] for w in workers)
