"""Forms and certificates: 申请表, 承诺书, 情况说明, 户口簿页, 居住证, 结婚证, 银行卡, 结算单."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from typing import Any

from PIL import Image, ImageDraw

from samples.fonts import Face
from samples.render.base import BLACK, PilPage, Rendered, seal_layer, signature_layer, wrap


@dataclass
class FormValues:
    kind: str  # application_form, commitment_letter, supporting_document, …
    title: str
    rows: list[tuple[str, str]]  # label, value (two per table row)
    fields: dict[str, Any]
    body: str = ""
    signer: str = ""  # signs if set
    date: dt.date | None = None
    seal_org: str | None = None  # stamped if set
    seal_purpose: str = ""
    header_org: str = ""  # printed top line (e.g. 福建省医疗保障局制)
    sign_label: str = "申请人（签字）："


def render_form(v: FormValues, rng: random.Random, dpi: int = 200) -> Rendered:
    p = PilPage(210, 297, dpi)
    face = Face.SERIF if rng.random() < 0.7 else Face.SANS
    if v.header_org:
        p.text(195, 14, v.header_org, 9, face, BLACK, "right")
    p.text(105, 26, v.title, 16, Face.SANS if rng.random() < 0.5 else Face.SERIF, BLACK, "center")
    y = 36.0
    x0, x1 = 15.0, 195.0
    rows = v.rows
    pairs = [rows[i : i + 2] for i in range(0, len(rows), 2)]
    rh = 11.0
    ink = (35, 35, 60) if rng.random() < 0.5 else (20, 20, 20)  # handwritten-ish fill or print
    for pair in pairs:
        p.rect(x0, y, x1 - x0, rh, 0.3)
        for j, (label, value) in enumerate(pair):
            bx = x0 + j * 90
            if j:
                p.line(bx, y, bx, y + rh, 0.3)
            p.line(bx + 30, y, bx + 30, y + rh, 0.3)
            p.text(
                bx + 15, y + 7.3, label, 9.5 if len(label) > 6 else 10.5, Face.SANS, BLACK, "center"
            )
            size = 10.5 if len(value) <= 14 else 8.5
            wide = len(pair) == 1
            if wide:
                size = 10.5
            p.text(bx + 32, y + 7.3, value, size, face, ink)
        if len(pair) == 1:
            pass
        y += rh
    if v.body:
        y += 8
        for line in wrap(v.body, 170, 11, face):
            p.text(20, y, line, 11, face)
            y += 7.5
    y = max(y + 20, 200.0)
    if v.signer:
        p.text(110, y, v.sign_label, 10.5, Face.SANS)
        sig = signature_layer(v.signer, 7.5, dpi, rng)
        p.multiply(sig, 145, y - 9)
    elif v.sign_label:
        p.text(110, y, v.sign_label, 10.5, Face.SANS)
    if v.date:
        p.text(110, y + 12, f"{v.date.year}年{v.date.month}月{v.date.day}日", 10.5, face)
    if v.seal_org is not None:
        p.text(20, y, "单位（盖章）：", 10.5, Face.SANS)
        p.text(20, y + 12, v.seal_org, 10.5, face)
        layer = seal_layer(v.seal_org, v.seal_purpose, 40, dpi, rng)
        p.multiply(layer, 28 + rng.uniform(-4, 4), y - 20 + rng.uniform(-4, 4))
    return Rendered(v.kind, v.fields, [p.img], texts=[p.texts], title=v.title)


def application_fields(
    title: str,
    name: str,
    id_number: str,
    date: dt.date,
    *,
    signed: bool = True,
    sealed: bool = False,
    bank_account: str = "",
    bank_name: str = "",
    employer: str = "",
) -> dict[str, Any]:
    f: dict[str, Any] = {"form_title": title, "applicant_name": name, "id_number": id_number}
    if bank_account:
        f["bank_account"] = bank_account
        f["bank_name"] = bank_name
    if employer:
        f["employer"] = employer
    f.update(date=date.isoformat(), signature_present=signed, seal_present=sealed)
    return f


def person_fields(
    name: str, id_number: str, issuer: str = "", issue_date: dt.date | None = None
) -> dict[str, Any]:
    f: dict[str, Any] = {"holder_name": name, "id_number": id_number}
    if issuer:
        f["issuer"] = issuer
    if issue_date:
        f["issue_date"] = issue_date.isoformat()
    return f


# ---------------------------------------------------------------- cards and certificates


def bank_card(bank: str, number: str, rng: random.Random) -> Rendered:
    p = PilPage(85.6, 54, 300)
    w, h = p.img.size
    c1 = rng.choice(((176, 30, 40), (20, 90, 60), (25, 70, 140), (150, 110, 40)))
    d = ImageDraw.Draw(p.img)
    for y in range(h):
        t = y / h
        d.line([(0, y), (w, y)], fill=tuple(int(c * (0.75 + 0.35 * t)) for c in c1))
    p.text(6, 10, bank, 12, Face.SANS, (255, 255, 255))
    p.text(6, 15.5, "借记卡  DEBIT CARD", 6.5, Face.SANS, (240, 240, 240))
    d.rounded_rectangle([p.px(8), p.px(20), p.px(19), p.px(28)], p.px(1), fill=(212, 180, 90))
    groups = " ".join(number[i : i + 4] for i in range(0, len(number), 4))
    p.text(7, 39, groups, 13.5, Face.SANS, (250, 250, 245))
    p.text(
        7,
        45,
        "有效期/VALID THRU  " + f"{rng.randint(1, 12):02d}/{rng.randint(28, 35)}",
        6.5,
        Face.SANS,
        (240, 240, 240),
    )
    p.text(79, 49, "银联 UnionPay", 7, Face.SANS, (255, 255, 255), "right")
    mask = Image.new("L", p.img.size, 0)
    ImageDraw.Draw(mask).rounded_rectangle([0, 0, w - 1, h - 1], p.px(3.2), fill=255)
    card = Image.new("RGBA", p.img.size, (0, 0, 0, 0))
    card.paste(p.img, (0, 0), mask)
    return Rendered(
        "bank_card",
        {"bank_name": bank, "card_number": number},
        [card],
        card=True,
        texts=[p.texts],
    )


def marriage_certificate(
    holder: tuple[str, str, str, dt.date],
    spouse: tuple[str, str, str, dt.date],
    issue_date: dt.date,
    issuer: str,
    number: str,
    rng: random.Random,
) -> Rendered:
    """The inside page of a 结婚证: holder and spouse (name, sex, id_number, birth)."""
    p = PilPage(180, 125, 200, bg=(250, 240, 236))
    face = Face.SERIF
    red = (190, 40, 45)
    p.rect(4, 4, 172, 117, 0.6, red)
    photo = Image.new("RGB", (p.px(60), p.px(40)), (205, 40, 45))
    d = ImageDraw.Draw(photo)
    for cx in (0.3, 0.7):
        w, h = photo.size
        d.ellipse([w * cx - w * 0.11, h * 0.15, w * cx + w * 0.11, h * 0.6], fill=(225, 195, 175))
        d.ellipse([w * cx - w * 0.2, h * 0.62, w * cx + w * 0.2, h * 1.3], fill=(240, 240, 240))
    p.image(photo, 110, 10, 60, 40)
    p.text(12, 16, f"持证人  {holder[0]}", 11, face)
    p.text(12, 26, f"登记日期  {issue_date:%Y年%m月%d日}", 11, face)
    p.text(12, 36, f"结婚证字号  {number}", 11, face)
    p.text(12, 46, "备注", 11, face)
    y = 62.0
    for person in (holder, spouse):
        name, sex, idn, birth = person
        p.text(12, y, f"姓名  {name}", 10.5, face)
        p.text(60, y, f"性别  {sex}", 10.5, face)
        p.text(100, y, "国籍  中国", 10.5, face)
        p.text(12, y + 8, f"出生日期  {birth:%Y年%m月%d日}", 10.5, face)
        p.text(80, y + 8, f"身份证件号  {idn}", 10.5, face)
        y += 22
    p.text(120, 112, issuer, 10, face)
    layer = seal_layer(issuer, "婚姻登记专用章", 32, 200, rng, color=red)
    p.multiply(layer, 118, 84)
    return Rendered(
        "marriage_certificate",
        {
            "holder_name": holder[0],
            "id_number": holder[2],
            "issuer": issuer,
            "issue_date": issue_date.isoformat(),
            "spouse_name": spouse[0],
            "spouse_id_number": spouse[2],
        },
        [p.img],
        texts=[p.texts],
    )


@dataclass
class SettlementValues:
    hospital: str
    name: str
    id_number: str
    date: dt.date
    total: str
    fund: str
    critical: str
    personal: str
    lines: list[tuple[str, str]] = field(default_factory=list)


def settlement_statement(v: SettlementValues, rng: random.Random, dpi: int = 200) -> Rendered:
    """基本医保和大病保险报销后的结算单 (hospital print-out)."""
    p = PilPage(210, 148, dpi)
    face = Face.SANS
    p.text(105, 16, v.hospital, 13, Face.SERIF, BLACK, "center")
    p.text(105, 26, "基本医疗保险住院费用结算单", 14, Face.SANS, BLACK, "center")
    y = 38.0
    rows = [
        ("姓名", v.name),
        ("身份证号", v.id_number),
        ("结算日期", f"{v.date:%Y-%m-%d}"),
        ("医疗费总额", v.total),
        ("基本医疗保险统筹支付", v.fund),
        ("大病保险支付", v.critical),
        ("个人负担", v.personal),
    ]
    for label, value in rows:
        p.text(20, y, label + "：", 10.5, face)
        p.text(75, y, value, 10.5, face)
        y += 8.5
    layer = seal_layer(v.hospital, "医保结算专用章", 34, dpi, rng)
    p.multiply(layer, 140, 85)
    return Rendered(
        "settlement_statement",
        person_fields(v.name, v.id_number, v.hospital, v.date),
        [p.img],
        texts=[p.texts],
    )
