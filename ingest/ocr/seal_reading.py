"""A second reading of unsure lines under a seal, from the page seen through its red channel.

Seal suppression only fades the pixels that look red, so figures under a dense seal keep red
fringes and are read unsurely (184.28 as 184.23, 1904.83 as 904..83). Seeing a line through
the red channel whitens the seal completely, but also any red-printed label in it; so that
view is used only to re-read lines under a seal the first reading was unsure of, and a
re-reading replaces the first only when it is surer and keeps (nearly) all of its characters.
"""

from __future__ import annotations

import re

import cv2
import numpy as np

from ingest.normalize.seal import Seal, red_free
from ingest.ocr.base import OcrEngine, reading_order
from ingest.pages import Image
from models.documents import BBox, OcrLine

UNSURE = 0.97
"""Lines read at or above this confidence are left as they are."""
_PAD = 0.5
"""Line heights added at each end of a crop read again (a digit left outside the box)."""


def _under(line: OcrLine, seal: Seal) -> bool:
    """The line overlaps the seal's box grown by a fifth: a ring's arc merged into a red table
    rule is cut off the box, and the line it crosses is still under the seal."""
    box = line.bbox
    gx, gy = (seal.x1 - seal.x0) * 0.2, (seal.y1 - seal.y0) * 0.2
    return (
        box.x0 < seal.x1 + gx
        and box.x1 > seal.x0 - gx
        and box.y0 < seal.y1 + gy
        and box.y1 > seal.y0 - gy
    )


def widened(polygon: list[tuple[float, float]], pad: float) -> list[tuple[float, float]]:
    """The line's quadrilateral lengthened by `pad` line heights at each end."""
    pts = np.asarray(polygon, np.float32).reshape(-1, 2)
    width = float(np.linalg.norm(pts[0] - pts[1]))
    height = float(max(np.linalg.norm(pts[0] - pts[3]), np.linalg.norm(pts[1] - pts[2])))
    along = (pts[1] - pts[0]) / max(1e-6, width)
    out = pts + np.asarray([-along, along, along, -along], np.float32) * pad * min(width, height)
    return [(float(x), float(y)) for x, y in out]


def crop_line(image: Image, polygon: list[tuple[float, float]], pad: float = 0.0) -> Image | None:
    """The line's quadrilateral straightened into an upright strip (PaddleOCR's crop), widened
    by `pad` line heights at each end (a digit the detector left out at the edge)."""
    pts = np.asarray(polygon, np.float32).reshape(-1, 2)
    if pts.shape[0] != 4:
        return None
    width = float(max(np.linalg.norm(pts[0] - pts[1]), np.linalg.norm(pts[2] - pts[3])))
    height = float(max(np.linalg.norm(pts[0] - pts[3]), np.linalg.norm(pts[1] - pts[2])))
    if width < 4 or height < 4:
        return None
    extra = pad * min(width, height)
    if extra > 0:
        pts = np.asarray(widened(polygon, pad), np.float32)
        width += 2 * extra
    w, h = round(width), round(height)
    target = np.asarray([[0, 0], [w, 0], [w, h], [0, h]], np.float32)
    matrix = cv2.getPerspectiveTransform(pts, target)
    crop = cv2.warpPerspective(
        image, matrix, (w, h), borderMode=cv2.BORDER_REPLICATE, flags=cv2.INTER_CUBIC
    )
    if h / w >= 1.5:
        crop = np.rot90(crop)
    return np.ascontiguousarray(crop)


def _marks(text: str) -> int:
    return sum(1 for ch in text if ch.isalnum())


def reread_under_seals(
    image: Image, lines: list[OcrLine], seals: list[Seal], engine: OcrEngine
) -> list[OcrLine]:
    """`lines` (in `image` pixels) with unsure lines under a seal re-read where that is surer."""
    targets = [
        i
        for i, ln in enumerate(lines)
        if ln.confidence < UNSURE and any(_under(ln, s) for s in seals)
    ]
    if not targets:
        return lines
    crops: list[Image] = []
    kept: list[int] = []
    for i in targets:
        # the line's own crop seen through the red channel: the seal's outline as found may
        # cut through the line (a ring's arc merged into a red table rule)
        crop = crop_line(image, lines[i].polygon, pad=_PAD)
        if crop is not None:
            crops.append(red_free(crop))
            kept.append(i)
    readings = engine.read_crops(crops)
    if not readings:
        return lines
    out = list(lines)
    for i, (text, confidence) in zip(kept, readings, strict=False):
        first = lines[i]
        text = text.strip()
        # a label that vanished in the red view leaves a shorter text: the first reading stays
        if confidence > first.confidence and len(text) >= len(first.text.strip()) - 1:
            update: dict[str, object] = {"text": text, "confidence": confidence}
            if _marks(text) > _marks(first.text):
                # characters found in the widened crop: the evidence box covers them
                update["polygon"] = widened(first.polygon, _PAD)
            out[i] = first.model_copy(update=update)
    return out


