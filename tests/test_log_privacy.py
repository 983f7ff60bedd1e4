"""No personal data in the logs: a sample case verified end to end through the API (real OCR,
extraction, verification, notice) with every logger at DEBUG, as `yibao serve` configures
logging; the output must not hold the case's names or ID numbers from its expected.json."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.logs import configure_logging, redact
from api.runtime import InlineDispatcher, Runtime
from api.settings import ServiceSettings
from ingest.settings import IngestSettings

CASE = Path(__file__).resolve().parents[1] / "samples" / "cases" / "c065"
PERSONAL_FIELDS = {
    "name",
    "holder_name",
    "patient_name",
    "payer",
    "applicant_name",
    "spouse_name",
    "id_number",
    "patient_id_number",
    "spouse_id_number",
    "social_security_number",
    "bank_account",
    "card_number",
}


def personal_values(expected: dict[str, Any]) -> set[str]:
    values = set()
    for doc in expected["documents"]:
        for key, value in doc["fields"].items():
            if key in PERSONAL_FIELDS and isinstance(value, str) and len(value) >= 2:
                values.add(value)
    return values


@pytest.fixture
def debug_log() -> Iterator[io.StringIO]:
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    levels = {name: logging.getLogger(name).level for name in logging.root.manager.loggerDict}
    stream = io.StringIO()
    configure_logging("DEBUG", stream)
    try:
        yield stream
    finally:
        root.handlers[:], root.level = saved[0], saved[1]
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)


@pytest.mark.slow
def test_a_full_verification_logs_no_personal_data(
    tmp_path: Path, debug_log: io.StringIO, capfd: pytest.CaptureFixture[str]
) -> None:
    expected = json.loads((CASE / "expected.json").read_text(encoding="utf-8"))
    case = json.loads((CASE / "case.json").read_text(encoding="utf-8"))
    secrets = personal_values(expected)
    assert secrets, "the case names nobody"
    name = next(v for v in sorted(secrets) if not v[0].isdigit())
    rt = Runtime.from_settings(
        ServiceSettings(auth="off"),  # the real OCR engine and extractor
        IngestSettings(data_dir=tmp_path),
        dispatcher=InlineDispatcher(),
    )
    # applicants name their files after themselves: the name must not reach the log either
    files = [
        ("files", (f"{name}{p.name}", p.read_bytes(), "image/jpeg"))
        for p in sorted(CASE.iterdir())
        if p.suffix != ".json"
    ]
    with TestClient(create_app(rt)) as c:
        r = c.post(
            "/submissions",
            files=files,
            data={
                "item": case["item"],
                "region": case.get("region") or "",
                "channel": case["channel"],
                "facts": json.dumps(case["facts"]),
            },
        )
        assert r.status_code == 202, r.text
        body = c.get(r.json()["href"]).json()
        assert body["status"] == "decided", body["error"]
        assert body["result"]["decision"]["outcome"] == expected["decision"]
        c.get(f"{r.json()['href']}/notice.pdf")
        c.get(f"{r.json()['href']}/pages/1.png", params={"boxes": 1})
    rt.close()
    captured = capfd.readouterr()
    log = debug_log.getvalue()
    assert "DEBUG" in log and "ingest.pipeline" in log  # the log was really captured
    for text in (log, captured.out, captured.err):
        for secret in secrets:
            assert secret not in text, f"personal data in the log: {secret[:1]}…"


def test_the_log_formatter_masks_id_and_card_numbers(debug_log: io.StringIO) -> None:
    log = logging.getLogger("yibao.test")
    try:
        raise ValueError("身份证号 350802194705282365 与银行卡 6222021234567890123 不符")
    except ValueError:
        log.exception("submission S20261205265703f5b2 failed")
    out = debug_log.getvalue()
    assert "350802194705282365" not in out and "6222021234567890123" not in out
    assert "350802********2365" in out and "6222***********0123" in out
    assert "S20261205265703f5b2" in out  # submission ids are kept
    assert redact("发票号码 00089498 金额 121.40") == "发票号码 00089498 金额 121.40"
