"""OCR input preparation: dark backgrounds flattened to white, small text enlarged.

Both act on the copy handed to the OCR engine only; the stored page image, seal boxes and
quality measures stay those of the normalised page, and line boxes are mapped back to it.

- A photocopied ID card or bank card comes out as a dark grey card with black text (contrast
  of a few dozen grey levels), a phone photo may carry a shadow: dividing the page by its local
  background (a grey-level closing, which removes strokes thinner than its kernel) turns every
  background white and keeps the text dark. A page whose background is light everywhere is left
  as it is, so clean scans are untouched.
- PP-OCR's detector and recogniser want characters of about 20–40 px; a low-resolution scan
  (an A4 page at 80–100 dpi: ID-card text 7–9 px high) is enlarged, up to twice and never past
  the engine's own size limit (beyond it the engine would shrink the page again).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from ingest.normalize._common import as_page, downscale, to_gray
from ingest.pages import Image

DARK_BACKGROUND = 170
"""Grey level under which a region's background counts as dark (white paper is ~240+)."""
DARK_SHARE = 0.01
"""Share of the page that must have a dark background before flattening is worth it."""
SMALL_TEXT_PX = 10.0
"""Median character-mark height (quality measure `text_height`) under which text is enlarged."""
MAX_UPSCALE = 2.0
MIN_UPSCALE = 1.25


@dataclass(frozen=True)
class OcrInput:
    image: Image
    scale: float
    """Factor from page coordinates to `image` coordinates (1.0: same size)."""
    flattened: bool


def _background(gray: np.ndarray) -> np.ndarray:
    """The page's local background level, at full size (strokes closed over)."""
    small, factor = downscale(gray, 800)
    k = max(7, (min(small.shape[:2]) // 40) | 1)
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (k, k))
    closed = cv2.morphologyEx(small, cv2.MORPH_CLOSE, kernel)
    closed = cv2.GaussianBlur(closed, (0, 0), k / 3)
    if factor < 1.0:
        closed = cv2.resize(closed, (gray.shape[1], gray.shape[0]), interpolation=cv2.INTER_LINEAR)
    return np.asarray(closed, dtype=np.uint8)


def flatten_background(image: Image) -> Image | None:
    """The page divided by its local background, or None when its background is light
    everywhere (nothing to gain)."""
    gray = to_gray(as_page(image))
    background = _background(gray)
    if float(np.count_nonzero(background < DARK_BACKGROUND)) < DARK_SHARE * background.size:
        return None
    ratio = gray.astype(np.float32) * 255.0 / np.maximum(background.astype(np.float32), 1.0)
    flat = np.clip(ratio, 0, 255).astype(np.uint8)
    return np.ascontiguousarray(cv2.cvtColor(flat, cv2.COLOR_GRAY2BGR))


def upscale_factor(shape: tuple[int, ...], text_height: float, max_side: int) -> float:
    """How much to enlarge a page whose median mark is `text_height` px (1.0: not at all)."""
    if not 0 < text_height < SMALL_TEXT_PX:
        return 1.0
    factor = min(MAX_UPSCALE, max_side / max(shape[:2]))
    return factor if factor >= MIN_UPSCALE else 1.0


def prepare(image: Image, text_height: float, max_side: int) -> OcrInput:
    """The OCR engine's copy of a normalised page."""
    flat = flatten_background(image)
    out = flat if flat is not None else as_page(image)
    scale = upscale_factor(out.shape, text_height, max_side)
    if scale > 1.0:
        h, w = out.shape[:2]
        size = (round(w * scale), round(h * scale))
        out = np.ascontiguousarray(cv2.resize(out, size, interpolation=cv2.INTER_CUBIC))
        scale = size[0] / w
    return OcrInput(out, scale, flat is not None)
