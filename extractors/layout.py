"""Line geometry: upright lines, label → value lookup, rows and columns.

Everything works on `Line`, a light copy of an `OcrLine` with its box, its page number and a
normalised text (NFKC: full-width colons and brackets become ASCII, spaces removed).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from models.documents import BBox, Page

_SPACES = re.compile(r"\s+")
COLONS = ":：;"


def norm(text: str) -> str:
    """Normalised text for matching: NFKC, no whitespace, ASCII colon."""
    t = unicodedata.normalize("NFKC", text)
    return _SPACES.sub("", t).replace("﹕", ":")


@dataclass(frozen=True)
class Line:
    text: str  # as read
    n: str  # normalised
    x0: float
    y0: float
    x1: float
    y1: float
    conf: float
    page: int

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def cy(self) -> float:
        return (self.y0 + self.y1) / 2

    @property
    def h(self) -> float:
        return self.y1 - self.y0

    @property
    def w(self) -> float:
        return self.x1 - self.x0

    @property
    def bbox(self) -> BBox:
        return BBox(x0=self.x0, y0=self.y0, x1=self.x1, y1=self.y1)

    def part_bbox(self, start: int, end: int | None = None) -> BBox:
        """Approximate box of n[start:end] (characters spread evenly along the line)."""
        total = max(len(self.n), 1)
        end = total if end is None else end
        fx0 = self.x0 + self.w * start / total
        fx1 = self.x0 + self.w * end / total
        return BBox(x0=fx0, y0=self.y0, x1=max(fx0, fx1), y1=self.y1)


@dataclass
class PageView:
    """A page's lines, uprighted, in reading order, with the page size they live in."""

    number: int
    width: float
    height: float
    lines: list[Line]
    page: Page

    def text(self) -> str:
        return "".join(ln.n for ln in self.lines)


def _vertical_share(page: Page) -> float:
    long = [ln for ln in page.lines if len(ln.text.strip()) >= 3]
    if not long:
        return 0.0
    vertical = 0
    for ln in long:
        b = ln.bbox
        if b.height > 1.8 * b.width:
            vertical += 1
    return vertical / len(long)


def _make(text: str, box: tuple[float, float, float, float], conf: float, page: int) -> Line:
    x0, y0, x1, y1 = box
    return Line(text, norm(text), x0, y0, x1, y1, conf, page)


def view(page: Page) -> PageView:
    """The page's lines in reading order; a page whose text runs vertically (a quarter turn
    left by orientation detection) is turned back geometrically, choosing the direction in
    which page headers sit at the top."""
    w, h = float(page.width), float(page.height)
    raw = [(ln.text, ln.bbox, ln.confidence) for ln in page.lines if ln.text.strip()]
    if _vertical_share(page) > 0.5:
        # candidate A: upright (u, v) = (y, W - x); candidate B: (H - y, x)
        a = [_make(t, (b.y0, w - b.x1, b.y1, w - b.x0), c, page.number) for t, b, c in raw]
        bb = [_make(t, (h - b.y1, b.x0, h - b.y0, b.x1), c, page.number) for t, b, c in raw]
        lines = a if _top_score(a, w) >= _top_score(bb, w) else bb
        width, height = h, w
    else:
        lines = [_make(t, (b.x0, b.y0, b.x1, b.y1), c, page.number) for t, b, c in raw]
        width, height = w, h
    lines.sort(key=lambda ln: (round(ln.cy / max(ln.h, 1.0) / 0.8), ln.x0))
    lines = reading_order(lines)
    return PageView(page.number, width, height, lines, page)


_HEADER_HINTS = ("姓名", "序号", "项目名称", "医院", "清单", "票据", "证明", "记录", "病历")
_FOOTER = re.compile(r"第\d+页")


def _top_score(lines: Sequence[Line], height: float) -> int:
    score = 0
    for ln in lines:
        top = ln.cy < height * 0.5
        if any(k in ln.n for k in _HEADER_HINTS):
            score += 1 if top else -1
        if _FOOTER.search(ln.n):
            score += -2 if top else 2
    return score


def reading_order(lines: Iterable[Line]) -> list[Line]:
    """Group into rows by vertical overlap, rows top to bottom, left to right inside."""
    rows = cluster_rows(list(lines))
    return [ln for row in rows for ln in row]


def cluster_rows(lines: list[Line], overlap: float = 0.5) -> list[list[Line]]:
    rows: list[list[Line]] = []
    for ln in sorted(lines, key=lambda a: a.cy):
        placed = False
        for row in rows[-3:]:
            ref_y0 = sum(r.y0 for r in row) / len(row)
            ref_y1 = sum(r.y1 for r in row) / len(row)
            ov = min(ref_y1, ln.y1) - max(ref_y0, ln.y0)
            if ov > overlap * min(ref_y1 - ref_y0, ln.h):
                row.append(ln)
                placed = True
                break
        if not placed:
            rows.append([ln])
    for row in rows:
        row.sort(key=lambda a: a.x0)
    rows.sort(key=lambda r: sum(a.cy for a in r) / len(r))
    return rows


def same_row(a: Line, b: Line, overlap: float = 0.4) -> bool:
    ov = min(a.y1, b.y1) - max(a.y0, b.y0)
    return ov > overlap * min(a.h, b.h)


@dataclass(frozen=True)
class Hit:
    """A value found next to a label: its text, the lines it came from and its box."""

    text: str
    lines: tuple[Line, ...]
    bbox: BBox
    label_line: Line

    @property
    def conf(self) -> float:
        return min(ln.conf for ln in self.lines)

    @property
    def page(self) -> int:
        return self.lines[0].page


