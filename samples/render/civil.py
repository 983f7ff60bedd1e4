"""Civil-registration documents: 福建省生育服务登记表, 户口簿 常住人口登记卡 page, 居住证 card."""

from __future__ import annotations

import datetime as dt
import math
import random
from dataclasses import dataclass
from typing import Any

from PIL import Image, ImageDraw

from samples.fonts import Face, pil_font, text_width_mm
from samples.people import Person
from samples.render.base import (
    BLACK,
    INK,
    RGB,
    PilPage,
    Rendered,
    cn_date,
    seal_layer,
    signature_layer,
    wrap,
)
from samples.render.forms import person_fields
from samples.render.id_card import CARD_DPI, CARD_H, CARD_W, _ground, _portrait, _rounded


def _cell(
    p: PilPage,
    x: float,
    y: float,
    w: float,
    h: float,
    text: str,
    size: float,
    face: Face = Face.SERIF,
    fill: RGB = BLACK,
    align: str = "center",
) -> None:
    """Text wrapped inside a table cell, vertically centred (left-aligned: a 1.5 mm pad)."""
    if not text:
        return
    pad = 1.5
    lines = wrap(text, w - 2 * pad, size, face)
    lh = size * 25.4 / 72 * 1.25
    top = y + (h - lh * len(lines)) / 2 + lh * 0.8
    for i, line in enumerate(lines):
        if align == "center":
            p.text(x + w / 2, top + i * lh, line, size, face, fill, "center")
        else:
            p.text(x + pad, top + i * lh, line, size, face, fill)


# ------------------------------------------------------------------ 福建省生育服务登记表


@dataclass
class BirthRegistrationValues:
    number: str  # 登记编号
    mother: Person
    father: Person
    mother_employer: str
    father_employer: str
    marriage_date: dt.date
    marriage_place: str  # 婚姻登记地 (where the 结婚证 was issued)
    children: list[tuple[str, str, dt.date]]  # existing children: name, sex, birth date
    due_date: dt.date  # 预产期
    issuer: str  # 登记机关 (乡镇人民政府 / 街道办事处)
    registered_on: dt.date  # 登记日期
    clerk: str  # 经办人
    residence: str = ""  # 现居住地, if not the 户籍地

    def fields(self) -> dict[str, Any]:
        # models/fields.py has no spouse fields for this kind: the holder is the mother.
        return person_fields(
            self.mother.name, self.mother.id_number, self.issuer, self.registered_on
        )


