"""Dates must be coherent: admission ≤ discharge ≤ invoice date, the stay length right,
the invoice's stay matching the discharge summary, and nothing dated after receipt."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from models.documents import Document, Severity
from models.kinds import DocumentKind as K
from verifier.context import Context
from verifier.rules.base import Hit, evidence, rule

CLINICAL = (K.DISCHARGE_SUMMARY, K.ADMISSION_RECORD)
DATE_FIELDS = (
    "issue_date",
    "date",
    "admission_date",
    "discharge_date",
    "stay_start",
    "stay_end",
    "period_start",
    "period_end",
)


def _date(doc: Document, name: str) -> dt.date | None:
    value = doc.value(name)
    return value if isinstance(value, dt.date) else None


def _hit(what: str, *pairs: tuple[Document, str]) -> Hit:
    return Hit(
        values={"what": what},
        evidence=[evidence(d, f) for d, f in pairs],
        concerns=pairs[-1][0].kind,
    )


@rule("DATE_INCONSISTENT", Severity.BLOCKING, "{what}", concerns=K.DISCHARGE_SUMMARY)
def date_inconsistent(ctx: Context) -> Iterator[Hit]:
    summaries = list(ctx.of_kind(*CLINICAL))
    invoices = list(ctx.of_kind(K.MEDICAL_INVOICE))
    for doc in summaries:
        admitted, discharged = _date(doc, "admission_date"), _date(doc, "discharge_date")
        if admitted and discharged and discharged < admitted:
            yield _hit(
                f"{doc.kind.label}出院日期{discharged}早于入院日期{admitted}",
                (doc, "admission_date"),
                (doc, "discharge_date"),
            )
        stay = doc.value("stay_days")
        if admitted and discharged and isinstance(stay, int) and discharged >= admitted:
            days = max((discharged - admitted).days, 1)
            if stay != days:
                yield _hit(
                    f"{doc.kind.label}住院天数{stay}天与入院{admitted}至出院{discharged}"
                    f"（{days}天）不符",
                    (doc, "stay_days"),
                )
        for invoice in invoices:
            issued = _date(invoice, "issue_date")
            if (
                discharged
                and issued
                and issued < discharged
                and invoice.value("invoice_type") == "inpatient"
            ):
                yield _hit(
                    f"住院收费票据开票日期{issued}早于出院日期{discharged}",
                    (doc, "discharge_date"),
                    (invoice, "issue_date"),
                )
            for inv_field, doc_field, label in (
                ("stay_start", "admission_date", "入院"),
                ("stay_end", "discharge_date", "出院"),
            ):
                on_invoice, on_summary = _date(invoice, inv_field), _date(doc, doc_field)
                if on_invoice and on_summary and on_invoice != on_summary:
                    yield _hit(
                        f"医疗收费票据住院时间的{label}日期{on_invoice}与{doc.kind.label}"
                        f"的{label}日期{on_summary}不一致",
                        (doc, doc_field),
                        (invoice, inv_field),
                    )
    for doc in ctx.documents:
        for name in DATE_FIELDS:
            value = _date(doc, name)
            if value and value > ctx.submitted_on:
                yield _hit(
                    f"{doc.kind.label}的日期{value}晚于收件日期{ctx.submitted_on}", (doc, name)
                )
