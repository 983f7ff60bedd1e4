"""Medical invoices (医疗门诊/住院收费票据, paper and electronic)."""

from __future__ import annotations

import dataclasses
import itertools
import re
from collections.abc import Sequence
from decimal import Decimal

from extractors.kinds import common as c
from extractors.kinds.labelled import Spec, build
from extractors.layout import (
    COLONS,
    Hit,
    Line,
    PageView,
    cluster_rows,
    find_label,
    norm,
    same_row,
    strip_value,
    union,
    value_for,
)
from extractors.normalize.money import parse_upper

MONEY_RX = re.compile(r"\d+[.．,]\d{2}(?!\d)|\d")
YUAN_FIGURE_RX = re.compile(r"^[¥￥]\s*\d+[.．,]\d{2}$")
"""The 小写 figure by its currency sign alone, when the （小写） label itself was not read."""
TOTAL_WORDS_LABELS = ("金额合计(大写)", "合计(大写)", "大写")
TOTAL_FIGURE_LABELS = ("(小写)", "小写")

HEADER = [
    Spec("invoice_code", ("票据代码",), "code"),
    Spec("invoice_number", ("票据号码", "票号"), "code"),
    Spec("check_code", ("校验码",), "code"),
    Spec("payer", ("交款人", "缴款人", "患者姓名")),
    Spec("issue_date", ("开票日期", "收费日期"), "date"),
    Spec("outpatient_number", ("门诊号",), "code"),
    Spec("inpatient_number", ("住院号",), "code"),
    Spec("institution_type", ("医疗机构类型",)),
    Spec("social_security_number", ("社会保障号码", "社保卡号", "个人编号"), "code"),
]

PAYMENTS = [
    Spec("fund_payment", ("医保统筹基金支付", "统筹基金支付", "基金支付"), "money"),
    Spec("other_payment", ("其他支付",), "money"),
    Spec("account_payment", ("个人账户支付", "账户支付"), "money"),
    Spec("cash_payment", ("个人现金支付", "现金支付"), "money"),
    Spec("self_pay", ("个人自付", "自付", "人付"), "money"),  # 人付: 个 and 自 lost
    Spec("self_expense", ("个人自费", "自费"), "money"),
]

OTHER_LABELS = (
    "统一社会信用代码",
    "性别",
    "就诊科室",
    "住院科别",
    "住院时间",
    "住院天数",
    "医保类型",
    "金额合计",
    "(小写)",
    "小写",
    "收款单位",
    "复核人",
    "收款人",
    "项目名称",
)

CATEGORIES = (
    "床位费",
    "诊察费",
    "检查费",
    "化验费",
    "治疗费",
    "手术费",
    "护理费",
    "卫生材料费",
    "西药费",
    "中成药费",
    "中草药费",
    "中药饮片费",
    "一般诊疗费",
    "挂号费",
    "其他门诊收费",
    "其他住院收费",
    "其他费用",
    "其他",
    "输血费",
    "输氧费",
    "麻醉费",
    "放射费",
    "医事服务费",
)


# 大写 figures: two characters of them at least (seal text crossing the line is not the value)
WORDS_RX = re.compile(r"[零壹贰叁肆伍陆柒捌玖拾佰仟万亿元圆角分整]{2}")
# a label cell: words followed by a colon (its first character may be lost: 人自付:)
LABEL_RX = re.compile(r"[\u4e00-\u9fff()]{2,}[:;]")
PAYEE_LABELS = ("收款单位(章)", "收款单位", "收款单位(盖章)")


def _stops() -> list[str]:
    return [lab for s in (*HEADER, *PAYMENTS) for lab in s.labels] + list(OTHER_LABELS)


