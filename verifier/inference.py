"""Facts the documents settle when the applicant did not say: an inpatient invoice makes it a
住院 case, a trauma diagnosis a 外伤 case. Each inferred fact comes with its reason."""

from __future__ import annotations

import re
from decimal import Decimal

from models.documents import Document
from models.facts import CaseFacts
from models.kinds import DocumentKind as K

TRAUMA = re.compile(
    r"骨折|外伤|挫伤|扭伤|撕裂伤|裂伤|创伤|擦伤|车祸|摔伤|跌伤|坠落伤|烧伤|烫伤|咬伤|脱位"
)
DIAGNOSIS_FIELDS = ("discharge_diagnosis", "admission_diagnosis", "diagnosis")


def infer(facts: CaseFacts, documents: list[Document]) -> tuple[CaseFacts, dict[str, str]]:
    """The facts with unknowns filled from the documents, and why each was filled."""
    update: dict[str, object] = {}
    reasons: dict[str, str] = {}
    invoices = [d for d in documents if d.kind == K.MEDICAL_INVOICE]

    if facts.visit_type is None:
        types = {d.value("invoice_type") for d in invoices}
        if "inpatient" in types or any(d.kind == K.DISCHARGE_SUMMARY for d in documents):
            update["visit_type"] = "inpatient"
            reasons["visit_type"] = "提交了住院收费票据或出院小结，按住院报销审核"
        elif types == {"outpatient"}:
            update["visit_type"] = "outpatient"
            reasons["visit_type"] = "提交的均为门诊收费票据，按门诊报销审核"

    if facts.trauma is None:
        for doc in documents:
            for name in DIAGNOSIS_FIELDS:
                text = doc.value(name)
                if isinstance(text, str) and (m := TRAUMA.search(text)):
                    update["trauma"] = True
                    reasons["trauma"] = (
                        f"{doc.kind.label}诊断“{text}”含“{m.group(0)}”，按外伤就医审核"
                    )
                    break
            if "trauma" in update:
                break

    if facts.claim_amount is None:
        totals = [d.value("total") for d in invoices]
        amounts = [t for t in totals if isinstance(t, Decimal)]
        if amounts and len(amounts) == len(totals):
            update["claim_amount"] = sum(amounts, Decimal(0))
            reasons["claim_amount"] = f"{len(amounts)}张票据金额合计"

    return (facts.model_copy(update=update) if update else facts), reasons