def _label_at(n: str, label: str) -> int:
    """End index of `label` in `n` (exact, or with its first character lost and a colon
    following), -1 if absent."""
    i = n.find(label)
    if i >= 0:
        return i + len(label)
    if len(label) >= 3:
        tail = label[1:]
        j = n.find(tail)
        if j == 0 and len(n) > len(tail) and n[len(tail)] in COLONS:
            return len(tail)
    return -1


def cut_at(text: str, stops: Iterable[str]) -> str:
    """Cut the text at the first stop label it contains (not at position 0)."""
    end = len(text)
    for s in stops:
        if not s:
            continue
        i = text.find(s, 1)
        if 0 < i < end:
            end = i
    return text[:end]


def strip_value(text: str) -> str:
    return text.strip().lstrip(COLONS + "：").strip()


def find_label(lines: Sequence[Line], labels: Sequence[str]) -> list[tuple[Line, int]]:
    """Every (line, end-of-label index) where one of the labels occurs, labels in priority
    order."""
    out: list[tuple[Line, int]] = []
    seen: set[int] = set()
    for label in labels:
        for ln in lines:
            if id(ln) in seen:
                continue
            end = _label_at(ln.n, label)
            if end >= 0:
                out.append((ln, end))
                seen.add(id(ln))
    return out


def value_for(
    lines: Sequence[Line],
    labels: Sequence[str],
    stops: Sequence[str] = (),
    *,
    right: bool = True,
    below: bool = False,
    max_dx: float | None = None,
    accept: re.Pattern[str] | None = None,
) -> Hit | None:
    """The value printed after one of the labels: on the same line after the label, else the
    nearest line to its right on the same row, else (if `below`) the line just below."""
    for ln, end in find_label(lines, labels):
        rest = strip_value(cut_at(ln.n[end:], stops))
        if rest and (fuller := _overlapping_reading(lines, ln, rest, stops)) is not None:
            return Hit(fuller.n, (fuller,), fuller.bbox, ln)
        if rest and (accept is None or accept.search(rest)):
            start = len(ln.n) - len(ln.n[end:].lstrip(COLONS))
            return Hit(rest, (ln,), ln.part_bbox(start), ln)
        if ln.n[end:].strip(COLONS) and accept is None:
            # something else follows the label on its line (another label): no value here
            continue
        if right:
            cands = [
                o
                for o in lines
                if o is not ln
                and o.page == ln.page
                and same_row(ln, o)
                and o.x0 >= ln.x1 - 1.0 * ln.h
                and o.cx > ln.x1
                and (max_dx is None or o.x0 - ln.x1 <= max_dx)
            ]
            cands.sort(key=lambda o: o.x0)
            for o in cands:
                if any(o.n.startswith(s) for s in stops if s):
                    break
                txt = strip_value(cut_at(o.n, stops))
                if txt and (accept is None or accept.search(txt)):
                    return Hit(txt, (o,), o.bbox, ln)
                if accept is None:
                    break
        if below:
            cands = [
                o
                for o in lines
                if o is not ln
                and o.page == ln.page
                and o.y0 >= ln.y1 - 0.3 * ln.h
                and o.y0 - ln.y1 < 2.5 * ln.h
                and min(o.x1, ln.x1 + 4 * ln.h) - max(o.x0, ln.x0 - ln.h) > 0
            ]
            cands.sort(key=lambda o: o.y0)
            if cands:
                o = cands[0]
                txt = strip_value(cut_at(o.n, stops))
                if txt and (accept is None or accept.search(txt)):
                    return Hit(txt, (o,), o.bbox, ln)
    return None


def _overlapping_reading(
    lines: Sequence[Line], label: Line, rest: str, stops: Sequence[str]
) -> Line | None:
    """`住院号：2` with `ZY26862725` boxed over its end: the one or two characters after the
    label are the detector's second box's head read a second time (Z as 2), and that box is
    the value's whole reading."""
    if len(rest) > 2:
        return None
    for o in lines:
        if (
            o is not label
            and o.page == label.page
            and same_row(label, o)
            and o.x0 < label.x1 < o.x1
            and o.x0 > label.x0 + 0.5 * label.w
            and len(o.n) > len(rest) + 2
            and not any(o.n.startswith(s) for s in stops if s)
        ):
            return o
    return None


def union(boxes: Iterable[BBox]) -> BBox | None:
    bs = list(boxes)
    if not bs:
        return None
    return BBox(
        x0=min(b.x0 for b in bs),
        y0=min(b.y0 for b in bs),
        x1=max(b.x1 for b in bs),
        y1=max(b.y1 for b in bs),
    )


def paragraph(
    lines: Sequence[Line], labels: Sequence[str], section_labels: Sequence[str]
) -> Hit | None:
    """A labelled paragraph: text after the label and the lines below it, up to the next
    section label (or a gap)."""
    found = find_label(lines, labels)
    if not found:
        return None
    ln, end = found[0]
    idx = lines.index(ln)
    parts: list[Line] = []
    texts: list[str] = []
    rest = strip_value(ln.n[end:])
    if rest:
        parts.append(ln)
        texts.append(rest)
    text_x = None
    last_y = ln.y1
    for o in lines[idx + 1 :]:
        if o.page != ln.page:
            break
        if same_row(o, ln):
            if o.x0 > ln.x0 and not rest:
                parts.append(o)
                texts.append(o.n)
                text_x = o.x0
            continue
        if any(o.n.startswith(s) for s in section_labels) or o.y0 - last_y > 1.6 * ln.h:
            break
        if text_x is not None and o.x0 < text_x - 2 * ln.h:
            break
        if o.x0 < ln.x0 - ln.h:
            break
        parts.append(o)
        texts.append(o.n)
        last_y = o.y1
    if not parts:
        return None
    box = union(p.bbox for p in parts)
    assert box is not None
    return Hit("".join(texts), tuple(parts), box, ln)
