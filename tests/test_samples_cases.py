"""Every committed sample case is self-consistent; a few regenerate byte-identically."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from extractors.normalize.idnumber import is_valid as id_valid
from extractors.normalize.money import parse_upper as from_upper
from models.facts import CaseFacts
from models.fields import FIELDS
from models.kinds import DocumentKind
from samples.builder import decision_for
from samples.cases import CASES
from samples.generate import generate
from verifier.rules.pages import DECIDING_FIELDS

CASES_DIR = Path(__file__).resolve().parents[1] / "samples" / "cases"
CASE_DIRS = sorted(p for p in CASES_DIR.iterdir() if p.is_dir()) if CASES_DIR.is_dir() else []
KNOWN_CODES = {
    "MISSING_MATERIAL",
    "UNREADABLE_PAGE",
    "UNEXPECTED_DOCUMENT",
    "FIELD_UNREADABLE",
    "NAME_MISMATCH",
    "ID_NUMBER_MISMATCH",
    "ID_NUMBER_INVALID",
    "ID_CARD_EXPIRED",
    "AMOUNT_MISMATCH",
    "AMOUNT_WORDS_MISMATCH",
    "LINE_ITEMS_SUM_MISMATCH",
    "PAYMENT_BREAKDOWN_MISMATCH",
    "DATE_INCONSISTENT",
    "HOSPITAL_MISMATCH",
    "DUPLICATE_INVOICE",
    "SEAL_MISSING",
    "ALREADY_SETTLED",
}
D = Decimal


def _load(case: Path, name: str) -> dict[str, Any]:
    return json.loads((case / name).read_text(encoding="utf-8"))


def _docs(exp: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [d["fields"] for d in exp["documents"] if d["kind"] == kind]


def _checks(exp: dict[str, Any], submitted: dt.date) -> set[str]:
    """The finding codes the documents' fields actually show (for the field-level defects)."""
    shown: set[str] = set()
    invoices = _docs(exp, "medical_invoice")
    lists = _docs(exp, "expense_list")
    for inv in invoices:
        total = D(inv["total"])
        if from_upper(inv["total_words"]) != total:
            shown.add("AMOUNT_WORDS_MISMATCH")
        paid = sum(
            D(inv[k]) for k in ("fund_payment", "other_payment", "account_payment", "cash_payment")
        )
        if paid != total:
            shown.add("PAYMENT_BREAKDOWN_MISMATCH")
        if D(inv["fund_payment"]) > 0 and exp["item"] != "002036008002":
            shown.add("ALREADY_SETTLED")
        for el in lists:
            if D(el["total"]) != total:
                shown.add("AMOUNT_MISMATCH")
    for el in lists:
        items_sum = sum((D(i["amount"]) for i in el["items"]), D(0))
        if items_sum != D(el["total"]) or sum(D(v) for v in el["subtotals"].values()) != D(
            el["total"]
        ):
            shown.add("LINE_ITEMS_SUM_MISMATCH")
        for i in el["items"]:
            if D(i["quantity"]) * D(i["unit_price"]) != D(i["amount"]):
                shown.add("LINE_ITEMS_SUM_MISMATCH")
    ids = [d["fields"] for d in exp["documents"] if d["kind"] == "id_card"]
    if exp["item"] != "002036002003":  # withdrawal for a death: two people's ID cards
        names = {f["name"] for f in ids} | {f["payer"] for f in invoices}
        names |= {f["patient_name"] for f in lists + _docs(exp, "discharge_summary")}
        names |= {f["applicant_name"] for f in _docs(exp, "application_form")}
        held = [f for k in HOLDER_KINDS for f in _docs(exp, k)]
        names |= {f["holder_name"] for f in held}
        if len(names) > 1:
            shown.add("NAME_MISMATCH")
        numbers = {f["id_number"] for f in ids} | {
            f["id_number"] for f in _docs(exp, "application_form") + held
        }
        numbers |= {f["patient_id_number"] for f in invoices if "patient_id_number" in f}
        if len(numbers) > 1:
            shown.add("ID_NUMBER_MISMATCH")
    for f in ids:
        if not id_valid(f["id_number"]):
            shown.add("ID_NUMBER_INVALID")
        if f["valid_until"] != "长期" and dt.date.fromisoformat(f["valid_until"]) < submitted:
            shown.add("ID_CARD_EXPIRED")
    for ds in _docs(exp, "discharge_summary"):
        adm, dis = (
            dt.date.fromisoformat(ds["admission_date"]),
            dt.date.fromisoformat(ds["discharge_date"]),
        )
        if (dis - adm).days != ds["stay_days"] or dis < adm:
            shown.add("DATE_INCONSISTENT")
        for inv in invoices:
            if inv.get("stay_end") and (inv["stay_start"], inv["stay_end"]) != (
                ds["admission_date"],
                ds["discharge_date"],
            ):
                shown.add("DATE_INCONSISTENT")
            if dis > dt.date.fromisoformat(inv["issue_date"]):
                shown.add("DATE_INCONSISTENT")
            if ds["hospital"] != inv["payee"]:
                shown.add("HOSPITAL_MISMATCH")
    for el in lists:
        for inv in invoices:
            if el["hospital"] != inv["payee"]:
                shown.add("HOSPITAL_MISMATCH")
    for form in _docs(exp, "application_form"):
        if form.get("employer") and not form["seal_present"]:
            shown.add("SEAL_MISSING")
    return shown


