"""What every rule sees: the item as it applies, the facts, the documents and pages."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field

from models.catalog import MaterialRequirement
from models.catalog_loader import EffectiveItem
from models.documents import Document, Page, Quality
from models.facts import CaseFacts
from models.kinds import DocumentKind
from verifier.checklist import MaterialState, MaterialStatus
from verifier.registry import InvoiceRegistry


@dataclass
class Context:
    submission_id: str
    item: EffectiveItem
    facts: CaseFacts
    documents: list[Document]
    pages: list[Page] = field(default_factory=list)
    submitted_on: dt.date = field(default_factory=dt.date.today)
    # Facts the verifier inferred from the documents, with the reason in Chinese.
    inferred: dict[str, str] = field(default_factory=dict)
    registry: InvoiceRegistry | None = None
    shared_data: bool = False  # honour 「可通过信息共享渠道获取的，无需提供」
    checklist: list[MaterialStatus] = field(default_factory=list)

    def of_kind(self, *kinds: DocumentKind) -> Iterator[Document]:
        return (d for d in self.documents if d.kind in kinds)

    def first(self, kind: DocumentKind) -> Document | None:
        return next(self.of_kind(kind), None)

    def material_for(self, kind: DocumentKind) -> str | None:
        """The id of this item's material that a document of `kind` would satisfy."""
        for material in self.item.materials:
            if material.accepts_kind(kind):
                return material.id
        return None

    def unreadable_stand_in(self) -> tuple[int, MaterialRequirement] | None:
        """The one page too poor to read whose kind could not be told, and the one material
        missing outright: that page is most likely that material (c051's invoice blurred beyond
        reading), and the applicant is told so once, not twice. None when either is not
        exactly one."""
        unknown = [
            p.number
            for p in self.pages
            if p.quality == Quality.UNREADABLE
            and all(d.kind == DocumentKind.OTHER for d in self.documents if p.number in d.pages)
        ]
        missing = [
            s.material
            for s in self.checklist
            if s.state == MaterialState.MISSING and not s.unsatisfied_for
        ]
        if len(unknown) == 1 and len(missing) == 1:
            return unknown[0], missing[0]
        return None