def _mend_labels(lines: list[Line], labels: Sequence[str]) -> list[Line]:
    """Labels read with one character wrong (开票日购：, 其驰支付：) are read as the label
    they are: the words before a colon (or the payee's (章)) that are no label themselves but
    differ in exactly one character from exactly one label (of four characters or more)."""
    known = {lab for lab in labels if len(lab) >= 4 and re.fullmatch(r"[\u4e00-\u9fff]+", lab)}
    sizes = sorted({len(k) for k in known}, reverse=True)
    out: list[Line] = []
    for ln in lines:
        n = ln.n
        for m in reversed(list(re.finditer(r"[\u4e00-\u9fff]{4,}(?=[:;]|\(章\))", n))):
            word, end = m.group(0), m.end()
            for size in (s for s in sizes if s <= len(word)):
                tail = word[-size:]
                if tail in known:
                    break
                near = [
                    k
                    for k in known
                    if len(k) == size and sum(a != b for a, b in zip(k, tail, strict=True)) == 1
                ]
                if len(near) == 1:
                    n = n[: end - size] + near[0] + n[end:]
                    break
        out.append(ln if n == ln.n else dataclasses.replace(ln, n=n))
    return out


def _category_of(text: str) -> str | None:
    t = norm(text)
    if t in CATEGORIES:
        return t
    for cat in sorted(CATEGORIES, key=len, reverse=True):
        if len(cat) >= 3 and t.endswith(cat[1:]) and len(t) <= len(cat) + 1:
            return cat
    return None


def _category_amounts(lines: list[Line]) -> tuple[dict[str, Decimal], list[Line], float, bool]:
    """Category → amount from the items block between the 项目名称 header and 金额合计."""
    head = [ln for ln in lines if "项目名称" in ln.n]
    end = [ln for ln in lines if "金额合计" in ln.n or "合计(大写)" in ln.n]
    y0 = min((h.y1 for h in head), default=None)
    y1 = min((e.y0 for e in end), default=None)
    if y0 is None:
        return {}, [], 0.0, False
    block = [ln for ln in lines if ln.cy > y0 and (y1 is None or ln.cy < y1)]
    out: dict[str, Decimal] = {}
    used: list[Line] = []
    conf = 1.0
    ok = True
    for row in cluster_rows(block):
        pending: Line | None = None
        for ln in row:
            cat = _category_of(ln.n)
            if cat is not None:
                pending = ln
                continue
            m = re.fullmatch(r"[¥￥]?(\d[\d,]*[.．]\d{2})", ln.n)
            if m and pending is not None:
                amount = c.money_value(m.group(1))
                name = _category_of(pending.n)
                if amount is not None and name is not None:
                    out[name] = out.get(name, Decimal(0)) + amount
                    used += [pending, ln]
                    conf = min(conf, pending.conf, ln.conf)
                pending = None
            elif pending is not None and re.search(r"\d", ln.n):
                ok = False  # an amount we cannot read for a category
                pending = None
        if pending is not None:
            ok = False
    return out, used, conf, ok


def _words_fix(text: str) -> str:
    """大写 as printed, with OCR variants normalised (圆→元 kept as printed)."""
    t = norm(text)
    t = t.replace("正", "整") if t.endswith("正") else t
    return re.sub(r"[^零壹贰叁肆伍陆柒捌玖拾佰仟万亿元圆角分整正]", "", t)


