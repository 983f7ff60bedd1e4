"""Document boundary and perspective correction for phone photos (a page or card on a table).

Only a photo of a sheet lying on a contrasting background is cut out and squared: the four
corners must be the paper's edge, with paper just inside them and a darker or differently
coloured surface just outside. A flatbed scan (white margins out to the image border) is never
cropped, however strong the ruled border of a table printed on it. A dark card (a bank card)
lying on a lighter, non-white surface counts as well.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from numpy.typing import NDArray

from ingest.normalize._common import as_page, downscale, to_gray
from ingest.pages import Image

Quad = NDArray[np.float32]

MAX_ASPECT = 2.6
"""Longest over shortest side of a plausible document: A4 1.41, ID card 1.58, invoices up to
2.3, plus some slack for a quad measured at an angle. A table band cut from a form is longer."""


@dataclass(frozen=True)
class Side:
    """Measures along one edge of a candidate quad (grey levels 0-255, Lab distance)."""

    paper: float
    """Median grey level of the band just inside the edge."""
    background: float
    """Median grey level of the band just outside the edge."""
    colour_distance: float
    """Lab distance between the medians of the two bands."""
    paper_share: float
    """Share of the inside band nearer the paper's level than the background's."""
    background_like_paper: float
    """Share of the outside band nearer the paper's level (a flat scan: near 1)."""

    @property
    def separated(self) -> bool:
        """Two different surfaces meet here, not paper on both sides of a printed line."""
        return self.paper_share >= 0.6 and self.background_like_paper <= 0.35

    @property
    def is_paper_edge(self) -> bool:
        """A light sheet on a darker or differently coloured surface."""
        darker = self.paper - self.background
        contrast = darker >= 25 or (darker >= 10 and self.colour_distance >= 30)
        return contrast and self.paper >= 100 and self.separated

    @property
    def is_card_edge(self) -> bool:
        """A dark card (a bank card) on a lighter surface that is no white page or scanner lid."""
        lighter = self.background - self.paper
        return (
            lighter >= 25
            and self.colour_distance >= 40
            and self.background <= 200
            and self.separated
        )


@dataclass(frozen=True)
class Boundary:
    area: float
    """Share of the image inside the quad."""
    aspect: float
    """Longest over shortest side of the squared document."""
    sides: tuple[Side, ...]
    """Top, right, bottom, left (a side along the image border has no background to see)."""

    @property
    def is_document_on_background(self) -> bool:
        if self.aspect > MAX_ASPECT:
            return False
        paper = sum(s.is_paper_edge for s in self.sides)
        card = sum(s.is_card_edge for s in self.sides)
        return max(paper, card) >= 3


def _order(points: NDArray[np.float32]) -> Quad:
    """Corners as top-left, top-right, bottom-right, bottom-left."""
    pts = points.reshape(4, 2).astype(np.float32)
    s = pts.sum(axis=1)
    d = np.diff(pts, axis=1).ravel()
    return np.array(
        [pts[np.argmin(s)], pts[np.argmin(d)], pts[np.argmax(s)], pts[np.argmax(d)]],
        dtype=np.float32,
    )


def _size(quad: Quad) -> tuple[int, int]:
    """Width and height of the squared document."""
    tl, tr, br, bl = quad
    width = int(max(np.linalg.norm(tr - tl), np.linalg.norm(br - bl)))
    height = int(max(np.linalg.norm(bl - tl), np.linalg.norm(br - tr)))
    return width, height


