"""PDF intake: validate, then per page either read the text layer (pdfplumber) or render it."""

from __future__ import annotations

import io
import itertools
import unicodedata
from collections.abc import Iterator
from typing import Any

import numpy as np
import pdfplumber
import pypdfium2 as pdfium

from ingest.errors import IntakeCode, IntakeError
from ingest.pages import Image, RawPage
from ingest.settings import IngestSettings
from models.documents import OcrLine


def open_pdf(data: bytes, settings: IngestSettings) -> pdfium.PdfDocument:
    """Open and validate a PDF: encryption, corruption, page count, page size."""
    try:
        doc = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        text = str(exc).lower()
        if "password" in text or "security" in text:
            raise IntakeError(IntakeCode.PDF_ENCRYPTED, detail={"reason": str(exc)}) from None
        raise IntakeError(IntakeCode.PDF_CORRUPT, detail={"reason": str(exc)}) from None
    n = len(doc)
    if n == 0:
        doc.close()
        raise IntakeError(IntakeCode.PDF_CORRUPT, detail={"reason": "no pages"})
    if n > settings.max_pdf_pages:
        doc.close()
        raise IntakeError(
            IntakeCode.PDF_TOO_MANY_PAGES, detail={"pages": n, "limit": settings.max_pdf_pages}
        )
    scale = settings.pdf_render_dpi / 72
    for i in range(n):
        w, h = doc[i].get_size()
        if w * h * scale * scale > settings.max_image_pixels:
            doc.close()
            raise IntakeError(
                IntakeCode.IMAGE_TOO_MANY_PIXELS,
                detail={"page": i, "pixels": int(w * h * scale * scale)},
            )
    return doc


def _usable_text(text: str, min_chars: int) -> bool:
    chars = [c for c in text if not c.isspace()]
    if len(chars) < min_chars:
        return False
    bad = sum(1 for c in chars if c == "\ufffd" or unicodedata.category(c) in {"Co", "Cc", "Cn"})
    return bad / len(chars) < 0.1


def _words_to_lines(words: list[dict[str, Any]], scale: float) -> list[OcrLine]:
    """Group words into lines by vertical overlap, split at wide gaps (like an OCR detector)."""
    words = sorted(words, key=lambda w: (float(w["top"]), float(w["x0"])))
    rows: list[list[dict[str, Any]]] = []
    for w in words:
        mid = (float(w["top"]) + float(w["bottom"])) / 2
        for row in rows:
            top = min(float(r["top"]) for r in row)
            bottom = max(float(r["bottom"]) for r in row)
            if top <= mid <= bottom:
                row.append(w)
                break
        else:
            rows.append([w])
    lines: list[OcrLine] = []
    for row in rows:
        row.sort(key=lambda w: float(w["x0"]))
        height = float(np.median([float(w["bottom"]) - float(w["top"]) for w in row]))
        segment: list[dict[str, Any]] = []
        segments: list[list[dict[str, Any]]] = []
        for w in row:
            if segment and float(w["x0"]) - float(segment[-1]["x1"]) > 1.5 * height:
                segments.append(segment)
                segment = []
            segment.append(w)
        if segment:
            segments.append(segment)
        for seg in segments:
            text = str(seg[0]["text"])
            for prev, w in itertools.pairwise(seg):
                gap = float(w["x0"]) - float(prev["x1"])
                text += (" " if gap > 0.15 * height else "") + str(w["text"])
            x0 = min(float(w["x0"]) for w in seg) * scale
            x1 = max(float(w["x1"]) for w in seg) * scale
            y0 = min(float(w["top"]) for w in seg) * scale
            y1 = max(float(w["bottom"]) for w in seg) * scale
            polygon = [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]
            lines.append(OcrLine(text=text, polygon=polygon, confidence=1.0))
    lines.sort(key=lambda ln: (round(ln.polygon[0][1] / max(1.0, scale * 4)), ln.polygon[0][0]))
    return lines


def _render(page: pdfium.PdfPage, dpi: int) -> Image:
    bitmap = page.render(scale=dpi / 72, rev_byteorder=False)
    arr = bitmap.to_numpy()
    # pdfium renders BGR(A) by default: drop alpha if present
    if arr.ndim == 3 and arr.shape[2] == 4:
        arr = arr[:, :, :3]
    elif arr.ndim == 2:
        arr = np.repeat(arr[:, :, None], 3, axis=2)
    return np.ascontiguousarray(arr, dtype=np.uint8)


def iter_pdf_pages(
    data: bytes, settings: IngestSettings, skip: frozenset[int] = frozenset()
) -> Iterator[RawPage]:
    """Pages one at a time (a long PDF is never held rendered in memory as a whole)."""
    doc = open_pdf(data, settings)
    scale = settings.pdf_render_dpi / 72
    plumber: Any = None
    try:
        for i in range(len(doc)):
            if i in skip:
                continue
            page = doc[i]
            w_pt, h_pt = page.get_size()
            width, height = round(w_pt * scale), round(h_pt * scale)
            textpage = page.get_textpage()
            text = textpage.get_text_range() if textpage.count_chars() else ""
            textpage.close()
            if _usable_text(text, settings.pdf_text_layer_min_chars):
                if plumber is None:
                    plumber = pdfplumber.open(io.BytesIO(data))
                ppage = plumber.pages[i]
                words = ppage.extract_words(x_tolerance=1.5, y_tolerance=2, keep_blank_chars=False)
                ppage.close()
                lines = _words_to_lines(words, scale)
                low = _render(page, settings.pdf_qr_dpi)
                yield RawPage(
                    index=i,
                    source="pdf_text",
                    image=low,
                    width=width,
                    height=height,
                    lines=lines,
                    image_scale=settings.pdf_render_dpi / settings.pdf_qr_dpi,
                )
            else:
                img = _render(page, settings.pdf_render_dpi)
                yield RawPage(
                    index=i,
                    source="pdf_scan",
                    image=img,
                    width=img.shape[1],
                    height=img.shape[0],
                )
            page.close()
    finally:
        if plumber is not None:
            plumber.close()
        doc.close()
