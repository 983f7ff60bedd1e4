"""Money: the invoice against its expense list, 大写 against 小写, line items, payment split."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from extractors.normalize.money import MoneyParseError, parse_upper
from models.documents import Document, FindingEvidence, Severity
from models.kinds import DocumentKind as K
from verifier.checklist import pair_invoices
from verifier.context import Context
from verifier.rules.base import Hit, evidence, rule

CENT = Decimal("0.01")
# Main items whose invoices must not have been settled through the fund at the hospital:
# 零星报销 (六) and 生育 (七) pay what the hospital did not settle.
SETTLEMENT_ITEMS = frozenset({"00203600600Y", "00203600700Y"})


def money(value: Any) -> Decimal | None:
    if isinstance(value, Decimal):
        return value
    if isinstance(value, (int, str)):
        try:
            return Decimal(value)
        except InvalidOperation:
            return None
    return None


@rule(
    "AMOUNT_MISMATCH",
    Severity.BLOCKING,
    "医疗收费票据金额合计{invoice_total}元与费用清单总计{list_total}元不一致（相差{diff}元）",
    concerns=K.EXPENSE_LIST,
)
def amount_mismatch(ctx: Context) -> Iterator[Hit]:
    for invoice, expense_list in pair_invoices(ctx.documents):
        a, b = money(invoice.value("total")), money(expense_list.value("total"))
        if a is not None and b is not None and a != b:
            yield Hit(
                values={
                    "invoice_total": f"{a:.2f}",
                    "list_total": f"{b:.2f}",
                    "diff": f"{abs(a - b):.2f}",
                },
                evidence=[evidence(invoice, "total"), evidence(expense_list, "total")],
            )


@rule(
    "AMOUNT_WORDS_MISMATCH",
    Severity.BLOCKING,
    "医疗收费票据大写金额“{words}”（{words_value}元）与小写金额{figures}元不一致",
    concerns=K.MEDICAL_INVOICE,
)
def amount_words_mismatch(ctx: Context) -> Iterator[Hit]:
    for invoice in ctx.of_kind(K.MEDICAL_INVOICE):
        words, figures = invoice.value("total_words"), money(invoice.value("total"))
        if not isinstance(words, str) or figures is None:
            continue
        try:
            words_value = parse_upper(words)
        except MoneyParseError:
            continue  # unreadable words are FIELD_UNREADABLE's business
        if words_value != figures:
            yield Hit(
                values={
                    "words": words,
                    "words_value": f"{words_value:.2f}",
                    "figures": f"{figures:.2f}",
                },
                evidence=[evidence(invoice, "total_words"), evidence(invoice, "total")],
            )


@rule("LINE_ITEMS_SUM_MISMATCH", Severity.BLOCKING, "{what}", concerns=K.EXPENSE_LIST)
def line_items_sum_mismatch(ctx: Context) -> Iterator[Hit]:
    for doc in ctx.of_kind(K.EXPENSE_LIST):
        yield from _expense_list_sums(doc)
    for invoice in ctx.of_kind(K.MEDICAL_INVOICE):
        categories = invoice.value("category_amounts")
        total = money(invoice.value("total"))
        if isinstance(categories, dict) and categories and total is not None:
            amounts = [money(v) for v in categories.values()]
            if None not in amounts:
                summed = sum((a for a in amounts if a is not None), Decimal(0))
                if summed != total:
                    yield Hit(
                        values={
                            "what": f"医疗收费票据各项目金额之和{summed:.2f}元与金额合计"
                            f"{total:.2f}元不一致"
                        },
                        evidence=[
                            evidence(invoice, "category_amounts", f"{summed:.2f}"),
                            evidence(invoice, "total"),
                        ],
                        concerns=K.MEDICAL_INVOICE,
                    )


def _expense_list_sums(doc: Document) -> Iterator[Hit]:
    rows = doc.value("items")
    if not isinstance(rows, list) or not rows:
        return
    by_category: dict[str, Decimal] = {}
    row_total = Decimal(0)
    line_hits: list[Hit] = []
    for n, row in enumerate(rows, 1):
        if not isinstance(row, dict):
            continue
        quantity, price, amount = (money(row.get(k)) for k in ("quantity", "unit_price", "amount"))
        if amount is None:
            continue
        row_total += amount
        category = str(row.get("category") or "")
        by_category[category] = by_category.get(category, Decimal(0)) + amount
        if quantity is not None and price is not None:
            expected = (quantity * price).quantize(CENT, ROUND_HALF_UP)
            if abs(expected - amount) > CENT:
                line_hits.append(
                    Hit(
                        values={
                            "what": f"费用清单第{n}行“{row.get('name', '')}”数量×单价="
                            f"{expected:.2f}元，与金额{amount:.2f}元不符"
                        },
                        evidence=[
                            FindingEvidence(
                                document_id=doc.id,
                                kind=doc.kind,
                                field=f"items[{n - 1}]",
                                value=f"{amount:.2f}",
                                page=_row_page(doc, row),
                            )
                        ],
                    )
                )
    sum_hits: list[Hit] = []
    checked = 0
    subtotals = doc.value("subtotals")
    if isinstance(subtotals, dict):
        for category, value in subtotals.items():
            stated = money(value)
            summed = by_category.get(str(category))
            if stated is None or summed is None:
                continue
            checked += 1
            if stated != summed:
                sum_hits.append(
                    Hit(
                        values={
                            "what": f"费用清单“{category}”小计{stated:.2f}元与明细合计"
                            f"{summed:.2f}元不一致"
                        },
                        evidence=[evidence(doc, "subtotals", f"{category}: {stated:.2f}")],
                    )
                )
    total = money(doc.value("total"))
    if total is not None:
        checked += 1
        if total != row_total:
            sum_hits.append(
                Hit(
                    values={
                        "what": f"费用清单总计{total:.2f}元与明细金额之和{row_total:.2f}元不一致"
                    },
                    evidence=[evidence(doc, "total"), evidence(doc, "items", f"{row_total:.2f}")],
                )
            )
    # A hospital system prints amount = quantity × price. When the amounts add up to every
    # subtotal and the total, a line that does not multiply out was misread in its quantity
    # or price (6 for 9): the reviewer looks at it, the applicant is not asked to correct it.
    confirmed = checked > 0 and not sum_hits
    # Fewer rows read than the list says it has (合计：68项): the sums were taken over an
    # incomplete reading, so they are for the reviewer to check, not the applicant to correct.
    # (A row whose amount the extractor left unreadable stays in the sums' doubt: it is one
    # the list itself does not confirm, e.g. an amount printed wrong.)
    stated_rows = doc.value("item_count")
    incomplete = isinstance(stated_rows, int) and len(rows) < stated_rows
    for hit in line_hits:
        yield replace(hit, severity=Severity.WARNING) if confirmed or incomplete else hit
    for hit in sum_hits:
        if incomplete:
            what = f"{hit.values['what']}（清单共{stated_rows}项，仅识别出{len(rows)}项）"
            yield replace(hit, values={"what": what}, severity=Severity.WARNING)
        else:
            yield hit


def _row_page(doc: Document, row: dict[str, Any]) -> int:
    page = row.get("page")
    return page if isinstance(page, int) else doc.pages[0]


@rule(
    "PAYMENT_BREAKDOWN_MISMATCH",
    Severity.BLOCKING,
    "医疗收费票据医保统筹基金支付{fund}元＋其他支付{other}元＋个人账户支付{account}元＋"
    "个人现金支付{cash}元＝{summed}元，与金额合计{total}元不一致",
    concerns=K.MEDICAL_INVOICE,
)
def payment_breakdown_mismatch(ctx: Context) -> Iterator[Hit]:
    for invoice in ctx.of_kind(K.MEDICAL_INVOICE):
        total = money(invoice.value("total"))
        parts = {
            k: money(invoice.value(k))
            for k in ("fund_payment", "other_payment", "account_payment", "cash_payment")
        }
        # Needs the split to be printed: at least the fund and cash parts.
        if total is None or parts["fund_payment"] is None or parts["cash_payment"] is None:
            continue
        values = {k: v or Decimal(0) for k, v in parts.items()}
        summed = sum(values.values(), Decimal(0))
        if summed != total:
            yield Hit(
                values={
                    "fund": f"{values['fund_payment']:.2f}",
                    "other": f"{values['other_payment']:.2f}",
                    "account": f"{values['account_payment']:.2f}",
                    "cash": f"{values['cash_payment']:.2f}",
                    "summed": f"{summed:.2f}",
                    "total": f"{total:.2f}",
                },
                evidence=[evidence(invoice, k) for k in (*parts, "total")],
            )


@rule(
    "ALREADY_SETTLED",
    Severity.REJECT,
    "票据{number}已在医疗机构通过医保统筹基金结算{fund}元，不属于零星（手工）报销范围",
    concerns=K.MEDICAL_INVOICE,
)
def already_settled(ctx: Context) -> Iterator[Hit]:
    if ctx.item.item.main not in SETTLEMENT_ITEMS:
        return
    for invoice in ctx.of_kind(K.MEDICAL_INVOICE):
        fund = money(invoice.value("fund_payment"))
        implied = _implied_fund(invoice) if fund is None else None
        if fund is None and implied:
            fund = implied
        if fund is not None and fund > 0:
            # the 统筹 figure itself was not read but implied by 合计 less the other parts: a
            # reviewer confirms before anything is refused — unless what was read of it (digits
            # under a seal, a lost decimal point) is the implied figure's own ending
            doubtful = (implied is not None and not _partly_read(invoice, implied)) or (
                implied is None and (_unbalanced(invoice) or not _sure(invoice))
            )
            yield Hit(
                values={"number": invoice.value("invoice_number") or "", "fund": f"{fund:.2f}"},
                evidence=[evidence(invoice, "fund_payment", f"{fund:.2f}")],
                severity=Severity.WARNING if doubtful else None,
            )
        elif fund is None and implied is None and (partial := _nonzero_reading(invoice)):
            # nothing to imply it from (when the other figures leave 0.00, the digits are
            # seal strokes), but digits were read in the 统筹 cell: some fund payment may be
            # printed there, for a reviewer to read off the original
            yield Hit(
                values={
                    "number": invoice.value("invoice_number") or "",
                    "fund": f"（票面识别为“{partial}”）",
                },
                evidence=[evidence(invoice, "fund_payment", partial)],
                severity=Severity.WARNING,
            )


def _nonzero_reading(invoice: Document) -> str | None:
    """The unreadable 统筹 field's raw text when it holds at least three digits, not all 0."""
    f = invoice.fields.get("fund_payment")
    if f is None or f.readable:
        return None
    digits = re.sub(r"\D", "", f.raw)
    return f.raw.strip() if len(digits) >= 3 and digits.strip("0") else None


