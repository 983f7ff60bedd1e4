"""The OCR engine interface: recognize(page image) -> lines in reading order."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from ingest.pages import Image
from models.documents import OcrLine


class EngineUnavailableError(RuntimeError):
    """The engine cannot run here (package not installed, models not configured)."""


@dataclass
class OcrOutput:
    lines: list[OcrLine] = field(default_factory=list)
    upside_down: bool | None = None
    """True when most text lines were read upside down (None: the engine cannot tell)."""


class OcrEngine(ABC):
    name: str
    # whether recognize() may run for several pages at once from threads of one process
    concurrent_pages: bool = True

    @property
    @abstractmethod
    def version(self) -> str:
        """Engine and model versions: part of every cache key for its results."""

    @abstractmethod
    def recognize(self, image: Image) -> OcrOutput:
        """The text lines on an upright-ish page image (BGR), in reading order."""

    def read_crops(self, crops: list[Image]) -> list[tuple[str, float]] | None:
        """Recognition alone on line images (text, confidence); None when the engine has no
        such step."""
        return None

    def detect_text_boxes(self, image: Image) -> list[NDArray[np.float32]] | None:
        """Text-line polygons (4×2, in `image` pixels) from a quick detection pass on a reduced
        copy, for telling the page's orientation; None when the engine has no such pass."""
        return None


def reading_order(lines: list[OcrLine]) -> list[OcrLine]:
    """Top to bottom by rows (lines overlapping vertically share a row), left to right within."""
    items = sorted(lines, key=lambda ln: ln.bbox.y0)
    rows: list[list[OcrLine]] = []
    for line in items:
        box = line.bbox
        centre = (box.y0 + box.y1) / 2
        if rows:
            last = rows[-1]
            top = min(x.bbox.y0 for x in last)
            bottom = max(x.bbox.y1 for x in last)
            height = max(1.0, min(x.bbox.height for x in last))
            if top <= centre <= bottom and abs(centre - (top + bottom) / 2) < height * 0.6:
                last.append(line)
                continue
        rows.append([line])
    return [ln for row in rows for ln in sorted(row, key=lambda x: x.bbox.x0)]


def rotate_lines_180(lines: list[OcrLine], width: int, height: int) -> list[OcrLine]:
    """Lines found on a page image, mapped onto that image turned by 180 degrees."""
    out = []
    for ln in lines:
        poly = [(width - x, height - y) for x, y in ln.polygon]
        # keep the polygon starting at the (new) top-left corner
        poly = poly[2:] + poly[:2] if len(poly) == 4 else poly
        out.append(OcrLine(text=ln.text, polygon=poly, confidence=ln.confidence))
    return reading_order(out)


def scale_lines(
    lines: list[OcrLine], factor: float, offset: tuple[float, float] = (0.0, 0.0)
) -> list[OcrLine]:
    """Lines found on a resized copy of a page (or of the part of it at `offset`), mapped back
    onto the page (`factor`: copy → page)."""
    dx, dy = offset
    return [
        ln.model_copy(
            update={"polygon": [(x * factor + dx, y * factor + dy) for x, y in ln.polygon]}
        )
        for ln in lines
    ]
