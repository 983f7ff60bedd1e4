"""费用清单 / 住院费用明细清单: a multi-page A4 table with category subtotals and a grand total."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from samples.claim import Claim, Item
from samples.data import CATEGORIES
from samples.fonts import Face
from samples.money import fmt, q
from samples.render.base import BLACK, PilPage, Rendered

ROWS_PER_PAGE = 38


@dataclass
class ExpenseListValues:
    hospital: str
    patient_name: str
    sex: str
    age: int
    inpatient: bool
    record_number: str
    department: str
    period_start: Any
    period_end: Any
    items: list[Item]
    subtotals: dict[str, Decimal] = field(default_factory=dict)
    total: Decimal = Decimal(0)

    @classmethod
    def from_claim(cls, c: Claim) -> ExpenseListValues:
        v = cls(
            hospital=c.hospital.name,
            patient_name=c.person.name,
            sex=c.person.sex,
            age=c.person.age_on(c.start),
            inpatient=c.inpatient,
            record_number=c.record_number,
            department=c.department,
            period_start=c.start,
            period_end=c.end,
            items=list(c.items),
        )
        v.subtotals = c.category_amounts()
        v.total = c.total
        return v

    def fields(self) -> dict[str, Any]:
        f: dict[str, Any] = {
            "patient_name": self.patient_name,
            "hospital": self.hospital,
        }
        f["inpatient_number" if self.inpatient else "outpatient_number"] = self.record_number
        f.update(
            period_start=self.period_start.isoformat(),
            period_end=self.period_end.isoformat(),
            items=[i.as_json() for i in self.items],
            subtotals={k: fmt(v) for k, v in self.subtotals.items()},
            total=fmt(self.total),
        )
        return f


def _rows(v: ExpenseListValues) -> list[tuple[str, Any]]:
    """('item', Item) and ('sub', (category, amount)) rows in print order."""
    rows: list[tuple[str, Any]] = []
    for cat in CATEGORIES:
        its = [i for i in v.items if i.category == cat]
        if not its:
            continue
        rows.extend(("item", i) for i in its)
        rows.append(
            ("sub", (cat, v.subtotals.get(cat, q(sum((i.amount for i in its), Decimal(0))))))
        )
    return rows


def render(v: ExpenseListValues, rng: random.Random, dpi: int = 200) -> Rendered:
    rows = _rows(v)
    per_page = ROWS_PER_PAGE if v.inpatient else 30
    chunks = [rows[i : i + per_page] for i in range(0, len(rows), per_page)] or [[]]
    n = len(chunks)
    face = Face.SANS if rng.random() < 0.5 else Face.SERIF
    title = "住院费用明细清单" if v.inpatient else "门诊费用清单"
    cols = [  # (header, x, width, align)
        ("序号", 12, 10, "center"),
        ("项目名称", 22, 58, "left"),
        ("规格", 80, 26, "left"),
        ("单位", 106, 12, "center"),
        ("数量", 118, 14, "right"),
        ("单价", 132, 20, "right"),
        ("金额", 152, 22, "right"),
        ("医保类别", 174, 24, "center"),
    ]
    pages = []
    texts: list[list[str]] = []
    seq = 0
    for pno, chunk in enumerate(chunks, start=1):
        p = PilPage(210, 297, dpi)
        p.text(105, 20, v.hospital, 15, Face.SERIF, BLACK, "center")
        p.text(105, 29, title, 13, Face.SANS, BLACK, "center")
        rec = "住院号" if v.inpatient else "门诊号"
        p.text(12, 39, f"姓名：{v.patient_name}", 9.5, face)
        p.text(50, 39, f"性别：{v.sex}", 9.5, face)
        p.text(75, 39, f"年龄：{v.age}岁", 9.5, face)
        p.text(105, 39, f"{rec}：{v.record_number}", 9.5, face)
        p.text(155, 39, f"科室：{v.department}", 9.5, face)
        p.text(12, 45, f"费用期间：{v.period_start:%Y-%m-%d} 至 {v.period_end:%Y-%m-%d}", 9.5, face)
        p.text(105, 45, "打印日期：" + f"{v.period_end:%Y-%m-%d}", 9.5, face)
        y = 48.0
        rh = 5.9
        p.line(10, y, 200, y, 0.4)
        for h, x, w, al in cols:
            xx = {"left": x + 1, "center": x + w / 2, "right": x + w - 1}[al]
            p.text(xx, y + 4.3, h, 9, Face.SANS, BLACK, al)
        y += rh
        p.line(10, y, 200, y, 0.25)
        for kind, row in chunk:
            if kind == "item":
                seq += 1
                it: Item = row
                vals = [
                    str(seq),
                    it.name,
                    it.spec,
                    it.unit,
                    f"{it.quantity:g}",
                    f"{it.unit_price:.2f}",
                    fmt(it.amount),
                    it.insurance_class,
                ]
                for (_, x, w, al), s in zip(cols, vals, strict=True):
                    xx = {"left": x + 1, "center": x + w / 2, "right": x + w - 1}[al]
                    p.text(xx, y + 4.3, s, 8.5, face, BLACK, al)
            else:
                cat, amt = row
                p.text(23, y + 4.3, f"【{cat}】小计", 8.5, Face.SANS)
                p.text(173, y + 4.3, fmt(amt), 8.5, Face.SANS, BLACK, "right")
                p.line(10, y + rh, 200, y + rh, 0.15)
            y += rh
        p.line(10, y + 0.5, 200, y + 0.5, 0.4)
        if pno == n:
            y += 7
            p.text(12, y, f"合计：{len(v.items)} 项", 10, Face.SANS)
            p.text(173, y, f"总计金额：{fmt(v.total)}", 10, Face.SANS, BLACK, "right")
            y += 8
            p.text(
                12,
                y,
                "注：本清单由医院信息系统打印，医保类别甲类全额纳入、乙类部分纳入、丙类自费。",
                8,
                face,
            )
        p.text(105, 287, f"第 {pno} 页  共 {n} 页", 9, face, BLACK, "center")
        pages.append(p.img)
        texts.append(p.texts)
    return Rendered("expense_list", v.fields(), pages, texts=texts)
