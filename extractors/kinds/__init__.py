"""One extractor per kind family; `extract_fields` dispatches."""

from __future__ import annotations

from extractors.kinds.clinical import extract_clinical
from extractors.kinds.common import Fields
from extractors.kinds.expense_list import extract_expense_list
from extractors.kinds.forms import extract_bank_card, extract_form, extract_person
from extractors.kinds.id_card import extract_id_card
from extractors.kinds.invoice import extract_invoice
from extractors.layout import PageView
from models.fields import FIELDS
from models.kinds import DocumentKind as K

CLINICAL = frozenset(
    {
        K.DISCHARGE_SUMMARY,
        K.ADMISSION_RECORD,
        K.DIAGNOSIS_CERTIFICATE,
        K.OUTPATIENT_RECORD,
        K.PRESCRIPTION,
        K.CRITICAL_ILLNESS_NOTICE,
        K.REFERRAL_CERTIFICATE,
    }
)


def extract_fields(kind: K, views: list[PageView], title: str | None = None) -> Fields:
    if kind == K.OTHER:
        return {}
    if kind == K.ID_CARD:
        fields = extract_id_card(views)
    elif kind == K.MEDICAL_INVOICE:
        fields = extract_invoice(views)
    elif kind == K.EXPENSE_LIST:
        fields = extract_expense_list(views)
    elif kind in CLINICAL:
        fields = extract_clinical(kind, views)
    elif kind in (K.APPLICATION_FORM, K.COMMITMENT_LETTER):
        fields = extract_form(views, title)
    elif kind == K.BANK_CARD:
        fields = extract_bank_card(views)
    else:
        fields = extract_person(views)
    allowed = FIELDS.get(kind, {})
    return {k: f for k, f in fields.items() if k in allowed}
