"""QR codes on a page (zxing-cpp)."""

from __future__ import annotations

import zxingcpp

from ingest.normalize._common import to_gray
from ingest.pages import Image

_QR = zxingcpp.barcode_formats_from_str("QRCode")


def decode_qr(image: Image) -> list[str]:
    """Payloads of the QR codes found, top to bottom, without duplicates."""
    gray = to_gray(image)
    found: list[tuple[float, str]] = []
    for r in zxingcpp.read_barcodes(gray, formats=_QR):
        if r.valid and r.text:
            found.append((float(r.position.top_left.y), r.text))
    seen: set[str] = set()
    out: list[str] = []
    for _, text in sorted(found):
        if text not in seen:
            seen.add(text)
            out.append(text)
    return out
