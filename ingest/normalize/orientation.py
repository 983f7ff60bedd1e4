"""Page orientation (text lines horizontal or vertical) and skew.

Two sources of evidence, cheapest first:

- projection profiles of an ink mask (rules, specks and filled blocks removed): fast, and right
  on ordinary text pages, but easily misled on sparse pages where a card, a photo, a fold or a
  photocopy edge holds most of the ink;
- the text detector's boxes (`TextBoxes`, e.g. RapidOCR's det model on a reduced copy): printed
  text lines are much wider than tall when upright, whatever else is on the page. Asked for only
  when the profiles turn the page or are unsure, so upright text pages pay nothing extra.

Telling 0° from 180° needs a text model: the OCR engine reports it (see `OcrOutput.upside_down`)
and the pipeline turns the page then.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

import cv2
import numpy as np
from numpy.typing import NDArray

from ingest.normalize._common import Gray, as_page, downscale, ink_mask, to_gray
from ingest.pages import Image

_WORK_SIDE = 900
_SURE = 0.6
"""Profile confidence (share of the two scores) from which an upright verdict is taken as is."""
_MIN_BOXES = 3
"""Elongated text boxes needed before their direction outweighs the profiles."""
_BOX_ELONGATION = 1.8
_BOX_MAJORITY = 2.0
"""The winning direction's summed box length must be this many times the other's."""

Polygon = NDArray[np.float32]
TextBoxes = Callable[[Image], Sequence[Polygon] | None]
"""Text-line polygons (4×2, page pixels) found on a page image, or None when unavailable."""

Method = Literal["blank", "profile", "text"]


@dataclass(frozen=True)
class Orientation:
    rotation: int
    """Clockwise degrees applied to make text lines horizontal (0 or 90 here; 180/270 later)."""
    skew: float
    """Degrees the (rotated) page was tilted; corrected by rotating by the opposite angle."""
    confidence: float
    method: Method = "profile"
    """What decided `rotation`: text detector boxes, ink profiles, or nothing (blank page)."""
    alternative_skew: float = 0.0
    """The skew measured with the other quadrant turn (90 if `rotation` is 0, else 0)."""

    @property
    def alternative(self) -> Orientation:
        """The other horizontal/vertical choice, for a second opinion from OCR."""
        return Orientation(
            90 - self.rotation, self.alternative_skew, 1.0 - self.confidence, self.method, self.skew
        )


def _profile_score(mask: NDArray[np.uint8]) -> float:
    rows = mask.sum(axis=1, dtype=np.float64)
    return float(np.square(np.diff(rows)).sum())


def _rotate_small(mask: NDArray[np.uint8], angle: float) -> NDArray[np.uint8]:
    h, w = mask.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    out = cv2.warpAffine(mask, m, (w, h), flags=cv2.INTER_NEAREST, borderValue=0)
    return np.asarray(out, dtype=np.uint8)


def _best_angle(mask: NDArray[np.uint8], max_angle: float) -> tuple[float, float]:
    best, best_score = 0.0, _profile_score(mask)
    for step, span in ((1.0, max_angle), (0.2, 1.0), (0.05, 0.2)):
        centre = best
        for a in np.arange(centre - span, centre + span + 1e-9, step):
            angle = float(round(a, 3))
            if abs(angle) > max_angle or angle == centre:
                continue
            score = _profile_score(_rotate_small(mask, angle))
            if score > best_score:
                best, best_score = angle, score
    return best, best_score


def _text_mask(small: Gray) -> NDArray[np.uint8]:
    """Ink that may be text: long rules, table lines, thin fold or copy-edge fragments, specks
    and large filled blocks (card backgrounds, photos, portraits) are dropped."""
    mask = ink_mask(small)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    if n > 1:
        ws, hs = stats[1:, cv2.CC_STAT_WIDTH], stats[1:, cv2.CC_STAT_HEIGHT]
        area = stats[1:, cv2.CC_STAT_AREA]
        side = max(small.shape[:2])
        long_side, short_side = np.maximum(ws, hs), np.minimum(ws, hs)
        fill = area / (ws * hs)
        big = long_side > side * 0.15
        rule = (long_side >= 10 * short_side) & (long_side > side * 0.04)
        blob = (area > small.size * 0.002) & (fill > 0.4)
        speck = area <= 2
        drop = np.flatnonzero(big | rule | blob | speck) + 1
        if drop.size:
            mask[np.isin(labels, drop)] = 0
    return mask


@dataclass(frozen=True)
class _Profiles:
    angle0: float
    score0: float
    angle90: float
    score90: float

    @property
    def rotation(self) -> int:
        return 90 if self.score90 > self.score0 * 1.15 else 0

    @property
    def confidence(self) -> float:
        total = self.score0 + self.score90
        best = self.score90 if self.rotation == 90 else self.score0
        return best / total if total else 0.0


def _profiles(mask: NDArray[np.uint8], max_skew: float) -> _Profiles:
    angle0, score0 = _best_angle(mask, max_skew)
    rotated = np.ascontiguousarray(np.rot90(mask, k=-1))  # 90° clockwise
    angle90, score90 = _best_angle(rotated, max_skew)
    return _Profiles(angle0, score0, angle90, score90)


def box_direction(boxes: Sequence[Polygon]) -> tuple[float, float, int]:
    """Summed long-side length of elongated boxes running horizontally and vertically, and how
    many elongated boxes there were (near-square boxes, single characters, say nothing)."""
    horizontal = vertical = 0.0
    count = 0
    for poly in boxes:
        pts = np.asarray(poly, dtype=np.float32).reshape(-1, 2)
        if len(pts) < 3:
            continue
        (_, _), (w, h), angle = cv2.minAreaRect(pts)
        long_side, short_side = max(w, h), min(w, h)
        if long_side < _BOX_ELONGATION * max(short_side, 1.0):
            continue
        # direction of the long side, in degrees from the x axis
        direction = angle if w >= h else angle + 90.0
        direction = abs((direction + 90.0) % 180.0 - 90.0)
        count += 1
        if direction < 45.0:
            horizontal += long_side
        else:
            vertical += long_side
    return horizontal, vertical, count


def _box_mask(boxes: Sequence[Polygon], shape: tuple[int, int], factor: float) -> Gray:
    region = np.zeros(shape, np.uint8)
    polys = [
        np.round(np.asarray(p, np.float32).reshape(-1, 2) * factor).astype(np.int32) for p in boxes
    ]
    cv2.fillPoly(region, polys, 255)
    return np.asarray(cv2.dilate(region, np.ones((5, 5), np.uint8)), np.uint8)


def detect_orientation(
    image: Image, max_skew: float = 10.0, text_boxes: TextBoxes | None = None
) -> Orientation:
    """Whether text runs horizontally (0) or vertically (90), and the page's skew angle.

    `text_boxes` (optional) is consulted when the ink profiles would turn the page or are
    unsure; its boxes decide when there are enough elongated ones and they agree.
    """
    image = as_page(image)
    small, factor = downscale(to_gray(image), _WORK_SIDE)
    mask = _text_mask(small)
    if int(np.count_nonzero(mask)) < max(50, small.size // 2000):
        return Orientation(0, 0.0, 0.0, "blank")
    prof = _profiles(mask, max_skew)
    by_profile = Orientation(
        prof.rotation,
        -(prof.angle90 if prof.rotation == 90 else prof.angle0),
        prof.confidence,
        "profile",
        -(prof.angle0 if prof.rotation == 90 else prof.angle90),
    )
    if text_boxes is None or (prof.rotation == 0 and prof.confidence >= _SURE):
        return by_profile
    boxes = text_boxes(image)
    if not boxes:
        return by_profile
    horizontal, vertical, count = box_direction(boxes)
    if count < _MIN_BOXES or max(horizontal, vertical) < _BOX_MAJORITY * min(horizontal, vertical):
        return by_profile
    rotation = 90 if vertical > horizontal else 0
    confidence = max(horizontal, vertical) / (horizontal + vertical)
    # skew from the ink inside the text boxes only: cards, folds and specks left out
    text_ink = np.asarray(cv2.bitwise_and(mask, _box_mask(boxes, mask.shape[:2], factor)), np.uint8)
    if int(np.count_nonzero(text_ink)) >= 50:
        prof = _profiles(text_ink, max_skew)
    skew0, skew90 = -prof.angle0, -prof.angle90
    if rotation == 90:
        return Orientation(90, skew90, confidence, "text", skew0)
    return Orientation(0, skew0, confidence, "text", skew90)


def rotate_quadrant(image: Image, rotation: int) -> Image:
    """The image turned clockwise by 0, 90, 180 or 270 degrees."""
    codes = {
        90: cv2.ROTATE_90_CLOCKWISE,
        180: cv2.ROTATE_180,
        270: cv2.ROTATE_90_COUNTERCLOCKWISE,
    }
    image = as_page(image)
    rotation %= 360
    if rotation == 0:
        return image
    return np.asarray(cv2.rotate(image, codes[rotation]), dtype=np.uint8)


def deskew(image: Image, skew: float, min_angle: float = 0.15) -> Image:
    """Undo a tilt of `skew` degrees (counter-clockwise positive) on an enlarged white canvas."""
    image = as_page(image)
    if abs(skew) < min_angle:
        return image
    h, w = image.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2, h / 2), -skew, 1.0)
    cos, sin = abs(m[0, 0]), abs(m[0, 1])
    nw, nh = int(h * sin + w * cos), int(h * cos + w * sin)
    m[0, 2] += nw / 2 - w / 2
    m[1, 2] += nh / 2 - h / 2
    out = cv2.warpAffine(
        image,
        m,
        (nw, nh),
        flags=cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=(255, 255, 255),
    )
    return np.asarray(out, dtype=np.uint8)
