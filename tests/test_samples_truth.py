"""Page text ground truth of the sample cases (expected.json `page_text` / `page_ops`)."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
import pytest

from samples.cases import CASES
from samples.generate import generate
from samples.people import make_person
from samples.render import id_card
from samples.render.base import PilPage

CASES_DIR = Path(__file__).resolve().parents[1] / "samples" / "cases"
CASE_DIRS = sorted(p for p in CASES_DIR.iterdir() if p.is_dir()) if CASES_DIR.is_dir() else []
STYLES = {c.id: c.style for c in CASES}


def _load(case: Path) -> dict[str, Any]:
    return json.loads((case / "expected.json").read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def _page_keys(case: Path) -> set[str]:
    """Every page of every file in the case folder, named as expected.json names them."""
    keys: set[str] = set()
    for f in case.iterdir():
        if f.suffix == ".pdf":
            doc = pdfium.PdfDocument(f.read_bytes())
            keys |= {f"{f.name}#{i}" for i in range(1, len(doc) + 1)}
            doc.close()
        elif f.suffix in (".jpg", ".png"):
            keys.add(f.name)
    return keys


def _page(exp: dict[str, Any], doc: dict[str, Any], n: int = 0) -> str:
    f = doc["file"]
    return f"{f}#{doc['pages'][n]}" if f.endswith(".pdf") else str(f)


def test_every_page_of_every_case_has_text_truth() -> None:
    assert len(CASE_DIRS) == len(CASES)
    pages = 0
    for case in CASE_DIRS:
        exp = _load(case)
        keys = _page_keys(case)
        assert set(exp["page_text"]) == keys == set(exp["page_ops"]), case.name
        for key, text in exp["page_text"].items():
            assert text and all(isinstance(s, str) and s.strip() for s in text), (case.name, key)
        pages += len(keys)
    assert pages > 300


def test_invoice_page_holds_its_title_and_values() -> None:
    seen = 0
    for case in CASE_DIRS:
        exp = _load(case)
        for doc in exp["documents"]:
            if doc["kind"] != "medical_invoice":
                continue
            f = doc["fields"]
            kind = "住院" if f["invoice_type"] == "inpatient" else "门诊"
            title = (
                f"医疗{kind}收费票据（电子）" if f["electronic"] else f"福建省医疗{kind}收费票据"
            )
            text = exp["page_text"][_page(exp, doc)]
            assert title in text, case.name
            assert f["invoice_number"] in text and f["payer"] in text, case.name
            # a blotted-out total stays in the truth: the CER counts what the blot took
            assert "¥" + f["total"] in text, case.name
            # the seal's lettering is not: red ink the pipeline suppresses
            assert not any("专用章" in s for s in text), case.name
            # an electronic original is not degraded; every scan or photo is
            assert bool(exp["page_ops"][_page(exp, doc)]) != f["electronic"], case.name
            seen += 1
    assert seen > 50


def test_id_card_copy_page_holds_both_sides_front_first() -> None:
    case = CASES_DIR / "c001"
    exp = _load(case)
    doc = next(d for d in exp["documents"] if d["kind"] == "id_card")
    text = exp["page_text"][_page(exp, doc)]
    fields = doc["fields"]
    assert text.index(fields["name"]) < text.index("公民身份号码") < text.index("居民身份证")
    assert fields["id_number"] in text and fields["issuing_authority"] in text
    # a photographed case: one file per side
    photo = next(c.id for c in CASES if c.style == "photo" and c.family == "reimburse")
    exp = _load(CASES_DIR / photo)
    doc = next(d for d in exp["documents"] if d["kind"] == "id_card")
    sides = [exp["page_text"][d["file"]] for d in exp["documents"] if d["kind"] == "id_card"]
    assert len(sides) == 2
    assert "公民身份号码" in sides[0] and "居民身份证" not in sides[0]
    assert "居民身份证" in sides[1] and "公民身份号码" not in sides[1]


def test_multi_document_pdf_pages_map_to_their_documents() -> None:
    """An invoice and its expense list scanned into one PDF: page 1 the invoice, then the list."""
    exp = _load(CASES_DIR / "c010")
    el = next(d for d in exp["documents"] if d["kind"] == "expense_list")
    assert el["file"].endswith(".pdf") and len(el["pages"]) > 1
    for n in range(len(el["pages"])):
        text = exp["page_text"][_page(exp, el, n)]
        assert "住院费用明细清单" in text
        assert f"第 {n + 1} 页  共 {len(el['pages'])} 页" in text
    rotated = [k for k, ops in exp["page_ops"].items() if any(o.startswith("rotate") for o in ops)]
    assert rotated  # the "rotated" style's pages keep their truth


def test_page_records_printed_strings_only() -> None:
    p = PilPage(50, 30, 72)
    p.text(5, 10, "姓名：张三")
    p.text(5, 20, "  ")
    p.text(5, 25, "")
    assert p.texts == ["姓名：张三"]
    card = id_card.render(
        id_card.IdCardValues.from_person(make_person(random.Random(3))), random.Random(3)
    )
    assert len(card.texts) == len(card.pages) == 2
    assert "★" not in card.texts[1]  # the emblem's star is drawn, not printed text


@pytest.mark.parametrize("case_id", ["c003"])
def test_generated_truth_matches_committed(tmp_path: Path, case_id: str) -> None:
    generate(tmp_path, seed=0, only=[case_id])
    got = json.loads((tmp_path / case_id / "expected.json").read_text(encoding="utf-8"))
    want = _load(CASES_DIR / case_id)
    assert got["page_text"] == want["page_text"] and got["page_ops"] == want["page_ops"]
    assert STYLES[case_id] == "degraded"
    assert all("skew" in ops and "lowres:130" in ops for ops in want["page_ops"].values())
