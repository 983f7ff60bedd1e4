"""A scanned stack of mailed-in envelopes built from the sample cases, for tests and the batch
benchmark: per envelope its cover sheet (printed by verifier.notice.coversheet and "scanned" at
150 dpi, optionally fed upside down) followed by the case's pages, as a sheet-fed scanner
writes them: multi-page PDFs of JPEG page images, in scan order.
"""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pypdfium2 as pdfium
from PIL import Image

from models.catalog_loader import Catalog
from models.coversheet import CoverSheetRef
from models.facts import Channel

SCAN_DPI = 150
PAGE_DPI = 200


@dataclass(frozen=True)
class Envelope:
    case_dir: Path
    ref: str
    rotate_cover: int = 0
    """Degrees the cover sheet is turned when fed (180: upside down)."""
    drop_pages: tuple[int, ...] = ()
    """0-based pages of the case left out of the envelope."""


def _pdf_images(data: bytes, dpi: int) -> list[Image.Image]:
    doc = pdfium.PdfDocument(data)
    try:
        return [doc[i].render(scale=dpi / 72).to_pil().convert("RGB") for i in range(len(doc))]
    finally:
        doc.close()


def case_pages(case_dir: Path) -> list[Image.Image]:
    """Every page of a case's files, in file order, as page images."""
    pages: list[Image.Image] = []
    for path in sorted(case_dir.iterdir()):
        if path.name in ("case.json", "expected.json") or not path.is_file():
            continue
        if path.suffix.lower() == ".pdf":
            pages.extend(_pdf_images(path.read_bytes(), PAGE_DPI))
        else:
            with Image.open(path) as img:
                pages.append(img.convert("RGB"))
    return pages


def cover_images(
    refs: Sequence[CoverSheetRef], catalog: Catalog | None = None
) -> list[Image.Image]:
    from verifier.notice.coversheet import build_cover_sheets, render_cover_pdf

    catalog = catalog or Catalog.load()
    out: list[Image.Image] = []
    for ref in refs:
        item = catalog.effective(ref.item, ref.region)
        out.extend(_pdf_images(render_cover_pdf(build_cover_sheets(item, [ref])), SCAN_DPI))
    return out


def envelope_pages(envelope: Envelope, catalog: Catalog | None = None) -> list[Image.Image]:
    case = json.loads((envelope.case_dir / "case.json").read_text(encoding="utf-8"))
    ref = CoverSheetRef(
        envelope.ref, case["item"], case.get("region"), Channel(case.get("channel") or "mail")
    )
    cover = cover_images([ref], catalog)
    if envelope.rotate_cover:
        cover = [c.rotate(envelope.rotate_cover, expand=True) for c in cover]
    pages = [p for i, p in enumerate(case_pages(envelope.case_dir)) if i not in envelope.drop_pages]
    return cover + pages


def write_pdf(path: Path, pages: Sequence[Image.Image], dpi: int = PAGE_DPI) -> Path:
    """Pages as one PDF of JPEG images, the way a scanner writes a batch."""
    path.parent.mkdir(parents=True, exist_ok=True)
    buf = io.BytesIO()
    pages[0].save(
        buf, format="PDF", save_all=True, append_images=list(pages[1:]), resolution=dpi, quality=92
    )
    path.write_bytes(buf.getvalue())
    return path
