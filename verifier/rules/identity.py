"""Who the documents are about: names and ID numbers agree, IDs are valid, the card is current."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from extractors.normalize.idnumber import IdNumberError, mask, parse_id_number
from extractors.normalize.names import NameMatch, compare_person
from models.documents import Document, Page, Quality, Severity
from models.kinds import DocumentKind as K
from verifier.context import Context
from verifier.rules.base import Hit, evidence, rule

# Documents about the insured person, and the fields naming them.
NAME_FIELDS: dict[K, str] = {
    K.ID_CARD: "name",
    K.SOCIAL_SECURITY_CARD: "holder_name",
    K.MEDICAL_INVOICE: "payer",
    K.EXPENSE_LIST: "patient_name",
    K.DISCHARGE_SUMMARY: "patient_name",
    K.ADMISSION_RECORD: "patient_name",
    K.DIAGNOSIS_CERTIFICATE: "patient_name",
    K.OUTPATIENT_RECORD: "patient_name",
    K.PRESCRIPTION: "patient_name",
    K.CRITICAL_ILLNESS_NOTICE: "patient_name",
    K.REFERRAL_CERTIFICATE: "patient_name",
    K.APPLICATION_FORM: "applicant_name",
    K.COMMITMENT_LETTER: "applicant_name",
}
ID_FIELDS: dict[K, str] = {
    K.ID_CARD: "id_number",
    K.SOCIAL_SECURITY_CARD: "id_number",
    K.MEDICAL_INVOICE: "patient_id_number",
    K.DIAGNOSIS_CERTIFICATE: "id_number",
    K.OUTPATIENT_RECORD: "id_number",
    K.PRESCRIPTION: "id_number",
    K.REFERRAL_CERTIFICATE: "id_number",
    K.APPLICATION_FORM: "id_number",
    K.COMMITMENT_LETTER: "id_number",
}
# The reference for who the insured person is, most authoritative first.
REFERENCE_KINDS = (K.ID_CARD, K.SOCIAL_SECURITY_CARD, K.APPLICATION_FORM)


SURE_NAME = 0.9
"""Line confidence from which a name's reading is trusted enough to block on one character."""
SURE_NAME_ON_POOR_PAGE = 0.97
"""The same on a page flagged for its quality (a low-resolution photo of a card) or read
through a dark background (a photocopied card's guilloche): there a look-alike (晨 read as
展, 刘 as 文) comes with 0.90–0.95."""


def _poor_page(page: Page) -> bool:
    return page.quality is not Quality.OK or page.quality_measures.get("dark_background", 0) > 0


def _name_confidence(ctx: Context, doc: Document) -> float:
    f = doc.fields[NAME_FIELDS[doc.kind]]
    poor = any(p.number == f.page and _poor_page(p) for p in ctx.pages)
    if poor and f.confidence < SURE_NAME_ON_POOR_PAGE:
        return min(f.confidence, SURE_NAME - 0.01)
    return f.confidence


UNSURE_NAME = 0.75
"""Line confidence under which a name's reading blocks nothing, however far from the others:
on a dark card copy 潘丽娟 comes out 满丽如 at 0.6."""


def _doubtful_reading(a: str, b: str, conf_a: float, conf_b: float) -> bool:
    """One character apart (misread, lost or added), and one of the two was read with little
    confidence."""
    if min(conf_a, conf_b) >= SURE_NAME or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) == 1
    short, long_ = sorted((a, b), key=len)
    return any(long_[:i] + long_[i + 1 :] == short for i in range(len(long_)))


def _clearer_reading(ctx: Context, card: Document, name: str) -> tuple[Document, str] | None:
    conf = _name_confidence(ctx, card)
    if conf >= SURE_NAME:
        return None
    for doc, other in _others(ctx, NAME_FIELDS, card):
        other_conf = _name_confidence(ctx, doc)
        near = compare_person(name, other) is NameMatch.OCR_VARIANT or _doubtful_reading(
            name, other, conf, other_conf
        )
        if near and other_conf >= SURE_NAME and _same_number(card, doc):
            return doc, other
    return None


def _same_number(a: Document, b: Document) -> bool:
    """Both documents carry the same valid ID number, read as sure values."""
    x = a.value(ID_FIELDS[a.kind]) if a.kind in ID_FIELDS else None
    y = b.value(ID_FIELDS[b.kind]) if b.kind in ID_FIELDS else None
    if not isinstance(x, str) or not isinstance(y, str) or x.upper() != y.upper():
        return False
    try:
        parse_id_number(x)
    except IdNumberError:
        return False
    return True


def _about_one_person(ctx: Context) -> bool:
    # Withdrawing a deceased person's account: the applicant (heir) is someone else.
    return ctx.facts.reason != "death"


