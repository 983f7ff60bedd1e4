"""Page classification: key phrases and titles as data, layout cues, a confidence, `other`
when unsure."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from extractors.layout import Line, PageView
from extractors.titles import match_title
from models.kinds import DocumentKind as K

# (kind, pattern, weight, where): where = "title" (the page's title zone) or "any".
RULES: list[tuple[K, str, float, str]] = [
    # identity card (front: 公民身份号码, back: 签发机关/有效期限)
    (K.ID_CARD, r"公民身份号码", 4.0, "any"),
    (K.ID_CARD, r"居民身份证", 3.0, "any"),
    (K.ID_CARD, r"签发机关", 2.0, "any"),
    (K.ID_CARD, r"有效期限", 1.5, "any"),
    (K.ID_CARD, r"^民族|^住址|^出生$", 0.7, "any"),
    # medical invoices
    (K.MEDICAL_INVOICE, r"收费票据|医疗.{0,4}票据", 6.0, "title"),
    (K.MEDICAL_INVOICE, r"票据代码|票据号码", 3.0, "any"),
    (K.MEDICAL_INVOICE, r"金额合计|统筹基金支付|个人现金支付|个人账户支付", 2.0, "any"),
    (K.MEDICAL_INVOICE, r"财政部监制|收款单位|交款人", 1.5, "any"),
    # expense lists
    (K.EXPENSE_LIST, r"费用.{0,4}清单|明细清单|费用明细", 7.0, "title"),
    (K.EXPENSE_LIST, r"费用.{0,4}清单|明细清单", 3.0, "any"),
    (K.EXPENSE_LIST, r"^规格$|^单价$|^数量$|医保类别", 1.2, "any"),
    (K.EXPENSE_LIST, r"】小计|总计金额|费用期间", 1.5, "any"),
    # clinical
    (K.DISCHARGE_SUMMARY, r"出院小结|出院记录", 8.0, "title"),
    (K.DISCHARGE_SUMMARY, r"出院诊断|出院医嘱|出院情况", 2.0, "any"),
    (K.ADMISSION_RECORD, r"入院记录", 8.0, "title"),
    (K.DIAGNOSIS_CERTIFICATE, r"诊断证明", 8.0, "title"),
    (K.OUTPATIENT_RECORD, r"门诊病历|门诊记录|病历记录", 8.0, "title"),
    (K.OUTPATIENT_RECORD, r"主诉|现病史|就诊日期", 1.0, "any"),
    (K.PRESCRIPTION, r"处方笺|^处方$|处方单", 8.0, "title"),
    (K.PRESCRIPTION, r"^Rp|临床诊断|审核/调配|药品金额", 1.5, "any"),
    (K.CRITICAL_ILLNESS_NOTICE, r"病[危重].{0,3}通知", 8.0, "title"),
    (K.REFERRAL_CERTIFICATE, r"转诊|转院", 8.0, "title"),
    (K.REFERRAL_CERTIFICATE, r"转出医院|转入医院|转诊理由", 2.0, "any"),
    (K.SETTLEMENT_STATEMENT, r"结算单|结算表", 8.0, "title"),
    # identity and civil documents
    (K.HOUSEHOLD_REGISTER, r"常住人口登记卡|户口簿|户口本", 10.0, "title"),
    (K.HOUSEHOLD_REGISTER, r"户主或与户主关系|户别", 2.0, "any"),
    (K.HK_MACAO_TAIWAN_RESIDENCE_PERMIT, r"港澳台居民居住证", 12.0, "title"),
    (K.RESIDENCE_PERMIT, r"^居住证$|^.{0,6}省?居住证$", 10.0, "title"),
    (K.RESIDENCE_PERMIT, r"居住地址", 1.5, "any"),
    # the back: 签发机关 and 签发日期 above the table of yearly endorsements (签注)
    (K.RESIDENCE_PERMIT, r"签注记录|签注机关|签注日期", 4.0, "any"),
    (K.PASSPORT, r"护照|PASSPORT", 9.0, "title"),
    (K.HK_MACAO_TAIWAN_PERMIT, r"来往内地通行证|往来大陆通行证", 10.0, "any"),
    (K.FOREIGN_PERMANENT_RESIDENCE_CARD, r"永久居留", 9.0, "title"),
    (K.SOCIAL_SECURITY_CARD, r"社会保障卡", 9.0, "any"),
    (K.MEDICAL_INSURANCE_E_VOUCHER, r"医保电子凭证", 9.0, "any"),
    (K.MARRIAGE_CERTIFICATE, r"结婚证", 9.0, "any"),
    (K.DEATH_CERTIFICATE, r"死亡.{0,4}证明", 9.0, "title"),
    (K.BIRTH_SERVICE_REGISTRATION, r"生育服务登记", 9.0, "title"),
    (K.BUSINESS_LICENSE, r"营业执照", 9.0, "title"),
    (K.INSTITUTION_LICENSE, r"医疗机构执业许可证", 10.0, "title"),
    (K.BANK_CARD, r"银联|UnionPay|DEBITCARD|借记卡|信用卡", 4.0, "any"),
    (K.BANK_CARD, r"^\d{4}\d{4}\d{4}\d{4,7}$", 2.0, "any"),
    (K.APPLICATION_FORM, r"^银行账号$|^开户银行$", 1.5, "any"),
    (K.APPLICATION_FORM, r"^报销金额$|^票据张数$|^救助对象类别$", 1.5, "any"),
    (K.APPLICATION_FORM, r"^备案类型$|^就医地$|^参保地$|^备案开始日期$", 1.5, "any"),
    (K.APPLICATION_FORM, r"^联系电话$", 1.0, "any"),
    (K.APPLICATION_FORM, r"^联系地址$", 0.5, "any"),
    (K.APPLICATION_FORM, r"^身份证号码$", 0.5, "any"),
    # forms and attestations (titles also matched against the catalog, see below)
    (K.APPLICATION_FORM, r"(申请|登记|备案|申报|补充)(表|卡)$", 7.0, "title"),
    (K.APPLICATION_FORM, r"申请人\(签字\)|申请人签字|申请人\(签名\)", 1.5, "any"),
    (K.COMMITMENT_LETTER, r"承诺书$|承诺$", 8.0, "title"),
    (K.COMMITMENT_LETTER, r"承诺人\(签字\)|本人承诺|郑重承诺", 1.5, "any"),
    (K.SUPPORTING_DOCUMENT, r"(证明|凭证|情况说明|说明)$", 4.0, "title"),
]

_COMPILED = [(k, re.compile(p), w, where) for k, p, w, where in RULES]
THRESHOLD = 3.0
_INVOICE_QR = re.compile(r"^\d{8,12},\d{8,10},")
CATALOG_TITLE_WEIGHT = 9.0


@dataclass
class PageClass:
    kind: K
    confidence: float
    title: str | None = None
    scores: dict[K, float] = field(default_factory=dict)
    id_front: bool = False
    id_back: bool = False


def title_lines(v: PageView) -> list[Line]:
    """Lines that may be the page title: in the top part, taller than typical or centred."""
    if not v.lines:
        return []
    hs = sorted(ln.h for ln in v.lines)
    median = hs[len(hs) // 2]
    top = [ln for ln in v.lines if ln.y1 < v.height * 0.3]
    out: list[Line] = []
    for ln in top:
        centred = abs(ln.cx - v.width / 2) < v.width * 0.12
        if ln.h >= median * 1.15 or centred:
            out.append(ln)
    if not out:
        out = top[:3]
    return out[:6]


def classify_page(v: PageView) -> PageClass:
    scores: dict[K, float] = {}
    titles = title_lines(v)
    title_texts = [t.n for t in titles]
    found_title: str | None = None
    matched: set[tuple[K, str]] = set()
    for kind, rx, w, where in _COMPILED:
        texts = title_texts if where == "title" else [ln.n for ln in v.lines]
        for t in texts:
            if rx.search(t) and (kind, rx.pattern) not in matched:
                matched.add((kind, rx.pattern))
                scores[kind] = scores.get(kind, 0.0) + w
                break
    # a title from the catalog names its kind
    for tl in titles:
        m = match_title(tl.text)
        if m is not None:
            kind, catalog_title = m
            scores[kind] = scores.get(kind, 0.0) + CATALOG_TITLE_WEIGHT
            found_title = catalog_title
            break
    # an e-invoice QR (票据代码,票据号码,校验码,日期,金额) names an invoice even without text
    if any(_INVOICE_QR.match(q) for q in v.page.qr_payloads):
        scores[K.MEDICAL_INVOICE] = scores.get(K.MEDICAL_INVOICE, 0.0) + 6.0
    # ID-card geometry: the card's words on a card-sized area
    text = v.text()
    front, back = card_sides(v)
    if K.ID_CARD in scores and (
        "公民身份号码" in text
        or ("姓名" in text and "民族" in text and "住址" in text)
        or ("签发机关" in text and "有效期限" in text)
    ):
        scores[K.ID_CARD] += 1.0
    if not scores:
        return PageClass(K.OTHER, 0.0, None, scores)
    ranked = sorted(scores.items(), key=lambda kv: -kv[1])
    best_kind, best = ranked[0]
    second = ranked[1][1] if len(ranked) > 1 else 0.0
    if best < THRESHOLD:
        return PageClass(K.OTHER, round(min(0.5, best / 10), 3), None, scores)
    confidence = (1 - math.exp(-best / 4)) * (1 - 0.5 * second / best)
    title = None
    if best_kind in (K.APPLICATION_FORM, K.COMMITMENT_LETTER, K.SUPPORTING_DOCUMENT):
        title = found_title or _title_from_rows(v, best_kind) or _read_title(titles)
    return PageClass(
        best_kind,
        round(max(0.0, min(1.0, confidence)), 3),
        title,
        scores,
        id_front=front,
        id_back=back,
    )


_ID_NUMBER = re.compile(r"\d{17}[\dXx]")


def card_sides(v: PageView) -> tuple[bool, bool]:
    """Which sides of an identity card the page shows: the front (the holder's details and the
    ID number) and the back (the national title, issuing authority and validity). A page
    showing both is a whole card, never half of one."""
    text = v.text()
    front = (
        "公民身份号码" in text
        or bool(_ID_NUMBER.search(text))
        or ("姓名" in text and ("民族" in text or "住址" in text))
    )
    back = any(k in text for k in ("居民身份证", "中华人民共和国", "签发机关", "有效期限", "签注"))
    return front, back


# A form whose title was not read (cropped, faint) named by the rows only it has.
FORM_ROW_TITLES: list[tuple[str, str]] = [
    ("备案类型", "异地就医登记备案表"),
    ("救助对象类别", "医疗救助申请表"),
    ("报销金额", "费用报销申请表"),
    ("票据张数", "费用报销申请表"),
]


def _title_from_rows(v: PageView, kind: K) -> str | None:
    if kind != K.APPLICATION_FORM:
        return None
    text = v.text()
    return next((title for row, title in FORM_ROW_TITLES if row in text), None)


def _read_title(titles: list[Line]) -> str | None:
    if not titles:
        return None
    best = max(titles, key=lambda ln: ln.h * min(len(ln.n), 20))
    return best.n.strip("《》")