# Certificates held by the applicant: their holder is the person of the ID card.
HOLDER_KINDS = (
    "birth_service_registration",
    "marriage_certificate",
    "household_register",
    "residence_permit",
)

FIELD_LEVEL = {
    "AMOUNT_WORDS_MISMATCH",
    "PAYMENT_BREAKDOWN_MISMATCH",
    "ALREADY_SETTLED",
    "AMOUNT_MISMATCH",
    "LINE_ITEMS_SUM_MISMATCH",
    "NAME_MISMATCH",
    "ID_NUMBER_MISMATCH",
    "ID_NUMBER_INVALID",
    "ID_CARD_EXPIRED",
    "DATE_INCONSISTENT",
    "HOSPITAL_MISMATCH",
    "SEAL_MISSING",
}


def test_committed_set_exists_and_is_small() -> None:
    assert len(CASE_DIRS) >= 60
    assert {p.name for p in CASE_DIRS} == {c.id for c in CASES}
    total = sum(f.stat().st_size for f in CASES_DIR.rglob("*") if f.is_file())
    assert total < 40 * 1024 * 1024


@pytest.mark.parametrize("case", CASE_DIRS, ids=[p.name for p in CASE_DIRS])
def test_expected_is_self_consistent(case: Path) -> None:
    meta = _load(case, "case.json")
    exp = _load(case, "expected.json")
    facts = CaseFacts(**meta["facts"])
    assert (
        exp["case_id"] == case.name
        and exp["item"] == meta["item"]
        and exp["region"] == meta["region"]
    )
    assert meta["channel"] in {"mail", "online", "onsite"}
    assert exp["decision"] in {"accept", "correct", "reject", "review"}
    codes = {f["code"] for f in exp["findings"]}
    assert codes <= KNOWN_CODES
    assert (exp["decision"] == "accept") == (not codes)
    assert bool(exp["defects"]) == bool(codes)
    # every document's file exists, pages are in range, kinds and field names are the shared ones
    for d in exp["documents"]:
        assert (case / d["file"]).is_file(), d["file"]
        kind = DocumentKind(d["kind"])
        unknown = set(d["fields"]) - set(FIELDS[kind])
        assert not unknown, (kind, unknown)
    # the field-level defects are really in the fields, and clean cases really are clean
    assert submitted_ok(facts)
    shown = _checks(exp, facts.submitted_on or dt.date.today())
    assert shown == codes & FIELD_LEVEL
    # missing materials: no document was listed for that material
    materials = {d["material"] for d in exp["documents"]}
    for f in exp["findings"]:
        if f["code"] == "MISSING_MATERIAL":
            assert f["material"] not in materials
    assert exp["decision"] == decision_for(exp["findings"])
    # FIELD_UNREADABLE: exactly when a document marks a deciding field of its own unreadable
    blotted = [d for d in exp["documents"] if d.get("unreadable_fields")]
    for d in blotted:
        kind = DocumentKind(d["kind"])
        for name in d["unreadable_fields"]:
            assert name in d["fields"], (d["kind"], name)  # the printed truth is kept
            assert name in DECIDING_FIELDS.get(kind, ()), (d["kind"], name)
    field_findings = {f["material"] for f in exp["findings"] if f["code"] == "FIELD_UNREADABLE"}
    assert field_findings == {d["material"] for d in blotted}
    if blotted:  # a local blot, not a page too poor to read
        assert "UNREADABLE_PAGE" not in codes
    # UNREADABLE_PAGE: exactly when a document was presented blurred beyond reading
    illegible = {d["material"] for d in exp["documents"] if d.get("illegible")}
    page_findings = {f["material"] for f in exp["findings"] if f["code"] == "UNREADABLE_PAGE"}
    assert illegible == page_findings


