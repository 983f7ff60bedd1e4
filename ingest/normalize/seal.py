"""Red seal (公章) detection, and seal suppression before OCR."""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from numpy.typing import NDArray

from ingest.normalize._common import as_page, downscale
from ingest.pages import Image


@dataclass(frozen=True)
class Seal:
    x0: int
    y0: int
    x1: int
    y1: int
    coverage: float
    """Share of the box covered by red seal ink."""


def red_mask(image: Image) -> NDArray[np.uint8]:
    hsv = cv2.cvtColor(image, cv2.COLOR_BGR2HSV)
    low = cv2.inRange(hsv, (0, 70, 60), (10, 255, 255))
    high = cv2.inRange(hsv, (160, 70, 60), (180, 255, 255))
    return np.asarray(cv2.bitwise_or(low, high), dtype=np.uint8)


def _rules(mask: NDArray[np.uint8]) -> NDArray[np.uint8]:
    """Horizontal and vertical straight runs of the mask longer than a seal's flat arcs."""
    length = max(25, min(mask.shape[:2]) // 12)
    horizontal = cv2.morphologyEx(mask, cv2.MORPH_OPEN, np.ones((1, length), np.uint8))
    vertical = cv2.morphologyEx(mask, cv2.MORPH_OPEN, np.ones((length, 1), np.uint8))
    rules = cv2.bitwise_or(horizontal, vertical)
    return np.asarray(cv2.dilate(rules, np.ones((3, 3), np.uint8)), dtype=np.uint8)


def detect_seals(image: Image, min_side_share: float = 0.04) -> list[Seal]:
    """Red, roughly compact blobs at least `min_side_share` of the page's short side across."""
    small, factor = downscale(as_page(image), 1200)
    mask = red_mask(small)
    if not mask.any():
        return []
    # A red-printed form (the paper invoice's table rules) would join a seal stamped across it
    # into one page-wide blob: long straight runs are no part of a round or oval seal.
    mask = np.asarray(cv2.bitwise_and(mask, cv2.bitwise_not(_rules(mask))), dtype=np.uint8)
    k = max(3, min(small.shape[:2]) // 80)
    closed = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, np.ones((k, k), np.uint8), iterations=2)
    n, _, stats, _ = cv2.connectedComponentsWithStats(closed, connectivity=8)
    seals: list[Seal] = []
    min_side = min(small.shape[:2]) * min_side_share
    for i in range(1, n):
        x, y, w, h, _area = (int(v) for v in stats[i])
        if w < min_side or h < min_side or not 0.4 <= w / h <= 2.5:
            continue
        coverage = float(np.count_nonzero(mask[y : y + h, x : x + w])) / (w * h)
        if coverage < 0.03:
            continue
        seals.append(
            Seal(
                x0=int(x / factor),
                y0=int(y / factor),
                x1=int((x + w) / factor),
                y1=int((y + h) / factor),
                coverage=round(coverage, 4),
            )
        )
    # a seal's star or inner ring is part of it, not a second seal
    return [
        s
        for s in seals
        if not any(
            o is not s and o.x0 <= s.x0 and o.y0 <= s.y0 and o.x1 >= s.x1 and o.y1 >= s.y1
            for o in seals
        )
    ]


def suppress_seals(image: Image, seals: list[Seal]) -> Image:
    """Fade red seal ink inside each seal box, keeping dark text printed under it.

    The red channel of red ink is bright while black text stays dark in every channel, so red
    pixels are replaced by their red channel as grey.
    """
    image = as_page(image)
    if not seals:
        return image
    out = image.copy()
    for s in seals:
        region = out[s.y0 : s.y1, s.x0 : s.x1]
        mask = red_mask(region) > 0
        mask = cv2.dilate(mask.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
        # only inside the seal's outline (the ellipse in its box): a red-printed form's labels
        # beside the seal (医保统筹基金支付 on a paper invoice) must stay readable
        mask &= _inside_ellipse(*mask.shape)
        red = region[:, :, 2]
        lifted = np.clip(red.astype(np.int16) + 40, 0, 255).astype(np.uint8)
        for c in range(3):
            channel = region[:, :, c]
            channel[mask] = lifted[mask]
    return out


def _inside_ellipse(h: int, w: int) -> NDArray[np.bool_]:
    inside = np.zeros((h, w), np.uint8)
    cv2.ellipse(inside, (w // 2, h // 2), (w // 2 + 2, h // 2 + 2), 0, 0, 360, 1, -1)
    return inside > 0


def red_free(image: Image) -> Image:
    """The image seen through its red channel, scaled so that red ink (bright in red) turns
    white and only dark ink stays: black figures under a dense seal read cleanly, but
    red-printed labels vanish too, so this view is only for a second reading of a line the
    first reading found unsure. An image without red ink is returned as it is."""
    image = as_page(image)
    ink = red_mask(image) > 0
    if not ink.any():
        return image
    red = image[:, :, 2].astype(np.float32)
    seal_red = float(np.percentile(red[ink], 25))
    if seal_red < 120:  # a dark red, no brighter than text in its red channel
        return image
    grey = np.clip(red * (255.0 / seal_red), 0, 255).astype(np.uint8)
    return np.ascontiguousarray(cv2.cvtColor(grey, cv2.COLOR_GRAY2BGR))
