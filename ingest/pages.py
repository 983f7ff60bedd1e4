"""Raw pages as they come out of intake, before normalisation and OCR."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from models.documents import OcrLine

Image = NDArray[np.uint8]
"""A page image: H×W×3 BGR, uint8 (OpenCV's order)."""


@dataclass
class RawPage:
    """One page of an original: an image to normalise and OCR, or a PDF text layer."""

    index: int
    source: Literal["image", "pdf_scan", "pdf_text"]
    image: Image | None = None
    """The pixels (for pdf_text pages: a low-resolution render for QR codes and seals)."""
    width: int = 0
    height: int = 0
    """Page size in pixels at the page's resolution (for pdf pages: at the render dpi)."""
    lines: list[OcrLine] = field(default_factory=list)
    """For pdf_text pages: lines from the text layer, in page pixels at the render dpi."""
    image_scale: float = 1.0
    """Page pixels per `image` pixel (for pdf_text pages rendered at a lower dpi)."""
    exif_rotation: int = 0
