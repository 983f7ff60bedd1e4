"""The media type of a file, decided from its bytes (never from its name)."""

from __future__ import annotations

import io
import re
import zipfile

JPEG = "image/jpeg"
PNG = "image/png"
TIFF = "image/tiff"
BMP = "image/bmp"
WEBP = "image/webp"
HEIC = "image/heic"
PDF = "application/pdf"

IMAGE_TYPES = frozenset({JPEG, PNG, TIFF, BMP, WEBP, HEIC})
SUPPORTED_TYPES = IMAGE_TYPES | {PDF}

_HEIF_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1"}


def sniff(data: bytes) -> str | None:
    """The media type for the leading bytes, or None when it is none we accept."""
    head = data[:64]
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith((b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+")):
        return TIFF
    if head.startswith(b"BM") and len(data) > 26:
        return BMP
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return WEBP
    if head[4:8] == b"ftyp" and head[8:12] in _HEIF_BRANDS:
        return HEIC
    # PDF readers accept the header anywhere in the first KiB (some scanners prepend junk)
    if b"%PDF-" in data[:1024]:
        return PDF
    return None


_MARKUP = re.compile(
    rb"<\s*(?:html|head|body|script|iframe|svg|object|embed|meta|img|!doctype|\?xml)", re.I
)


def polyglot(data: bytes, media_type: str) -> str | None:
    """What else the bytes are besides `media_type` (a ZIP archive, an HTML page), or None.

    A scan is never also an archive; and the junk PDF readers tolerate before `%PDF-` is a
    scanner's, never markup a browser would run."""
    if media_type == PDF:
        prefix = data[: data.find(b"%PDF-")]
        if _MARKUP.search(prefix):
            return "html"
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if archive.namelist():
                return "zip"
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        pass
    return None
