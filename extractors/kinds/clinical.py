"""Clinical documents: discharge summary, admission record, diagnosis certificate, outpatient
record, prescription, referral, critical-illness notice."""

from __future__ import annotations

import re

from extractors.kinds import common as c
from extractors.kinds.labelled import Spec, extract
from extractors.layout import Line, PageView
from models.kinds import DocumentKind as K

PATIENT = [
    Spec("patient_name", ("患者姓名", "病人姓名", "姓名")),
    Spec("sex", ("性别",), "sex"),
    Spec("age", ("年龄",), "age"),
    Spec("department", ("科室", "科别", "住院科别", "就诊科室")),
    Spec("outpatient_number", ("门诊号", "门诊病历号", "就诊号"), "code"),
    Spec("inpatient_number", ("住院号", "病案号"), "code"),
    Spec("id_number", ("身份证号码", "身份证号", "公民身份号码"), "id"),
]

STAY = [
    Spec("admission_date", ("入院日期", "入院时间"), "date"),
    Spec("discharge_date", ("出院日期", "出院时间"), "date"),
    Spec("stay_days", ("住院天数", "实际住院天数"), "int"),
]

SECTIONS = (
    "入院诊断",
    "出院诊断",
    "诊疗经过",
    "出院情况",
    "出院医嘱",
    "主诉",
    "现病史",
    "既往史",
    "查体",
    "体格检查",
    "初步诊断",
    "诊断",
    "处理",
    "医师签名",
    "医师",
    "日期",
    "转诊理由",
    "医院意见",
    "建议",
    "Rp",
)

PARAS = {
    "admission_diagnosis": ("入院诊断",),
    "discharge_diagnosis": ("出院诊断",),
    "treatment_course": ("诊疗经过", "住院经过"),
    "discharge_advice": ("出院医嘱",),
}

_TITLE_WITH_LABEL = re.compile(r"诊断(?:证明|书)")
DIAGNOSIS_LABELS = ("临床诊断", "初步诊断", "诊断结果", "出院诊断", "诊断意见", "诊断")
PHYSICIAN_LABELS = ("医师签名", "经治医师", "主治医师", "医师签字", "医师", "医生签名", "医生")
DATE_LABELS = ("就诊日期", "开具日期", "出具日期", "日期", "就诊时间")

REFERRAL = [
    Spec("referral_from", ("转出医院", "转出医疗机构", "转出单位")),
    Spec("referral_to", ("转入医院", "转入医疗机构", "转往医院", "拟转往医院")),
]


def _hospital(v: PageView) -> c.ExtractedField | None:
    """The issuing hospital: the header line naming a 医院/卫生院/中心 at the top."""
    for ln in v.lines:
        if ln.y1 > v.height * 0.25:
            break
        m = c.INSTITUTION_RX.search(ln.n)
        if m:
            return c.make("hospital", m.group(0), ln.text, ln.conf, ln.page, ln.bbox)
    return None


def _date_anywhere(lines: list[Line]) -> c.ExtractedField | None:
    """A free-standing printed date (e.g. under the signature) as the document date."""
    for ln in reversed(lines):
        if re.fullmatch(r"\d{4}年\d{1,2}月\d{1,2}日", ln.n):
            d = c.date_value(ln.n)
            if d is not None:
                return c.make("date", d, ln.text, ln.conf, ln.page, ln.bbox)
    return None


def extract_clinical(kind: K, views: list[PageView]) -> c.Fields:
    lines = [ln for v in views for ln in v.lines]
    fields: c.Fields = {}
    c.put(fields, _hospital(views[0]))
    specs = list(PATIENT)
    if kind in (K.DISCHARGE_SUMMARY, K.ADMISSION_RECORD):
        specs += STAY
    if kind == K.REFERRAL_CERTIFICATE:
        specs += REFERRAL
    extra = [*SECTIONS, "出院日期", "入院日期", "住院天数", "打印日期"]
    fields.update({k: f for k, f in extract(lines, specs, extra).items() if k not in fields})
    # paragraphs
    if kind in (K.DISCHARGE_SUMMARY, K.ADMISSION_RECORD):
        paras = dict(PARAS)
        if kind == K.ADMISSION_RECORD:
            paras = {"admission_diagnosis": ("入院诊断", "初步诊断", "诊断")}
        for name, labels in paras.items():
            got = extract(lines, [Spec(name, labels, "para")], (), SECTIONS)
            c.put(fields, got.get(name))
        phys = extract(lines, [Spec("physician", PHYSICIAN_LABELS)], SECTIONS)
        c.put(fields, phys.get("physician"))
    else:
        # the title 诊断证明书 holds the label 诊断 but no diagnosis
        body = [ln for ln in lines if not _TITLE_WITH_LABEL.search(ln.n)]
        diag = extract(body, [Spec("diagnosis", DIAGNOSIS_LABELS, "para")], (), SECTIONS)
        c.put(fields, diag.get("diagnosis"))
        rest = extract(
            lines,
            [Spec("physician", PHYSICIAN_LABELS), Spec("date", DATE_LABELS, "date")],
            [*SECTIONS, "审核/调配", "审核", "药品金额"],
        )
        for f in rest.values():
            c.put(fields, f)
        if "date" not in fields or not fields["date"].readable:
            c.put(fields, _date_anywhere(lines))
    if kind == K.REFERRAL_CERTIFICATE and "hospital" not in fields and "referral_from" in fields:
        rf = fields["referral_from"]
        fields["hospital"] = rf.model_copy(update={"name": "hospital"})
    if kind == K.REFERRAL_CERTIFICATE and "referral_from" in fields and "hospital" in fields:
        pass
    if kind == K.REFERRAL_CERTIFICATE and "hospital" in fields and "referral_from" not in fields:
        fields["referral_from"] = fields["hospital"].model_copy(update={"name": "referral_from"})
    _clean_physician(fields)
    return fields


# A signature box this much wider than the characters read (width per character over height)
# holds characters OCR did not read: 关萍 for 郑丽萍, 美 for 陈美华.
_SIGNATURE_WIDTH = 0.95


def _clean_physician(fields: c.Fields) -> None:
    f = fields.get("physician")
    if f is not None and isinstance(f.value, str):
        name = re.sub(r"[^\u4e00-\u9fff·]", "", f.value)
        if not name:
            del fields["physician"]
            return
        b = f.bbox
        spaced = " " in f.raw.strip()  # a name printed with spaces is wider than its characters
        if (
            b is not None
            and b.y1 > b.y0
            and not spaced
            and (b.x1 - b.x0) / ((b.y1 - b.y0) * len(name)) > _SIGNATURE_WIDTH
        ):
            fields["physician"] = f.model_copy(
                update={"value": None, "readable": False, "confidence": f.confidence * 0.5}
            )
            return
        if name != f.value:
            fields["physician"] = f.model_copy(update={"value": name})
