"""A few real OCR runs on generated sample pages (seconds each; skipped without samples)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.extract_bench import norm_value
from extractors import extract
from models.kinds import DocumentKind as K

CASE = Path(__file__).resolve().parent.parent / "samples" / "cases" / "c001"


@pytest.mark.parametrize("filename", ["scan_01.jpg", "scan_03.jpg"])
def test_sample_page_fields_match_ground_truth(
    filename: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = CASE / filename
    if not path.exists() or not (CASE / "expected.json").exists():
        pytest.skip("sample case c001 not generated")
    expected = json.loads((CASE / "expected.json").read_text(encoding="utf-8"))
    want = next(d for d in expected["documents"] if d["file"] == filename)
    monkeypatch.setenv("YIBAO_DATA_DIR", str(tmp_path))
    from ingest.pipeline import Pipeline
    from ingest.settings import IngestSettings

    result = Pipeline(settings=IngestSettings()).process(path.read_bytes(), path.name)
    docs = extract([pr.page for pr in result.pages])
    assert [d.kind for d in docs] == [K(want["kind"])]
    d = docs[0]
    wrong = {
        name: (value, d.value(name))
        for name, value in want["fields"].items()
        if norm_value(d.value(name)) != norm_value(value) and name != "physician"
    }
    assert not wrong


def test_extraction_benchmark_splits_documents_as_the_ocr_benchmark_splits_pages() -> None:
    from bench.extract_bench import document_group

    ops = {
        "scan_01.jpg": ["lowres:150"],
        "scan_02.jpg": ["skew:3", "blur:6", "lowres:70"],
        "scan_03.pdf#1": ["lowres:150"],
        "scan_03.pdf#2": ["lowres:150", "stain"],
        "scan_04.jpg": ["photocopy", "lowres:150"],
    }
    doc = lambda f, pages: {"file": f, "pages": pages}  # noqa: E731
    assert document_group("clean", doc("scan_01.jpg", [1]), ops) == "clean"
    assert document_group("clean", doc("scan_04.jpg", [1]), ops) == "clean"
    assert document_group("clean", doc("scan_02.jpg", [1]), ops) == "degraded"
    assert document_group("clean", doc("scan_03.pdf", [1]), ops) == "clean"
    assert document_group("clean", doc("scan_03.pdf", [1, 2]), ops) == "degraded"
    assert document_group("photo", doc("scan_01.jpg", [1]), ops) == "degraded"


def test_extraction_benchmark_scores_fields_made_unreadable_on_purpose_apart() -> None:
    """A blotted field, or any field of a document blurred beyond reading, is right when
    reported unreadable (or read right all the same) and a failure when guessed; the committed
    cases that blur a page mark its document illegible."""
    from bench.extract_bench import made_unreadable_outcome

    blotted = {"fields": {"total": "1356.90", "payer": "王芳"}, "unreadable_fields": ["total"]}
    assert made_unreadable_outcome(blotted, "payer", False, True) is None  # legible: scored
    assert made_unreadable_outcome(blotted, "total", False, False) == "reported_unreadable"
    assert made_unreadable_outcome(blotted, "total", True, True) == "right"
    assert made_unreadable_outcome(blotted, "total", False, True) == "guessed"
    blurred = {"fields": {"payer": "王芳"}, "illegible": True}
    assert made_unreadable_outcome(blurred, "payer", False, False) == "reported_unreadable"
    cases = CASE.parent
    if not (cases / "c051" / "expected.json").exists():
        pytest.skip("sample cases not generated")
    for case_id, kind in (("c051", "medical_invoice"), ("c070", "id_card")):
        exp = json.loads((cases / case_id / "expected.json").read_text(encoding="utf-8"))
        assert [d["kind"] for d in exp["documents"] if d.get("illegible")] == [kind]