MONEY_RX = re.compile(r"\d{1,9}\.\d{2}")
"""A figure as printed in an amount cell: the only kind of line a seal region adds."""
FIGURE_RX = re.compile(r"[¥￥]?[\d.,:：' ]+")
"""A line holding nothing but a figure (as its first reading may have damaged it)."""
SURE_ADDED = 0.9
"""Confidence from which a line found only in a seal region's view is taken."""
_GROW = 0.3
"""Share of a seal's box added at each side of the region detected again."""
MIN_SEAL_SHARE = 0.1
"""Smallest seal (its shorter side, as a share of the page's) whose region is read again: a
收费专用章 measures 0.12-0.3 of an A4 page's width, the printed 监制 oval at an invoice's head
0.03-0.09, with nothing under it to find (half the seals found, half the cost)."""


def _region(seal: Seal, shape: tuple[int, ...]) -> tuple[int, int, int, int]:
    gx, gy = (seal.x1 - seal.x0) * _GROW, (seal.y1 - seal.y0) * _GROW
    h, w = shape[:2]
    return (
        max(0, int(seal.x0 - gx)),
        max(0, int(seal.y0 - gy)),
        min(w, int(seal.x1 + gx)),
        min(h, int(seal.y1 + gy)),
    )


def _shifted(line: OcrLine, dx: int, dy: int, view: str) -> tuple[OcrLine, str]:
    polygon = [(x + dx, y + dy) for x, y in line.polygon]
    return line.model_copy(update={"polygon": polygon}), view


def _covered(box: BBox, by: BBox) -> float:
    """Share of `box` that `by` covers."""
    w = min(box.x1, by.x1) - max(box.x0, by.x0)
    h = min(box.y1, by.y1) - max(box.y0, by.y0)
    area = max(1e-6, (box.x1 - box.x0) * (box.y1 - box.y0))
    return max(0.0, w) * max(0.0, h) / area


def _with_insertions(short: str, long_: str, most: int = 2) -> bool:
    """`long_` is `short` with one to `most` characters inserted (a character under the seal's
    ring that the first reading lost)."""
    if not 0 < len(long_) - len(short) <= most:
        return False
    it = iter(long_)
    return all(ch in it for ch in short)


def merge_region_lines(lines: list[OcrLine], found: list[tuple[OcrLine, str]]) -> list[OcrLine]:
    """`lines` with what a seal region's second detection `found` (page pixels, each with the
    view it came from: "red_free" or "suppressed") adds or puts right:

    - a figure (1904.83) where the first reading has no line, read surely: the detector may
      miss a figure beside a seal's ring on the whole page and find it in the region;
    - a first reading of a figure replaced by a surer reading of the same box with no fewer
      digits (184.25 → 184.28);
    - a first reading of text that lost one or two characters under the ring (州市东海人民医院)
      replaced by the red-channel view's reading of it with the characters in place, read at
      0.97 or more: only that view, where the seal's own ink is white, so a character added is
      black ink.
    """
    out = list(lines)
    for new, view in found:
        text = new.text.strip()
        if not text or new.confidence < SURE_ADDED:
            continue
        overlaps = [i for i, o in enumerate(out) if _covered(new.bbox, o.bbox) > 0.3]
        is_money = MONEY_RX.fullmatch(text) is not None
        if not overlaps:
            if is_money:
                out.append(new.model_copy(update={"text": text}))
            continue
        if len(overlaps) != 1:
            continue
        i = overlaps[0]
        first = out[i]
        old = first.text.strip()
        if is_money:
            # a figure's own line read again: replaced only by a surer reading, never shorter
            if (
                FIGURE_RX.fullmatch(old)
                and new.confidence > first.confidence
                and new.confidence >= UNSURE
                and _marks(text) >= _marks(old)
            ):
                out[i] = first.model_copy(update={"text": text, "confidence": new.confidence})
            continue
        if view == "red_free" and new.confidence >= UNSURE and _with_insertions(old, text):
            # at 0.92-0.94 the red view "restored" a wrong character (结奇医院, 刺桐姆幼)
            out[i] = first.model_copy(
                update={
                    "text": text,
                    "confidence": min(first.confidence, new.confidence),
                    "polygon": new.polygon,
                }
            )
    return out


def read_seal_regions(
    image: Image,
    suppressed: Image,
    lines: list[OcrLine],
    seals: list[Seal],
    engine: OcrEngine,
) -> list[OcrLine]:
    """Each seal's region detected and read again on its own, seen through the red channel and
    with the seal faded: a figure beside the ring and a name's character under it, which the
    whole page's detection missed, are found there (see `merge_region_lines`)."""
    found: list[tuple[OcrLine, str]] = []
    side = min(image.shape[:2])
    for seal in seals:
        if min(seal.x1 - seal.x0, seal.y1 - seal.y0) < MIN_SEAL_SHARE * side:
            continue
        x0, y0, x1, y1 = _region(seal, image.shape)
        if x1 - x0 < 16 or y1 - y0 < 16:
            continue
        for view, crop in (
            ("red_free", red_free(image[y0:y1, x0:x1])),
            ("suppressed", suppressed[y0:y1, x0:x1]),
        ):
            out = engine.recognize(np.ascontiguousarray(crop))
            found.extend(_shifted(ln, x0, y0, view) for ln in out.lines)
    return reading_order(merge_region_lines(lines, found)) if found else lines
