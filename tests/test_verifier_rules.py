"""Each rule with a passing and a failing input, on documents built directly."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from models.catalog_loader import Catalog
from models.documents import (
    BBox,
    DecisionOutcome,
    Document,
    ExtractedField,
    Page,
    PageRef,
    Quality,
    Severity,
)
from models.facts import CaseFacts
from models.kinds import DocumentKind as K
from tests.builders import HOSPITAL, ID_NUMBER, doc, inpatient_case, set_field
from verifier.engine import VerificationResult, verify
from verifier.registry import SqliteInvoiceRegistry

RECEIVED = dt.date(2026, 3, 20)


def run(
    documents: list[Document], region: str | None = "sanming-mingxi", **kw: object
) -> VerificationResult:
    item = Catalog.load().effective("002036006002", region)
    return verify(item, documents, submitted_on=RECEIVED, **kw)  # type: ignore[arg-type]


def codes(result: VerificationResult, severity: Severity | None = None) -> set[str]:
    return {f.code for f in result.findings if severity is None or f.severity == severity}


def test_a_clean_inpatient_case_is_accepted() -> None:
    result = run(inpatient_case())
    assert result.findings == []
    assert result.decision.outcome == DecisionOutcome.ACCEPT
    assert result.facts.visit_type == "inpatient"


@pytest.mark.parametrize(
    ("doc_id", "changes", "code", "material"),
    [
        ("d3", {"total": Decimal("1.00")}, "AMOUNT_MISMATCH", "expense_list"),
        ("d2", {"total_words": "壹佰元整"}, "AMOUNT_WORDS_MISMATCH", None),
        ("d3", {"patient_name": "林建军"}, "NAME_MISMATCH", None),
        ("d5", {"id_number": "350102198003121239"}, "ID_NUMBER_MISMATCH", None),
        ("d1", {"valid_until": dt.date(2026, 3, 19)}, "ID_CARD_EXPIRED", None),
        ("d4", {"stay_days": 9}, "DATE_INCONSISTENT", None),
        ("d4", {"discharge_date": dt.date(2026, 3, 8)}, "DATE_INCONSISTENT", None),
        ("d2", {"issue_date": dt.date(2026, 3, 25)}, "DATE_INCONSISTENT", None),
        ("d4", {"hospital": "福建省立医院"}, "HOSPITAL_MISMATCH", None),
        ("d2", {"cash_payment": Decimal("10.00")}, "PAYMENT_BREAKDOWN_MISMATCH", None),
        ("d5", {"signature_present": False}, "SIGNATURE_MISSING", None),
    ],
)
def test_blocking_rules(doc_id: str, changes: dict, code: str, material: str | None) -> None:  # type: ignore[type-arg]
    result = run(set_field(inpatient_case(), doc_id, **changes))
    assert code in codes(result, Severity.BLOCKING), result.findings
    assert result.decision.outcome == DecisionOutcome.CORRECT
    finding = next(f for f in result.findings if f.code == code)
    assert finding.evidence and all(e.page for e in finding.evidence)
    assert finding.message and finding.material is not None
    if material:
        assert material in finding.material


def test_id_number_mismatch_is_masked() -> None:
    result = run(set_field(inpatient_case(), "d5", id_number="350102198003121239"))
    finding = next(f for f in result.findings if f.code == "ID_NUMBER_MISMATCH")
    assert ID_NUMBER not in finding.message
    assert all(e.value != ID_NUMBER for e in finding.evidence)


def test_invalid_id_check_digit() -> None:
    bad = ID_NUMBER[:-1] + ("0" if ID_NUMBER[-1] != "0" else "1")
    result = run(set_field(inpatient_case(), "d1", id_number=bad))
    assert "ID_NUMBER_INVALID" in codes(result, Severity.BLOCKING)
    assert "校验码" in next(f.message for f in result.findings if f.code == "ID_NUMBER_INVALID")


def test_line_items_that_do_not_add_up() -> None:
    documents = inpatient_case()
    rows = [dict(r) for r in documents[2].value("items")]  # type: ignore[union-attr]
    rows[0]["amount"] = rows[0]["amount"] + Decimal("5")
    result = run(set_field(documents, "d3", items=rows))
    messages = [f.message for f in result.findings if f.code == "LINE_ITEMS_SUM_MISMATCH"]
    assert any("第1行" in m for m in messages)
    assert any("小计" in m for m in messages) and any("总计" in m for m in messages)
    assert result.decision.outcome == DecisionOutcome.CORRECT  # a printed error: blocking


def test_a_misread_quantity_on_a_list_that_adds_up_is_only_a_warning() -> None:
    """6 read for 9: the amounts still add up to the subtotals and the total, so the line that
    does not multiply out is a note for the reviewer, not a correction for the applicant; the
    amounts the decision rests on are confirmed."""
    documents = inpatient_case()
    rows = [dict(r) for r in documents[2].value("items")]  # type: ignore[union-attr]
    rows[0]["quantity"] = rows[0]["quantity"] + 1
    result = run(set_field(documents, "d3", items=rows))
    assert "LINE_ITEMS_SUM_MISMATCH" not in codes(result, Severity.BLOCKING)
    assert "LINE_ITEMS_SUM_MISMATCH" in codes(result, Severity.WARNING)
    assert result.decision.outcome == DecisionOutcome.ACCEPT


def test_sums_over_rows_the_reading_missed_are_for_the_reviewer() -> None:
    """The list says 合计：3项 but one row was not read: its subtotal and the total cannot be
    checked against the rows, so the mismatch is a warning, not a notice to the applicant."""
    documents = inpatient_case()
    rows = [dict(r) for r in documents[2].value("items")]  # type: ignore[union-attr]
    result = run(set_field(documents, "d3", items=rows[1:], item_count=3))
    assert "LINE_ITEMS_SUM_MISMATCH" not in codes(result, Severity.BLOCKING)
    assert "LINE_ITEMS_SUM_MISMATCH" in codes(result, Severity.WARNING)
    # the same rows when the list says it has only two: a real difference, blocking
    result = run(set_field(documents, "d3", items=rows[1:], item_count=2))
    assert "LINE_ITEMS_SUM_MISMATCH" in codes(result, Severity.BLOCKING)


def test_already_settled_implied_by_the_breakdown_goes_to_review() -> None:
    """统筹 not read, but 合计 less the other parts leaves 100.00: a reviewer confirms."""
    total = inpatient_case()[1].value("total")
    documents = set_field(
        inpatient_case(),
        "d2",
        fund_payment=None,
        other_payment=Decimal("0.00"),
        account_payment=Decimal("0.00"),
        cash_payment=total - Decimal("100.00"),  # type: ignore[operator]
    )
    result = run(documents)
    assert "ALREADY_SETTLED" in codes(result, Severity.WARNING)
    assert result.decision.outcome == DecisionOutcome.REVIEW
    message = next(f.message for f in result.findings if f.code == "ALREADY_SETTLED")
    assert "100.00" in message


@pytest.mark.parametrize(
    ("raw", "outcome"),
    [("28", "reject"), ("8528", "reject"), ("", "review"), ("29", "review"), ("8", "review")],
)
def test_already_settled_implied_and_partly_read_is_rejected(raw: str, outcome: str) -> None:
    """统筹 85.28 half under the seal: the digits read ('28') end the implied figure, so the
    reading and the arithmetic agree; digits that disagree, or one digit, leave it to review."""
    total = inpatient_case()[1].value("total")
    documents = set_field(
        inpatient_case(),
        "d2",
        other_payment=Decimal("0.00"),
        account_payment=Decimal("0.00"),
        cash_payment=total - Decimal("85.28"),  # type: ignore[operator]
    )
    documents = [
        d.model_copy(
            update={
                "fields": {
                    **d.fields,
                    "fund_payment": ExtractedField(
                        name="fund_payment",
                        value=None,
                        raw=raw,
                        confidence=0.4,
                        page=d.pages[0],
                        readable=False,
                    ),
                }
            }
        )
        if d.id == "d2"
        else d
        for d in documents
    ]
    result = run(documents)
    assert result.decision.outcome.value == outcome
    assert "ALREADY_SETTLED" in {f.code for f in result.findings}


def test_already_settled_against_an_unbalanced_breakdown_goes_to_review() -> None:
    """统筹 100.00 read, but 统筹+现金 exceed 合计 by exactly that: the figures contradict each
    other, so a reviewer looks before anyone is refused."""
    documents = set_field(inpatient_case(), "d2", fund_payment=Decimal("100.00"))
    result = run(documents)
    assert "ALREADY_SETTLED" in codes(result, Severity.WARNING)
    assert result.decision.outcome != DecisionOutcome.REJECT


def test_already_settled_partly_read_without_the_other_figures_goes_to_review() -> None:
    """统筹 read as 904..83 and 现金 not read at all: nothing to imply the fund payment from,
    but the digits show one is printed there — a reviewer reads it off the original."""

    def unread(name: str, raw: str) -> ExtractedField:
        return ExtractedField(name=name, value=None, raw=raw, confidence=0.3, readable=False)

    def invoice_with(fund_raw: str) -> list[Document]:
        return [
            d.model_copy(
                update={
                    "fields": {
                        **d.fields,
                        "fund_payment": unread("fund_payment", fund_raw),
                        "cash_payment": unread("cash_payment", "个人现金支付："),
                    }
                }
            )
            if d.id == "d2"
            else d
            for d in inpatient_case()
        ]

    result = run(invoice_with("904..83"))
    assert "ALREADY_SETTLED" in codes(result, Severity.WARNING)
    assert result.decision.outcome == DecisionOutcome.REVIEW
    assert "904..83" in next(f.message for f in result.findings if f.code == "ALREADY_SETTLED")
    assert "ALREADY_SETTLED" not in codes(run(invoice_with("0.00")))
    # with 现金 read, the figures leave 0.00 for 统筹: digits read there are seal strokes
    total = inpatient_case()[1].value("total")
    read_cash = [
        d.model_copy(
            update={
                "fields": {
                    **d.fields,
                    "fund_payment": unread("fund_payment", "城关10.00"),
                    "cash_payment": d.fields["cash_payment"].model_copy(update={"value": total}),
                }
            }
        )
        if d.id == "d2"
        else d
        for d in inpatient_case()
    ]
    assert "ALREADY_SETTLED" not in codes(run(read_cash))


def test_already_settled_read_unsurely_goes_to_review() -> None:
    """统筹 100.00 read at 0.9 with the cash figure unread (nothing to check it against): a
    refusal needs a sure reading, so a reviewer confirms."""
    documents = set_field(
        inpatient_case(),
        "d2",
        fund_payment=Decimal("100.00"),
        cash_payment=inpatient_case()[1].value("total") - Decimal("100.00"),  # type: ignore[operator]
    )
    documents = [
        d.model_copy(
            update={
                "fields": {
                    **d.fields,
                    "fund_payment": d.fields["fund_payment"].model_copy(update={"confidence": 0.9}),
                    "cash_payment": ExtractedField(
                        name="cash_payment", value=None, raw="", confidence=0.0, readable=False
                    ),
                }
            }
        )
        if d.id == "d2"
        else d
        for d in documents
    ]
    result = run(documents)
    assert "ALREADY_SETTLED" in codes(result, Severity.WARNING)
    assert result.decision.outcome == DecisionOutcome.REVIEW


def test_already_settled_is_rejected() -> None:
    documents = set_field(
        inpatient_case(),
        "d2",
        fund_payment=Decimal("100.00"),
        cash_payment=inpatient_case()[1].value("total") - Decimal("100.00"),
    )  # type: ignore[operator]
    result = run(documents)
    assert codes(result, Severity.REJECT) == {"ALREADY_SETTLED"}
    assert result.decision.outcome == DecisionOutcome.REJECT


def test_missing_material_names_the_material_and_its_condition() -> None:
    documents = [d for d in inpatient_case() if d.kind != K.DISCHARGE_SUMMARY]
    result = run(documents)
    missing = [f for f in result.findings if f.code == "MISSING_MATERIAL"]
    assert len(missing) == 1 and "出院小结" in missing[0].message
    assert result.decision.outcome == DecisionOutcome.CORRECT


def test_each_invoice_needs_its_expense_list() -> None:
    documents = inpatient_case()
    second = documents[1].model_copy(update={"id": "d9", "pages": [7]})
    second = set_field([second], "d9", invoice_number="00099999", inpatient_number="ZY2026099")[0]
    result = run([*documents, second])
    messages = [f.message for f in result.findings if f.code == "MISSING_MATERIAL"]
    assert any("00099999" in m and "费用清单" in m for m in messages)


def test_trauma_diagnosis_asks_for_the_commitment_letter_and_says_it_inferred_it() -> None:
    documents = set_field(inpatient_case(), "d4", discharge_diagnosis="左桡骨远端骨折")
    result = run(documents)
    assert result.facts.trauma is True and "骨折" in result.inferred["trauma"]
    missing = " ".join(f.message for f in result.findings if f.code == "MISSING_MATERIAL")
    assert "外伤费用承诺书" in missing
    # The applicant saying it was not trauma settles it.
    assert "外伤" not in " ".join(
        f.message for f in run(documents, facts=CaseFacts(trauma=False)).findings
    )


def test_wrong_document_in_place_of_a_required_one() -> None:
    documents = [
        d if d.kind != K.DISCHARGE_SUMMARY else doc(K.BANK_CARD, "d4", [5])
        for d in inpatient_case()
    ]
    result = run(documents)
    assert "MISSING_MATERIAL" in codes(result, Severity.BLOCKING)
    assert "UNEXPECTED_DOCUMENT" in codes(result, Severity.WARNING)


def test_an_unreadable_page_is_not_also_an_unexpected_document() -> None:
    """A page too blurred to read cannot be classified: it is reported as unreadable (and the
    material it might have been as missing), never as a document the item does not need."""
    page = Page(
        ref=PageRef(file_sha256="0" * 64, index=0),
        number=9,
        width=100,
        height=100,
        source="ocr",
        quality=Quality.UNREADABLE,
        quality_issues=["严重模糊"],
    )
    documents = [*inpatient_case(), doc(K.OTHER, "x9", [9])]
    result = run(documents, pages=[page])
    assert "UNREADABLE_PAGE" in codes(result, Severity.BLOCKING)
    assert "UNEXPECTED_DOCUMENT" not in codes(result)
    result = run(documents)  # the same page read fine but not recognised: unexpected
    assert "UNEXPECTED_DOCUMENT" in codes(result, Severity.WARNING)


def test_the_one_unreadable_page_stands_for_the_one_missing_material() -> None:
    """c051: the invoice blurred beyond reading is classified `other` and the invoice is then
    missing. The applicant is told once, under the invoice: the page is unreadable and may be
    the invoice. With two materials missing, which one it was cannot be told: both stay."""
    from verifier.notice.model import correction_entries

    unreadable = Page(
        ref=PageRef(file_sha256="0" * 64, index=1),
        number=2,
        width=100,
        height=100,
        source="ocr",
        quality=Quality.UNREADABLE,
        quality_issues=["严重模糊"],
    )
    no_invoice = [d for d in inpatient_case() if d.kind is not K.MEDICAL_INVOICE]
    documents = [*no_invoice, doc(K.OTHER, "x2", [2])]
    result = run(documents, pages=[unreadable])
    assert "MISSING_MATERIAL" not in codes(result)
    page = next(f for f in result.findings if f.code == "UNREADABLE_PAGE")
    assert "第2页（可能为" in page.message and page.material is not None
    entries = correction_entries(result)
    assert [e.codes for e in entries] == [["UNREADABLE_PAGE"]]
    assert entries[0].material_id == page.material
    assert run(no_invoice).findings[0].material == page.material  # the invoice's material
    no_card = [d for d in documents if d.kind is not K.ID_CARD]
    result = run(no_card, pages=[unreadable])
    assert sum(f.code == "MISSING_MATERIAL" for f in result.findings) >= 2
    page = next(f for f in result.findings if f.code == "UNREADABLE_PAGE")
    assert "可能为" not in page.message and page.material is None


def test_form_missing_its_seal() -> None:
    item = Catalog.load().effective("002036001002-3.1")
    form = doc(
        K.APPLICATION_FORM,
        "f1",
        [1],
        title="职工基本医疗保险参保登记表",
        applicant_name="林建国",
        id_number=ID_NUMBER,
        seal_present=False,
    )
    card = doc(K.ID_CARD, "c1", [2], name="林建国", id_number=ID_NUMBER)
    facts = CaseFacts(insured_type="employee")
    result = verify(item, [form, card], facts=facts, submitted_on=RECEIVED)
    assert "SEAL_MISSING" in codes(result, Severity.BLOCKING)
    sealed = [*set_field([form], "f1", seal_present=True), card]
    assert "SEAL_MISSING" not in codes(verify(item, sealed, facts=facts, submitted_on=RECEIVED))


def test_unreadable_page_and_field() -> None:
    page = Page(
        ref=PageRef(file_sha256="0" * 64, index=0),
        number=5,
        width=100,
        height=100,
        source="ocr",
        quality=Quality.UNREADABLE,
        quality_issues=["严重模糊"],
    )
    result = run(inpatient_case(), pages=[page])
    finding = next(f for f in result.findings if f.code == "UNREADABLE_PAGE")
    assert "第5页" in finding.message and "严重模糊" in finding.message
    documents = inpatient_case()
    total = documents[1].fields["total"].model_copy(update={"readable": False})
    documents[1] = documents[1].model_copy(
        update={"fields": {**documents[1].fields, "total": total}}
    )
    result = run(documents)
    assert "FIELD_UNREADABLE" in codes(result, Severity.WARNING)
    assert result.decision.outcome == DecisionOutcome.REVIEW


def test_name_differing_only_by_an_ocr_confusion_goes_to_review() -> None:
    result = run(set_field(inpatient_case(), "d3", patient_name="林建国"[:2] + "图"))
    assert result.decision.outcome == DecisionOutcome.CORRECT  # 国/图 is not a known confusion
    result = run(set_field(inpatient_case(), "d3", patient_name="林健国"))
    assert "NAME_MISMATCH" in codes(result, Severity.WARNING)
    assert result.decision.outcome == DecisionOutcome.REVIEW


def test_name_one_character_apart_read_with_little_confidence_goes_to_review() -> None:
    # 国 misread on the ID card; the form carries no ID number to tie it to the card
    docs = set_field(inpatient_case(), "d1", name="林建码")
    docs = set_field(docs, "d5", id_number=None)
    result = run(docs)
    assert "NAME_MISMATCH" in codes(result, Severity.BLOCKING)  # read confidently: blocking
    d1 = next(d for d in docs if d.id == "d1")
    fields = dict(d1.fields)
    fields["name"] = fields["name"].model_copy(update={"confidence": 0.59})
    docs = [d.model_copy(update={"fields": fields}) if d.id == "d1" else d for d in docs]
    result = run(docs)
    assert "NAME_MISMATCH" not in codes(result, Severity.BLOCKING)
    assert "NAME_MISMATCH" in codes(result, Severity.WARNING)
    assert result.decision.outcome == DecisionOutcome.REVIEW


def test_name_with_a_character_lost_read_with_little_confidence_goes_to_review() -> None:
    """林建 (国 lost) on the ID card: blocking when read confidently, for review when the card
    was read unsurely; two characters apart blocks when read fairly surely (0.8), and goes to
    review too when read as unsurely as 0.5."""

    def card_name(name: str, confidence: float) -> list[Document]:
        docs = set_field(set_field(inpatient_case(), "d1", name=name), "d5", id_number=None)
        d1 = next(d for d in docs if d.id == "d1")
        fields = dict(d1.fields)
        fields["name"] = fields["name"].model_copy(update={"confidence": confidence})
        return [d.model_copy(update={"fields": fields}) if d.id == "d1" else d for d in docs]

    assert "NAME_MISMATCH" in codes(run(card_name("林建", 0.98)), Severity.BLOCKING)
    unsure = run(card_name("林建", 0.5))
    assert "NAME_MISMATCH" in codes(unsure, Severity.WARNING)
    assert unsure.decision.outcome == DecisionOutcome.REVIEW
    assert "NAME_MISMATCH" in codes(run(card_name("名林建码", 0.8)), Severity.BLOCKING)
    assert "NAME_MISMATCH" in codes(run(card_name("名林建码", 0.5)), Severity.WARNING)


def test_duplicate_invoice_across_two_runs_is_persisted(tmp_path: Path) -> None:
    path = tmp_path / "records.sqlite"
    first = run(inpatient_case(), registry=SqliteInvoiceRegistry(path), submission_id="S1")
    assert "DUPLICATE_INVOICE" not in codes(first)
    # A new process (a new registry object on the same file) sees the earlier submission.
    again = run(inpatient_case(), registry=SqliteInvoiceRegistry(path), submission_id="S2")
    assert codes(again, Severity.WARNING) == {"DUPLICATE_INVOICE"}
    assert again.decision.outcome == DecisionOutcome.REVIEW
    assert "S1" in next(f.message for f in again.findings if f.code == "DUPLICATE_INVOICE")
    # Re-verifying the first submission is not a duplicate of itself.
    rerun = run(inpatient_case(), registry=SqliteInvoiceRegistry(path), submission_id="S1")
    assert "DUPLICATE_INVOICE" not in codes(rerun)


def test_same_invoice_twice_in_one_submission_is_a_warning() -> None:
    documents = inpatient_case()
    copy = documents[1].model_copy(update={"id": "d9", "pages": [7]})
    result = run([*documents, copy])
    assert any(
        f.code == "DUPLICATE_INVOICE" and f.severity == Severity.WARNING for f in result.findings
    )


def test_referral_allows_two_hospitals() -> None:
    documents = set_field(inpatient_case(), "d4", hospital="福建省立医院")
    assert "HOSPITAL_MISMATCH" not in codes(run(documents, facts=CaseFacts(referral=True)))


def test_deadline_counts_working_days_with_holidays() -> None:
    result = run(inpatient_case())
    # 15 working days after Friday 2026-03-20, with 清明节 on Monday 2026-04-06 → 2026-04-13.
    assert result.deadline is not None and result.deadline.date == dt.date(2026, 4, 13)
    assert not result.deadline.estimated


def test_hospital_seal_words_do_not_make_a_mismatch() -> None:
    documents = set_field(inpatient_case(), "d2", payee=HOSPITAL + "（收费专用章）")
    assert "HOSPITAL_MISMATCH" not in codes(run(documents))


def test_hospital_character_lost_under_the_seal_is_the_same_hospital() -> None:
    """福建医科大学附属协和医院 read as …附属协医院 on the invoice where the seal is stamped over
    the 收款单位, while the expense list and discharge summary agree on the full name: the seal
    took the character. Without the seal over it, or with only one other document, review."""
    documents = set_field(inpatient_case(), "d2", payee=HOSPITAL.replace("和", ""))
    invoice = next(d for d in documents if d.id == "d2")
    box = invoice.fields["payee"].bbox
    assert box is not None

    def page(seals: list[BBox]) -> Page:
        return Page(
            ref=PageRef(file_sha256="0" * 64, index=1),
            number=2,
            width=1654,
            height=2339,
            source="ocr",
            seals=seals,
        )

    over = BBox(x0=box.x0 + 20, y0=box.y0 - 40, x1=box.x0 + 220, y1=box.y1 + 160)
    elsewhere = BBox(x0=1200, y0=1800, x1=1400, y1=2000)
    assert "HOSPITAL_MISMATCH" not in codes(run(documents, pages=[page([over])]))
    unsealed = run(documents, pages=[page([elsewhere])])
    assert "HOSPITAL_MISMATCH" in codes(unsealed, Severity.WARNING)
    one_other = [d for d in documents if d.id != "d4"]
    assert "HOSPITAL_MISMATCH" in codes(run(one_other, pages=[page([over])]), Severity.WARNING)
    # a different ordinal is another hospital, seal or not
    other = set_field(inpatient_case(), "d2", payee="福州市第二医院")
    other = set_field(
        set_field(other, "d3", hospital="福州市第十二医院"), "d4", hospital="福州市第十二医院"
    )
    assert "HOSPITAL_MISMATCH" in codes(run(other, pages=[page([over])]), Severity.BLOCKING)


def test_card_name_read_unsurely_is_explained_by_a_form_with_the_same_id_number() -> None:
    """林建码 read at 0.5 on the ID card, 林建国 clearly on the application form that carries the
    card's ID number (and on every other document): one person, the card misread — accepted.
    With the form's number different, or the card read clearly, it is not explained."""

    def case(card_conf: float, form_number: str = ID_NUMBER) -> list[Document]:
        docs = set_field(inpatient_case(), "d1", name="林建码")
        docs = set_field(docs, "d5", id_number=form_number)
        d1 = next(d for d in docs if d.id == "d1")
        name = d1.fields["name"].model_copy(update={"confidence": card_conf})
        return [
            d.model_copy(update={"fields": {**d.fields, "name": name}}) if d.id == "d1" else d
            for d in docs
        ]

    explained = run(case(0.5))
    assert "NAME_MISMATCH" not in codes(explained)
    assert explained.decision.outcome == DecisionOutcome.ACCEPT
    other_number = ID_NUMBER[:-2] + ("1" if ID_NUMBER[-2] != "1" else "2") + ID_NUMBER[-1]
    assert "NAME_MISMATCH" in codes(run(case(0.5, other_number)), Severity.WARNING)
    assert "NAME_MISMATCH" in codes(run(case(0.98)), Severity.BLOCKING)


