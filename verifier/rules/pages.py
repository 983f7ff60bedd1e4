"""Pages too poor to read, and deciding fields read below their confidence threshold."""

from __future__ import annotations

from collections.abc import Iterator

from models.documents import FindingEvidence, Quality, Severity
from models.fields import FIELDS
from models.kinds import DocumentKind as K
from verifier.context import Context
from verifier.rules.base import Hit, rule

# Fields a decision rests on; unreadable ones send the case to a reviewer.
DECIDING_FIELDS: dict[K, tuple[str, ...]] = {
    K.MEDICAL_INVOICE: ("invoice_code", "invoice_number", "total", "issue_date", "payer"),
    K.EXPENSE_LIST: ("total",),
    K.ID_CARD: ("name", "id_number"),
    K.DISCHARGE_SUMMARY: ("admission_date", "discharge_date", "patient_name"),
}


@rule(
    "UNREADABLE_PAGE",
    Severity.BLOCKING,
    "第{page}页{what}无法辨认（{why}），请重新提供清晰的扫描件或照片",
)
def unreadable_page(ctx: Context) -> Iterator[Hit]:
    stand_in = ctx.unreadable_stand_in()
    for page in ctx.pages:
        if page.quality != Quality.UNREADABLE:
            continue
        doc = next((d for d in ctx.documents if page.number in d.pages), None)
        why = "、".join(page.quality_issues) if page.quality_issues else "图像模糊或残缺"
        what = f"（{doc.kind.label}）" if doc else ""
        material = None
        if stand_in is not None and stand_in[0] == page.number:
            material = stand_in[1].id  # reported here, not also as missing
            what = f"（可能为{stand_in[1].name}）"
        yield Hit(
            values={"page": page.number, "what": what, "why": why},
            material=material,
            evidence=[
                FindingEvidence(
                    document_id=doc.id if doc else None,
                    kind=doc.kind if doc else None,
                    page=page.number,
                )
            ],
            concerns=doc.kind if doc and doc.kind != K.OTHER else None,
        )


@rule("FIELD_UNREADABLE", Severity.WARNING, "{kind}的“{label}”未能可靠识别，请人工核对")
def field_unreadable(ctx: Context) -> Iterator[Hit]:
    unreadable_pages = {p.number for p in ctx.pages if p.quality == Quality.UNREADABLE}
    for doc in ctx.documents:
        if set(doc.pages) <= unreadable_pages:
            continue  # the page is already reported as unreadable
        for name in DECIDING_FIELDS.get(doc.kind, ()):
            f = doc.fields.get(name)
            if f is not None and not f.readable:
                yield Hit(
                    values={"kind": doc.kind.label, "label": FIELDS[doc.kind][name][1]},
                    evidence=[
                        FindingEvidence(
                            document_id=doc.id,
                            kind=doc.kind,
                            field=name,
                            value=f.raw or None,
                            page=f.page,
                            bbox=f.bbox,
                        )
                    ],
                    concerns=doc.kind,
                )
