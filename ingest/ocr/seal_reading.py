"""A second reading of unsure lines under a seal, from the page seen through its red channel.

Seal suppression only fades the pixels that look red, so figures under a dense seal keep red
fringes and are read unsurely (184.28 as 184.23, 1904.83 as 904..83). Seeing a line through
the red channel whitens the seal completely, but also any red-printed label in it; so that
view is used only to re-read lines under a seal the first reading was unsure of, and a
re-reading replaces the first only when it is surer and keeps (nearly) all of its characters.
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
