"""The 一次性告知书 / 退回告知书 / 受理通知书: built from a verified case, rendered to HTML, PDF
and DOCX, read back (pdfplumber, python-docx) and checked for what an applicant must see."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import re
import zipfile
from decimal import Decimal
from typing import Any

import docx
import pdfplumber
import pytest
from pdfminer.pdftypes import resolve1

from extractors.normalize.dates import format_date
from extractors.normalize.idnumber import mask
from models.catalog_loader import Catalog
from models.documents import DecisionOutcome, Document, Page, PageRef, Quality, Severity
from models.facts import CaseFacts
from models.kinds import DocumentKind as K
from tests.builders import ID_NUMBER, NAME, doc, inpatient_case, set_field
from verifier.deadline import Deadline, add_working_days
from verifier.engine import VerificationResult, verify
from verifier.notice import (
    Notice,
    NoticeKind,
    NoticeNotIssuableError,
    build_notice,
    render_docx,
    render_html,
    render_pdf,
)

ITEM_KEY = "002036006002"
REGION = "sanming-mingxi"
OFFICE = "三明市医疗保障基金中心明溪管理部"
# Received the Friday before 国庆 2026 (10月1日-7日 off; 9月20日 and 10月10日 worked).
RECEIVED = dt.date(2026, 9, 25)
ISSUED = dt.date(2026, 9, 28)
MASKED = mask(ID_NUMBER)


def run(
    documents: list[Document],
    *,
    channel: str | None = "mail",
    region: str | None = REGION,
    pages: list[Page] | None = None,
    submission_id: str = "S-20260925-0017",
) -> VerificationResult:
    item = Catalog.load().effective(ITEM_KEY, region)
    return verify(
        item,
        documents,
        pages=pages,
        facts=CaseFacts(channel=channel),  # type: ignore[arg-type]
        submitted_on=RECEIVED,
        submission_id=submission_id,
    )


def unreadable(number: int) -> Page:
    return Page(
        ref=PageRef(file_sha256="0" * 64, index=number - 1),
        number=number,
        width=1240,
        height=1754,
        source="ocr",
        quality=Quality.UNREADABLE,
        quality_issues=["严重模糊"],
    )


def multi_defect_result(channel: str | None = "mail") -> VerificationResult:
    """No discharge summary, an expense list whose total and name disagree with the invoice
    and ID card and whose first page is unreadable, an unsigned application form whose ID
    number differs, and a stray page (a warning only)."""
    documents = [d for d in inpatient_case() if d.kind != K.DISCHARGE_SUMMARY]
    documents = set_field(documents, "d3", total=Decimal("1.00"), patient_name="林建军")
    documents = set_field(documents, "d5", signature_present=False, id_number="350102198003121239")
    documents.append(doc(K.OTHER, "d9", [9]))
    return run(documents, channel=channel, pages=[unreadable(3)])


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def pdf_text(pdf: bytes) -> tuple[str, list[str]]:
    """(the running text without page footers, the text of every table cell)."""
    body, cells = [], []
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        for page in document.pages:
            body.append(page.crop((0, 0, page.width, page.height - 60)).extract_text() or "")
            for table in page.extract_tables():
                cells.extend(squash(cell or "") for row in table for cell in row)
    return squash("".join(body)), cells


def docx_text(data: bytes) -> tuple[str, list[str]]:
    document = docx.Document(io.BytesIO(data))
    body = "".join(p.text for p in document.paragraphs)
    cells = [squash(c.text) for t in document.tables for row in t.rows for c in row.cells]
    return squash(body), cells


@pytest.fixture(scope="module")
def case() -> VerificationResult:
    return multi_defect_result()


@pytest.fixture(scope="module")
def notice(case: VerificationResult) -> Notice:
    return build_notice(case, issued_on=ISSUED)


@pytest.fixture(scope="module")
def pdf(notice: Notice) -> bytes:
    return render_pdf(notice)


@pytest.fixture(scope="module")
def word(notice: Notice) -> bytes:
    return render_docx(notice)


# --- the model ----------------------------------------------------------------------------


def test_the_case_has_the_defects_the_notice_is_about(case: VerificationResult) -> None:
    assert case.decision.outcome == DecisionOutcome.CORRECT
    blocking = {f.code for f in case.findings if f.severity == Severity.BLOCKING}
    assert {
        "MISSING_MATERIAL",
        "AMOUNT_MISMATCH",
        "NAME_MISMATCH",
        "UNREADABLE_PAGE",
        "SIGNATURE_MISSING",
        "ID_NUMBER_MISMATCH",
    } <= blocking
    assert any(f.severity == Severity.WARNING for f in case.findings)


def test_every_blocking_finding_is_listed_once_grouped_by_material(
    case: VerificationResult, notice: Notice
) -> None:
    assert notice.kind == NoticeKind.CORRECTION
    assert notice.title == "医疗保障经办业务一次性告知书"
    blocking = [f for f in case.findings if f.severity == Severity.BLOCKING]
    listed = [p for e in notice.entries for p in e.problems]
    assert sorted(listed) == sorted({f.message for f in blocking})
    assert [e.number for e in notice.entries] == list(range(1, len(notice.entries) + 1))
    # One entry per material: the expense list's four problems share one row.
    names = [e.material for e in notice.entries]
    assert len(names) == len(set(names))
    expense = next(e for e in notice.entries if e.material_id == "expense_list")
    assert {"AMOUNT_MISMATCH", "NAME_MISMATCH", "UNREADABLE_PAGE"} <= set(expense.codes)
    assert expense.requirement == "清晰扫描件"
    form = next(e for e in notice.entries if e.material_id == "application_form")
    assert "申请人签名" in form.requirement
    missing = next(e for e in notice.entries if "MISSING_MATERIAL" in e.codes)
    assert "出院小结" in missing.material
    assert missing.requirement == "原件或清晰复印件/扫描件"


def test_warnings_never_reach_the_notice(case: VerificationResult, notice: Notice) -> None:
    warnings = [f.message for f in case.findings if f.severity == Severity.WARNING]
    assert warnings
    text = notice.text()
    for message in warnings:
        assert message not in text
    assert "第9页" not in text


def test_header_fields(notice: Notice) -> None:
    assert notice.office == OFFICE
    assert notice.notice_no == "明医保告〔2026〕第0017号"
    assert notice.addressee == f"{NAME}（身份证号 {MASKED}）："
    assert notice.item_code == ITEM_KEY and notice.item_name == "住院费用报销"
    assert notice.received_on == RECEIVED and notice.channel_label == "邮寄"
    assert notice.issued_on_text == "2026年9月28日"
    assert "《中华人民共和国社会保险法》第二十八条、第三十条" in notice.legal_basis
    assert "12345" in notice.contact_text
    assert "2026年9月25日通过邮寄方式" in notice.intro


def test_overrides_and_fallbacks(case: VerificationResult) -> None:
    notice = build_notice(
        case, notice_no="明医保告〔2026〕第0101号", issued_on=dt.date(2026, 3, 5), office="某窗口"
    )
    assert notice.notice_no == "明医保告〔2026〕第0101号"
    assert notice.issued_on_text == "2026年3月5日"
    assert notice.office == "某窗口" and "邮寄至某窗口" in (notice.resubmission or "")
    province = run(inpatient_case()[1:], region=None, submission_id="local")
    fallback = build_notice(province, issued_on=ISSUED)
    assert fallback.office == "福建省医疗保障经办机构"
    assert fallback.notice_no.startswith("闽医保告〔2026〕")


def test_deadline_counts_working_days_across_national_day(notice: Notice) -> None:
    expected = add_working_days(RECEIVED, 15)
    assert expected == Deadline(dt.date(2026, 10, 22), estimated=False)
    naive = RECEIVED + dt.timedelta(weeks=3)  # 15 weekdays, ignoring 国庆
    assert naive != expected.date
    assert notice.deadline == expected.date
    paragraph = notice.time_limit or ""
    assert "15个工作日内办结" in paragraph and "自申请材料齐全之日起按工作日计算" in paragraph
    assert f"办结期限为{format_date(expected.date)}" in paragraph
    assert format_date(naive) not in paragraph
    assert "尚未公布" not in paragraph


def test_an_estimated_deadline_says_the_holidays_are_not_published(
    case: VerificationResult,
) -> None:
    guessed = dataclasses.replace(case, deadline=Deadline(dt.date(2027, 1, 15), estimated=True))
    paragraph = build_notice(guessed, issued_on=ISSUED).time_limit or ""
    assert "2027年1月15日" in paragraph and "2027年法定节假日安排尚未公布" in paragraph


@pytest.mark.parametrize(
    ("channel", "expected", "absent"),
    [
        ("mail", f"请您将补正材料连同本告知书复印件邮寄至{OFFICE}", "窗口"),
        ("online", "请您在原申报渠道上传清晰的补正材料", OFFICE),
        ("onsite", f"请您携带补正材料到{OFFICE}窗口办理", "邮寄"),
        (None, f"请您携带补正材料到{OFFICE}窗口办理，或将补正材料连同", "上传"),
    ],
)
def test_the_channel_decides_how_to_resubmit(
    channel: str | None, expected: str, absent: str
) -> None:
    notice = build_notice(multi_defect_result(channel), issued_on=ISSUED)
    assert notice.resubmission is not None
    assert notice.resubmission.startswith(expected)
    assert absent not in notice.resubmission
    assert expected in render_html(notice)
    assert notice.signature_line == (channel in (None, "onsite"))


def test_a_case_in_review_gets_no_applicant_notice() -> None:
    result = run(set_field(inpatient_case(), "d3", patient_name="林健国"))  # OCR variant
    assert result.decision.outcome == DecisionOutcome.REVIEW
    with pytest.raises(NoticeNotIssuableError, match="人工审核"):
        build_notice(result)


def test_a_clean_case_gets_an_acceptance_notice() -> None:
    notice = build_notice(run(inpatient_case()), issued_on=ISSUED)
    assert notice.kind == NoticeKind.ACCEPTANCE and notice.title == "医疗保障经办业务受理通知书"
    assert not notice.entries and not notice.reasons
    assert "予以受理" in notice.intro and "办结期限为2026年10月22日" in (notice.time_limit or "")


# --- rejection ----------------------------------------------------------------------------


def test_an_already_settled_invoice_gets_a_rejection_notice_with_the_reason() -> None:
    documents = set_field(
        inpatient_case(), "d2", fund_payment=Decimal("300.00"), cash_payment=Decimal("153.00")
    )
    result = run(documents)
    assert result.decision.outcome == DecisionOutcome.REJECT
    notice = build_notice(result, issued_on=ISSUED)
    assert notice.kind == NoticeKind.REJECTION
    assert notice.title == "医疗保障经办业务退回告知书"
    assert notice.notice_no == "明医保退〔2026〕第0017号"
    assert not notice.entries and notice.time_limit is None
    settled = next(f.message for f in result.findings if f.code == "ALREADY_SETTLED")
    assert notice.reasons == [settled]
    assert "00012345" in settled and "300.00" in settled
    assert "不予受理" in notice.intro and "重新提出申请" in (notice.resubmission or "")
    html = render_html(notice)
    assert settled in html and "退回告知书" in html and "补正要求" not in html
    body, _ = docx_text(render_docx(notice))
    assert squash(settled) in body and "重新提出申请" in body


# --- renderings ---------------------------------------------------------------------------


def test_pdf_lists_every_problem(case: VerificationResult, notice: Notice, pdf: bytes) -> None:
    body, cells = pdf_text(pdf)
    assert squash(notice.title) in body and squash(notice.notice_no) in body
    for entry in notice.entries:
        assert squash(entry.material) in cells
        assert squash(entry.requirement) in cells
        for problem in entry.problems:
            assert any(squash(problem) in cell for cell in cells), problem
    assert squash(notice.resubmission or "") in body
    assert "办结期限为2026年10月22日" in body
    assert OFFICE in body and "（业务专用章）" in body and "2026年9月28日" in body
    for message in (f.message for f in case.findings if f.severity == Severity.WARNING):
        assert squash(message) not in body + "".join(cells)


def test_pdf_is_a4_with_page_numbers(pdf: bytes) -> None:
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        pages = document.pages
        assert round(pages[0].width) == 595 and round(pages[0].height) == 842
        for n, page in enumerate(pages, 1):
            assert f"第{n}页共{len(pages)}页" in squash(page.extract_text() or "")
        assert document.metadata.get("Title", b"")


def test_the_signature_never_stands_alone_on_a_page(notice: Notice) -> None:
    """However long the list, the closing lines go onto the page that carries the office."""
    # one more entry at a time moves the page break through every line of the ending
    for count in range(1, 9):
        entries = (notice.entries * count)[:count]
        longer = notice.model_copy(update={"entries": entries})
        with pdfplumber.open(io.BytesIO(render_pdf(longer))) as document:
            last = squash(document.pages[-1].extract_text() or "")
        assert OFFICE in last and squash(notice.closing) in last, count


def _embedded_fonts(pdf: bytes) -> dict[str, bool]:
    """Each font's base name and whether its program is embedded in the file."""
    fonts: dict[str, bool] = {}
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        for page in document.pages:
            resources: Any = resolve1(page.page_obj.resources)
            for ref in resolve1(resources.get("Font", {})).values():
                font = resolve1(ref)
                name = resolve1(font["BaseFont"]).name
                descendants = resolve1(font.get("DescendantFonts", [])) or [font]
                descriptor = resolve1(resolve1(descendants[0]).get("FontDescriptor", {}))
                fonts[name] = any(k in descriptor for k in ("FontFile", "FontFile2", "FontFile3"))
    return fonts


