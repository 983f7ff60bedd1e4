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
- A flattened page is a card copied or photographed on a sheet of paper: only the part holding
  marks is read, the blank paper cut off, and that part is enlarged as far as the limit allows
  (up to twice). The whole page's median mark height says little there (the guilloche's marks
  count too), and the card's 7–9 px text needs the room the paper took.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from ingest.normalize._common import as_page, downscale, to_gray
from ingest.normalize.quality import text_marks
from ingest.pages import Image

DARK_BACKGROUND = 170
"""Grey level under which a region's background counts as dark (white paper is ~240+)."""
DARK_SHARE = 0.01
"""Share of the page that must have a dark background before flattening is worth it."""
SMALL_TEXT_PX = 10.0
"""Median character-mark height (quality measure `text_height`) under which text is enlarged."""
MAX_UPSCALE = 2.0
MIN_UPSCALE = 1.25


CONTENT_MARGIN = 0.03
"""Margin kept around the marks when the blank paper is cut off (share of the page's side)."""
CARD_SHARE = 0.5
"""Share of the page under which the marked part of a flattened page is read on its own."""


@dataclass(frozen=True)
class OcrInput:
    image: Image
    scale: float
    """Factor from page coordinates to `image` coordinates (1.0: same size)."""
    flattened: bool
    offset: tuple[int, int] = (0, 0)
    """Page coordinates of `image`'s top-left corner (the blank paper cut off)."""


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


def content_box(page: Image) -> tuple[int, int, int, int]:
    """(x0, y0, x1, y1) of the part of a light page holding marks, with a margin; toner specks
    and hairlines (a copier's streak, a fold) do not count, only marks a few pixels across."""
    gray = to_gray(page)
    small, factor = downscale(gray, 1000)
    # strokes closed into blobs (thin print survives), then lone specks opened away
    ink = cv2.morphologyEx((small < 160).astype(np.uint8), cv2.MORPH_CLOSE, np.ones((5, 5)))
    ink = cv2.morphologyEx(ink, cv2.MORPH_OPEN, np.ones((3, 3)))
    ys, xs = np.nonzero(ink)
    h, w = gray.shape[:2]
    if xs.size == 0:
        return 0, 0, w, h
    m = CONTENT_MARGIN * max(h, w)
    x0, x1 = xs.min() / factor, (xs.max() + 1) / factor
    y0, y1 = ys.min() / factor, (ys.max() + 1) / factor
    return (
        max(0, int(x0 - m)),
        max(0, int(y0 - m)),
        min(w, int(x1 + m) + 1),
        min(h, int(y1 + m) + 1),
    )


def _card_part(flat: Image, max_side: int) -> tuple[Image, tuple[int, int], float] | None:
    """The flattened page's marked part and how much to enlarge it, when it is a small thing on
    the paper (under CARD_SHARE of the page) whose text is small, measured on the part itself."""
    x0, y0, x1, y1 = content_box(flat)
    if (x1 - x0) * (y1 - y0) >= CARD_SHARE * flat.shape[0] * flat.shape[1]:
        return None
    part = np.ascontiguousarray(flat[y0:y1, x0:x1])
    if not 0 < text_marks(to_gray(part))[0] < SMALL_TEXT_PX:
        return None
    factor = min(MAX_UPSCALE, max_side / max(part.shape[:2]))
    if factor < MIN_UPSCALE:
        return None
    return part, (x0, y0), factor


def prepare(image: Image, text_height: float, max_side: int) -> OcrInput:
    """The OCR engine's copy of a normalised page."""
    flat = flatten_background(image)
    out = flat if flat is not None else as_page(image)
    offset = (0, 0)
    scale = upscale_factor(out.shape, text_height, max_side)
    if flat is not None and (card := _card_part(flat, max_side)) is not None:
        out, offset, scale = card
    if scale > 1.0:
        h, w = out.shape[:2]
        size = (round(w * scale), round(h * scale))
        out = np.ascontiguousarray(cv2.resize(out, size, interpolation=cv2.INTER_CUBIC))
        scale = size[0] / w
    return OcrInput(out, scale, flat is not None, offset)
