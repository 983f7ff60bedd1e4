"""Clinical documents: 出院记录, 诊断证明书, 门诊病历, 处方笺, 转诊证明 (A4 hospital print-outs)."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from typing import Any

from samples.fonts import Face
from samples.render.base import BLACK, RED, PilPage, Rendered, seal_layer, signature_layer, wrap


@dataclass
class ClinicalValues:
    hospital: str
    patient_name: str
    sex: str
    age: int
    department: str
    record_number: str  # 住院号 or 门诊号
    inpatient: bool
    admission_date: dt.date
    discharge_date: dt.date
    stay_days: int
    admission_diagnosis: str
    discharge_diagnosis: str
    treatment_course: str
    discharge_advice: str
    physician: str
    id_number: str = ""
    referral_to: str = ""


def _header(p: PilPage, v: ClinicalValues, title: str, rng: random.Random) -> float:
    p.text(105, 20, v.hospital, 17, Face.SERIF, BLACK, "center")
    p.text(105, 31, title, 15, Face.SANS, BLACK, "center")
    rec = "住院号" if v.inpatient else "门诊号"
    p.text(200, 39, f"{rec}：{v.record_number}", 9.5, Face.SANS, BLACK, "right")
    p.line(12, 41, 198, 41, 0.5)
    return 49.0


def _para(p: PilPage, y: float, label: str, text: str, face: Face, size: float = 10.5) -> float:
    p.text(14, y, f"{label}：", size, Face.SANS)
    lines = wrap(text, 150, size, face)
    for i, line in enumerate(lines):
        p.text(40, y + i * 6.5, line, size, face)
    return y + max(1, len(lines)) * 6.5 + 3


def _sign(p: PilPage, x: float, y: float, label: str, name: str, rng: random.Random) -> None:
    p.text(x, y, label, 10.5, Face.SANS)
    sig = signature_layer(name, 7, p.dpi, rng)
    p.multiply(sig, x + 20, y - 9)


def discharge_summary(v: ClinicalValues, rng: random.Random, dpi: int = 200) -> Rendered:
    p = PilPage(210, 297, dpi)
    face = Face.SERIF if rng.random() < 0.6 else Face.SANS
    y = _header(p, v, "出 院 记 录", rng)
    p.text(14, y, f"姓名：{v.patient_name}", 10.5, face)
    p.text(60, y, f"性别：{v.sex}", 10.5, face)
    p.text(90, y, f"年龄：{v.age}岁", 10.5, face)
    p.text(130, y, f"科室：{v.department}", 10.5, face)
    y += 8
    p.text(14, y, f"入院日期：{v.admission_date:%Y-%m-%d}", 10.5, face)
    p.text(75, y, f"出院日期：{v.discharge_date:%Y-%m-%d}", 10.5, face)
    p.text(140, y, f"住院天数：{v.stay_days}天", 10.5, face)
    y += 11
    y = _para(p, y, "入院诊断", v.admission_diagnosis, face)
    y = _para(p, y, "出院诊断", v.discharge_diagnosis, face)
    y = _para(p, y, "诊疗经过", v.treatment_course, face)
    y = _para(p, y, "出院情况", "患者一般情况良好，生命体征平稳，准予出院。", face)
    y = _para(p, y, "出院医嘱", v.discharge_advice, face)
    _sign(p, 120, y + 18, "医师签名：", v.physician, rng)
    p.text(120, y + 28, f"日期：{v.discharge_date:%Y年%m月%d日}", 10.5, face)
    p.text(105, 287, "第 1 页  共 1 页", 9, face, BLACK, "center")
    return Rendered(
        "discharge_summary",
        {
            "hospital": v.hospital,
            "patient_name": v.patient_name,
            "sex": v.sex,
            "age": v.age,
            "department": v.department,
            "inpatient_number": v.record_number,
            "admission_date": v.admission_date.isoformat(),
            "discharge_date": v.discharge_date.isoformat(),
            "stay_days": v.stay_days,
            "admission_diagnosis": v.admission_diagnosis,
            "discharge_diagnosis": v.discharge_diagnosis,
            "treatment_course": v.treatment_course,
            "discharge_advice": v.discharge_advice,
            "physician": v.physician,
        },
        [p.img],
        texts=[p.texts],
    )


def _clinical_fields(v: ClinicalValues, date: dt.date, diagnosis: str) -> dict[str, Any]:
    f: dict[str, Any] = {
        "hospital": v.hospital,
        "patient_name": v.patient_name,
        "sex": v.sex,
        "age": v.age,
        "department": v.department,
    }
    f["inpatient_number" if v.inpatient else "outpatient_number"] = v.record_number
    f.update(date=date.isoformat(), diagnosis=diagnosis, physician=v.physician)
    if v.id_number:
        f["id_number"] = v.id_number
    return f


def diagnosis_certificate(v: ClinicalValues, rng: random.Random, dpi: int = 200) -> Rendered:
    p = PilPage(210, 148, dpi)  # A5 landscape slip
    face = Face.SERIF
    p.text(105, 16, v.hospital, 15, Face.SERIF, BLACK, "center")
    p.text(105, 26, "诊 断 证 明 书", 14, Face.SANS, BLACK, "center")
    p.line(12, 30, 198, 30, 0.4)
    y = 39.0
    p.text(14, y, f"姓名：{v.patient_name}", 10.5, face)
    p.text(58, y, f"性别：{v.sex}", 10.5, face)
    p.text(86, y, f"年龄：{v.age}岁", 10.5, face)
    p.text(118, y, f"科别：{v.department}", 10.5, face)
    y += 8
    rec = "住院号" if v.inpatient else "门诊号"
    p.text(14, y, f"{rec}：{v.record_number}", 10.5, face)
    if v.id_number:
        p.text(86, y, f"身份证号：{v.id_number}", 10.5, face)
    y += 10
    y = _para(p, y, "诊断", v.discharge_diagnosis, face)
    advice = "建议休息" + str(rng.choice((3, 7, 14))) + "天，门诊随诊。"
    y = _para(p, y, "医嘱", advice, face)
    date = v.discharge_date
    _sign(p, 110, 122, "医师：", v.physician, rng)
    p.text(110, 132, f"{date:%Y年%m月%d日}", 10.5, face)
    layer = seal_layer(v.hospital, "诊断证明专用章", 34, dpi, rng)
    p.multiply(layer, 150, 104)
    return Rendered(
        "diagnosis_certificate",
        _clinical_fields(v, date, v.discharge_diagnosis),
        [p.img],
        texts=[p.texts],
    )


def outpatient_record(v: ClinicalValues, rng: random.Random, dpi: int = 200) -> Rendered:
    p = PilPage(210, 297, dpi)
    face = Face.SERIF
    y = _header(p, v, "门 诊 病 历", rng)
    p.text(14, y, f"姓名：{v.patient_name}", 10.5, face)
    p.text(60, y, f"性别：{v.sex}", 10.5, face)
    p.text(90, y, f"年龄：{v.age}岁", 10.5, face)
    p.text(130, y, f"科室：{v.department}", 10.5, face)
    y += 8
    p.text(14, y, f"就诊日期：{v.discharge_date:%Y-%m-%d}", 10.5, face)
    y += 11
    y = _para(p, y, "主诉", rng.choice(("不适2天。", "症状反复1周，加重1天。", "复诊取药。")), face)
    y = _para(p, y, "现病史", "患者自述上述症状，无发热寒战，饮食睡眠可，二便正常。", face)
    y = _para(p, y, "查体", "神志清，精神可，心肺听诊未闻及明显异常，腹软无压痛。", face)
    y = _para(p, y, "初步诊断", v.discharge_diagnosis, face)
    y = _para(p, y, "处理", "完善相关检查，对症治疗，不适随诊。", face)
    _sign(p, 120, y + 16, "医师签名：", v.physician, rng)
    return Rendered(
        "outpatient_record",
        _clinical_fields(v, v.discharge_date, v.discharge_diagnosis),
        [p.img],
        texts=[p.texts],
    )


def prescription(
    v: ClinicalValues, drugs: list[tuple[str, str, str]], rng: random.Random, dpi: int = 200
) -> Rendered:
    """处方笺 (A5 portrait): drugs as (name, spec, quantity with unit)."""
    p = PilPage(148, 210, dpi)
    face = Face.SERIF
    p.text(74, 14, v.hospital, 13, Face.SERIF, BLACK, "center")
    p.text(74, 23, "处 方 笺", 13, Face.SANS, BLACK, "center")
    p.text(136, 14, "普通", 9, Face.SANS, BLACK, "right")
    p.rect(126, 9.5, 12, 6, 0.3)
    y = 32.0
    p.text(10, y, f"姓名：{v.patient_name}", 9.5, face)
    p.text(52, y, f"性别：{v.sex}", 9.5, face)
    p.text(80, y, f"年龄：{v.age}岁", 9.5, face)
    y += 6
    p.text(10, y, f"门诊号：{v.record_number}", 9.5, face)
    p.text(80, y, f"科别：{v.department}", 9.5, face)
    y += 6
    p.text(10, y, f"临床诊断：{v.discharge_diagnosis}", 9.5, face)
    p.text(80, y + 6, f"日期：{v.discharge_date:%Y-%m-%d}", 9.5, face)
    p.line(8, y + 9, 140, y + 9, 0.4)
    p.text(10, y + 20, "Rp.", 16, Face.SERIF, BLACK)
    y += 30
    for name, spec, qty in drugs:
        p.text(16, y, f"{name}  {spec}", 10, face)
        p.text(136, y, qty, 10, face, BLACK, "right")
        p.text(22, y + 5.5, "用法：口服  每日" + rng.choice(("一", "两", "三")) + "次", 8.5, face)
        y += 13
    p.line(8, 180, 140, 180, 0.4)
    _sign(p, 10, 190, "医师：", v.physician, rng)
    p.text(80, 190, "审核/调配：", 9.5, face)
    p.text(10, 200, "药品金额：", 9.5, face)
    return Rendered(
        "prescription",
        _clinical_fields(v, v.discharge_date, v.discharge_diagnosis),
        [p.img],
        texts=[p.texts],
    )


def referral_certificate(v: ClinicalValues, rng: random.Random, dpi: int = 200) -> Rendered:
    p = PilPage(210, 297, dpi)
    face = Face.SERIF
    p.text(105, 24, "基本医疗保险参保人员转诊转院审批表", 15, Face.SANS, BLACK, "center")
    rows = [
        ("患者姓名", v.patient_name, "性别", v.sex),
        ("年龄", f"{v.age}岁", "身份证号", v.id_number),
        ("转出医院", v.hospital, "科室", v.department),
        ("转入医院", v.referral_to, "门诊号", v.record_number),
        ("临床诊断", v.discharge_diagnosis, "", ""),
    ]
    y = 36.0
    for a, av, b, bv in rows:
        p.rect(15, y, 180, 11, 0.3)
        p.text(18, y + 7.5, a, 10.5, Face.SANS)
        p.text(42, y + 7.5, av, 10.5, face)
        p.line(40, y, 40, y + 11, 0.3)
        if b:
            p.line(120, y, 120, y + 11, 0.3)
            p.line(140, y, 140, y + 11, 0.3)
            p.text(122, y + 7.5, b, 10.5, Face.SANS)
            p.text(142, y + 7.5, bv, 9.5 if len(bv) > 12 else 10.5, face)
        y += 11
    p.rect(15, y, 180, 50, 0.3)
    p.text(18, y + 8, "转诊理由：", 10.5, Face.SANS)
    for i, line in enumerate(
        wrap("因病情需要，本院限于技术和设备条件，建议转上级医院进一步诊治。", 170, 10.5, face)
    ):
        p.text(18, y + 17 + i * 6.5, line, 10.5, face)
    _sign(p, 110, y + 40, "经治医师：", v.physician, rng)
    y += 50
    p.rect(15, y, 180, 40, 0.3)
    p.text(18, y + 8, "医院意见：", 10.5, Face.SANS)
    p.text(40, y + 18, "同意转诊。", 10.5, face)
    p.text(130, y + 33, f"{v.discharge_date:%Y年%m月%d日}", 10.5, face)
    layer = seal_layer(v.hospital, "医务科", 38, dpi, rng)
    p.multiply(layer, 125, y + 4)
    f = _clinical_fields(v, v.discharge_date, v.discharge_diagnosis)
    f.update(id_number=v.id_number, referral_from=v.hospital, referral_to=v.referral_to)
    return Rendered("referral_certificate", f, [p.img], texts=[p.texts])


__all__ = [
    "RED",
    "ClinicalValues",
    "diagnosis_certificate",
    "discharge_summary",
    "outpatient_record",
    "prescription",
    "referral_certificate",
]
