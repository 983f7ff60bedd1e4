"""Expense lists (费用清单 / 住院费用明细清单): header fields and the item table across pages."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from extractors.kinds import common as c
from extractors.kinds.labelled import Spec, build
from extractors.layout import Hit, Line, PageView, cluster_rows, union, value_for

# column name → header synonyms (as data)
COLUMNS: dict[str, tuple[str, ...]] = {
    "seq": ("序号",),
    "name": ("项目名称", "药品名称", "名称", "收费项目"),
    "spec": ("规格", "规格型号"),
    "unit": ("单位",),
    "quantity": ("数量",),
    "unit_price": ("单价",),
    "amount": ("金额", "总金额"),
    "insurance_class": ("医保类别", "类别", "甲乙类"),
}

HEADER = [
    Spec("patient_name", ("姓名", "患者姓名")),
    Spec("inpatient_number", ("住院号",), "code"),
    Spec("outpatient_number", ("门诊号",), "code"),
]
STOPS = ("姓名", "性别", "年龄", "住院号", "门诊号", "科室", "费用期间", "打印日期", "床号")
TOTAL_LABELS = ("总计金额", "费用总额", "总金额", "总计", "合计金额")
_SUBTOTAL = re.compile(r"[【\[(]?([\u4e00-\u9fff]{2,8}费)[】\])]?小计")
_NUM = re.compile(r"^-?\d[\d,]*(?:[.．]\d+)?$")


@dataclass
class _Col:
    name: str
    x0: float
    x1: float


def _header(lines: list[Line]) -> tuple[list[_Col], float] | None:
    """The table header row: columns from the header words (a line holding two header
    words, e.g. 序号项目名称, gives two columns split by character position)."""
    for row in cluster_rows(lines):
        cols: list[_Col] = []
        for ln in row:
            for name, syns in COLUMNS.items():
                if any(col.name == name for col in cols):
                    continue
                for syn in syns:
                    i = ln.n.find(syn)
                    if i < 0 or len(ln.n) > 12:
                        continue
                    if name == "amount" and ln.n[max(0, i - 1) : i] in ("总", "单"):
                        continue
                    if name == "insurance_class" and syn == "类别" and "医保类别" not in ln.n:
                        pass
                    b = ln.part_bbox(i, i + len(syn))
                    cols.append(_Col(name, b.x0, b.x1))
                    break
        names = {col.name for col in cols}
        if {"name", "amount"} <= names and len(cols) >= 4:
            cols.sort(key=lambda col: col.x0)
            return cols, max(ln.y1 for ln in row)
    return None


def _complete(cols: list[_Col], prev: list[_Col]) -> list[_Col]:
    """Columns a page's header lost (not read) are placed from the previous page's layout,
    mapped linearly through the columns both pages share."""
    have = {col.name: col for col in cols}
    shared = [(p, have[p.name]) for p in prev if p.name in have]
    missing = [p for p in prev if p.name not in have]
    if len(shared) < 2 or not missing:
        return cols
    xs = [(p.x0 + p.x1) / 2 for p, _ in shared]
    ys = [(q.x0 + q.x1) / 2 for _, q in shared]
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    var = sum((x - mx) ** 2 for x in xs)
    a = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / var if var else 1.0
    b = my - a * mx
    out = list(cols)
    for p in missing:
        out.append(_Col(p.name, a * p.x0 + b, a * p.x1 + b))
    out.sort(key=lambda col: col.x0)
    return out


CLASS_FIX = {
    "甲": "甲",
    "由": "甲",
    "申": "甲",
    "田": "甲",
    "乙": "乙",
    "Z": "乙",
    "2": "乙",  # the column holds 甲/乙/丙 only: a 2 there is 乙 read as a figure
    "丙": "丙",
    "内": "丙",
}


def _assign(cols: list[_Col], ln: Line) -> str:
    """The column a cell belongs to: boundaries halfway between header boxes; the
    left-aligned name/spec split by the cell's left edge."""
    names = [col.name for col in cols]
    bounds: list[float] = []
    for a, b in itertools.pairwise(cols):
        bounds.append((a.x1 + b.x0) / 2)
    x = ln.cx
    if "spec" in names and "name" in names:
        spec = cols[names.index("spec")]
        if ln.x0 < spec.x0 - 0.6 * ln.h and ln.cx < spec.x1 + 3 * ln.h:
            idx_name = names.index("name")
            if ln.x0 >= (bounds[idx_name - 1] if idx_name > 0 else -1e9):
                return "name"
    for i, bnd in enumerate(bounds):
        if x < bnd:
            return names[i]
    return names[-1]