def extract_invoice(views: list[PageView]) -> c.Fields:
    v = views[0]
    stops = _stops()
    lines = _mend_labels([ln for pv in views for ln in pv.lines], stops)
    fields: c.Fields = {}
    title = " ".join(ln.n for ln in lines if ln.y1 < v.height * 0.3)
    electronic = "电子" in title or bool(v.page.qr_payloads)
    if "住院" in title:
        inv_type = "inpatient"
    elif "门诊" in title:
        inv_type = "outpatient"
    else:
        inv_type = "inpatient" if any("住院号" in ln.n for ln in lines) else "outpatient"
    tline = next((ln for ln in lines if "票据" in ln.n and ln.y1 < v.height * 0.3), None)
    fields["invoice_type"] = c.make(
        "invoice_type",
        inv_type,
        tline.text if tline else "",
        tline.conf if tline else 0.6,
        v.number,
        tline.bbox if tline else None,
        readable=bool(lines),
    )
    fields["electronic"] = c.make(
        "electronic", electronic, tline.text if tline else "", 0.95, v.number, None
    )
    for s in HEADER:
        hit = value_for(lines, s.labels, stops)
        c.put(fields, build(s.name, s.type, hit))
    # e-invoice: 交款人统一社会信用代码 holds the patient's ID number
    pid = value_for(lines, ("统一社会信用代码", "身份证号"), stops)
    if pid is not None and c.id_value(pid.text)[0] is not None:
        c.put(fields, c.id_field("patient_id_number", pid))
    stay = value_for(lines, ("住院时间", "住院日期"), stops)
    if stay is not None:
        parts = re.split(r"[-—~至]", stay.text.replace(" ", ""))
        if len(parts) >= 2:
            c.put(
                fields,
                c.date_field("stay_start", Hit(parts[0], stay.lines, stay.bbox, stay.label_line)),
            )
            c.put(
                fields,
                c.date_field("stay_end", Hit(parts[-1], stay.lines, stay.bbox, stay.label_line)),
            )
    # amounts
    cats, used, cconf, cats_ok = _category_amounts(lines)
    words_hit = value_for(lines, TOTAL_WORDS_LABELS, stops, accept=WORDS_RX)
    total_hit = value_for(lines, TOTAL_FIGURE_LABELS, stops, accept=MONEY_RX)
    if total_hit is None and not find_label(lines, TOTAL_FIGURE_LABELS):
        total_hit = value_for(lines, TOTAL_WORDS_LABELS, stops, accept=YUAN_FIGURE_RX)
    total_f = c.money_field("total", total_hit)
    words_value: Decimal | None = None
    if words_hit is not None:
        wt = _words_fix(words_hit.text)
        try:
            words_value = parse_upper(wt)
        except (ValueError, ArithmeticError):
            words_value = None
        ok = words_hit.conf >= c.THRESHOLDS["str"] and bool(wt)
        fields["total_words"] = c.make(
            "total_words",
            wt,
            words_hit.text,
            words_hit.conf,
            words_hit.page,
            words_hit.bbox,
            readable=ok,
        )
    cat_sum = sum(cats.values(), Decimal(0)) if cats else None
    total_f = _settle_total(total_f, total_hit, words_value, cat_sum, v.number)
    if total_hit is None and (figure_label := find_label(lines, TOTAL_FIGURE_LABELS)):
        # the （小写） label is printed and nothing beside it could be read (an ink blot): the
        # 大写 may give the sum, but the figure itself is for a reviewer to look at
        covered = figure_label[0][0]
        total_f = c.make(
            "total", None, covered.text, 0.0, covered.page, covered.bbox, readable=False
        )
    c.put(fields, total_f)
    total_confirmed = (
        total_f is not None
        and total_f.readable
        and total_f.value is not None
        and total_f.value in (words_value, cat_sum)
    )
    if cats:
        agree = total_f is not None and total_f.readable and cat_sum == total_f.value
        conf = cconf if cats_ok else cconf * 0.5
        if agree:
            conf = max(conf, 0.97)
        readable = (cats_ok and conf >= c.THRESHOLDS["money"]) or agree
        box = union(ln.bbox for ln in used)
        raw = " ".join(ln.n for ln in used)
        fields["category_amounts"] = c.make(
            "category_amounts", cats, raw, conf, v.number, box, readable=readable
        )
    for s, (label, hit) in _payment_hits(lines).items():
        f = build(s.name, s.type, hit)
        if f is None and label is not None:
            f = c.make(s.name, None, label.text, 0.0, label.page, label.bbox, readable=False)
        c.put(fields, f)
    _payments_balance(fields)
    if total_confirmed:
        _repair_payments(fields)  # after the balance: a repair is not confirmed by itself
    c.put(fields, _payee(lines, stops))
    if electronic:
        _qr(v, fields)
    return fields


def _label_texts() -> list[str]:
    """Labels of the payment block, also with their first character lost (人自付)."""
    out = [lab for s in PAYMENTS for lab in s.labels]
    out += [lab[1:] for lab in out if len(lab) >= 4]
    return [*out, "收款单位", "复核人", "收款人"]