def _candidates(gray: NDArray[np.uint8]) -> list[Quad]:
    """Convex quadrilaterals among the largest edge contours, largest first."""
    blurred = cv2.GaussianBlur(gray, (5, 5), 0)
    edges = cv2.Canny(blurred, 40, 120)
    edges = cv2.dilate(edges, np.ones((3, 3), np.uint8), iterations=2)
    contours, _ = cv2.findContours(edges, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    quads: list[tuple[float, Quad]] = []
    for contour in sorted(contours, key=cv2.contourArea, reverse=True)[:5]:
        hull = cv2.convexHull(contour)
        perimeter = cv2.arcLength(hull, True)
        approx = cv2.approxPolyDP(hull, 0.02 * perimeter, True)
        if len(approx) != 4 or not cv2.isContourConvex(approx):
            continue
        quads.append((float(cv2.contourArea(approx)), _order(approx.astype(np.float32))))
    quads.sort(key=lambda q: q[0], reverse=True)
    return [q for _, q in quads]


def measure_boundary(image: Image, quad: Quad) -> Boundary:
    """How much `quad` (in `image`'s pixels) looks like a sheet's edge on a background."""
    gray = to_gray(image)
    h, w = gray.shape[:2]
    inside = np.zeros((h, w), np.uint8)
    corners = np.round(quad).astype(np.int32)
    cv2.fillConvexPoly(inside, corners, 255)
    qw, qh = _size(quad)
    area = float(np.count_nonzero(inside)) / float(h * w)
    aspect = max(qw, qh) / max(1, min(qw, qh))
    # bands a little away from the edge (shadow, blur, the dilated edge itself), side by side:
    # lighting changes across a photo, so paper and background are compared locally
    near, far = max(2.0, 0.012 * min(qw, qh)), max(6.0, 0.05 * min(qw, qh))
    d_in = cv2.distanceTransform(inside, cv2.DIST_L2, 3)
    d_out = cv2.distanceTransform(255 - inside, cv2.DIST_L2, 3)
    band_in = (d_in >= near) & (d_in <= far)
    band_out = (d_out >= near) & (d_out <= far)
    lab = cv2.cvtColor(image, cv2.COLOR_BGR2LAB) if image.ndim == 3 else None
    sides: list[Side] = []
    for k in range(4):
        along = np.zeros((h, w), np.uint8)
        a, b = corners[k], corners[(k + 1) % 4]
        # the middle 80 % of the edge, so that corners count for neither side
        a, b = a + 0.1 * (b - a), b - 0.1 * (b - a)
        cv2.line(along, tuple(int(v) for v in a), tuple(int(v) for v in b), 255, int(2 * far + 3))
        side_in, side_out = band_in & (along > 0), band_out & (along > 0)
        if np.count_nonzero(side_in) < 30 or np.count_nonzero(side_out) < 30:
            continue
        g_in, g_out = gray[side_in].astype(np.float32), gray[side_out].astype(np.float32)
        paper, background = float(np.median(g_in)), float(np.median(g_out))
        middle = (paper + background) / 2
        sign = 1.0 if paper >= background else -1.0  # which side of the middle paper is on
        colour = 0.0
        if lab is not None:
            colour = float(
                np.linalg.norm(
                    np.median(lab[side_in], axis=0).astype(np.float32)
                    - np.median(lab[side_out], axis=0).astype(np.float32)
                )
            )
        sides.append(
            Side(
                paper=paper,
                background=background,
                colour_distance=colour,
                paper_share=float(np.mean(sign * (g_in - middle) >= 0)),
                background_like_paper=float(np.mean(sign * (g_out - middle) >= 0)),
            )
        )
    return Boundary(area, aspect, tuple(sides))


def find_document(image: Image, min_area: float = 0.2, max_area: float = 0.92) -> Quad | None:
    """The four corners of a document lying on a contrasting background, or None.

    Only a quadrilateral covering between `min_area` and `max_area` of the photo, with paper
    just inside its edge and a darker or differently coloured background just outside, counts:
    a flat scan is left alone, and so is the ruled border of a table printed on a page.
    """
    small_image, factor = downscale(as_page(image), 800)
    small = to_gray(small_image)
    area_total = float(small.shape[0] * small.shape[1])
    for quad in _candidates(small):
        area = float(cv2.contourArea(quad))
        if not min_area * area_total <= area <= max_area * area_total:
            continue
        if measure_boundary(small_image, quad).is_document_on_background:
            return np.asarray(quad / factor, dtype=np.float32)
    return None


def warp_document(image: Image, quad: Quad) -> Image:
    """The document cut out and seen square-on."""
    image = as_page(image)
    width, height = _size(quad)
    target = np.array(
        [[0, 0], [width - 1, 0], [width - 1, height - 1], [0, height - 1]], dtype=np.float32
    )
    m = cv2.getPerspectiveTransform(quad, target)
    out = cv2.warpPerspective(image, m, (width, height), flags=cv2.INTER_CUBIC)
    return np.asarray(out, dtype=np.uint8)
