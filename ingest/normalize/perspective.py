"""Document boundary and perspective correction for phone photos (a page or card on a table)."""

from __future__ import annotations

import cv2
import numpy as np
from numpy.typing import NDArray

from ingest.normalize._common import downscale, to_gray
from ingest.pages import Image

Quad = NDArray[np.float32]


def _order(points: NDArray[np.float32]) -> Quad:
    """Corners as top-left, top-right, bottom-right, bottom-left."""
    pts = points.reshape(4, 2).astype(np.float32)
    s = pts.sum(axis=1)
    d = np.diff(pts, axis=1).ravel()
    return np.array(
        [pts[np.argmin(s)], pts[np.argmin(d)], pts[np.argmax(s)], pts[np.argmax(d)]],
        dtype=np.float32,
    )


def find_document(image: Image, min_area: float = 0.15, max_area: float = 0.92) -> Quad | None:
    """The four corners of a document lying on a contrasting background, or None.

    Only a quadrilateral covering between `min_area` and `max_area` of the photo counts: a flat
    scan fills the whole image and is left alone.
    """
    small, factor = downscale(to_gray(image), 800)
    blurred = cv2.GaussianBlur(small, (5, 5), 0)
    edges = cv2.Canny(blurred, 40, 120)
    edges = cv2.dilate(edges, np.ones((3, 3), np.uint8), iterations=2)
    contours, _ = cv2.findContours(edges, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    area_total = float(small.shape[0] * small.shape[1])
    best: Quad | None = None
    best_area = 0.0
    for contour in sorted(contours, key=cv2.contourArea, reverse=True)[:5]:
        hull = cv2.convexHull(contour)
        perimeter = cv2.arcLength(hull, True)
        approx = cv2.approxPolyDP(hull, 0.02 * perimeter, True)
        if len(approx) != 4 or not cv2.isContourConvex(approx):
            continue
        area = float(cv2.contourArea(approx))
        if min_area * area_total <= area <= max_area * area_total and area > best_area:
            best, best_area = _order(approx.astype(np.float32)), area
    if best is None:
        return None
    return np.asarray(best / factor, dtype=np.float32)


def warp_document(image: Image, quad: Quad) -> Image:
    """The document cut out and seen square-on."""
    tl, tr, br, bl = quad
    width = int(max(np.linalg.norm(tr - tl), np.linalg.norm(br - bl)))
    height = int(max(np.linalg.norm(bl - tl), np.linalg.norm(br - tr)))
    target = np.array(
        [[0, 0], [width - 1, 0], [width - 1, height - 1], [0, height - 1]], dtype=np.float32
    )
    m = cv2.getPerspectiveTransform(quad, target)
    out = cv2.warpPerspective(image, m, (width, height), flags=cv2.INTER_CUBIC)
    return np.asarray(out, dtype=np.uint8)
