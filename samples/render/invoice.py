"""医疗收费票据: the paper fiscal receipt (scanned) and the 医疗电子票据 (PDF + QR code)."""

from __future__ import annotations

import io
import random
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import qrcode  # type: ignore[import-untyped]
from PIL import Image

from samples.claim import Claim
from samples.fonts import Face, text_width_mm
from samples.money import fmt, to_upper
from samples.render.base import (
    FORM_BLUE,
    FORM_RED,
    INK,
    RED,
    RGB,
    Painter,
    PdfPage,
    PilPage,
    Rendered,
    blot,
    new_pdf,
    seal_layer,
)


@dataclass
class InvoiceValues:
    """The values printed on an invoice (defects are injected by editing these)."""

    electronic: bool
    inpatient: bool
    invoice_code: str
    invoice_number: str
    check_code: str
    payer: str
    patient_id_number: str
    issue_date: Any
    record_number: str
    department: str
    sex: str
    stay_start: Any
    stay_end: Any
    institution_type: str
    category_amounts: dict[str, Decimal]
    total: Decimal
    total_words: str
    fund: Decimal
    other: Decimal
    account: Decimal
    cash: Decimal
    self_pay: Decimal
    self_expense: Decimal
    payee: str
    seal: bool = True
    smudged: tuple[str, ...] = ()  # fields blotted out on the paper invoice: total, invoice_number

    @classmethod
    def from_claim(cls, c: Claim, electronic: bool) -> InvoiceValues:
        p = c.payments
        return cls(
            electronic=electronic,
            inpatient=c.inpatient,
            invoice_code=c.invoice_code,
            invoice_number=c.invoice_number,
            check_code=c.check_code,
            payer=c.person.name,
            patient_id_number=c.person.id_number,
            issue_date=c.issue_date,
            record_number=c.record_number,
            department=c.department,
            sex=c.person.sex,
            stay_start=c.start,
            stay_end=c.end,
            institution_type=c.hospital.institution_type,
            category_amounts=c.category_amounts(),
            total=c.total,
            total_words=to_upper(c.total),
            fund=p.fund,
            other=p.other,
            account=p.account,
            cash=p.cash,
            self_pay=p.self_pay,
            self_expense=p.self_expense,
            payee=c.hospital.name,
        )

    def qr_payload(self) -> str:
        # 票据代码,票据号码,校验码,开票日期,金额 — the key fields an e-invoice QR carries.
        return ",".join(
            (
                self.invoice_code,
                self.invoice_number,
                self.check_code,
                f"{self.issue_date:%Y%m%d}",
                fmt(self.total),
            )
        )

    def fields(self) -> dict[str, Any]:
        f: dict[str, Any] = {
            "invoice_type": "inpatient" if self.inpatient else "outpatient",
            "electronic": self.electronic,
            "invoice_code": self.invoice_code,
            "invoice_number": self.invoice_number,
            "payer": self.payer,
            "issue_date": self.issue_date.isoformat(),
        }
        if self.electronic:
            f["check_code"] = self.check_code
            f["patient_id_number"] = self.patient_id_number
        if self.inpatient:
            f["inpatient_number"] = self.record_number
            f["stay_start"] = self.stay_start.isoformat()
            f["stay_end"] = self.stay_end.isoformat()
        else:
            f["outpatient_number"] = self.record_number
        f.update(
            institution_type=self.institution_type,
            category_amounts={k: fmt(v) for k, v in self.category_amounts.items()},
            total_words=self.total_words,
            total=fmt(self.total),
            fund_payment=fmt(self.fund),
            other_payment=fmt(self.other),
            account_payment=fmt(self.account),
            cash_payment=fmt(self.cash),
            self_pay=fmt(self.self_pay),
            self_expense=fmt(self.self_expense),
            payee=self.payee,
        )
        if self.electronic:
            f["qr_payload"] = self.qr_payload()
        return f


def _title(v: InvoiceValues) -> str:
    kind = "住院" if v.inpatient else "门诊"
    return f"医疗{kind}收费票据（电子）" if v.electronic else f"福建省医疗{kind}收费票据"


