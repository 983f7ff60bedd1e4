"""The same invoice (票据代码 + 号码) claimed before, or twice in one submission."""

from __future__ import annotations

from collections.abc import Iterator

from models.documents import Severity
from models.kinds import DocumentKind as K
from verifier.context import Context
from verifier.rules.base import Hit, evidence, rule


def invoice_key(code: object, number: object) -> tuple[str, str] | None:
    if isinstance(number, str) and number:
        return (code if isinstance(code, str) else "", number)
    return None


@rule(
    "DUPLICATE_INVOICE",
    # A reviewer decides: the earlier claim may have been withdrawn or refused.
    Severity.WARNING,
    "票据（代码{code}，号码{number}）{where}，不能重复报销",
    concerns=K.MEDICAL_INVOICE,
)
def duplicate_invoice(ctx: Context) -> Iterator[Hit]:
    seen: set[tuple[str, str]] = set()
    for invoice in ctx.of_kind(K.MEDICAL_INVOICE):
        key = invoice_key(invoice.value("invoice_code"), invoice.value("invoice_number"))
        if key is None:
            continue
        proof = [evidence(invoice, "invoice_code"), evidence(invoice, "invoice_number")]
        if key in seen:
            # Most often the same sheet scanned twice: the reviewer removes the copy.
            yield Hit(
                values={"code": key[0], "number": key[1], "where": "在本次申请中重复提交"},
                evidence=proof,
                severity=Severity.WARNING,
            )
            continue
        seen.add(key)
        earlier = ctx.registry.earlier(*key, ctx.submission_id) if ctx.registry else None
        if earlier is not None:
            yield Hit(
                values={
                    "code": key[0],
                    "number": key[1],
                    "where": f"已于{earlier.seen_at:%Y年%m月%d日}在申请{earlier.submission_id}"
                    "中提交",
                },
                evidence=proof,
            )