def _dec(text: str) -> Decimal | None:
    t = text.replace("，", ",").replace("．", ".").replace("¥", "")
    if not _NUM.match(t):
        return None
    return c.money_value(t)


def extract_expense_list(views: list[PageView]) -> c.Fields:
    lines = [ln for v in views for ln in v.lines]
    fields: c.Fields = {}
    first = views[0]
    for s in HEADER:
        c.put(fields, build(s.name, s.type, value_for(first.lines, s.labels, STOPS)))
    # hospital: the top header line naming an institution
    for ln in first.lines:
        if ln.y1 > first.height * 0.2:
            break
        m = c.INSTITUTION_RX.search(ln.n)
        if m:
            c.put(fields, c.make("hospital", m.group(0), ln.text, ln.conf, ln.page, ln.bbox))
            break
    period = value_for(first.lines, ("费用期间", "住院期间", "费用日期", "结算期间"), STOPS)
    if period is not None:
        parts = re.split(r"至|--|~|—", period.text)
        if len(parts) < 2:
            parts = re.split(r"(?<=\d)-(?=\d{4})", period.text)
        if len(parts) >= 2:
            c.put(
                fields,
                c.date_field(
                    "period_start", Hit(parts[0], period.lines, period.bbox, period.label_line)
                ),
            )
            c.put(
                fields,
                c.date_field(
                    "period_end", Hit(parts[-1], period.lines, period.bbox, period.label_line)
                ),
            )
    items, subtotals, item_conf, sub_lines, sub_conf, problems = _table(views)
    if items:
        box = union(ln.bbox for v in views for ln in v.lines if ln.page == views[0].number)
        fields["items"] = c.make(
            "items", items, f"{len(items)} rows", item_conf, views[0].number, box
        )
    if subtotals:
        ok = sub_conf >= c.THRESHOLDS["money"]
        fields["subtotals"] = c.make(
            "subtotals",
            dict(subtotals.items()),
            " ".join(ln.n for ln in sub_lines),
            sub_conf,
            sub_lines[0].page if sub_lines else None,
            union(ln.bbox for ln in sub_lines),
            readable=ok,
        )
    total_hit = value_for(lines, TOTAL_LABELS, ("合计",), accept=re.compile(r"\d"))
    total = c.money_field("total", total_hit)
    if (total is not None and isinstance(total.value, Decimal)) or (
        total is not None and total_hit is not None
    ):
        value = c.money_value(total_hit.text) if total_hit is not None else None
        sums = [sum(subtotals.values(), Decimal(0)) if subtotals else None]
        amounts = [r["amount"] for r in items]
        if amounts and all(isinstance(a, Decimal) for a in amounts):
            sums.append(sum(amounts, Decimal(0)))
        if value is not None and value in sums and total is not None:
            total = c.make(
                "total", value, total.raw, max(total.confidence, 0.98), total.page, total.bbox
            )
    c.put(fields, total)
    c.put(fields, _item_count(lines))
    del problems
    return fields


_ITEM_COUNT = re.compile(r"(?:合计|共)[:：]?(\d{1,4})项")


def _item_count(lines: list[Line]) -> c.ExtractedField | None:
    """The number of rows the list says it has (合计：68项): rows the table reading missed
    show up against it."""
    for ln in lines:
        m = _ITEM_COUNT.search(ln.n.replace(" ", ""))
        if m and ln.conf >= c.THRESHOLDS["int"]:
            return c.make("item_count", int(m.group(1)), ln.text, ln.conf, ln.page, ln.bbox)
    return None


