"""Run the checklist and every rule over a submission's documents and decide."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from models.catalog_loader import EffectiveItem
from models.documents import Decision, Document, Finding, Page, Severity
from models.facts import CaseFacts
from models.kinds import DocumentKind
from verifier import rules
from verifier.checklist import MaterialStatus, evaluate
from verifier.context import Context
from verifier.deadline import Deadline, due_date
from verifier.decision import decide
from verifier.inference import infer
from verifier.registry import InvoiceRegistry

_SEVERITY_ORDER = {Severity.REJECT: 0, Severity.BLOCKING: 1, Severity.WARNING: 2}


@dataclass
class VerificationResult:
    submission_id: str
    item: EffectiveItem
    facts: CaseFacts
    inferred: dict[str, str]
    checklist: list[MaterialStatus]
    findings: list[Finding]
    decision: Decision
    submitted_on: dt.date
    deadline: Deadline | None = None
    documents: list[Document] = field(default_factory=list)

    @property
    def to_correct(self) -> list[Finding]:
        """What the applicant must supply or correct: the notice's list."""
        return [f for f in self.findings if f.severity != Severity.WARNING]


def verify(
    item: EffectiveItem,
    documents: list[Document],
    *,
    pages: list[Page] | None = None,
    facts: CaseFacts | None = None,
    submission_id: str = "local",
    submitted_on: dt.date | None = None,
    registry: InvoiceRegistry | None = None,
    shared_data: bool = False,
) -> VerificationResult:
    given = facts or CaseFacts()
    received = submitted_on or given.submitted_on or dt.date.today()
    merged, inferred = infer(item.facts(given), documents)
    ctx = Context(
        submission_id=submission_id,
        item=item,
        facts=merged,
        documents=documents,
        pages=pages or [],
        submitted_on=received,
        inferred=inferred,
        registry=registry,
        shared_data=shared_data,
    )
    ctx.checklist = evaluate(item, merged, documents, shared_data=shared_data)
    findings = [f for r in rules.all_rules() for f in r.run(ctx)]
    findings.sort(key=lambda f: (_SEVERITY_ORDER[f.severity], f.code))
    limit = item.time_limit.for_facts(merged)
    deadline = due_date(received, limit) if limit is not None else None
    decision = decide(findings, deadline.date if deadline else None)
    if registry is not None:
        for invoice in ctx.of_kind(DocumentKind.MEDICAL_INVOICE):
            code, number = invoice.value("invoice_code"), invoice.value("invoice_number")
            if isinstance(number, str) and number:
                registry.record(code if isinstance(code, str) else "", number, submission_id)
    return VerificationResult(
        submission_id=submission_id,
        item=item,
        facts=merged,
        inferred=inferred,
        checklist=ctx.checklist,
        findings=findings,
        decision=decision,
        submitted_on=received,
        deadline=deadline,
        documents=documents,
    )
