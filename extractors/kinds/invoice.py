"""Medical invoices (医疗门诊/住院收费票据, paper and electronic)."""

from __future__ import annotations

import re
from decimal import Decimal

from extractors.kinds import common as c
from extractors.kinds.labelled import Spec, build
from extractors.layout import Hit, Line, PageView, cluster_rows, norm, union, value_for
from extractors.normalize.money import parse_upper

MONEY_RX = re.compile(r"\d+[.．,]\d{2}(?!\d)|\d")

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
    Spec("self_pay", ("个人自付", "自付"), "money"),
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


def _stops() -> list[str]:
    return [lab for s in (*HEADER, *PAYMENTS) for lab in s.labels] + list(OTHER_LABELS)


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
    lines = [ln for pv in views for ln in pv.lines]
    fields: c.Fields = {}
    stops = _stops()
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
    words_hit = value_for(lines, ("金额合计(大写)", "合计(大写)", "大写"), stops)
    total_hit = value_for(lines, ("(小写)", "小写"), stops, accept=MONEY_RX)
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
    c.put(fields, total_f)
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
    for s in PAYMENTS:
        hit = value_for(lines, s.labels, stops, accept=MONEY_RX)
        f = build(s.name, s.type, hit)
        if f is None and any(lab in ln.n for ln in lines for lab in s.labels):
            label = next(ln for ln in lines for lab in s.labels if lab in ln.n)
            f = c.make(s.name, None, label.text, 0.0, label.page, label.bbox, readable=False)
        c.put(fields, f)
    _payments_balance(fields)
    payee = value_for(
        lines,
        ("收款单位(章)", "收款单位", "收款单位(盖章)"),
        stops,
        accept=re.compile("医院|卫生院|中心|诊所|门诊部|保健院"),
    )
    if payee is not None:
        m = re.search(r"[\u4e00-\u9fff()]{3,40}(医院|卫生院|中心|诊所|门诊部)", payee.text)
        text = m.group(0) if m else payee.text
        c.put(fields, c.str_field("payee", Hit(text, payee.lines, payee.bbox, payee.label_line)))
    if electronic:
        _qr(v, fields)
    return fields


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
        # 大写 and categories agree with each other, not with the figures read: misread
        return total_f.model_copy(update={"confidence": min(total_f.confidence, 0.6)})
    return total_f


def _payments_balance(fields: c.Fields) -> None:
    """统筹+其他+个人账户+个人现金 = total: a single unreadable payment is not guessed, but
    a readable set that balances is confirmed."""
    names = ("fund_payment", "other_payment", "account_payment", "cash_payment")
    total = fields.get("total")
    if total is None or not total.readable or not isinstance(total.value, Decimal):
        return
    vals = [fields.get(n) for n in names]
    if all(f is not None and f.readable for f in vals):
        s = sum(
            (f.value for f in vals if f is not None and isinstance(f.value, Decimal)), Decimal(0)
        )
        if s == total.value:
            for n in names:
                f = fields[n]
                fields[n] = f.model_copy(update={"confidence": max(f.confidence, 0.97)})


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
