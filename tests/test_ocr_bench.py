"""The OCR benchmark's page sets and truth plumbing (no OCR run: that is the benchmark's job)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bench.cer import score_page
from bench.ocr_bench import (
    BenchPage,
    EngineRun,
    page_key,
    read_page,
    sample_pages,
    sample_set,
    set_summary,
)
from samples.cases import CASES

CASES_DIR = Path(__file__).resolve().parents[1] / "samples" / "cases"
STYLES = {c.id: c.style for c in CASES}


@pytest.fixture(scope="module")
def two_cases(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """c001 (clean, paper invoice + expense list in one PDF) and c008 (an e-invoice PDF)."""
    root = tmp_path_factory.mktemp("cases")
    for case in ("c001", "c008"):
        shutil.copytree(CASES_DIR / case, root / case)
    return root


def test_sample_pages_carry_their_truth_and_set(two_cases: Path) -> None:
    pages, text_layer = sample_pages(two_cases)
    assert STYLES["c001"] == "clean" and STYLES["c008"] == "clean"
    assert text_layer == 1  # the e-invoice is read from its text layer, not OCR'd
    names = [p.name for p in pages]
    assert not any("einvoice" in n for n in names)
    assert "c001/scan_01.jpg" in names and "c001/scan_02.pdf#1" in names
    assert "c001/scan_02.pdf#2" in names  # every page of a multi-page PDF
    assert all(p.truth for p in pages)
    invoice = next(p for p in pages if p.name == "c001/scan_02.pdf#1")
    assert "福建省医疗门诊收费票据" in (invoice.truth or [])
    assert invoice.index == 0 and invoice.set == "samples-clean"
    assert {p.set for p in pages} == {"samples-clean"}


def test_pdf_pages_are_rendered_as_the_pipeline_renders_them(two_cases: Path) -> None:
    data = (two_cases / "c001" / "scan_02.pdf").read_bytes()
    first, second = read_page(data, 0), read_page(data, 1)
    # A4 at the pipeline's 200 dpi, BGR
    assert first.shape == (2339, 1654, 3) and first.dtype.name == "uint8"
    assert not (first == second).all()
    with pytest.raises(ValueError, match="text layer"):
        read_page(next((two_cases / "c008").glob("einvoice_*.pdf")).read_bytes(), 0)
    with pytest.raises(ValueError):
        read_page(b"not an image", 0)


def test_clean_set_is_the_clean_style_without_extra_damage() -> None:
    assert sample_set("clean", ["lowres:150"]) == "samples-clean"
    assert sample_set("clean", ["photocopy", "lowres:150"]) == "samples-clean"
    assert sample_set("clean", []) == "samples-clean"
    # a clean case's page blurred beyond reading, cut off or stamped over
    assert sample_set("clean", ["photo", "blur:7", "lowres:60"]) == "samples-degraded"
    assert sample_set("clean", ["cut:right:0.06", "lowres:150"]) == "samples-degraded"
    assert sample_set("degraded", ["lowres:150"]) == "samples-degraded"
    assert sample_set("photo", ["photo"]) == "samples-degraded"


def test_page_keys_match_expected_json() -> None:
    assert page_key(Path("scan_01.jpg"), 0) == "scan_01.jpg"
    assert page_key(Path("scan_02.pdf"), 1) == "scan_02.pdf#2"
    assert page_key(Path("einvoice_1.pdf"), 0) == "einvoice_1.pdf#1"


def test_set_summary_reports_cer_and_worst_pages() -> None:
    pages = [
        BenchPage("samples-clean", f"c00{i}/scan_01.jpg", truth=["姓名：张三", "性别：男"])
        for i in range(3)
    ]
    pages.append(BenchPage("samples-clean", "c009/scan_01.jpg"))  # no truth: speed only
    run = EngineRun(latencies=[1.0, 2.0, 3.0, 4.0])
    readings = [["姓名：张三", "性别：男"], ["性别：男"], ["姓名：张二", "性别：男"]]
    for page, ocr in zip(pages, readings, strict=False):
        assert page.truth is not None
        run.scores[f"{page.set}/{page.name}"] = score_page(page.truth, ocr)
    m = set_summary(pages, run, "samples-clean", worst=2)
    assert m["pages"] == 4 and m["pages_with_truth"] == 3
    assert m["latency_median_s"] == 2.5
    assert m["cer"] == round((0 + 5 / 9 + 1 / 9) / 3, 4)
    assert m["cer_pooled"] == round(6 / 27, 4)
    assert [w["page"] for w in m["worst_pages"]] == ["c001/scan_01.jpg", "c002/scan_01.jpg"]
    assert m["worst_pages"][0]["worst_lines"] == [["姓名:张三", 5]]