def test_pdf_embeds_its_cjk_fonts(pdf: bytes) -> None:
    fonts = _embedded_fonts(pdf)
    assert fonts and all(fonts.values()), fonts
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        used = {c["fontname"] for p in document.pages for c in p.chars if "一" <= c["text"] <= "鿿"}
    assert used and used <= {n for n, embedded in fonts.items() if embedded}
    assert any("Notice" in name for name in used)


def test_docx_lists_every_problem(notice: Notice, word: bytes) -> None:
    body, cells = docx_text(word)
    assert squash(notice.title) in body and squash(notice.addressee) in body
    assert cells[:4] == ["序号", "材料名称", "存在问题", "补正要求"]
    for entry in notice.entries:
        assert squash(entry.material) in cells and squash(entry.requirement) in cells
        for problem in entry.problems:
            assert any(squash(problem) in cell for cell in cells), problem
    assert squash(notice.time_limit or "") in body and "第9页" not in body + "".join(cells)


def test_the_id_number_appears_only_masked(notice: Notice, pdf: bytes, word: bytes) -> None:
    assert ID_NUMBER not in notice.model_dump_json()
    html = render_html(notice)
    assert ID_NUMBER not in html and MASKED in html
    body, cells = pdf_text(pdf)
    everything = body + "".join(cells)
    assert ID_NUMBER not in everything and MASKED in everything
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        assert ID_NUMBER not in str(document.metadata)
    with zipfile.ZipFile(io.BytesIO(word)) as archive:
        xml = "".join(archive.read(name).decode("utf-8", "replace") for name in archive.namelist())
    assert ID_NUMBER not in xml and MASKED in xml
    # The application form's different number is masked in its finding, and so in the notice.
    assert not re.search(r"\d{17}[\dX]", notice.text())


def test_a_full_id_number_in_a_message_is_masked(case: VerificationResult) -> None:
    leaked = case.findings[0].model_copy(update={"message": f"号码{ID_NUMBER}有误"})
    result = dataclasses.replace(case, findings=[leaked, *case.findings[1:]])
    text = build_notice(result, issued_on=ISSUED).text()
    assert ID_NUMBER not in text and f"号码{MASKED}有误" in text


def test_html_is_self_contained(notice: Notice) -> None:
    html = render_html(notice)
    assert html.startswith("<!DOCTYPE html>") and "<style>" in html
    assert "<link" not in html and "<script" not in html and "@font-face" not in html
    assert '第 " counter(page) " 页 共 " counter(pages) " 页' in html
    for header in ("序号", "材料名称", "存在问题", "补正要求"):
        assert f">{header}</th>" in html
