"""Forms and attestations, bank cards and the generic person documents (holder, ID number,
issuing body, date)."""

from __future__ import annotations

import re

from extractors.kinds import common as c
from extractors.kinds.labelled import Spec, extract
from extractors.layout import Hit, Line, PageView, same_row, value_for
from extractors.normalize import bankcard

FORM = [
    # a bare 姓名 row names the applicant before 参保人姓名 does: the insured may be another
    # person (a deceased parent whose account an heir draws)
    Spec("applicant_name", ("申请人姓名", "姓名", "参保人姓名", "申请人", "承诺人", "职工姓名")),
    Spec("id_number", ("公民身份号码", "身份证号码", "身份证号", "证件号码"), "id"),
    Spec("bank_account", ("银行账号", "银行卡号", "收款账号", "账号", "卡号")),
    Spec("bank_name", ("开户银行", "开户行", "收款银行")),
    Spec("employer", ("单位名称", "工作单位", "用人单位")),
]
FORM_STOPS = (
    "性别",
    "联系电话",
    "联系地址",
    "就诊医院",
    "报销金额",
    "就诊类型",
    "票据张数",
    "出生日期",
    "民族",
    "备案类型",
    "就医地",
    "参保地",
)
SIGN_LABELS = ("申请人(签字)", "承诺人(签字)", "申请人签字", "本人签字", "签字", "签名")

PERSON = [
    Spec("holder_name", ("姓名", "持证人", "患者姓名", "参保人姓名", "户主姓名")),
    Spec(
        "id_number",
        (
            "公民身份号码",
            "身份证号码",
            "身份证号",
            "证件号码",
            "身份证件号",
            "公民身份证件编号",
            "公民身份证",
        ),
        "id",
    ),
]
PERSON_STOPS = (
    "性别",
    "民族",
    "出生日期",
    "住址",
    "居住地址",
    "签发机关",
    "有效期限",
    "登记日期",
    "结算日期",
    "户主或与户主关系",
    "医疗费总额",
)
ISSUER_LABELS = ("签发机关", "发证机关", "出具单位", "登记机关")
DATE_LABELS = (
    "结算日期",
    "出具日期",
    "签发日期",
    "发证日期",
    "登记日期",
    "开具日期",
    "填表日期",
    "申请日期",
    "日期",
)
# Dates of something else whose labels end like a document's date (出生日期, 结婚登记日期).
_OTHER_DATES = ("出生", "结婚", "婚姻", "末次", "预产", "入院", "出院", "就诊", "签注", "迁")
# What follows an issuer label when the issuer is a seal further down (登记机关意见, (盖章)).
_NOT_ISSUERS = re.compile(r"^[(（]?(意见|盖章|签章|公章|章)[)）]?$")
_INSTITUTION = re.compile(
    r"[\u4e00-\u9fff()（）]{2,40}(医院|卫生院|中心|公安局|分局|派出所|有限公司|公司|局|委员会|"
    r"街道办事处|办事处|社区|银行|人民政府|政府)"
)


def _labelled_as_other_date(ln: Line, lines: list[Line]) -> bool:
    """A date standing right of a label of another date (出生 1985年01月13日)."""
    left = [o for o in lines if o is not ln and o.page == ln.page and same_row(o, ln)]
    left = [o for o in left if o.x1 <= ln.x0 + ln.h]
    if not left:
        return False
    label = max(left, key=lambda o: o.x1)
    return any(label.n.startswith(k) or k in label.n[-6:] for k in _OTHER_DATES)


def _free_date(lines: list[Line], below_y: float = 0.0) -> c.ExtractedField | None:
    for ln in reversed(lines):
        if ln.cy < below_y or _labelled_as_other_date(ln, lines):
            continue
        if re.fullmatch(r"\d{4}年\d{1,2}月\d{1,2}日", ln.n):
            d = c.date_value(ln.n)
            if d is not None:
                return c.make("date", d, ln.text, ln.conf, ln.page, ln.bbox)
    return None


def _id_in_body(lines: list[Line]) -> Hit | None:
    for ln in lines:
        m = re.search(r"(身份证号|身份证号码|公民身份号码)[:：]?(\d{17}[\dXx])", ln.n)
        if m:
            return Hit(m.group(2), (ln,), ln.bbox, ln)
    return None


def _signature(lines: list[Line]) -> tuple[bool, Line | None]:
    """A signature: something written after the 签字 label (OCR reads handwriting as text),
    on its row or just above the label line."""
    for ln in lines:
        if not any(s in ln.n for s in SIGN_LABELS):
            continue
        after = re.split(r"签字\)?:?|签名\)?:?", ln.n, maxsplit=1)
        if len(after) > 1 and re.search(r"[\u4e00-\u9fff]", after[1]):
            return True, ln
        for o in lines:
            if o is ln or o.page != ln.page:
                continue
            near = same_row(o, ln, 0.2) or abs(o.cy - ln.cy) < 1.5 * ln.h
            if (
                near
                and ln.x1 - ln.h < o.x0 < ln.x1 + 12 * ln.h
                and re.search(r"[\u4e00-\u9fff]", o.n)
                and not re.search(r"\d{4}年", o.n)
            ):
                return True, ln
        return False, ln
    return False, None


