"""Titles of named forms, attestations and supporting documents, from the catalog."""

from __future__ import annotations

from functools import cache

from extractors.layout import norm
from models.kinds import TITLED_KINDS, DocumentKind

# Titles the catalog may not spell out but applicants send (kept small; the catalog wins).
EXTRA_TITLES: dict[str, DocumentKind] = {
    "费用报销申请表": DocumentKind.APPLICATION_FORM,
    "个人承诺书": DocumentKind.COMMITMENT_LETTER,
    "承诺书": DocumentKind.COMMITMENT_LETTER,
    "情况说明": DocumentKind.SUPPORTING_DOCUMENT,
}


@cache
def catalog_titles() -> dict[str, tuple[DocumentKind, str]]:
    """normalised title or alias → (kind, the catalog's title)."""
    out: dict[str, tuple[DocumentKind, str]] = {norm(t): (k, t) for t, k in EXTRA_TITLES.items()}
    try:
        from models.catalog_loader import Catalog

        catalog = Catalog.load()
        keys = list(catalog.items)
        regions = [None, *catalog.regions]
        for region in regions:
            for key in keys:
                try:
                    eff = catalog.effective(key, region)
                except KeyError:
                    continue
                for material in eff.materials:
                    stack = list(material.accepts)
                    while stack:
                        a = stack.pop()
                        stack.extend(a.together_with)
                        if a.kind in TITLED_KINDS and a.title:
                            for t in [a.title, *a.aliases]:
                                out.setdefault(norm(t), (a.kind, a.title))
    except Exception:
        pass
    return out


def match_title(text: str) -> tuple[DocumentKind, str] | None:
    """The catalog title a read title matches: exact, contained, or one OCR slip away."""
    t = norm(text).strip("《》<>")
    if len(t) < 3:
        return None
    titles = catalog_titles()
    if t in titles:
        return titles[t]
    best: tuple[int, tuple[DocumentKind, str]] | None = None
    for key, val in titles.items():
        if len(key) >= 4 and key in t and (best is None or len(key) > best[0]):
            best = (len(key), val)
    if best is not None:
        return best[1]
    for key, val in titles.items():
        if len(key) >= 5 and abs(len(key) - len(t)) <= 1 and _one_slip(key, t):
            return val
    return None


def _one_slip(a: str, b: str) -> bool:
    """At most one substitution, insertion or deletion apart."""
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) <= 1
    if len(a) > len(b):
        a, b = b, a
    return any(b[:i] + b[i + 1 :] == a for i in range(len(b)))
