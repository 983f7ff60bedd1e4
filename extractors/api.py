"""`extract(pages) -> documents`: classify, group, extract."""

from __future__ import annotations

from extractors.classify import classify_page
from extractors.group import group_pages
from extractors.kinds import extract_fields
from extractors.layout import view
from extractors.reconcile import complete_cut_payees, strip_card_label_remnants
from models.documents import Document, Page
from models.kinds import TITLED_KINDS


def extract(pages: list[Page]) -> list[Document]:
    """Logical documents found in the pages (submission order, 1-based page numbers)."""
    ordered = sorted(pages, key=lambda p: p.number)
    views = [view(p) for p in ordered]
    classes = [classify_page(v) for v in views]
    docs: list[Document] = []
    for i, g in enumerate(group_pages(views, classes), start=1):
        title = g.title if g.kind in TITLED_KINDS else None
        fields = extract_fields(g.kind, g.views, title)
        docs.append(
            Document(
                id=f"d{i}",
                kind=g.kind,
                confidence=g.confidence,
                pages=[v.number for v in g.views],
                title=title,
                fields=fields,
            )
        )
    return strip_card_label_remnants(complete_cut_payees(docs))
