"""From findings to 受理 / 一次性告知补正 / 退回 / 人工审核."""

from __future__ import annotations

import datetime as dt

from models.documents import Decision, DecisionOutcome, Finding, Severity

# Warnings that mean the machine is not sure of something a decision rests on.
REVIEW_CODES = frozenset(
    {
        "FIELD_UNREADABLE",
        "NAME_MISMATCH",
        "ID_NUMBER_MISMATCH",
        "HOSPITAL_MISMATCH",
        "DUPLICATE_INVOICE",
        "ALREADY_SETTLED",  # implied from the other payment figures, not read itself
    }
)


def decide(findings: list[Finding], deadline: dt.date | None = None) -> Decision:
    now = dt.datetime.now(dt.UTC)
    rejects = [f for f in findings if f.severity == Severity.REJECT]
    blocking = [f for f in findings if f.severity == Severity.BLOCKING]
    unsure = [f for f in findings if f.severity == Severity.WARNING and f.code in REVIEW_CODES]
    if rejects:
        outcome, reasons = DecisionOutcome.REJECT, rejects
    elif blocking:
        outcome, reasons = DecisionOutcome.CORRECT, blocking
    elif unsure:
        outcome, reasons = DecisionOutcome.REVIEW, unsure
    else:
        outcome, reasons = DecisionOutcome.ACCEPT, []
    return Decision(
        outcome=outcome,
        reasons=[f.message for f in reasons],
        decided_at=now,
        deadline=deadline,
    )