def extract_form(views: list[PageView], title: str | None) -> c.Fields:
    lines = [ln for v in views for ln in v.lines]
    v = views[0]
    fields: c.Fields = {}
    if title:
        tl = next((ln for ln in lines if title[:4] in ln.n), None)
        fields["form_title"] = c.make(
            "form_title",
            title,
            tl.text if tl else title,
            tl.conf if tl else 0.8,
            v.number,
            tl.bbox if tl else None,
        )
    fields.update(extract(lines, FORM, [*FORM_STOPS, *SIGN_LABELS]))
    if "id_number" not in fields:
        c.put(fields, c.id_field("id_number", _id_in_body(lines)))
    an = fields.get("applicant_name")
    if an is not None and isinstance(an.value, str):
        name = re.sub(r"[(（].*$", "", an.value)
        if re.search(r"\d", name) or len(name) > 6:
            del fields["applicant_name"]
        else:
            fields["applicant_name"] = an.model_copy(update={"value": name})
    ba = fields.get("bank_account")
    if ba is not None and isinstance(ba.value, str):
        digits = re.sub(r"\D", "", ba.value)
        ok = bankcard.luhn_valid(digits)
        conf = ba.confidence if ok else ba.confidence * 0.85
        if not digits or conf < c.THRESHOLDS["id"]:
            fields["bank_account"] = ba.model_copy(
                update={"value": None, "readable": False, "confidence": conf}
            )
        else:
            fields["bank_account"] = ba.model_copy(update={"value": digits, "confidence": conf})
    date = value_for(lines, ("填表日期", "申请日期", "承诺日期"), ())
    c.put(fields, c.date_field("date", date) if date else None)
    signed, sign_line = _signature(lines)
    c.put(fields, _free_date(lines, sign_line.y0 if sign_line else 0.0))
    fields["signature_present"] = c.make(
        "signature_present",
        signed,
        sign_line.text if sign_line else "",
        0.8 if sign_line else 0.5,
        sign_line.page if sign_line else v.number,
        sign_line.bbox if sign_line else None,
    )
    seals = [s for pv in views for s in pv.page.seals]
    seal_area = "盖章" in v.text() or "公章" in v.text()
    fields["seal_present"] = c.make(
        "seal_present",
        bool(seals),
        "",
        0.85 if seals or seal_area else 0.7,
        v.number,
        seals[0] if seals else None,
    )
    return fields


def _document_date(lines: list[Line]) -> Hit | None:
    """The document's date after its label, never another date whose label ends the same way
    (出生日期, 结婚登记日期 before 登记日期)."""
    for label in DATE_LABELS:
        for ln in lines:
            i = ln.n.find(label)
            if i < 0 or any(ln.n[:i].endswith(k) for k in _OTHER_DATES):
                continue
            hit = value_for([ln, *(o for o in lines if o is not ln)], (label,), PERSON_STOPS)
            if hit is not None and hit.label_line is ln:
                return hit
    return None


def _issuer(lines: list[Line], v: PageView) -> Hit | None:
    """The issuing body: after its label; else under the seal label (单位(盖章), 登记机关(盖章));
    else a line that is only an institution's name in the lower half (the signature block);
    else the institution heading the page."""
    issuer = value_for(lines, ISSUER_LABELS, [*PERSON_STOPS, *DATE_LABELS])
    if issuer is not None and _NOT_ISSUERS.match(issuer.text):
        issuer = None
    if issuer is None:
        for seal_label in (ln for ln in lines if "盖章" in ln.n or "(章)" in ln.n):
            below = [
                o
                for o in lines
                if o.page == seal_label.page
                and o.y0 >= seal_label.y1 - 0.3 * seal_label.h
                and o.y0 - seal_label.y1 < 2.5 * seal_label.h
                and min(o.x1, seal_label.x1 + 4 * seal_label.h)
                - max(o.x0, seal_label.x0 - seal_label.h)
                > 0
                and _INSTITUTION.search(o.n)
            ]
            if below:
                o = min(below, key=lambda a: a.y0)
                issuer = Hit(o.n, (o,), o.bbox, seal_label)
                break
    if issuer is None:
        for ln in reversed(v.lines):
            if ln.cy < v.height * 0.4:
                break
            m = _INSTITUTION.fullmatch(ln.n)
            if m:
                issuer = Hit(ln.n, (ln,), ln.bbox, ln)
                break
    if issuer is None:
        for ln in v.lines:
            if ln.y1 > v.height * 0.2:
                break
            m = _INSTITUTION.search(ln.n)
            if m and "表" not in ln.n and "单" not in ln.n[-1:]:
                issuer = Hit(m.group(0), (ln,), ln.bbox, ln)
                break
    return issuer


