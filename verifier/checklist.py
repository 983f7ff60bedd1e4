"""Checklist completeness: for every material of the item, is it needed, and what satisfies it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum

from models.catalog import Acceptable, MaterialRequirement
from models.catalog_loader import EffectiveItem
from models.documents import Document
from models.facts import CaseFacts
from models.kinds import TITLED_KINDS, DocumentKind


class MaterialState(StrEnum):
    SATISFIED = "satisfied"
    MISSING = "missing"
    NOT_APPLICABLE = "not_applicable"  # its condition does not hold for this case
    UNDETERMINED = "undetermined"  # depends on a fact nobody gave or could infer
    EXEMPT = "exempt"  # obtainable through information sharing
    ON_REQUEST = "on_request"  # the office may ask for it; never missing

    @property
    def label(self) -> str:
        return {
            "satisfied": "已提供",
            "missing": "缺少",
            "not_applicable": "不适用",
            "undetermined": "视情况",
            "exempt": "可共享获取，免提供",
            "on_request": "必要时提供",
        }[self.value]


@dataclass
class MaterialStatus:
    material: MaterialRequirement
    state: MaterialState
    documents: list[str] = field(default_factory=list)  # ids of the documents that satisfy it
    needed: int = 1  # how many documents are needed (one per invoice)
    provided: int = 0
    unsatisfied_for: list[str] = field(default_factory=list)  # invoice ids lacking their list


def _norm_title(text: str) -> str:
    return re.sub(r"[《》〈〉\s（）()：:]", "", text)


def title_matches(alternative: Acceptable, title: str | None) -> bool:
    if alternative.kind not in TITLED_KINDS:
        return True
    if not title:
        return False
    seen = _norm_title(title)
    wanted = [_norm_title(t) for t in [alternative.title or "", *alternative.aliases] if t]
    return any(w and (w in seen or seen in w) for w in wanted)


def satisfying_documents(
    alternative: Acceptable, documents: list[Document], facts: CaseFacts
) -> list[Document] | None:
    """The documents that make up this alternative, or None when it is not there."""
    if alternative.accepted(facts) is False:
        return None
    main = [
        d for d in documents if d.kind == alternative.kind and title_matches(alternative, d.title)
    ]
    if not main:
        return None
    companions: list[Document] = []
    for companion in alternative.together_with:
        found = satisfying_documents(companion, documents, facts)
        if found is None:
            return None
        companions.extend(found)
    return main + companions


def evaluate(
    item: EffectiveItem, facts: CaseFacts, documents: list[Document], shared_data: bool = False
) -> list[MaterialStatus]:
    invoices = [d for d in documents if d.kind == DocumentKind.MEDICAL_INVOICE]
    statuses = []
    for material in item.materials:
        applies = material.applies(facts)
        matched: list[Document] = []
        for alternative in material.accepts:
            found = satisfying_documents(alternative, documents, facts)
            if found:
                matched.extend(d for d in found if d not in matched)
        status = MaterialStatus(material, MaterialState.SATISFIED, [d.id for d in matched])
        status.provided = len(matched)
        if material.per_invoice and invoices:
            status.needed = len(invoices)
            status.unsatisfied_for = unpaired_invoices(invoices, matched)
        if material.level == "on_request" and not matched:
            status.state = MaterialState.ON_REQUEST
        elif applies is False:
            status.state = MaterialState.NOT_APPLICABLE
        elif matched and not status.unsatisfied_for:
            status.state = MaterialState.SATISFIED
        elif material.exempt_if_shared and (shared_data or facts.shared_data_available):
            status.state = MaterialState.EXEMPT
        elif applies is None:
            status.state = MaterialState.UNDETERMINED
        else:
            status.state = MaterialState.MISSING
        statuses.append(status)
    return statuses


def unpaired_invoices(invoices: list[Document], lists: list[Document]) -> list[str]:
    """Invoices without their expense list (paired by 住院号/门诊号, then total, then order)."""
    remaining = list(lists)
    unpaired: list[str] = []
    for invoice in invoices:
        partner = _partner(invoice, remaining)
        if partner is None:
            unpaired.append(invoice.id)
        else:
            remaining.remove(partner)
    return unpaired


def _partner(invoice: Document, lists: list[Document]) -> Document | None:
    for key in ("inpatient_number", "outpatient_number"):
        number = invoice.value(key)
        if number:
            for candidate in lists:
                if candidate.value(key) == number:
                    return candidate
    total = invoice.value("total")
    for candidate in lists:
        if total is not None and candidate.value("total") == total:
            return candidate
    # Unidentified lists pair in order: better a pairing the amount rule can check than none.
    unidentified = [
        c for c in lists if not any(c.value(k) for k in ("inpatient_number", "outpatient_number"))
    ]
    return unidentified[0] if unidentified else (lists[0] if lists else None)


def pair_invoices(documents: list[Document]) -> list[tuple[Document, Document]]:
    """Each invoice with the expense list that goes with it."""
    invoices = [d for d in documents if d.kind == DocumentKind.MEDICAL_INVOICE]
    remaining = [d for d in documents if d.kind == DocumentKind.EXPENSE_LIST]
    pairs = []
    for invoice in invoices:
        partner = _partner(invoice, remaining)
        if partner is not None:
            pairs.append((invoice, partner))
            remaining.remove(partner)
    return pairs