SURE_FUND = 0.97
"""Confidence of a 统筹 figure from which it alone refuses a claim (a breakdown that adds up
raises every figure to at least this)."""


def _sure(invoice: Document) -> bool:
    f = invoice.fields.get("fund_payment")
    return f is not None and f.confidence >= SURE_FUND


def _unbalanced(invoice: Document) -> bool:
    """统筹+其他+账户+现金 read in full and not equal to 合计: one of them is wrong, perhaps
    the 统筹 figure itself, so it alone does not refuse the claim."""
    total = money(invoice.value("total"))
    parts = [
        money(invoice.value(k))
        for k in ("fund_payment", "other_payment", "account_payment", "cash_payment")
    ]
    if total is None or any(p is None for p in parts):
        return False
    return sum((p for p in parts if p is not None), Decimal(0)) != total


def _partly_read(invoice: Document, implied: Decimal) -> bool:
    """Whether the unreadable 统筹 field's raw text is the ending of `implied`, cents at least
    (85.28 half under a seal read as '28' or '5.28', or '8528' with its point lost): the reading
    and the arithmetic agree, a 1-in-100 coincidence otherwise."""
    f = invoice.fields.get("fund_payment")
    digits = re.sub(r"\D", "", f.raw) if f is not None else ""
    return len(digits) >= 2 and f"{implied:.2f}".replace(".", "").endswith(digits)


def _implied_fund(invoice: Document) -> Decimal | None:
    """合计 less 其他支付, 个人账户支付 and 个人现金支付, when all of those were read."""
    total = money(invoice.value("total"))
    parts = [money(invoice.value(k)) for k in ("other_payment", "account_payment", "cash_payment")]
    if total is None or any(p is None for p in parts):
        return None
    return total - sum((p for p in parts if p is not None), Decimal(0))
