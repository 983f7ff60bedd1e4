"""Page orientation (text lines horizontal or vertical) and skew, from projection profiles.

Telling 0° from 180° needs a text model: the OCR engine reports it (see `OcrOutput.upside_down`)
and the pipeline turns the page then.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from numpy.typing import NDArray

from ingest.normalize._common import Gray, downscale, ink_mask, to_gray
from ingest.pages import Image

_WORK_SIDE = 900


@dataclass(frozen=True)
class Orientation:
    rotation: int
    """Clockwise degrees applied to make text lines horizontal (0 or 90 here; 180/270 later)."""
    skew: float
    """Degrees the (rotated) page was tilted; corrected by rotating by the opposite angle."""
    confidence: float


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


def _text_mask(gray: Gray) -> NDArray[np.uint8]:
    small, _ = downscale(gray, _WORK_SIDE)
    mask = ink_mask(small)
    # drop long rules and table lines: they dominate profiles but carry no text direction
    n, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    if n > 1:
        ws, hs = stats[1:, cv2.CC_STAT_WIDTH], stats[1:, cv2.CC_STAT_HEIGHT]
        limit = max(small.shape[:2]) * 0.15
        big = np.flatnonzero((ws > limit) | (hs > limit)) + 1
        if big.size:
            mask[np.isin(labels, big)] = 0
    return mask


def detect_orientation(image: Image, max_skew: float = 10.0) -> Orientation:
    """Whether text runs horizontally (0) or vertically (90), and the page's skew angle."""
    mask = _text_mask(to_gray(image))
    if int(np.count_nonzero(mask)) < 50:
        return Orientation(0, 0.0, 0.0)
    angle0, score0 = _best_angle(mask, max_skew)
    rotated = np.ascontiguousarray(np.rot90(mask, k=-1))  # 90° clockwise
    angle90, score90 = _best_angle(rotated, max_skew)
    total = score0 + score90
    if score90 > score0 * 1.15:
        return Orientation(90, -angle90, score90 / total)
    return Orientation(0, -angle0, score0 / total if total else 0.0)


def rotate_quadrant(image: Image, rotation: int) -> Image:
    """The image turned clockwise by 0, 90, 180 or 270 degrees."""
    codes = {
        90: cv2.ROTATE_90_CLOCKWISE,
        180: cv2.ROTATE_180,
        270: cv2.ROTATE_90_COUNTERCLOCKWISE,
    }
    rotation %= 360
    if rotation == 0:
        return image
    return np.asarray(cv2.rotate(image, codes[rotation]), dtype=np.uint8)


def deskew(image: Image, skew: float, min_angle: float = 0.15) -> Image:
    """Undo a tilt of `skew` degrees (counter-clockwise positive) on an enlarged white canvas."""
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
