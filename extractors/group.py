"""Grouping classified pages into logical documents."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from extractors.classify import PageClass
from extractors.layout import PageView
from models.kinds import DocumentKind as K

_PAGE_OF = re.compile(r"第(\d+)页(?:/|,)?共(\d+)页")
# Cards photographed or copied one side per page.
CARDS = frozenset({K.ID_CARD, K.RESIDENCE_PERMIT, K.HK_MACAO_TAIWAN_RESIDENCE_PERMIT})
_RECORD = re.compile(r"(?:住院号|门诊号)[:：]?([A-Za-z]*\d{4,})")


@dataclass
class Group:
    kind: K
    views: list[PageView] = field(default_factory=list)
    classes: list[PageClass] = field(default_factory=list)

    @property
    def title(self) -> str | None:
        return next((pc.title for pc in self.classes if pc.title), None)

    @property
    def confidence(self) -> float:
        return min(pc.confidence for pc in self.classes) if self.classes else 0.0


def page_of(v: PageView) -> tuple[int, int] | None:
    for ln in reversed(v.lines):
        m = _PAGE_OF.search(ln.n)
        if m:
            return int(m.group(1)), int(m.group(2))
    return None


def record_number(v: PageView) -> str | None:
    m = _RECORD.search(v.text())
    return m.group(1) if m else None


def _continues(prev: Group, v: PageView, pc: PageClass) -> bool:
    """Does this page continue the previous document?"""
    last = prev.views[-1]
    if last.number + 1 != v.number:
        return False
    if prev.kind == pc.kind and pc.kind in CARDS:
        a = prev.classes[-1]
        # a front-only page followed by a back-only page (or the reverse): one card; a page
        # showing both sides (or neither recognisably) is a card of its own, perhaps another
        # person's
        halves = {(a.id_front, a.id_back), (pc.id_front, pc.id_back)}
        return len(prev.views) == 1 and halves == {(True, False), (False, True)}
    this = page_of(v)
    before = page_of(last)
    if this is not None and before is not None:
        n, m = this
        pn, pm = before
        if n == pn + 1 and m == pm and (pc.kind in (prev.kind, K.OTHER)):
            return True
        if n == 1:
            return False
    if pc.kind == prev.kind == K.EXPENSE_LIST:
        rec_a, rec_b = record_number(last), record_number(v)
        if rec_a is not None and rec_a == rec_b:
            return True
        if rec_b is None and this is not None and this[0] > 1:
            return True
    return False


def group_pages(views: list[PageView], classes: list[PageClass]) -> list[Group]:
    groups: list[Group] = []
    for v, pc in zip(views, classes, strict=True):
        if groups and _continues(groups[-1], v, pc):
            groups[-1].views.append(v)
            groups[-1].classes.append(pc)
            continue
        groups.append(Group(pc.kind, [v], [pc]))
    return groups