def _label_starts(n: str, labels: Sequence[str]) -> list[int]:
    """Where labels start in a line's text: known labels, or words followed by a colon."""
    starts = {i for lab in labels for i in _find_all(n, lab)}
    starts |= {m.start() for m in LABEL_RX.finditer(n)}
    return sorted(starts)


def _find_all(n: str, sub: str) -> list[int]:
    return [m.start() for m in re.finditer(re.escape(sub), n)]


def _payment_hits(lines: list[Line]) -> dict[Spec, tuple[Line | None, Hit | None]]:
    """Each payment's label and the figures in its cell.

    The payments are a grid of label: value cells. A value lies right of its label on the same
    row and left of the next label's column; lines in between that are neither figures nor a
    label (characters of a seal crossing the cell) are passed over, but never a label: a cell
    whose figures were not read is left empty rather than given the next cell's figures."""
    labels = _label_texts()
    found: dict[Spec, tuple[Line, int]] = {}
    for s in PAYMENTS:
        hits = find_label(lines, s.labels)
        if hits:
            found[s] = hits[0]
    anchors = [ln for ln, _ in found.values()]
    block = [o for o in lines if any(o.page == a.page and same_row(o, a) for a in anchors)]
    # x where each label of the block starts: the columns' left edges
    columns = [o.part_bbox(i).x0 for o in block for i in _label_starts(o.n, labels)]
    out: dict[Spec, tuple[Line | None, Hit | None]] = {}
    for s in PAYMENTS:
        if s not in found:
            out[s] = (None, None)
            continue
        ln, end = found[s]
        out[s] = (ln, _cell_value(ln, end, lines, labels, columns))
    # one box (tall, with a seal character in it) may sit on two rows of cells: it is the
    # value of the label whose row it is centred on; the other cell looks on past it
    for s, (label, hit) in list(out.items()):
        if label is None or hit is None or hit.lines[0] is label:
            continue
        box = hit.lines[0]
        rivals = [
            (abs(o_ln.cy - box.cy), o)
            for o, (o_ln, o_hit) in out.items()
            if o_ln is not None and o_hit is not None and o_hit.lines[0] is box
        ]
        if len(rivals) > 1 and min(rivals, key=lambda r: r[0])[1] is not s:
            _, end = found[s]
            out[s] = (label, _cell_value(label, end, lines, labels, columns, skip=box))
    return out


def _cell_value(
    ln: Line,
    end: int,
    lines: list[Line],
    labels: Sequence[str],
    columns: list[float],
    skip: Line | None = None,
) -> Hit | None:
    rest = ln.n[end:]
    starts = _label_starts(rest, labels)
    own = strip_value(rest[: starts[0]] if starts else rest)
    if re.search(r"\d", own):
        i = end + len(rest) - len(rest.lstrip(COLONS))
        return Hit(own, (ln,), ln.part_bbox(i, i + len(own)), ln)
    x_end = ln.part_bbox(0, end).x1
    edge = min((x for x in columns if x > x_end + 0.5 * ln.h), default=float("inf"))
    cands = [
        o
        for o in lines
        if o is not ln
        and o is not skip
        and o.page == ln.page
        and same_row(ln, o)
        and o.x0 >= x_end - 1.0 * ln.h
        and o.cx > x_end
    ]
    for o in sorted(cands, key=lambda o: o.x0):
        starts = _label_starts(o.n, labels)
        head = o.n[: starts[0]] if starts else o.n
        box = o.part_bbox(0, len(head)) if starts else o.bbox
        if (box.x0 + box.x1) / 2 >= edge:
            break
        text = strip_value(head)
        if re.search(r"\d", text):
            return Hit(text, (o,), box, ln)
        if starts:
            break  # the next label: this cell's figures were not read
    return None


_SEPARATORS = ".．,，:;·"


