"""A PDF's structure checked before any page is read: no scripts or launch actions, no
decompression bombs, no pathologically nested objects.

qpdf (pikepdf) walks every object, including those inside object streams; it is fast and
refuses structures nested deeper than it can represent. Streams are inflated in bounded steps
and their output discarded, so a bomb is measured without being held in memory.
"""

from __future__ import annotations

import io
import zlib
from collections.abc import Iterator

import pikepdf

from ingest.errors import IntakeCode, IntakeError
from ingest.settings import IngestSettings

MAX_DEPTH = 64
"""Deepest nesting of arrays and dictionaries in one object (pdfium's own parser limit)."""
MAX_OBJECTS = 200_000
"""More objects than any scan or e-invoice of at most `max_pdf_pages` pages holds."""

_ACTIONS = {"/JavaScript", "/Launch", "/ImportData", "/RichMedia"}
"""Actions that run code or other programs, or pull content in, when the PDF is opened."""
_INFLATE_STEP = 1 << 20


def check_pdf_structure(data: bytes, settings: IngestSettings) -> None:
    """Raise a coded IntakeError when the PDF's structure is hostile; return when it is fine."""
    try:
        pdf = pikepdf.open(io.BytesIO(data))
    except pikepdf.PasswordError:
        raise IntakeError(IntakeCode.PDF_ENCRYPTED) from None
    except pikepdf.PdfError as exc:
        if "nested" in str(exc):
            raise IntakeError(IntakeCode.PDF_TOO_COMPLEX, detail={"reason": "nesting"}) from None
        raise IntakeError(IntakeCode.PDF_CORRUPT, detail={"reason": "structure"}) from None
    with pdf:
        for count, obj in enumerate(pdf.objects):
            if count > MAX_OBJECTS:
                raise IntakeError(IntakeCode.PDF_TOO_COMPLEX, detail={"objects": count})
            for node in _direct_parts(obj):
                _check_node(node, settings)
        if any("deeply nested" in w for w in pdf.get_warnings()):
            raise IntakeError(IntakeCode.PDF_TOO_COMPLEX, detail={"reason": "nesting"})


def _direct_parts(obj: pikepdf.Object) -> Iterator[pikepdf.Object]:
    """The object and every array or dictionary written inside it (not following references),
    refusing nesting deeper than MAX_DEPTH."""
    stack = [(obj, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise IntakeError(IntakeCode.PDF_TOO_COMPLEX, detail={"reason": "nesting"})
        if isinstance(node, pikepdf.Array):
            children = list(node)
        elif isinstance(node, (pikepdf.Dictionary, pikepdf.Stream)):
            yield node
            children = list(node.values())
        else:
            continue
        stack.extend(
            (c, depth + 1)
            for c in children
            if isinstance(c, (pikepdf.Array, pikepdf.Dictionary)) and not c.is_indirect
        )


def _check_node(node: pikepdf.Object, settings: IngestSettings) -> None:
    action = node.get("/S")
    if "/JS" in node or (isinstance(action, pikepdf.Name) and str(action) in _ACTIONS):
        raise IntakeError(
            IntakeCode.PDF_ACTIVE_CONTENT, detail={"action": str(action) if action else "/JS"}
        )
    if isinstance(node, pikepdf.Stream):
        _check_stream(node, settings)


def _check_stream(stream: pikepdf.Stream, settings: IngestSettings) -> None:
    filters = stream.get("/Filter")
    first = filters[0] if isinstance(filters, pikepdf.Array) and len(filters) else filters
    if first is None or str(first) != "/FlateDecode":
        return
    limit = settings.max_pdf_stream_bytes
    if stream.get("/Subtype") == pikepdf.Name.Image:
        width, height = int(stream.get("/Width", 0)), int(stream.get("/Height", 0))
        if width * height > settings.max_image_pixels:
            raise IntakeError(
                IntakeCode.IMAGE_TOO_MANY_PIXELS,
                detail={"pixels": width * height, "limit": settings.max_image_pixels},
            )
        # 4 bytes a pixel (CMYK) at 8 bits: what a declared image can legitimately inflate to
        limit = max(limit, width * height * 4 + 4096)
    if _inflated_size(stream.read_raw_bytes(), limit) > limit:
        raise IntakeError(IntakeCode.PDF_TOO_COMPLEX, detail={"reason": "stream", "limit": limit})


def _inflated_size(raw: bytes, limit: int) -> int:
    """Bytes `raw` inflates to, counted up to just over `limit` (output discarded)."""
    inflater = zlib.decompressobj()
    total = 0
    pending = raw
    try:
        while pending and total <= limit:
            total += len(inflater.decompress(pending, _INFLATE_STEP))
            if inflater.eof:
                break
            pending = inflater.unconsumed_tail
    except zlib.error:
        return total  # a damaged stream is the renderer's problem, not a bomb
    return total