def _reference(ctx: Context, fields: dict[K, str]) -> tuple[Document, str] | None:
    for kind in REFERENCE_KINDS:
        for doc in ctx.of_kind(kind):
            value = doc.value(fields[kind])
            if isinstance(value, str) and value:
                return doc, value
    return None


def _others(ctx: Context, fields: dict[K, str], ref: Document) -> Iterator[tuple[Document, str]]:
    for doc in ctx.documents:
        field = fields.get(doc.kind)
        if doc is ref or field is None:
            continue
        value = doc.value(field)
        if isinstance(value, str) and value:
            yield doc, value


@rule(
    "NAME_MISMATCH",
    Severity.BLOCKING,
    "{other_kind}上的姓名“{other}”与{ref_kind}上的姓名“{ref}”不一致",
)
def name_mismatch(ctx: Context) -> Iterator[Hit]:
    if not _about_one_person(ctx):
        return
    reference = _reference(ctx, NAME_FIELDS)
    if reference is None:
        return
    ref_doc, ref_name = reference
    explained = _clearer_reading(ctx, ref_doc, ref_name)
    if explained is not None:
        # the card's name read unsurely, a form's clearly, one character apart, and both carry
        # the same ID number: one person, the card misread — the form's reading is the name
        ref_doc, ref_name, misread = *explained, ref_doc
    else:
        misread = None
    for doc, name in _others(ctx, NAME_FIELDS, ref_doc):
        if doc is misread:
            continue
        match = compare_person(ref_name, name)
        if match is NameMatch.SAME:
            continue
        ref_conf = _name_confidence(ctx, ref_doc)
        conf = _name_confidence(ctx, doc)
        doubtful = (
            match is NameMatch.OCR_VARIANT
            or _doubtful_reading(ref_name, name, ref_conf, conf)
            or min(ref_conf, conf) < UNSURE_NAME
        )
        yield Hit(
            values={
                "ref": ref_name,
                "ref_kind": ref_doc.kind.label,
                "other": name,
                "other_kind": doc.kind.label,
            },
            evidence=[
                evidence(ref_doc, NAME_FIELDS[ref_doc.kind]),
                evidence(doc, NAME_FIELDS[doc.kind]),
            ],
            # Names differing only in characters OCR confuses, or in one character read with
            # little confidence, are for a reviewer to look at: the machine is not sure.
            severity=Severity.WARNING if doubtful else None,
            concerns=doc.kind,
        )


@rule(
    "ID_NUMBER_MISMATCH",
    Severity.BLOCKING,
    "{other_kind}上的身份证号码（{other}）与{ref_kind}上的号码（{ref}）不一致",
)
def id_number_mismatch(ctx: Context) -> Iterator[Hit]:
    if not _about_one_person(ctx):
        return
    reference = _reference(ctx, ID_FIELDS)
    if reference is None:
        return
    ref_doc, ref_id = reference
    for doc, number in _others(ctx, ID_FIELDS, ref_doc):
        if number.upper().replace(" ", "") == ref_id.upper().replace(" ", ""):
            continue
        yield Hit(
            values={
                "ref": mask(ref_id),
                "ref_kind": ref_doc.kind.label,
                "other": mask(number),
                "other_kind": doc.kind.label,
            },
            evidence=[
                evidence(ref_doc, ID_FIELDS[ref_doc.kind], mask(ref_id)),
                evidence(doc, ID_FIELDS[doc.kind], mask(number)),
            ],
            concerns=doc.kind,
        )


@rule("ID_NUMBER_INVALID", Severity.BLOCKING, "{kind}上的身份证号码（{value}）无效：{problem}")
def id_number_invalid(ctx: Context) -> Iterator[Hit]:
    for doc in ctx.documents:
        field = ID_FIELDS.get(doc.kind)
        number = doc.value(field) if field else None
        if field is None or not isinstance(number, str) or not number:
            continue
        try:
            parse_id_number(number, today=ctx.submitted_on)
        except IdNumberError as exc:
            yield Hit(
                values={"kind": doc.kind.label, "value": mask(number), "problem": str(exc)},
                evidence=[evidence(doc, field, mask(number))],
                concerns=doc.kind,
            )


@rule(
    "ID_CARD_EXPIRED",
    Severity.BLOCKING,
    "居民身份证已于{valid_until}过期（收件日期{submitted_on}），请提供有效期内的身份证件",
    concerns=K.ID_CARD,
)
def id_card_expired(ctx: Context) -> Iterator[Hit]:
    for doc in ctx.of_kind(K.ID_CARD):
        valid_until = doc.value("valid_until")
        if isinstance(valid_until, dt.date) and valid_until < ctx.submitted_on:
            yield Hit(
                values={
                    "valid_until": valid_until.isoformat(),
                    "submitted_on": ctx.submitted_on.isoformat(),
                },
                evidence=[evidence(doc, "valid_until")],
            )
