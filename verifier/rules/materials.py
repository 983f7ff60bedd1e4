"""Checklist findings: materials missing, forms without their seal or signature, documents the
item does not ask for."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from models.catalog import COPY_FORM_LABELS, MaterialRequirement
from models.documents import Document, FindingEvidence, Quality, Severity
from models.kinds import DocumentKind as K
from verifier.checklist import MaterialState, MaterialStatus
from verifier.context import Context
from verifier.rules.base import Hit, rule


def _requirement_text(material: MaterialRequirement) -> str:
    parts = [COPY_FORM_LABELS[material.copy_form]] if material.copy_form != "any" else []
    if material.seal_required:
        parts.append("加盖单位公章")
    if material.signature_required:
        parts.append("申请人签名")
    return f"（{'，'.join(parts)}）" if parts else ""


def _material_hit(material: MaterialRequirement, what: str) -> Hit:
    return Hit(
        values={"name": material.name, "what": what, "form": _requirement_text(material)},
        material=material.id,
    )


@rule("MISSING_MATERIAL", Severity.BLOCKING, "{what}")
def missing_material(ctx: Context) -> Iterator[Hit]:
    stand_in = ctx.unreadable_stand_in()
    for status in ctx.checklist:
        material = status.material
        if status.state != MaterialState.MISSING:
            continue
        if stand_in is not None and stand_in[1].id == material.id:
            continue  # an unreadable page stands for it: UNREADABLE_PAGE asks for it again
        why = f"（{material.when_text}）" if material.when_text else ""
        if status.unsatisfied_for:
            numbers = []
            for doc_id in status.unsatisfied_for:
                doc = next(d for d in ctx.documents if d.id == doc_id)
                numbers.append(str(doc.value("invoice_number") or doc_id))
            what = f"缺少票据（号码：{'、'.join(numbers)}）对应的{material.name}"
        else:
            what = f"缺少{material.name}{why}"
        yield _material_hit(material, what)


def _docs(ctx: Context, ids: list[str]) -> list[Document]:
    return [d for d in ctx.documents if d.id in ids]


def _has_seal(ctx: Context, doc: Document) -> bool | None:
    stated = doc.value("seal_present")
    if isinstance(stated, bool):
        return stated
    pages = [p for p in ctx.pages if p.number in doc.pages]
    return any(p.seals for p in pages) if pages else None


def _lacking(ctx: Context, field: str, needed: Callable[[MaterialStatus], bool]) -> Iterator[Hit]:
    """Provided materials whose every document lacks what the material requires (a seal, a
    signature): `field` is False on each of them."""
    for status in ctx.checklist:
        if status.state != MaterialState.SATISFIED or not needed(status):
            continue
        docs = _docs(ctx, status.documents)
        present = [_has_seal(ctx, d) if field == "seal_present" else d.value(field) for d in docs]
        if docs and all(p is False for p in present):
            yield Hit(
                values={"name": status.material.name},
                evidence=[
                    FindingEvidence(
                        document_id=d.id, kind=d.kind, field=field, value="无", page=d.pages[0]
                    )
                    for d in docs
                ],
                concerns=docs[0].kind,
            )


@rule("SEAL_MISSING", Severity.BLOCKING, "{name}未加盖单位公章，请加盖公章后重新提交")
def seal_missing(ctx: Context) -> Iterator[Hit]:
    yield from _lacking(ctx, "seal_present", lambda s: s.material.needs_seal(ctx.facts) is True)


@rule("SIGNATURE_MISSING", Severity.BLOCKING, "{name}未经申请人签名，请签名后重新提交")
def signature_missing(ctx: Context) -> Iterator[Hit]:
    yield from _lacking(ctx, "signature_present", lambda s: s.material.signature_required)


@rule("UNEXPECTED_DOCUMENT", Severity.WARNING, "{what}")
def unexpected_document(ctx: Context) -> Iterator[Hit]:
    used = {doc_id for status in ctx.checklist for doc_id in status.documents}
    unreadable = {p.number for p in ctx.pages if p.quality == Quality.UNREADABLE}
    for doc in ctx.documents:
        if doc.id in used or (doc.kind == K.OTHER and set(doc.pages) <= unreadable):
            continue  # an unreadable page is reported as such, not as an unexpected document
        if doc.kind == K.OTHER:
            what = f"第{'、'.join(map(str, doc.pages))}页未能识别为本事项所需的材料"
        elif any(
            s.material.accepts_kind(doc.kind) and s.state != MaterialState.NOT_APPLICABLE
            for s in ctx.checklist
        ):
            continue  # accepted where a condition may hold (e.g. the number of copies)
        else:
            what = f"{doc.kind.label}（第{'、'.join(map(str, doc.pages))}页）不是本事项所需的材料"
        yield Hit(
            values={"what": what},
            evidence=[FindingEvidence(document_id=doc.id, kind=doc.kind, page=doc.pages[0])],
        )
