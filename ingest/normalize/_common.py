"""Shared helpers: grey levels, scaling and ink masks."""

from __future__ import annotations

import cv2
import numpy as np
from numpy.typing import NDArray

from ingest.pages import Image

Gray = NDArray[np.uint8]


def to_gray(image: Image) -> Gray:
    if image.ndim == 2:
        return image
    return np.asarray(cv2.cvtColor(image, cv2.COLOR_BGR2GRAY), dtype=np.uint8)


def downscale(image: NDArray[np.uint8], long_side: int) -> tuple[NDArray[np.uint8], float]:
    """The image scaled so its long side is at most `long_side`, and the factor applied."""
    h, w = image.shape[:2]
    factor = min(1.0, long_side / max(h, w))
    if factor >= 1.0:
        return image, 1.0
    size = (max(1, round(w * factor)), max(1, round(h * factor)))
    return np.asarray(cv2.resize(image, size, interpolation=cv2.INTER_AREA), np.uint8), factor


def ink_mask(gray: Gray) -> Gray:
    """Dark marks on a light page as 255 (adaptive threshold, robust to uneven lighting)."""
    block = max(15, (min(gray.shape[:2]) // 40) | 1)
    mask = cv2.adaptiveThreshold(
        gray, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, block, 15
    )
    return np.asarray(mask, dtype=np.uint8)