def _table(
    views: list[PageView],
) -> tuple[list[dict[str, Any]], dict[str, Decimal], float, list[Line], float, int]:
    items: list[dict[str, Any]] = []
    subtotals: dict[str, Decimal] = {}
    sub_lines: list[Line] = []
    sub_conf = 1.0
    item_conf = 1.0
    problems = 0
    cols: list[_Col] | None = None
    pending: list[dict[str, Any]] = []
    current_cat: str | None = None
    for v in views:
        found = _header(v.lines)
        if found is not None:
            new_cols, y_head = found
            cols = _complete(new_cols, cols) if cols is not None else new_cols
        elif cols is None:
            continue
        else:
            y_head = 0.0
        for row in cluster_rows([ln for ln in v.lines if ln.cy > y_head]):
            text = "".join(ln.n for ln in row)
            if any(t in text for t in ("总计", "合计:", "合计：")) or text.startswith("合计"):
                break
            m = _SUBTOTAL.search(text)
            if m:
                cat = m.group(1)
                nums = [(_dec(ln.n), ln) for ln in row if _dec(ln.n) is not None]
                if nums:
                    amount, ln = nums[-1]
                    assert amount is not None
                    got = sum(
                        (r["amount"] for r in pending if isinstance(r.get("amount"), Decimal)),
                        Decimal(0),
                    )
                    verified = (
                        all(isinstance(r.get("amount"), Decimal) for r in pending) and got == amount
                    )
                    for r in pending:
                        r["_ok"] = r["_ok"] or verified
                    conf = 1.0 if verified else min(ln.conf for ln in row)
                    sub_conf = min(sub_conf, conf)
                    subtotals[cat] = subtotals.get(cat, Decimal(0)) + amount
                    sub_lines += row
                for r in pending:
                    if not r.get("category"):
                        r["category"] = cat
                pending = []
                current_cat = None
                continue
            head = re.fullmatch(r"[【\[]([\u4e00-\u9fff]{2,8}费)[】\]]", text)
            if head:
                current_cat = head.group(1)
                continue
            assert cols is not None
            cells: dict[str, list[Line]] = {}
            for ln in row:
                cells.setdefault(_assign(cols, ln), []).append(ln)
            item = _item(cells, v.number, current_cat)
            if item is None:
                continue
            item_row, conf = item
            item_conf = min(item_conf, conf)
            items.append(item_row)
            pending.append(item_row)
    for r in items:
        if not r.pop("_ok"):
            r["amount"] = None  # neither qty × price nor its subtotal confirms it: unreadable
            problems += 1
    if problems:
        item_conf = min(item_conf, 0.7)
    return items, subtotals, item_conf, sub_lines, sub_conf, problems


def _item(
    cells: dict[str, list[Line]], page: int, category: str | None
) -> tuple[dict[str, Any], float] | None:
    def txt(name: str) -> str:
        return "".join(ln.n for ln in sorted(cells.get(name, []), key=lambda a: a.x0))

    name = txt("name")
    amount_t, price_t, qty_t = txt("amount"), txt("unit_price"), txt("quantity")
    if not name or not (amount_t or price_t):
        return None
    amount, price, qty = _dec(amount_t), _dec(price_t), _dec(qty_t)
    confs = [ln.conf for cs in cells.values() for ln in cs]
    conf = min(confs) if confs else 0.0
    # the amount's own reading decides whether it is readable: a quantity read poorly (I for
    # 1) must not blank a clearly printed amount; the quantity is then implied by it
    money_conf = min((ln.conf for ln in cells.get("amount", [])), default=0.0)
    consistent = (
        amount is not None
        and price is not None
        and qty is not None
        and (qty * price).quantize(Decimal("0.01")) == amount
    )
    if consistent:
        conf = max(conf, 0.97)
    elif money_conf < c.THRESHOLDS["money"] or amount is None:
        amount = None  # unreadable: reported as missing, never guessed
        conf = min(conf, money_conf)
    cls = txt("insurance_class")
    cls_v = next((CLASS_FIX[ch] for ch in cls if ch in CLASS_FIX), "")
    qty_implied = False
    if qty is None and amount is not None and price is not None and price != 0:
        guess = (amount / price).quantize(Decimal("0.01"))
        if guess == guess.to_integral_value() and guess > 0:
            qty = guess.quantize(Decimal(1))  # not printed legibly: implied by amount / price
            qty_implied = True
    row: dict[str, Any] = {
        "name": name,
        "spec": txt("spec"),
        "unit": txt("unit"),
        "quantity": qty,
        "unit_price": price,
        "amount": amount,
        "category": category or "",
        "insurance_class": cls_v,
        "page": page,
        "_ok": consistent or (qty_implied and amount is not None),
    }
    return row, conf