def birth_service_registration(
    v: BirthRegistrationValues, rng: random.Random, dpi: int = 200
) -> Rendered:
    """The 《福建省生育服务登记表》 as printed from the registration system and stamped."""
    title = "福建省生育服务登记表"
    p = PilPage(210, 297, dpi)
    face = Face.SERIF
    vface = Face.SANS if rng.random() < 0.5 else Face.SERIF
    p.text(105, 24, title, 18, Face.SANS, BLACK, "center")
    p.text(15, 35, f"登记编号：{v.number}", 10, face)
    p.text(195, 35, "登记类型：生育登记", 10, face, BLACK, "right")
    x0, x1 = 15.0, 195.0
    lw = 30.0  # label column
    half = (x1 - x0 - lw) / 2
    y = 39.0
    # --- the couple, side by side
    head = 8.5
    p.rect(x0, y, x1 - x0, head, 0.35)
    p.line(x0 + lw, y, x0 + lw, y + head, 0.3)
    p.line(x0 + lw + half, y, x0 + lw + half, y + head, 0.3)
    _cell(p, x0, y, lw, head, "项  目", 10.5, Face.SANS)
    _cell(p, x0 + lw, y, half, head, "女  方", 10.5, Face.SANS)
    _cell(p, x0 + lw + half, y, half, head, "男  方", 10.5, Face.SANS)
    y += head

    def both(person: Person, what: str) -> str:
        if what == "name":
            return person.name
        if what == "birth":
            return cn_date(person.birth_date)
        if what == "ethnicity":
            return person.ethnicity + "族"
        if what == "id":
            return person.id_number
        if what == "home":
            return person.address
        if what == "phone":
            return person.phone
        raise KeyError(what)

    rows: list[tuple[str, str | tuple[str, str], float]] = [
        ("姓    名", "name", 9.0),
        ("出生日期", "birth", 9.0),
        ("民    族", "ethnicity", 9.0),
        ("公民身份号码", "id", 9.0),
        ("户 籍 地", "home", 13.0),
        ("现居住地", (v.residence or "同户籍地", v.residence or "同户籍地"), 9.0),
        ("工作单位", (v.mother_employer, v.father_employer), 11.0),
        ("婚姻状况", ("初婚", "初婚"), 9.0),
        ("联系电话", "phone", 9.0),
    ]
    for label, what, h in rows:
        p.rect(x0, y, x1 - x0, h, 0.3)
        p.line(x0 + lw, y, x0 + lw, y + h, 0.3)
        p.line(x0 + lw + half, y, x0 + lw + half, y + h, 0.3)
        _cell(p, x0, y, lw, h, label, 10, Face.SANS)
        pair = (both(v.mother, what), both(v.father, what)) if isinstance(what, str) else what
        for j, val in enumerate(pair):
            size = 10.0 if len(val) <= 16 else 9.0
            _cell(p, x0 + lw + j * half, y, half, h, val, size, vface, INK, "left")
        y += h
    # --- marriage, children, this birth: label/value pairs across the page
    quarter = (x1 - x0 - 2 * lw) / 2

    def pair_row(items: list[tuple[str, str]], h: float = 9.5) -> None:
        nonlocal y
        p.rect(x0, y, x1 - x0, h, 0.3)
        x = x0
        for i, (label, val) in enumerate(items):
            width = quarter if len(items) == 2 else x1 - x0 - lw
            p.line(x + lw, y, x + lw, y + h, 0.3)
            _cell(p, x, y, lw, h, label, 10, Face.SANS)
            _cell(p, x + lw, y, width, h, val, 10, vface, INK, "left")
            x += lw + width
            if i + 1 < len(items):
                p.line(x, y, x, y + h, 0.3)
        y += h

    pair_row([("结婚登记日期", cn_date(v.marriage_date)), ("婚姻登记地", v.marriage_place)])
    n = len(v.children)
    pair_row([("生育子女数", f"{n}个"), ("本次登记", f"第{n + 1}个子女")])
    if v.children:
        kids = "；".join(f"{nm}，{sx}，{cn_date(b)}出生" for nm, sx, b in v.children)
    else:
        kids = "无"
    pair_row([("现有子女情况", kids)])
    last_period = v.due_date - dt.timedelta(days=280)
    pair_row([("末次月经", cn_date(last_period)), ("预 产 期", cn_date(v.due_date))])
    # --- the couple's promise
    h = 34.0
    p.rect(x0, y, x1 - x0, h, 0.3)
    p.line(x0 + lw, y, x0 + lw, y + h, 0.3)
    _cell(p, x0, y, lw, h, "登记对象承诺", 10, Face.SANS)
    promise = "本人承诺以上所填信息真实、准确、完整，如有虚假，愿承担相应的法律责任。"
    for i, line in enumerate(wrap(promise, x1 - x0 - lw - 8, 10, face)):
        p.text(x0 + lw + 4, y + 8 + i * 6, line, 10, face)
    p.text(x0 + lw + 6, y + 25, "女方签名：", 10, Face.SANS)
    p.multiply(signature_layer(v.mother.name, 6.5, dpi, rng), x0 + lw + 24, y + 17)
    p.text(x0 + lw + 62, y + 25, "男方签名：", 10, Face.SANS)
    p.multiply(signature_layer(v.father.name, 6.5, dpi, rng), x0 + lw + 80, y + 17)
    signed = v.registered_on - dt.timedelta(days=rng.randint(0, 2))
    p.text(x1 - 4, y + 31, cn_date(signed), 10, face, BLACK, "right")
    y += h
    # --- the registering office
    h = 50.0
    p.rect(x0, y, x1 - x0, h, 0.3)
    p.line(x0 + lw, y, x0 + lw, y + h, 0.3)
    _cell(p, x0, y, lw, h, "登记机关意见", 10, Face.SANS)
    p.text(x0 + lw + 4, y + 9, "经审核，符合生育登记条件，予以登记。", 10.5, face)
    p.text(x0 + lw + 4, y + 22, "经办人：", 10, Face.SANS)
    p.multiply(signature_layer(v.clerk, 6, dpi, rng), x0 + lw + 18, y + 14)
    p.text(x1 - 56, y + 31, "登记机关（盖章）", 10, Face.SANS)
    p.text(x1 - 56, y + 38.5, v.issuer, 10, face)
    p.text(x1 - 56, y + 46, f"登记日期：{cn_date(v.registered_on)}", 10, face)
    y += h
    notes = (
        "注：1．本表由登记对象如实填写，经登记机关审核盖章后生效，一式两份，登记机关和登记对象"
        "各执一份。2．登记对象凭本表享受孕产期保健服务，办理生育保险待遇时提交本表。"
    )
    for i, line in enumerate(wrap(notes, x1 - x0, 8.5, face)):
        p.text(x0, y + 6 + i * 4.6, line, 8.5, face)
    seal = seal_layer(v.issuer, "", 40, dpi, rng)
    p.multiply(seal, x1 - 60 + rng.uniform(-4, 4), y - 38 + rng.uniform(-3, 3))
    return Rendered("birth_service_registration", v.fields(), [p.img], title=title, texts=[p.texts])