def _readings(raw: str) -> set[Decimal]:
    """Amounts figures read with a damaged decimal point could stand for: the point lost
    (275042 → 2750.42), read as another mark (0:00), a stray digit after it (184.283 →
    184.28, 184.23 or 184.83) or before it (a seal's stroke read as a leading 1: 10.00 →
    0.00), or only zeros (00, .00 → 0.00). Figures with digits missing stand for nothing:
    they are never completed."""
    runs = re.findall(rf"[\d{_SEPARATORS}]*\d[\d{_SEPARATORS}]*", norm(raw))
    if not runs:
        return set()
    run = max(runs, key=len).strip(_SEPARATORS)
    digits = re.sub(r"\D", "", run)
    if set(digits) == {"0"}:
        return {Decimal("0.00")}
    m = re.fullmatch(rf"(\d+)[{_SEPARATORS}](\d+)", run)
    out: set[tuple[str, str]] = set()
    if m is not None:
        whole, cents = m.groups()
        if len(cents) == 2:
            out.add((whole, cents))
            if len(whole) >= 2:
                out.add((whole[1:], cents))
        elif len(cents) == 3:
            out |= {(whole, cents[:i] + cents[i + 1 :]) for i in range(3)}
    elif run.isdigit() and len(run) >= 3:
        out.add((run[:-2], run[-2:]))
    return {Decimal(f"{w}.{f}") for w, f in out if w == "0" or not w.startswith("0")}


def _repair_payments(fields: c.Fields) -> None:
    """统筹+其他+个人账户+个人现金 = 合计 (the total confirmed by its 大写 or the
    categories): figures read damaged (a decimal point lost or misread) are repaired when
    exactly one of their readings makes the payments add up to the total, and a payment read
    only in part is completed when its digits read end what the others leave for it. A
    payment whose figures were not read at all is never filled in from the others: it stays
    unreadable."""
    names = ("fund_payment", "other_payment", "account_payment", "cash_payment")
    total = fields.get("total")
    parts = [fields.get(n) for n in names]
    if total is None or not isinstance(total.value, Decimal):
        return
    known: list[Decimal] = []
    unknown: list[c.ExtractedField] = []
    for f in parts:
        if f is None:
            return
        if f.readable and isinstance(f.value, Decimal):
            known.append(f.value)
        else:
            unknown.append(f)
    if not unknown or len(unknown) > 2:
        return
    options = [sorted(_readings(f.raw)) for f in unknown]
    rest = total.value - sum(known, Decimal(0))
    solutions = [combo for combo in itertools.product(*options) if sum(combo) == rest]
    if not solutions and len(unknown) == 1 and _ends(rest, unknown[0].raw):
        # the cell's last figures read (3129.50 as 50, its head under the seal) end exactly
        # what the others leave for it
        solutions = [(rest,)]
    if len(solutions) != 1:
        return
    for f, value in zip(unknown, solutions[0], strict=True):
        fields[f.name] = c.make(f.name, value, f.raw, 0.9, f.page, f.bbox)


def _ends(value: Decimal, raw: str) -> bool:
    """Whether the digits read (at least the two of the cents) end the value's digits."""
    if value <= 0:
        return False
    digits = re.sub(r"\D", "", norm(raw))
    full = re.sub(r"\D", "", f"{value:.2f}")
    return len(digits) >= 2 and len(digits) < len(full) and full.endswith(digits)


def _payee(lines: list[Line], stops: list[str]) -> c.ExtractedField | None:
    """The 收款单位: an institution's name right of the label. A name cut short at 医 (its
    院 hidden under the seal) is completed, a little less sure."""
    hit = value_for(lines, PAYEE_LABELS, stops, accept=c.INSTITUTION_RX)
    if hit is not None:
        m = c.INSTITUTION_RX.search(hit.text)
        text = m.group(0) if m else hit.text
        return c.str_field("payee", Hit(text, hit.lines, hit.bbox, hit.label_line))
    hit = value_for(lines, PAYEE_LABELS, stops, accept=_CUT_AT_YI)
    if hit is None:
        return None
    m = _CUT_AT_YI.search(hit.text)
    assert m is not None
    f = c.str_field("payee", Hit(m.group(0) + "院", hit.lines, hit.bbox, hit.label_line))
    if f is not None and f.readable:
        f = f.model_copy(update={"confidence": round(f.confidence * 0.9, 3), "raw": hit.text})
    return f


_CUT_AT_YI = re.compile(r"[\u4e00-\u9fff]{4,38}医$")


