"""Shared helpers: grey levels, scaling and ink masks."""

from __future__ import annotations

import cv2
import numpy as np
from numpy.typing import NDArray

from ingest.errors import IntakeCode, IntakeError
from ingest.pages import Image

Gray = NDArray[np.uint8]


def as_page(image: object) -> Image:
    """`image` as a page image (H×W×3 BGR uint8): grey, alpha, other integer, float and bool
    arrays converted; anything that is no image at all is IMAGE_CORRUPT."""
    if not isinstance(image, np.ndarray):
        raise IntakeError(IntakeCode.IMAGE_CORRUPT, detail={"reason": "not an array"})
    if image.dtype == np.uint8 and image.ndim == 3 and image.shape[2] == 3 and image.size:
        return image  # what intake produces: nothing to do
    shape = [int(n) for n in image.shape]
    numeric = image.dtype == np.bool_ or np.issubdtype(image.dtype, np.number)
    channels = 1 if image.ndim == 2 else (shape[2] if image.ndim == 3 else 0)
    if not numeric or channels not in (1, 2, 3, 4) or image.size == 0:
        raise IntakeError(IntakeCode.IMAGE_CORRUPT, detail={"reason": "shape", "shape": shape})
    values = image.reshape(shape[0], shape[1], channels)
    values = values[:, :, :1] if channels <= 2 else values[:, :, :3]  # alpha dropped
    if values.dtype == np.bool_:
        values = values.astype(np.uint8) * 255
    elif np.issubdtype(values.dtype, np.floating) or np.issubdtype(
        values.dtype, np.complexfloating
    ):
        values = np.real(values).astype(np.float64)
        if not np.isfinite(values).all():
            raise IntakeError(IntakeCode.IMAGE_CORRUPT, detail={"reason": "not finite"})
        if values.max(initial=0.0) <= 1.0:
            values = values * 255.0
    elif values.dtype != np.uint8 and values.max(initial=0) > 255:
        values = values.astype(np.float64) * (255.0 / float(values.max()))
    values = np.clip(values, 0, 255).astype(np.uint8)
    if values.shape[2] == 1:
        values = np.repeat(values, 3, axis=2)
    return np.ascontiguousarray(values)


def to_gray(image: Image) -> Gray:
    if image.ndim == 2 and image.dtype == np.uint8:
        return image
    image = as_page(image)
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
