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
import pypdfium2.raw as pdfium_c

from ingest.errors import IntakeCode, IntakeError
from ingest.pages import Image, RawPage
from ingest.settings import IngestSettings
from models.documents import OcrLine


def open_pdf(
    data: bytes, settings: IngestSettings, *, check_pages: bool = True
) -> pdfium.PdfDocument:
    """Open and validate a PDF: encryption, corruption, page count and (unless `check_pages`
    is false) every page's size, which makes pdfium parse each page's content."""
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
    if check_pages:
        try:
            check_page_sizes(doc, settings)
        except IntakeError:
            doc.close()
            raise
    return doc


def check_page_sizes(doc: pdfium.PdfDocument, settings: IngestSettings) -> None:
    """Every page loads and renders within the pixel limit at the render resolution."""
    scale = settings.pdf_render_dpi / 72
    for i in range(len(doc)):
        try:
            w, h = doc[i].get_size()
        except pdfium.PdfiumError as exc:  # a page tree pdfium cannot walk (too deep, cyclic)
            raise IntakeError(
                IntakeCode.PDF_CORRUPT, detail={"page": i, "reason": str(exc)}
            ) from None
        if w * h * scale * scale > settings.max_image_pixels:
            raise IntakeError(
                IntakeCode.IMAGE_TOO_MANY_PIXELS,
                detail={"page": i, "pixels": int(w * h * scale * scale)},
            )


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


def _printable(text: str) -> int:
    return sum(1 for c in text if not c.isspace())


class _PageFrame:
    """PDF user space -> points from the top-left of the page as displayed (crop box, /Rotate)."""

    def __init__(self, page: pdfium.PdfPage) -> None:
        self.left, self.bottom, self.right, self.top = page.get_bbox()
        self.rotation = page.get_rotation() % 360

    def box(self, x0: float, y0: float, x1: float, y1: float) -> tuple[float, float, float, float]:
        """A PDF box (left, bottom, right, top) as (x0, top, x1, bottom) on the displayed page."""
        if self.rotation == 90:
            xs, ys = (y0 - self.bottom, y1 - self.bottom), (x0 - self.left, x1 - self.left)
        elif self.rotation == 180:
            xs, ys = (self.right - x1, self.right - x0), (y0 - self.bottom, y1 - self.bottom)
        elif self.rotation == 270:
            xs, ys = (self.top - y1, self.top - y0), (self.right - x1, self.right - x0)
        else:
            xs, ys = (x0 - self.left, x1 - self.left), (self.top - y1, self.top - y0)
        return min(xs), min(ys), max(xs), max(ys)


def _pdfium_chars(textpage: pdfium.PdfTextPage, frame: _PageFrame) -> list[dict[str, Any]]:
    """The page's printed characters with em-high boxes, in points from the top-left."""
    raw = textpage.raw
    chars: list[dict[str, Any]] = []
    n = textpage.count_chars()
    i = 0
    while i < n:
        index = i
        code = pdfium_c.FPDFText_GetUnicode(raw, i)
        i += 1
        if 0xD800 <= code < 0xDC00 and i < n:  # a surrogate pair is two char slots
            low = pdfium_c.FPDFText_GetUnicode(raw, i)
            if 0xDC00 <= low < 0xE000:
                code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                i += 1
        if code == 0 or pdfium_c.FPDFText_IsGenerated(raw, index) == 1:
            continue
        char = chr(code)
        if char.isspace():
            chars.append({"space": True})
            continue
        left, bottom, right, top = textpage.get_charbox(index, loose=True)
        if right <= left or top <= bottom:
            left, bottom, right, top = textpage.get_charbox(index)
        x0, y0, x1, y1 = frame.box(left, bottom, right, top)
        # the loose box spans the font's ascent..descent (~1.4 em for CJK fonts): keep one em
        # centred on it, like pdfminer's boxes (height = font size)
        size = float(pdfium_c.FPDFText_GetFontSize(raw, index))
        if 0.4 * (y1 - y0) <= size < y1 - y0:
            middle = (y0 + y1) / 2
            y0, y1 = middle - size / 2, middle + size / 2
        chars.append({"text": char, "x0": x0, "x1": x1, "top": y0, "bottom": y1})
    return chars


def _chars_to_words(
    chars: list[dict[str, Any]], x_tolerance: float = 1.5, y_tolerance: float = 2.0
) -> list[dict[str, Any]]:
    """Runs of characters in content order on one baseline without a gap (pdfplumber's words)."""
    words: list[dict[str, Any]] = []
    word: dict[str, Any] | None = None
    for c in chars:
        if c.get("space"):
            word = None
            continue
        if (
            word is not None
            and abs(c["top"] - word["top"]) <= y_tolerance
            and -x_tolerance <= c["x0"] - word["x1"] <= x_tolerance
        ):
            word["text"] += c["text"]
            word["x1"] = max(word["x1"], c["x1"])
            word["bottom"] = max(word["bottom"], c["bottom"])
            continue
        word = dict(c)
        words.append(word)
    return words


def _pdfium_words(page: pdfium.PdfPage, textpage: pdfium.PdfTextPage) -> list[dict[str, Any]]:
    return _chars_to_words(_pdfium_chars(textpage, _PageFrame(page)))


def _plumber_words(plumber: Any, index: int) -> list[dict[str, Any]]:
    """pdfplumber's words, or none when pdfminer cannot read the page (bad font, bad stream)."""
    try:
        ppage = plumber.pages[index]
        words: list[dict[str, Any]] = ppage.extract_words(
            x_tolerance=1.5, y_tolerance=2, keep_blank_chars=False
        )
        ppage.close()
    except Exception:  # pdfminer raises many kinds on malformed fonts and streams
        return []
    return words


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
            try:
                text = textpage.get_text_range() if textpage.count_chars() else ""
                words: list[dict[str, Any]] = []
                if _usable_text(text, settings.pdf_text_layer_min_chars):
                    if plumber is None:
                        plumber = pdfplumber.open(io.BytesIO(data))
                    words = _plumber_words(plumber, i)
                    found = "".join(str(w["text"]) for w in words)
                    # pdfminer reads nothing from some embedded CJK fonts (fpdf2's e-invoices)
                    # that pdfium reads fine: then the words come from pdfium's text page
                    few = _printable(found) < 0.8 * _printable(text)
                    if few or not _usable_text(found, settings.pdf_text_layer_min_chars):
                        fallback = _pdfium_words(page, textpage)
                        if _printable("".join(w["text"] for w in fallback)) > _printable(found):
                            words = fallback
            finally:
                textpage.close()
            if words:
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