def _settle_total(
    total_f: c.ExtractedField | None,
    hit: Hit | None,
    words: Decimal | None,
    cat_sum: Decimal | None,
    page: int,
) -> c.ExtractedField | None:
    """The figures total, confirmed by the 大写 or the category sum (raises confidence);
    disagreement with both lowers it below the threshold (reported unreadable)."""
    if total_f is None:
        if cat_sum is not None and words is not None and cat_sum == words:
            return c.make("total", words, "", 0.9, page, None)
        return None
    value = c.money_value(hit.text) if hit is not None else None
    if value is None:
        return total_f
    confirm = (words is not None and words == value) or (cat_sum is not None and cat_sum == value)
    if confirm:
        return c.make(
            "total", value, total_f.raw, max(total_f.confidence, 0.98), total_f.page, total_f.bbox
        )
    if total_f.readable and words is not None and cat_sum is not None and words == cat_sum:
        # 大写 and categories agree with each other, not with the figures read: misread (or
        # misprinted): unreadable, for a reviewer, never a confident wrong total
        return c.unreadable("total", hit, min(total_f.confidence, 0.6))
    return total_f


_SURE_PAYMENT = 0.95
"""Confidence from which a payment figure is trusted over the breakdown's arithmetic."""


def _payments_balance(fields: c.Fields) -> None:
    """统筹+其他+个人账户+个人现金 = total: a readable set that balances is confirmed. Unless
    so confirmed, a figure read unsurely (0.00 half under a seal read as 10.00, 184.28 as
    184.25) is not trusted: unreadable, never silently wrong. A breakdown read clearly and
    still not adding up stays as read, for the verifier."""
    names = ("fund_payment", "other_payment", "account_payment", "cash_payment")
    total = fields.get("total")
    vals = [fields.get(n) for n in names]
    if (
        total is not None
        and total.readable
        and isinstance(total.value, Decimal)
        and all(f is not None and f.readable for f in vals)
    ):
        s = sum(
            (f.value for f in vals if f is not None and isinstance(f.value, Decimal)), Decimal(0)
        )
        if s == total.value:
            for n in names:
                sure = fields[n]
                fields[n] = sure.model_copy(update={"confidence": max(sure.confidence, 0.97)})
            return
    for f in vals:
        if f is not None and f.readable and f.confidence < _SURE_PAYMENT:
            fields[f.name] = f.model_copy(update={"value": None, "readable": False})


def _qr(v: PageView, fields: c.Fields) -> None:
    """E-invoice QR: 票据代码,票据号码,校验码,开票日期,金额. Printed fields missing are taken
    from the QR; disagreeing printed fields are marked unreadable with both values visible."""
    if not v.page.qr_payloads:
        return
    payload = v.page.qr_payloads[0]
    fields["qr_payload"] = c.make("qr_payload", payload, payload, 1.0, v.number, None)
    parts = [p.strip() for p in payload.split(",")]
    if len(parts) < 5:
        return
    from extractors.kinds.common import date_value, money_value

    qr_vals: dict[str, object] = {
        "invoice_code": parts[0],
        "invoice_number": parts[1],
        "check_code": parts[2],
        "issue_date": date_value(parts[3]),
        "total": money_value(parts[4]),
    }
    for name, qv in qr_vals.items():
        if qv is None or qv == "":
            continue
        f = fields.get(name)
        if f is None or (not f.readable and f.value is None and not f.raw):
            fields[name] = c.make(name, qv, f"QR:{payload}", 0.9, v.number, None)  # type: ignore[arg-type]
        elif f.readable and f.value != qv:
            fields[name] = f.model_copy(
                update={
                    "readable": False,
                    "value": None,
                    "confidence": min(f.confidence, 0.3),
                    "raw": f"{f.raw} ≠ QR:{qv}",
                }
            )
        elif not f.readable:
            fields[name] = c.make(name, qv, f"{f.raw} / QR:{qv}", 0.9, f.page or v.number, f.bbox)  # type: ignore[arg-type]
        else:
            fields[name] = f.model_copy(update={"confidence": max(f.confidence, 0.99)})
