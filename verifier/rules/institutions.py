"""The invoice, its expense list and the clinical documents come from the same hospital."""

from __future__ import annotations

from collections.abc import Iterator

from extractors.normalize.names import NameMatch, compare_institution, normalise_institution
from models.documents import Document, Severity
from models.kinds import DocumentKind as K
from verifier.context import Context
from verifier.rules.base import Hit, evidence, rule

HOSPITAL_FIELDS: dict[K, str] = {
    K.MEDICAL_INVOICE: "payee",
    K.EXPENSE_LIST: "hospital",
    K.DISCHARGE_SUMMARY: "hospital",
    K.ADMISSION_RECORD: "hospital",
    K.DIAGNOSIS_CERTIFICATE: "hospital",
    K.OUTPATIENT_RECORD: "hospital",
    K.PRESCRIPTION: "hospital",
    K.CRITICAL_ILLNESS_NOTICE: "hospital",
}


def _lost_under_seal(
    ctx: Context, named: list[tuple[Document, str]], doc: Document, short: str, long_: str
) -> bool:
    """The invoice's 收款单位 read one character short where the red seal is stamped over it,
    while the other documents agree among themselves on the full name: the character was lost
    to the seal, not a different hospital."""
    a, b = normalise_institution(short), normalise_institution(long_)
    if len(a) + 1 != len(b) or not any(b[:i] + b[i + 1 :] == a for i in range(len(b))):
        return False
    f = doc.fields.get(HOSPITAL_FIELDS[doc.kind])
    page = next((p for p in ctx.pages if f is not None and p.number == f.page), None)
    if f is None or f.bbox is None or page is None:
        return False
    box = f.bbox
    if not any(
        s.x0 < box.x1 and box.x0 < s.x1 and s.y0 < box.y1 and box.y0 < s.y1 for s in page.seals
    ):
        return False
    agreeing = [d for d, v in named if d is not doc and normalise_institution(v) == b]
    return len(agreeing) >= 2


@rule(
    "HOSPITAL_MISMATCH",
    Severity.BLOCKING,
    "{other_kind}的医疗机构“{other}”与{ref_kind}的“{ref}”不一致",
    concerns=K.EXPENSE_LIST,
)
def hospital_mismatch(ctx: Context) -> Iterator[Hit]:
    # A referral legitimately involves two hospitals; compare only the treating documents
    # against the invoice that paid for the treatment.
    named: list[tuple[Document, str]] = []
    for doc in ctx.documents:
        field = HOSPITAL_FIELDS.get(doc.kind)
        value = doc.value(field) if field else None
        if isinstance(value, str) and value:
            named.append((doc, value))
    if len(named) < 2 or ctx.facts.referral:
        return
    ref_doc, ref = next(((d, v) for d, v in named if d.kind == K.MEDICAL_INVOICE), named[0])
    for doc, value in named:
        if doc is ref_doc:
            continue
        match = compare_institution(ref, value)
        if match is NameMatch.SAME:
            continue
        if match is NameMatch.OCR_VARIANT and _lost_under_seal(ctx, named, ref_doc, ref, value):
            continue
        yield Hit(
            values={
                "ref": ref,
                "ref_kind": ref_doc.kind.label,
                "other": value,
                "other_kind": doc.kind.label,
            },
            evidence=[
                evidence(ref_doc, HOSPITAL_FIELDS[ref_doc.kind]),
                evidence(doc, HOSPITAL_FIELDS[doc.kind]),
            ],
            severity=Severity.WARNING if match is NameMatch.OCR_VARIANT else None,
            concerns=doc.kind,
        )