def _people(lines: list[Line]) -> list[tuple[Hit, Hit | None]]:
    """Each person's block on a document naming two (a marriage certificate): the 姓名 value
    and the ID number below it, before the next 姓名 row."""
    rows = [
        (ln, hit)
        for ln in lines
        if ln.n.startswith("姓名")
        and (hit := value_for([ln, *lines], ("姓名",), PERSON_STOPS)) is not None
        and hit.label_line is ln
    ]
    out: list[tuple[Hit, Hit | None]] = []
    for ln, hit in rows:
        nxt = min((o for o, _ in rows if o.cy > ln.cy), key=lambda o: o.cy, default=None)
        number = next(
            (
                Hit(o.n, (o,), o.bbox, o)
                for o in lines
                if o.page == ln.page
                and ln.cy < o.cy
                and (nxt is None or o.cy < nxt.cy)
                and c.id_value(o.n)[0] is not None
            ),
            None,
        )
        out.append((hit, number))
    return out


def _couple(fields: c.Fields, lines: list[Line]) -> None:
    """The holder's own ID number and the spouse's name and number, when the document names
    two people and one of them is the holder (持证人)."""
    holder = fields.get("holder_name")
    if holder is None or not isinstance(holder.value, str):
        return
    people = _people(lines)
    if len(people) != 2:
        return
    mine = [p for p in people if p[0].text == holder.value]
    other = [p for p in people if p[0].text != holder.value]
    if len(mine) != 1 or len(other) != 1:
        return
    if mine[0][1] is not None:
        own = c.id_field("id_number", mine[0][1])
        if own is not None:
            fields["id_number"] = own
    c.put(fields, c.str_field("spouse_name", other[0][0]))
    c.put(fields, c.id_field("spouse_id_number", other[0][1]))


def extract_person(views: list[PageView]) -> c.Fields:
    """Holder, ID number, issuing body and date: for every kind without its own extractor."""
    lines = [ln for v in views for ln in v.lines]
    v = views[0]
    fields = extract(lines, PERSON, [*PERSON_STOPS, *ISSUER_LABELS, *DATE_LABELS])
    if "id_number" not in fields:
        c.put(fields, c.id_field("id_number", _id_in_body(lines)))
    if "holder_name" not in fields:
        for ln in lines:
            m = re.search(
                r"(?:兹派我单位职工|兹证明|本人|职工|持证人)([\u4e00-\u9fff]{2,4})[(（,，]", ln.n
            )
            if m:
                fields["holder_name"] = c.make(
                    "holder_name", m.group(1), ln.text, ln.conf, ln.page, ln.bbox
                )
                break
    # a certificate naming two people opens with its holder (持证人郭月娥)
    holder_row = next((ln for ln in lines if ln.n.startswith("持证人")), None)
    if holder_row is not None:
        hit = value_for([holder_row], ("持证人",), PERSON_STOPS)
        named = c.str_field("holder_name", hit)
        if named is not None and named.readable:
            fields["holder_name"] = named
    hn = fields.get("holder_name")
    if hn is not None and isinstance(hn.value, str):
        fields["holder_name"] = hn.model_copy(update={"value": re.sub(r"[(（].*$", "", hn.value)})
    issuer = _issuer(lines, v)
    if issuer is not None:
        m = _INSTITUTION.search(issuer.text)
        text = m.group(0) if m else issuer.text
        c.put(
            fields, c.str_field("issuer", Hit(text, issuer.lines, issuer.bbox, issuer.label_line))
        )
    date = _document_date(lines)
    f = c.date_field("issue_date", date) if date is not None else None
    if f is None or not f.readable:
        free = _free_date(lines)
        if free is not None:
            f = free.model_copy(update={"name": "issue_date"})
    c.put(fields, f)
    _couple(fields, lines)
    return fields


def extract_bank_card(views: list[PageView]) -> c.Fields:
    lines = [ln for v in views for ln in v.lines]
    fields: c.Fields = {}
    for ln in lines:
        m = re.search(
            r"中国[\u4e00-\u9fff]{2,6}银行|[\u4e00-\u9fff]{2,8}银行|[\u4e00-\u9fff]{2,6}信用社",
            ln.n,
        )
        if m:
            fields["bank_name"] = c.make(
                "bank_name", m.group(0), ln.text, ln.conf, ln.page, ln.bbox
            )
            break
    best: tuple[str, Line] | None = None
    for ln in lines:
        digits = re.sub(r"\D", "", ln.n)
        if (
            16 <= len(digits) <= 19
            and len(re.sub(r"[\d\s]", "", ln.text)) <= 1
            and (best is None or len(digits) > len(best[0]))
        ):
            best = (digits, ln)
    if best is not None:
        digits, ln = best
        ok = bankcard.luhn_valid(digits)
        conf = ln.conf if ok else ln.conf * 0.9
        fields["card_number"] = c.make(
            "card_number",
            digits,
            ln.text,
            conf,
            ln.page,
            ln.bbox,
            readable=conf >= c.THRESHOLDS["id"],
        )
    name = value_for(lines, ("户名", "持卡人"), ())
    c.put(fields, c.str_field("holder_name", name))
    return fields
