"""Field vocabulary per document kind: the snake_case names that ground truth, extractors,
the verifier and the JSON output share. Extend freely; never rename a field.

Types: `str`, `date`, `money` (Decimal), `int`, `bool`, `items` (expense-list rows),
`amounts` (category → money), `validity` (date or 长期).
"""

from __future__ import annotations

from typing import Literal

from models.kinds import DocumentKind

FieldType = Literal["str", "date", "money", "int", "bool", "items", "amounts", "validity"]

_PERSON: dict[str, tuple[FieldType, str]] = {
    "holder_name": ("str", "姓名"),
    "id_number": ("str", "身份证号码"),
    "issuer": ("str", "签发机关/出具单位"),
    "issue_date": ("date", "出具日期"),
}

_CLINICAL: dict[str, tuple[FieldType, str]] = {
    "hospital": ("str", "医疗机构"),
    "patient_name": ("str", "患者姓名"),
    "sex": ("str", "性别"),
    "age": ("int", "年龄"),
    "department": ("str", "科室"),
    "outpatient_number": ("str", "门诊号"),
    "inpatient_number": ("str", "住院号"),
    "date": ("date", "日期"),
    "diagnosis": ("str", "诊断"),
    "physician": ("str", "医师"),
}

FIELDS: dict[DocumentKind, dict[str, tuple[FieldType, str]]] = {
    DocumentKind.ID_CARD: {
        "name": ("str", "姓名"),
        "sex": ("str", "性别"),
        "ethnicity": ("str", "民族"),
        "birth_date": ("date", "出生"),
        "address": ("str", "住址"),
        "id_number": ("str", "公民身份号码"),
        "issuing_authority": ("str", "签发机关"),
        "valid_from": ("date", "有效期限起"),
        "valid_until": ("validity", "有效期限止（日期或长期）"),
    },
    DocumentKind.MEDICAL_INVOICE: {
        "invoice_type": ("str", "门诊/住院（outpatient/inpatient）"),
        "electronic": ("bool", "电子票据"),
        "invoice_code": ("str", "票据代码"),
        "invoice_number": ("str", "票据号码"),
        "check_code": ("str", "校验码"),
        "payer": ("str", "交款人"),
        "patient_id_number": ("str", "交款人统一社会信用代码/身份证号"),
        "social_security_number": ("str", "社会保障号码"),
        "issue_date": ("date", "开票日期"),
        "outpatient_number": ("str", "门诊号"),
        "inpatient_number": ("str", "住院号"),
        "stay_start": ("date", "住院时间起"),
        "stay_end": ("date", "住院时间止"),
        "institution_type": ("str", "医疗机构类型"),
        "category_amounts": ("amounts", "项目金额（按类别）"),
        "total_words": ("str", "金额合计（大写）"),
        "total": ("money", "金额合计（小写）"),
        "fund_payment": ("money", "医保统筹基金支付"),
        "other_payment": ("money", "其他支付"),
        "account_payment": ("money", "个人账户支付"),
        "cash_payment": ("money", "个人现金支付"),
        "self_pay": ("money", "个人自付"),
        "self_expense": ("money", "个人自费"),
        "payee": ("str", "收款单位"),
        "qr_payload": ("str", "二维码内容"),
    },
    DocumentKind.EXPENSE_LIST: {
        "patient_name": ("str", "姓名"),
        "inpatient_number": ("str", "住院号"),
        "outpatient_number": ("str", "门诊号"),
        "hospital": ("str", "医疗机构"),
        "period_start": ("date", "费用期间起"),
        "period_end": ("date", "费用期间止"),
        "items": ("items", "费用明细（名称、规格、单位、数量、单价、金额、医保类别）"),
        "subtotals": ("amounts", "分类小计"),
        "total": ("money", "总计"),
        "item_count": ("int", "明细项数（合计N项）"),
    },
    DocumentKind.DISCHARGE_SUMMARY: {
        **{k: _CLINICAL[k] for k in ("hospital", "patient_name", "sex", "age", "department")},
        "inpatient_number": ("str", "住院号"),
        "admission_date": ("date", "入院日期"),
        "discharge_date": ("date", "出院日期"),
        "stay_days": ("int", "住院天数"),
        "admission_diagnosis": ("str", "入院诊断"),
        "discharge_diagnosis": ("str", "出院诊断"),
        "treatment_course": ("str", "诊疗经过"),
        "discharge_advice": ("str", "出院医嘱"),
        "physician": ("str", "医师签名"),
    },
    DocumentKind.REFERRAL_CERTIFICATE: {
        **_CLINICAL,
        "id_number": ("str", "身份证号码"),
        "referral_from": ("str", "转出医疗机构"),
        "referral_to": ("str", "转入医疗机构"),
    },
    DocumentKind.APPLICATION_FORM: {
        "form_title": ("str", "表名"),
        "applicant_name": ("str", "申请人姓名"),
        "id_number": ("str", "身份证号码"),
        "bank_account": ("str", "银行账号"),
        "bank_name": ("str", "开户银行"),
        "employer": ("str", "单位名称"),
        "date": ("date", "填表日期"),
        "signature_present": ("bool", "签名"),
        "seal_present": ("bool", "公章"),
    },
    DocumentKind.BANK_CARD: {
        "bank_name": ("str", "开户银行"),
        "card_number": ("str", "卡号"),
        "holder_name": ("str", "户名"),
    },
    DocumentKind.MARRIAGE_CERTIFICATE: {
        **_PERSON,
        "spouse_name": ("str", "配偶姓名"),
        "spouse_id_number": ("str", "配偶身份证号码"),
    },
}

FIELDS[DocumentKind.ADMISSION_RECORD] = {
    **{k: v for k, v in FIELDS[DocumentKind.DISCHARGE_SUMMARY].items() if "discharge" not in k},
}
FIELDS[DocumentKind.COMMITMENT_LETTER] = dict(FIELDS[DocumentKind.APPLICATION_FORM])
for _kind in (
    DocumentKind.DIAGNOSIS_CERTIFICATE,
    DocumentKind.OUTPATIENT_RECORD,
    DocumentKind.PRESCRIPTION,
    DocumentKind.CRITICAL_ILLNESS_NOTICE,
):
    FIELDS[_kind] = {**_CLINICAL, "id_number": ("str", "身份证号码")}
for _kind in DocumentKind:
    FIELDS.setdefault(_kind, dict(_PERSON))
FIELDS[DocumentKind.OTHER] = {}


def field_type(kind: DocumentKind, name: str) -> FieldType:
    return FIELDS[kind][name][0]