def _draw(
    p: Painter,
    v: InvoiceValues,
    rng: random.Random,
    frame: RGB,
    boxes: dict[str, tuple[float, float, float, float]] | None = None,
) -> tuple[float, float]:
    """Draw the invoice; returns where the payee seal goes (x, y of its centre, mm).

    `boxes`, if given, receives where some values were printed (field name → x, y, w, h in mm).
    """
    w_mm = p.width_mm
    ox, oy = (rng.uniform(-1.2, 1.2), rng.uniform(-0.8, 1.0)) if not v.electronic else (0.0, 0.0)
    ink = INK

    def val(x: float, y: float, s: str, size: float = 9.5, align: str = "left") -> None:
        p.text(x + ox, y + oy, s, size, Face.SANS if v.electronic else Face.SERIF, ink, align)

    # header
    if not v.electronic:
        p.text(w_mm / 2, 9, "财政部监制", 7, Face.SANS, RED, "center")
        p.rect(w_mm / 2 - 12, 5.2, 24, 5.2, 0.3, RED)
    p.text(w_mm / 2, 18, _title(v), 17, Face.SERIF, frame, "center")
    p.line(w_mm / 2 - 48, 20.5, w_mm / 2 + 48, 20.5, 0.35, frame)
    p.line(w_mm / 2 - 48, 21.5, w_mm / 2 + 48, 21.5, 0.2, frame)
    p.text(12, 27, "票据代码：", 9, Face.SERIF, frame)
    val(29, 27, v.invoice_code)
    p.text(w_mm - 62, 27, "票据号码：", 9, Face.SERIF, frame)
    p.text(w_mm - 45, 27, v.invoice_number, 10, Face.SANS, RED if not v.electronic else ink)
    if boxes is not None:
        boxes["invoice_number"] = (
            w_mm - 45,
            23.6,
            text_width_mm(v.invoice_number, 10, Face.SANS),
            4.6,
        )
    if v.electronic:
        p.text(12, 32, "校 验 码：", 9, Face.SERIF, frame)
        val(29, 32, v.check_code)
        p.text(w_mm - 62, 32, "开票日期：", 9, Face.SERIF, frame)
        val(w_mm - 45, 32, f"{v.issue_date:%Y-%m-%d}")
    x0, x1 = 10.0, w_mm - 10
    y = 35.0
    rows = 3 if v.inpatient else 2
    row_h = 7.0
    p.rect(x0, y, x1 - x0, row_h * rows, 0.3, frame)
    for r in range(1, rows):
        p.line(x0, y + r * row_h, x1, y + r * row_h, 0.2, frame)

    def cell(label: str, x: float, r: int, value: str, vx: float | None = None) -> None:
        yy = y + r * row_h + 5
        p.text(x + 1.5, yy, label, 8.5, Face.SERIF, frame)
        val(vx if vx is not None else x + 1.5 + len(label) * 3.1, yy, value)

    cell("交款人：", x0, 0, v.payer)
    cell("统一社会信用代码：", x0 + 55, 0, v.patient_id_number if v.electronic else "")
    if not v.electronic:
        cell("开票日期：", x0 + 135, 0, f"{v.issue_date:%Y年%m月%d日}")
    else:
        cell("性别：", x0 + 145, 0, v.sex)
    if v.inpatient:
        cell("住院号：", x0, 1, v.record_number)
        cell("住院科别：", x0 + 55, 1, v.department)
        cell("住院时间：", x0 + 100, 1, f"{v.stay_start:%Y%m%d}-{v.stay_end:%Y%m%d}")
        days = (v.stay_end - v.stay_start).days
        cell("住院天数：", x0 + 158, 1, str(days))
        cell("医保类型：", x0, 2, "职工基本医疗保险")
        cell("医疗机构类型：", x0 + 100, 2, v.institution_type)
    else:
        cell("门诊号：", x0, 1, v.record_number)
        cell("就诊科室：", x0 + 55, 1, v.department)
        cell("医疗机构类型：", x0 + 100, 1, v.institution_type)
    for r in range(rows):
        for cx in (x0 + 54, x0 + 143 if (r == 0 and v.electronic) else x0 + 99):
            p.line(cx, y + r * row_h, cx, y + (r + 1) * row_h, 0.2, frame)
    # item table: two column pairs
    y = 35 + row_h * rows + 1
    cats = list(v.category_amounts.items())
    n_rows = max(5, (len(cats) + 1) // 2)
    th = 5.6
    p.rect(x0, y, x1 - x0, th * (n_rows + 1), 0.3, frame)
    half = (x1 - x0) / 2
    for c in range(2):
        bx = x0 + c * half
        p.text(bx + 20, y + 4.2, "项目名称", 8.5, Face.SERIF, frame, "center")
        p.text(bx + 52, y + 4.2, "金额（元）", 8.5, Face.SERIF, frame, "center")
        p.text(bx + 78, y + 4.2, "备注", 8.5, Face.SERIF, frame, "center")
        p.line(bx + 38, y, bx + 38, y + th * (n_rows + 1), 0.2, frame)
        p.line(bx + 66, y, bx + 66, y + th * (n_rows + 1), 0.2, frame)
    p.line(x0 + half, y, x0 + half, y + th * (n_rows + 1), 0.3, frame)
    p.line(x0, y + th, x1, y + th, 0.2, frame)
    for i, (cat, amt) in enumerate(cats):
        c, r = divmod(i, n_rows)
        bx = x0 + c * half
        yy = y + th * (r + 1) + 4.2
        val(bx + 3, yy, cat, 9)
        val(bx + 63, yy, fmt(amt), 9, "right")
    y += th * (n_rows + 1)
    # totals
    p.rect(x0, y, x1 - x0, 7, 0.3, frame)
    p.text(x0 + 1.5, y + 5, "金额合计（大写）", 8.5, Face.SERIF, frame)
    val(x0 + 30, y + 5, v.total_words)
    p.text(x0 + 128, y + 5, "（小写）", 8.5, Face.SERIF, frame)
    small = f"¥{fmt(v.total)}"
    val(x0 + 142, y + 5, small)
    if boxes is not None:
        face = Face.SANS if v.electronic else Face.SERIF
        boxes["total"] = (x0 + 142 + ox, y + 1.6 + oy, text_width_mm(small, 9.5, face), 4.4)
    y += 7
    pay = [
        ("医保统筹基金支付", v.fund),
        ("其他支付", v.other),
        ("个人账户支付", v.account),
        ("个人现金支付", v.cash),
        ("个人自付", v.self_pay),
        ("个人自费", v.self_expense),
    ]
    p.rect(x0, y, x1 - x0, 14, 0.3, frame)
    p.line(x0, y + 7, x1, y + 7, 0.2, frame)
    third = (x1 - x0) / 3
    for i, (label, amt) in enumerate(pay):
        r, c = divmod(i, 3)
        bx = x0 + c * third
        p.text(bx + 1.5, y + r * 7 + 5, label + "：", 8.5, Face.SERIF, frame)
        val(bx + third - 3, y + r * 7 + 5, fmt(amt), 9, "right")
        if c:
            p.line(bx, y, bx, y + 14, 0.2, frame)
    y += 14
    # footer
    p.text(x0 + 1.5, y + 8, "收款单位（章）：", 9, Face.SERIF, frame)
    val(x0 + 30, y + 8, v.payee)
    p.text(x0 + 110, y + 8, "复核人：", 9, Face.SERIF, frame)
    p.text(x0 + 148, y + 8, "收款人：", 9, Face.SERIF, frame)
    val(x0 + 162, y + 8, "收费" + str(rng.randint(1, 20)).zfill(2))
    return x0 + 45 + rng.uniform(-6, 6), y + 4 + rng.uniform(-3, 2)


def render_paper(v: InvoiceValues, rng: random.Random, dpi: int = 200) -> Rendered:
    page = PilPage(210, 142, dpi, bg=(253, 252, 247))
    frame = FORM_RED if rng.random() < 0.6 else FORM_BLUE
    boxes: dict[str, tuple[float, float, float, float]] = {}
    sx, sy = _draw(page, v, rng, frame, boxes)
    if v.seal:
        d = 38.0
        layer = seal_layer(v.payee, "收费专用章", d, dpi, rng)
        page.multiply(layer, sx - d / 2, sy - d / 2)
    for name in v.smudged:
        blot(page, boxes[name], rng)
    return Rendered(
        "medical_invoice",
        v.fields(),
        [page.img],
        unreadable=list(v.smudged),
        texts=[page.texts],
    )


def qr_image(payload: str) -> Image.Image:
    qr = qrcode.QRCode(border=1, box_size=4, error_correction=qrcode.constants.ERROR_CORRECT_M)
    qr.add_data(payload)
    qr.make(fit=True)
    img = qr.make_image(fill_color="black", back_color="white")
    buf = io.BytesIO()
    img.save(buf)
    buf.seek(0)
    return Image.open(buf).convert("RGB")


def render_electronic(v: InvoiceValues, rng: random.Random, dpi: int = 150) -> Rendered:
    """The e-invoice as a PDF with a text layer, and its raster (for the contact sheet)."""
    w, h = 210.0, 140.0
    qr = qr_image(v.qr_payload())
    seal = seal_layer(v.payee, "财务专用章", 40, 200, random.Random(rng.random()))
    st = rng.getstate()
    pdf = new_pdf()
    pdf_page = PdfPage(pdf, w, h)
    sx, sy = _draw(pdf_page, v, rng, FORM_BLUE)
    pdf_page.image(qr, 12, 3, 20, 20)
    pdf_page.image(seal, sx - 20, sy - 20, 40, 40)
    data = bytes(pdf.output())
    rng.setstate(st)
    raster = PilPage(w, h, dpi)
    _draw(raster, v, rng, FORM_BLUE)
    raster.image(qr, 12, 3, 20, 20)
    raster.image(seal, sx - 20, sy - 20, 40, 40)
    assert raster.texts == pdf_page.texts
    return Rendered("medical_invoice", v.fields(), [raster.img], pdf=data, texts=[pdf_page.texts])