def submitted_ok(facts: CaseFacts) -> bool:
    return facts.submitted_on is not None


def test_duplicate_invoice_repeats_an_earlier_case() -> None:
    seen: dict[tuple[str, str], str] = {}
    for case in CASE_DIRS:
        exp = _load(case, "expected.json")
        for inv in _docs(exp, "medical_invoice"):
            key = (inv["invoice_code"], inv["invoice_number"])
            dup = "DUPLICATE_INVOICE" in {f["code"] for f in exp["findings"]}
            assert (key in seen) == dup, (case.name, key)
            seen.setdefault(key, case.name)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_committed_set_covers_kinds_and_degradations() -> None:
    """The later additions stay in the set: 生育服务登记表 in 明溪 maternity cases, the civil
    certificates, FIELD_UNREADABLE, and the cut / stamp degradations on accepted cases."""
    by_id = {p.name: _load(p, "expected.json") for p in CASE_DIRS}
    kinds = {d["kind"] for e in by_id.values() for d in e["documents"]}
    assert {"birth_service_registration", "household_register", "residence_permit"} <= kinds
    assert {"marriage_certificate"} <= kinds
    mingxi_bsr = [
        e
        for e in by_id.values()
        if e["region"] == "sanming-mingxi"
        and e["item"].startswith("002036007")
        and any(d["kind"] == "birth_service_registration" for d in e["documents"])
    ]
    assert len(mingxi_bsr) >= 2
    flexible = [
        c
        for c in CASES
        if c.region == "sanming-mingxi"
        and c.item == "002036006002"
        and c.facts.get("insured_type") == "flexible"
        and c.facts.get("maternity_event") == "delivery"
    ]
    assert flexible
    for c in flexible:
        docs = by_id[c.id]["documents"]
        assert {"marriage_certificate", "birth_service_registration"} <= {d["kind"] for d in docs}
    for op in ("cut", "stamp"):
        assert any(
            by_id[c.id]["decision"] == "accept"
            and any(o.split(":")[0] == op for ops in c.extra_ops.values() for o in ops)
            for c in CASES
        ), op
    review = [e for e in by_id.values() if e["decision"] == "review"]
    assert any({f["code"] for f in e["findings"]} == {"FIELD_UNREADABLE"} for e in review)


@pytest.mark.parametrize("case_id", ["c001", "c029", "c045", "c078"])
def test_regenerates_identically(tmp_path: Path, case_id: str) -> None:
    generate(tmp_path, seed=0, only=[case_id])
    ref = CASES_DIR / case_id
    for name in ("case.json", "expected.json"):
        assert (tmp_path / case_id / name).read_bytes() == (ref / name).read_bytes(), name
    # clean renderers: identical files too
    for f in sorted(ref.iterdir()):
        assert _digest(tmp_path / case_id / f.name) == _digest(f), f.name


def test_seed_changes_values(tmp_path: Path) -> None:
    a = generate(tmp_path / "a", seed=1, only=["c029"])[0]
    b = generate(tmp_path / "b", seed=2, only=["c029"])[0]
    assert a["documents"][0]["fields"] != b["documents"][0]["fields"]
