"""The main job end to end: `yibao verify` on committed sample cases (real OCR)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pdfplumber
import pytest
from typer.testing import CliRunner

from api.cli import app
from ingest.settings import get_settings

CASES = Path(__file__).parents[1] / "samples" / "cases"
runner = CliRunner()


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("yibao-data")


def verify(data_dir: Path, *args: str) -> dict[str, Any]:
    get_settings.cache_clear()
    result = runner.invoke(app, ["verify", *args, "--json"], env={"YIBAO_DATA_DIR": str(data_dir)})
    get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def expected(case: str) -> dict[str, Any]:
    return json.loads((CASES / case / "expected.json").read_text(encoding="utf-8"))  # type: ignore[no-any-return]


@pytest.mark.slow
def test_a_clean_case_is_accepted_with_its_notice(data_dir: Path, tmp_path: Path) -> None:
    notice = tmp_path / "notice.pdf"
    out = verify(data_dir, str(CASES / "c001"), "--notice", str(notice))
    assert out["decision"] == expected("c001")["decision"] == "accept"
    assert out["item"]["key"] == "002036006001"
    kinds = sorted(d["kind"] for d in out["documents"])
    assert kinds == sorted(d["kind"] for d in expected("c001")["documents"])
    assert all(f["page"] for d in out["documents"] for f in d["fields"].values() if f["readable"])
    with pdfplumber.open(notice) as pdf:
        assert "受理" in pdf.pages[0].extract_text()


@pytest.mark.slow
def test_a_defect_case_gets_its_finding_and_a_correction_notice(
    data_dir: Path, tmp_path: Path
) -> None:
    case = "c045"  # invalid ID check digit
    notice = tmp_path / "notice.pdf"
    out = verify(data_dir, str(CASES / case), "--notice", str(notice))
    codes = {f["code"] for f in out["findings"] if f["severity"] != "warning"}
    assert {f["code"] for f in expected(case)["findings"]} <= codes
    assert out["decision"] == "correct"
    with pdfplumber.open(notice) as pdf:
        text = "".join(page.extract_text() for page in pdf.pages)
    assert "一次性告知书" in text and "校验码" in text


@pytest.mark.slow
def test_a_bad_file_is_a_finding_and_the_rest_is_still_processed(
    data_dir: Path, tmp_path: Path
) -> None:
    case = tmp_path / "case"
    shutil.copytree(CASES / "c001", case)
    (case / "blank.jpg").write_bytes(b"")
    (case / "broken.pdf").write_bytes(b"%PDF-1.7\n1 0 obj <<>> garbage")
    out = verify(data_dir, str(case))
    codes = {f["code"] for f in out["findings"]}
    assert {"FILE_EMPTY", "PDF_CORRUPT"} <= codes
    assert len(out["documents"]) == len(expected("c001")["documents"])
    errors = {f["name"]: f["error"]["code"] for f in out["files"] if f["error"]}
    assert errors == {"blank.jpg": "FILE_EMPTY", "broken.pdf": "PDF_CORRUPT"}
    # The same invoice as c001's earlier run, in another submission: persisted, flagged.
    assert "DUPLICATE_INVOICE" in codes


def test_unknown_fact_and_missing_item_are_clear_errors(tmp_path: Path) -> None:
    (tmp_path / "a.jpg").write_bytes(b"x")
    result = runner.invoke(app, ["verify", str(tmp_path / "a.jpg")])
    assert result.exit_code == 2 and "--item" in result.output
    result = runner.invoke(
        app, ["verify", str(tmp_path / "a.jpg"), "--item", "18", "--fact", "x=1"]
    )
    assert result.exit_code == 2 and "已知事实" in result.output
    result = runner.invoke(app, ["verify", str(tmp_path / "nope.jpg"), "--item", "18"])
    assert result.exit_code == 2 and "找不到文件" in result.output
