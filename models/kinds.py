"""Document kind identifiers shared by the catalog, extractors and verifier.

Identifiers are stable: extend the enum, never rename a member.
"""

from __future__ import annotations

from enum import StrEnum


class DocumentKind(StrEnum):
    ID_CARD = "id_card"
    SOCIAL_SECURITY_CARD = "social_security_card"
    MEDICAL_INSURANCE_E_VOUCHER = "medical_insurance_e_voucher"
    HOUSEHOLD_REGISTER = "household_register"
    RESIDENCE_PERMIT = "residence_permit"
    PASSPORT = "passport"
    HK_MACAO_TAIWAN_PERMIT = "hk_macao_taiwan_permit"
    HK_MACAO_TAIWAN_RESIDENCE_PERMIT = "hk_macao_taiwan_residence_permit"
    FOREIGN_PERMANENT_RESIDENCE_CARD = "foreign_permanent_residence_card"
    MEDICAL_INVOICE = "medical_invoice"
    EXPENSE_LIST = "expense_list"
    DISCHARGE_SUMMARY = "discharge_summary"
    ADMISSION_RECORD = "admission_record"
    DIAGNOSIS_CERTIFICATE = "diagnosis_certificate"
    OUTPATIENT_RECORD = "outpatient_record"
    PRESCRIPTION = "prescription"
    CRITICAL_ILLNESS_NOTICE = "critical_illness_notice"
    REFERRAL_CERTIFICATE = "referral_certificate"
    SETTLEMENT_STATEMENT = "settlement_statement"
    MARRIAGE_CERTIFICATE = "marriage_certificate"
    BIRTH_SERVICE_REGISTRATION = "birth_service_registration"
    DEATH_CERTIFICATE = "death_certificate"
    BANK_CARD = "bank_card"
    APPLICATION_FORM = "application_form"
    COMMITMENT_LETTER = "commitment_letter"
    BUSINESS_LICENSE = "business_license"
    INSTITUTION_LICENSE = "institution_license"
    # A named supporting document identified by its title (批准文件, 保健证, 劳动合同, 制度文本 …).
    SUPPORTING_DOCUMENT = "supporting_document"
    OTHER = "other"

    @property
    def label(self) -> str:
        return KIND_LABELS[self]


KIND_LABELS: dict[DocumentKind, str] = {
    DocumentKind.ID_CARD: "居民身份证",
    DocumentKind.SOCIAL_SECURITY_CARD: "社会保障卡",
    DocumentKind.MEDICAL_INSURANCE_E_VOUCHER: "医保电子凭证",
    DocumentKind.HOUSEHOLD_REGISTER: "居民户口簿",
    DocumentKind.RESIDENCE_PERMIT: "居住证",
    DocumentKind.PASSPORT: "护照",
    DocumentKind.HK_MACAO_TAIWAN_PERMIT: "港澳居民来往内地通行证",
    DocumentKind.HK_MACAO_TAIWAN_RESIDENCE_PERMIT: "港澳台居民居住证",
    DocumentKind.FOREIGN_PERMANENT_RESIDENCE_CARD: "外国人永久居留证",
    DocumentKind.MEDICAL_INVOICE: "医疗收费票据",
    DocumentKind.EXPENSE_LIST: "费用清单",
    DocumentKind.DISCHARGE_SUMMARY: "出院小结（出院记录）",
    DocumentKind.ADMISSION_RECORD: "入院记录",
    DocumentKind.DIAGNOSIS_CERTIFICATE: "诊断证明书",
    DocumentKind.OUTPATIENT_RECORD: "门诊病历",
    DocumentKind.PRESCRIPTION: "处方底方",
    DocumentKind.CRITICAL_ILLNESS_NOTICE: "病重（病危）通知书",
    DocumentKind.REFERRAL_CERTIFICATE: "转诊证明",
    DocumentKind.SETTLEMENT_STATEMENT: "结算单",
    DocumentKind.MARRIAGE_CERTIFICATE: "结婚证",
    DocumentKind.BIRTH_SERVICE_REGISTRATION: "生育服务登记表",
    DocumentKind.DEATH_CERTIFICATE: "死亡证明",
    DocumentKind.BANK_CARD: "银行卡",
    DocumentKind.APPLICATION_FORM: "申请表",
    DocumentKind.COMMITMENT_LETTER: "承诺书",
    DocumentKind.BUSINESS_LICENSE: "统一社会信用代码证（营业执照）",
    DocumentKind.INSTITUTION_LICENSE: "医疗机构执业许可证",
    DocumentKind.SUPPORTING_DOCUMENT: "证明材料",
    DocumentKind.OTHER: "其他材料",
}

# Kinds whose identity is their title (a named form, attestation or supporting document):
# a catalog entry of these kinds must name the title it expects.
TITLED_KINDS: frozenset[DocumentKind] = frozenset(
    {
        DocumentKind.APPLICATION_FORM,
        DocumentKind.COMMITMENT_LETTER,
        DocumentKind.SUPPORTING_DOCUMENT,
    }
)
