"""A second reading of unsure lines under a seal, from the page seen through its red channel.

Seal suppression only fades the pixels that look red, so figures under a dense seal keep red
fringes and are read unsurely (184.28 as 184.23, 0.00 as 8.00). Seeing the seal's outline
through the red channel whitens the seal completely, but also any red-printed label under it;
so that view is used only to re-read lines the first reading was unsure of, and a re-reading
replaces the first only when it is surer and keeps (nearly) all of its characters.
"""

from __future__ import annotations

import cv2
import numpy as np

from ingest.normalize.seal import Seal, red_free
from ingest.ocr.base import OcrEngine
from ingest.pages import Image
from models.documents import OcrLine

UNSURE = 0.97
"""Lines read at or above this confidence are left as they are."""


def _under(line: OcrLine, seal: Seal) -> bool:
    box = line.bbox
    cx, cy = (box.x0 + box.x1) / 2, (box.y0 + box.y1) / 2
    rx, ry = (seal.x1 - seal.x0) / 2, (seal.y1 - seal.y0) / 2
    if rx <= 0 or ry <= 0:
        return False
    dx, dy = (cx - (seal.x0 + rx)) / rx, (cy - (seal.y0 + ry)) / ry
    return dx * dx + dy * dy <= 1.0


def crop_line(image: Image, polygon: list[tuple[float, float]]) -> Image | None:
    """The line's quadrilateral straightened into an upright strip (PaddleOCR's crop)."""
    pts = np.asarray(polygon, np.float32).reshape(-1, 2)
    if pts.shape[0] != 4:
        return None
    width = int(max(np.linalg.norm(pts[0] - pts[1]), np.linalg.norm(pts[2] - pts[3])))
    height = int(max(np.linalg.norm(pts[0] - pts[3]), np.linalg.norm(pts[1] - pts[2])))
    if width < 4 or height < 4:
        return None
    target = np.asarray([[0, 0], [width, 0], [width, height], [0, height]], np.float32)
    matrix = cv2.getPerspectiveTransform(pts, target)
    crop = cv2.warpPerspective(
        image, matrix, (width, height), borderMode=cv2.BORDER_REPLICATE, flags=cv2.INTER_CUBIC
    )
    if height / width >= 1.5:
        crop = np.rot90(crop)
    return np.ascontiguousarray(crop)


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
    view = red_free(image, seals)
    crops: list[Image] = []
    kept: list[int] = []
    for i in targets:
        crop = crop_line(view, lines[i].polygon)
        if crop is not None:
            crops.append(crop)
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
            out[i] = first.model_copy(update={"text": text, "confidence": confidence})
    return out