# ------------------------------------------------------------------ 户口簿: 常住人口登记卡

HUKOU_W, HUKOU_H = 105.0, 143.0


@dataclass
class HukouValues:
    person: Person
    relation: str  # 户主或与户主关系
    address: str  # 住址 on the register
    birthplace: str
    native_place: str
    education: str
    marital: str
    occupation: str
    employer: str
    moved_in: str  # 何时由何地迁来本市(县)
    registered_on: dt.date
    station: str  # the 派出所 keeping the register (the seal)
    clerk: str


def _guilloche(p: PilPage, rng: random.Random, tint: RGB) -> None:
    """The faint wavy security print of certificate paper."""
    w, h = p.img.size
    d = p.draw
    phase = rng.uniform(0, 6.28)
    step = max(6, p.px(0.9))
    for k in range(-h, h + w, step * 2):
        pts = [
            (float(x), k - x * 0.55 + 6 * math.sin(x / 23.0 + phase)) for x in range(0, w + 8, 8)
        ]
        d.line(pts, fill=tint, width=1)


def household_register_page(v: HukouValues, rng: random.Random, dpi: int = 200) -> Rendered:
    """One 常住人口登记卡 page of a 居民户口簿, at its real size (to be copied or photographed)."""
    p = PilPage(HUKOU_W, HUKOU_H, dpi, bg=(250, 248, 240))
    _guilloche(p, rng, (236, 238, 228))
    frame: RGB = (70, 80, 95)
    person = v.person
    p.text(HUKOU_W / 2, 13, "常住人口登记卡", 15, Face.SERIF, BLACK, "center")
    x0, x1 = 5.0, HUKOU_W - 5.0
    la, va, lb = 17.0, 31.0, 17.0  # label, value, label widths; the last value takes the rest
    vb = x1 - x0 - la - va - lb
    y = 18.0
    rh, tall, taller = 7.5, 8.5, 10.0
    ink = INK
    vsize = 8.5

    def row2(l1: str, v1: str, l2: str, v2: str, h: float = rh) -> None:
        nonlocal y
        p.rect(x0, y, x1 - x0, h, 0.25, frame)
        for x in (x0 + la, x0 + la + va, x0 + la + va + lb):
            p.line(x, y, x, y + h, 0.2, frame)
        _cell(p, x0, y, la, h, l1, 7.2, Face.SERIF)
        _cell(p, x0 + la, y, va, h, v1, vsize, Face.SANS, ink, "left")
        _cell(p, x0 + la + va, y, lb, h, l2, 7.2, Face.SERIF)
        size = vsize if text_width_mm(v2, vsize, Face.SANS) < vb - 3 else 7.4
        _cell(p, x0 + la + va + lb, y, vb, h, v2, size, Face.SANS, ink, "left")
        y += h

    def row1(label: str, value: str, h: float = rh, lwidth: float = la) -> None:
        nonlocal y
        p.rect(x0, y, x1 - x0, h, 0.25, frame)
        p.line(x0 + lwidth, y, x0 + lwidth, y + h, 0.2, frame)
        _cell(p, x0, y, lwidth, h, label, 7.2, Face.SERIF)
        _cell(p, x0 + lwidth, y, x1 - x0 - lwidth, h, value, vsize, Face.SANS, ink, "left")
        y += h

    height = f"{rng.randint(152, 180)}厘米"
    row2("姓　　名", person.name, "户主或与户主关系", v.relation, tall)
    row2("曾 用 名", "", "性　　别", person.sex)
    row2("出 生 地", v.birthplace, "民　　族", person.ethnicity)
    row2("籍　　贯", v.native_place, "出生日期", cn_date(person.birth_date))
    row1("本市（县）其他住址", "", tall, 26.0)
    row2("宗教信仰", "", "公民身份证件编号", person.id_number, tall)
    row2("身　　高", height, "血　　型", rng.choice(("A", "B", "O", "不明")))
    row2("文化程度", v.education, "婚姻状况", v.marital)
    row2("兵役状况", "未服兵役", "服务处所", v.employer, tall)
    row1("职　　业", v.occupation)
    row1("何时由何地迁来本市（县）", v.moved_in, taller, 26.0)
    row1("何时由何地迁来本址", "同上", tall, 26.0)
    row1("住　　址", v.address, taller)
    y += 7
    p.text(x0 + 1, y, "承办人签章：", 8, Face.SERIF)
    chop = Image.new("RGBA", (p.px(7.5), p.px(7.5)), (0, 0, 0, 0))
    cd = ImageDraw.Draw(chop)
    cd.rectangle([1, 1, chop.width - 2, chop.height - 2], outline=(200, 40, 45, 230), width=3)
    f = pil_font(Face.SERIF, p.px(3.0))
    name = v.clerk[:2] if len(v.clerk) > 2 else v.clerk
    for i, ch in enumerate(name):
        cd.text(
            (chop.width * (0.3 + 0.4 * i), chop.height / 2),
            ch,
            font=f,
            fill=(200, 40, 45, 230),
            anchor="mm",
        )
    p.multiply(chop, x0 + 20, y - 5.5)
    p.text(x1 - 1, y, f"登记日期：{cn_date(v.registered_on)}", 8, Face.SERIF, BLACK, "right")
    seal = seal_layer(v.station, "户口专用章", 30, dpi, rng)
    p.multiply(seal, x1 - 36 + rng.uniform(-3, 3), y - 24 + rng.uniform(-3, 3))
    fields = person_fields(person.name, person.id_number, v.station, v.registered_on)
    return Rendered("household_register", fields, [p.img], title="常住人口登记卡", texts=[p.texts])


