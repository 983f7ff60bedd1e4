"""The rule registry: each rule has a stable code, a severity, the kind of document (and so
the checklist material) it concerns, a Chinese message template and a check function."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from models.documents import Document, Finding, FindingEvidence, Severity
from models.kinds import DocumentKind
from verifier.context import Context


@dataclass(frozen=True)
class Hit:
    """One violation found by a rule: the values for its message and the evidence."""

    values: dict[str, Any] = field(default_factory=dict)
    evidence: list[FindingEvidence] = field(default_factory=list)
    severity: Severity | None = None  # overrides the rule's default for this hit
    concerns: DocumentKind | None = None  # overrides the rule's default kind
    material: str | None = None  # the checklist material, when the rule knows it directly


Check = Callable[[Context], Iterable[Hit]]


@dataclass(frozen=True)
class Rule:
    code: str
    severity: Severity
    concerns: DocumentKind | None
    message: str  # str.format template over Hit.values
    check: Check

    def run(self, ctx: Context) -> list[Finding]:
        findings = []
        for hit in self.check(ctx):
            kind = hit.concerns or self.concerns
            findings.append(
                Finding(
                    code=self.code,
                    severity=hit.severity or self.severity,
                    message=self.message.format(**hit.values),
                    material=hit.material or (ctx.material_for(kind) if kind else None),
                    evidence=hit.evidence,
                )
            )
        return findings


RULES: dict[str, Rule] = {}


def rule(
    code: str, severity: Severity, message: str, concerns: DocumentKind | None = None
) -> Callable[[Check], Check]:
    """Register a check function as the rule `code`."""

    def register(check: Check) -> Check:
        if code in RULES:
            raise ValueError(f"rule {code} registered twice")
        RULES[code] = Rule(code, severity, concerns, message, check)
        return check

    return register


def all_rules() -> list[Rule]:
    return list(RULES.values())


def evidence(doc: Document, field_name: str, value: Any = None) -> FindingEvidence:
    """Evidence for a field of a document: where it was read and what it said."""
    f = doc.fields.get(field_name)
    shown = value if value is not None else (f.value if f is not None else None)
    return FindingEvidence(
        document_id=doc.id,
        kind=doc.kind,
        field=field_name,
        value=None if shown is None else str(shown),
        page=f.page if f is not None and f.page else doc.pages[0],
        bbox=f.bbox if f is not None else None,
    )
