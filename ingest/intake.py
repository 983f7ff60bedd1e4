"""Intake of one file: check it, decide its type from the bytes, and yield its raw pages."""

from __future__ import annotations

import io
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

import numpy as np
from PIL import Image as PILImage
from PIL import ImageOps, ImageSequence, UnidentifiedImageError

from ingest import sniff
from ingest.errors import IntakeCode, IntakeError
from ingest.pages import Image, RawPage
from ingest.pdf import check_page_sizes, iter_pdf_pages, open_pdf
from ingest.pdf_safety import check_pdf_structure
from ingest.settings import IngestSettings

_EXIF_ORIENTATION = 0x0112
_EXIF_ROTATION = {3: 180, 6: 90, 8: 270}


@cache
def heif_available() -> bool:
    try:
        import pillow_heif
    except ImportError:  # pragma: no cover - optional
        return False
    pillow_heif.register_heif_opener()
    return True


@dataclass(frozen=True)
class CheckedFile:
    media_type: str
    page_count: int


def check_file(data: bytes, settings: IngestSettings) -> CheckedFile:
    """Cheap checks before any decoding: size, type, pixel count, PDF validity."""
    if not data:
        raise IntakeError(IntakeCode.FILE_EMPTY)
    if len(data) > settings.max_file_bytes:
        raise IntakeError(
            IntakeCode.FILE_TOO_LARGE, detail={"size": len(data), "limit": settings.max_file_bytes}
        )
    media_type = sniff.sniff(data)
    if media_type is None or (media_type == sniff.HEIC and not heif_available()):
        raise IntakeError(IntakeCode.UNSUPPORTED_TYPE, detail={"media_type": media_type})
    other = sniff.polyglot(data, media_type)
    if other is not None:
        raise IntakeError(
            IntakeCode.FILE_POLYGLOT, detail={"media_type": media_type, "also": other}
        )
    if media_type == sniff.PDF:
        doc = open_pdf(data, settings, check_pages=False)
        try:
            n = len(doc)
            # the structure first: loading a page makes pdfium inflate its whole content
            check_pdf_structure(data, settings)
            check_page_sizes(doc, settings)
        finally:
            doc.close()
        return CheckedFile(media_type, n)
    with _open_image(data, settings) as img:
        n = getattr(img, "n_frames", 1) if media_type == sniff.TIFF else 1
    if n > settings.max_tiff_frames:
        raise IntakeError(
            IntakeCode.TIFF_TOO_MANY_PAGES, detail={"frames": n, "limit": settings.max_tiff_frames}
        )
    return CheckedFile(media_type, n)


def _open_image(data: bytes, settings: IngestSettings) -> PILImage.Image:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", PILImage.DecompressionBombWarning)
            img = PILImage.open(io.BytesIO(data))
    except (PILImage.DecompressionBombError, PILImage.DecompressionBombWarning) as exc:
        raise IntakeError(IntakeCode.IMAGE_TOO_MANY_PIXELS, detail={"reason": str(exc)}) from None
    except UnidentifiedImageError:
        raise IntakeError(IntakeCode.IMAGE_CORRUPT) from None
    except (OSError, SyntaxError, ValueError) as exc:
        raise IntakeError(IntakeCode.IMAGE_CORRUPT, detail={"reason": str(exc)}) from None
    w, h = img.size
    if w * h > settings.max_image_pixels:
        img.close()
        raise IntakeError(
            IntakeCode.IMAGE_TOO_MANY_PIXELS,
            detail={"pixels": w * h, "limit": settings.max_image_pixels},
        )
    if w == 0 or h == 0:
        img.close()
        raise IntakeError(IntakeCode.IMAGE_CORRUPT, detail={"reason": "zero size"})
    return img


def _to_bgr(frame: PILImage.Image) -> Image:
    if frame.mode in {"I;16", "I;16B", "I;16L", "I", "F"}:
        arr = np.asarray(frame, dtype=np.float64)
        lo, hi = float(arr.min()), float(arr.max())
        arr8 = ((arr - lo) * (255.0 / max(hi - lo, 1e-9))).astype(np.uint8)
        rgb = np.repeat(arr8[:, :, None], 3, axis=2)
    elif frame.mode in {"RGBA", "LA", "PA"} or (frame.mode == "P" and "transparency" in frame.info):
        rgba = frame.convert("RGBA")
        background = PILImage.new("RGBA", rgba.size, (255, 255, 255, 255))
        rgb = np.asarray(PILImage.alpha_composite(background, rgba).convert("RGB"))
    else:
        rgb = np.asarray(frame.convert("RGB"))
    return np.ascontiguousarray(rgb[:, :, ::-1], dtype=np.uint8)


def _decode_frame(frame: PILImage.Image) -> tuple[Image, int]:
    """Pixels upright per EXIF, and the EXIF rotation that was applied."""
    try:
        frame.load()
        orientation = frame.getexif().get(_EXIF_ORIENTATION, 1)
        upright = ImageOps.exif_transpose(frame)
        return _to_bgr(upright if upright is not None else frame), _EXIF_ROTATION.get(
            int(orientation), 0
        )
    except OSError as exc:
        if "truncated" in str(exc).lower() or "broken data stream" in str(exc).lower():
            raise IntakeError(IntakeCode.IMAGE_TRUNCATED, detail={"reason": str(exc)}) from None
        raise IntakeError(IntakeCode.IMAGE_CORRUPT, detail={"reason": str(exc)}) from None
    except (SyntaxError, ValueError) as exc:
        raise IntakeError(IntakeCode.IMAGE_CORRUPT, detail={"reason": str(exc)}) from None


def iter_pages(
    data: bytes, media_type: str, settings: IngestSettings, skip: frozenset[int] = frozenset()
) -> Iterator[RawPage]:
    """The raw pages of a checked file, one at a time (pages in `skip` are not decoded)."""
    if media_type == sniff.PDF:
        yield from iter_pdf_pages(data, settings, skip)
        return
    img = _open_image(data, settings)
    try:
        frames = ImageSequence.Iterator(img) if media_type == sniff.TIFF else iter([img])
        for index, frame in enumerate(frames):
            if index >= settings.max_tiff_frames:
                break
            if index in skip:
                continue
            w, h = frame.size
            if w * h > settings.max_image_pixels:
                raise IntakeError(
                    IntakeCode.IMAGE_TOO_MANY_PIXELS,
                    detail={"page": index, "pixels": w * h, "limit": settings.max_image_pixels},
                )
            pixels, exif_rotation = _decode_frame(frame)
            yield RawPage(
                index=index,
                source="image",
                image=pixels,
                width=pixels.shape[1],
                height=pixels.shape[0],
                exif_rotation=exif_rotation,
            )
    finally:
        img.close()