# ------------------------------------------------------------------ 居住证 (IC card)


@dataclass
class ResidencePermitValues:
    person: Person
    province: str  # 广东省 / 上海市 …: printed as 广东省居住证
    address: str  # 居住地址
    issuer: str  # 签发机关
    station: str  # 签注机关 (the local 派出所)
    issued_on: dt.date
    endorsements: list[tuple[dt.date, dt.date]]  # 签注: (签注日期, 有效期至)


def residence_permit(v: ResidencePermitValues, rng: random.Random) -> Rendered:
    title = f"{v.province}居住证"
    person = v.person
    lab: RGB = (40, 95, 150)
    ink: RGB = (20, 20, 20)
    # front
    p = PilPage(CARD_W, CARD_H, CARD_DPI)
    _ground(p, rng, (216, 230, 222))
    d = p.draw
    d.rectangle([0, 0, p.img.width, p.px(9)], fill=(38, 96, 160))
    p.text(CARD_W / 2, 6.6, title, 11, Face.SANS, (255, 255, 255), "center")
    rows = [("姓　名", person.name, 10.0), ("性　别", person.sex, 8.5)]
    y = 15.5
    for label, value, size in rows:
        p.text(5, y, label, 6.8, Face.SANS, lab)
        p.text(16, y, value, size, Face.SANS, ink)
        y += 5.8
    p.text(30, 21.3, "民　族", 6.8, Face.SANS, lab)
    p.text(40, 21.3, person.ethnicity, 8.5, Face.SANS, ink)
    p.text(5, y, "出　生", 6.8, Face.SANS, lab)
    p.text(16, y, f"{person.birth_date:%Y年%m月%d日}", 8.5, Face.SANS, ink)
    y += 5.8
    p.text(5, y, "居住地址", 6.8, Face.SANS, lab)
    for i, line in enumerate(wrap(v.address, 42, 7.8, Face.SANS)[:2]):
        p.text(16, y + i * 4.2, line, 7.8, Face.SANS, ink)
    p.text(5, 49.5, "公民身份号码", 6.8, Face.SANS, lab)
    p.text(24, 49.7, person.id_number, 10.5, Face.SANS, ink)
    por = _portrait(p.px(21), p.px(27), rng, person.sex == "女")
    p.img.paste(por, (p.px(60), p.px(12)), por)
    front = _rounded(p.img, p.px(3.2))
    # back
    q = PilPage(CARD_W, CARD_H, CARD_DPI)
    _ground(q, rng, (228, 226, 214))
    qd = q.draw
    qd.rounded_rectangle(
        [q.px(5), q.px(5), q.px(15), q.px(13)], q.px(1), fill=(212, 180, 90), outline=(170, 140, 60)
    )
    q.text(20, 10.5, "签发机关", 6.8, Face.SANS, lab)
    q.text(33, 10.5, v.issuer, 7.8, Face.SANS, ink)
    q.text(20, 16, "签发日期", 6.8, Face.SANS, lab)
    q.text(33, 16, f"{v.issued_on:%Y.%m.%d}", 7.8, Face.SANS, ink)
    q.text(CARD_W / 2, 23, "签 注 记 录", 7.5, Face.SANS, lab, "center")
    tx0, tx1, ty = 6.0, CARD_W - 6.0, 25.0
    cols = (tx0, 30.0, 55.0, tx1)
    n = 4
    for r in range(n + 1):
        q.line(tx0, ty + r * 5, tx1, ty + r * 5, 0.2, lab)
    for cx in cols:
        q.line(cx, ty, cx, ty + n * 5, 0.2, lab)
    for i, head in enumerate(("签注日期", "有效期至", "签注机关")):
        q.text((cols[i] + cols[i + 1]) / 2, ty + 3.6, head, 6, Face.SANS, lab, "center")
    for r, (on, until) in enumerate(v.endorsements[: n - 1]):
        yy = ty + (r + 1) * 5 + 3.6
        q.text((cols[0] + cols[1]) / 2, yy, f"{on:%Y.%m.%d}", 6.3, Face.SANS, ink, "center")
        q.text((cols[1] + cols[2]) / 2, yy, f"{until:%Y.%m.%d}", 6.3, Face.SANS, ink, "center")
        q.text((cols[2] + cols[3]) / 2, yy, v.station, 5.6, Face.SANS, ink, "center")
    q.text(
        CARD_W / 2,
        50.5,
        "本证在签注有效期内有效，持证人应按规定办理签注",
        5.6,
        Face.SANS,
        (90, 90, 90),
        "center",
    )
    back = _rounded(q.img, q.px(3.2))
    fields = person_fields(person.name, person.id_number, v.issuer, v.issued_on)
    return Rendered(
        "residence_permit",
        fields,
        [front, back],
        title=title,
        card=True,
        texts=[p.texts, q.texts],
    )