def test_a_name_read_with_very_little_confidence_never_blocks() -> None:
    """满丽如 for 潘丽娟, read at 0.6 on a dark card copy: two characters apart, yet the machine
    is not sure of the reading, so it is a warning for a reviewer, not a notice to the
    applicant; read at 0.8 the same difference blocks."""

    def case(card_conf: float) -> list[Document]:
        docs = set_field(inpatient_case(), "d1", name="满建如")
        d1 = next(d for d in docs if d.id == "d1")
        name = d1.fields["name"].model_copy(update={"confidence": card_conf})
        return [
            d.model_copy(update={"fields": {**d.fields, "name": name}}) if d.id == "d1" else d
            for d in docs
        ]

    unsure = run(case(0.6))
    assert "NAME_MISMATCH" in codes(unsure, Severity.WARNING)
    assert "NAME_MISMATCH" not in codes(unsure, Severity.BLOCKING)
    assert "NAME_MISMATCH" in codes(run(case(0.8)), Severity.BLOCKING)


def test_card_name_on_a_poor_page_needs_more_than_0_9_to_block() -> None:
    """施展曦 read at 0.95 on a low-resolution photo of the card, 施晨曦 on the form with the
    card's number: on a page flagged for its quality a look-alike comes that sure, so the card
    is taken as misread; on a good page, or read at 0.98, 0.95 still blocks."""
    docs = set_field(inpatient_case(), "d1", name="林建码")
    d1 = next(d for d in docs if d.id == "d1")
    name = d1.fields["name"].model_copy(update={"confidence": 0.95})
    docs = [
        d.model_copy(update={"fields": {**d.fields, "name": name}}) if d.id == "d1" else d
        for d in docs
    ]

    def card_page(quality: Quality, dark: bool = False) -> Page:
        return Page(
            ref=PageRef(file_sha256="0" * 64, index=0),
            number=name.page,
            width=1000,
            height=700,
            source="ocr",
            quality=quality,
            quality_issues=["分辨率过低"] if quality is Quality.POOR else [],
            quality_measures={"dark_background": 1.0 if dark else 0.0},
        )

    poor = run(docs, pages=[card_page(Quality.POOR)])
    assert "NAME_MISMATCH" not in codes(poor)
    assert poor.decision.outcome == DecisionOutcome.ACCEPT
    # a good page read through a dark background (a photocopied card) is no surer
    dark = run(docs, pages=[card_page(Quality.OK, dark=True)])
    assert "NAME_MISMATCH" not in codes(dark)
    assert dark.decision.outcome == DecisionOutcome.ACCEPT
    assert "NAME_MISMATCH" in codes(run(docs, pages=[card_page(Quality.OK)]), Severity.BLOCKING)
    sure = [
        d.model_copy(
            update={"fields": {**d.fields, "name": name.model_copy(update={"confidence": 0.98})}}
        )
        if d.id == "d1"
        else d
        for d in docs
    ]
    assert "NAME_MISMATCH" in codes(run(sure, pages=[card_page(Quality.POOR)]), Severity.BLOCKING)
