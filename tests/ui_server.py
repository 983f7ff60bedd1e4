"""The real server for the browser tests: `yibao serve`'s embedded default (uvicorn, SQLite and
local storage under YIBAO_DATA_DIR, tasks in-process, real verification, decision and notices),
with the fake OCR engine and extractor of tests.api_support so a case takes seconds, not the
minutes real OCR takes on a shared 2-core machine.

    python -m tests.ui_server PORT FILES_DIR

writes the pages of a 住院费用报销 defect case to FILES_DIR (each field drawn where its box
says, so boxes and crops show the values) and serves until terminated. The invoice total
differs from the expense-list total (AMOUNT_MISMATCH) and the list carries another patient
name (NAME_MISMATCH).
"""

from __future__ import annotations

import io
import logging
import sys
from decimal import Decimal
from pathlib import Path

import uvicorn
from PIL import Image, ImageDraw

from api.app import create_app
from api.runtime import Runtime
from api.settings import ServiceSettings
from bench.synthetic import font
from ingest.settings import IngestSettings
from models.documents import BBox, Document
from models.fields import FIELDS
from tests.api_support import FakeEngine, FakeExtractor, case_documents
from tests.builders import set_field

PAGE_WIDTH = 1000
LINE_HEIGHT = 46
TOP = 110


def defect_documents() -> dict[str, Document]:
    docs = case_documents()
    docs["invoice"] = set_field([docs["invoice"]], docs["invoice"].id, total=Decimal("500.00"))[0]
    docs["list"] = set_field([docs["list"]], docs["list"].id, patient_name="王小明")[0]
    return docs


def clean_documents() -> dict[str, Document]:
    docs = case_documents()
    invoice = docs["invoice"]
    docs["invoice"] = set_field([invoice], invoice.id, invoice_number="00067890")[0]
    return docs


def draw_document(document: Document) -> tuple[bytes, Document]:
    """A page showing the document's fields, and the document with boxes around them."""
    labels = FIELDS.get(document.kind, {})
    shown = [
        (name, f)
        for name, f in document.fields.items()
        if not isinstance(f.value, (list, dict)) and f.value is not None
    ]
    height = TOP + LINE_HEIGHT * len(shown) + 60
    img = Image.new("RGB", (PAGE_WIDTH, height), "white")
    draw = ImageDraw.Draw(img)
    draw.text((60, 36), document.kind.label, font=font(36), fill=(20, 20, 20))
    body = font(26)
    # fields not drawn (line items, amounts by category) have no place on this page
    fields = {name: f.model_copy(update={"bbox": None}) for name, f in document.fields.items()}
    for n, (name, f) in enumerate(shown):
        y = TOP + LINE_HEIGHT * n
        label = labels.get(name, ("str", name))[1]
        draw.text((60, y), f"{label}：", font=body, fill=(60, 60, 60))
        x0 = 60 + int(draw.textlength(f"{label}：", font=body))
        text = "是" if f.value is True else "否" if f.value is False else str(f.value)
        draw.text((x0, y), text, font=body, fill=(10, 10, 10))
        box = BBox(x0=x0 - 4, y0=y - 2, x1=x0 + draw.textlength(text, font=body) + 4, y1=y + 34)
        fields[name] = f.model_copy(update={"bbox": box})
    out = io.BytesIO()
    img.save(out, "PNG")
    return out.getvalue(), document.model_copy(update={"fields": fields})


def main(port: int, files_dir: Path) -> None:
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    files_dir.mkdir(parents=True, exist_ok=True)
    extractor = FakeExtractor()
    for n, (role, document) in enumerate(defect_documents().items(), 1):
        png, placed = draw_document(document)
        extractor.register(png, placed)
        (files_dir / f"scan_{n:02d}_{role}.png").write_bytes(png)
    # a correct case as well (another invoice), for a queue with more than one row
    clean = files_dir / "clean"
    clean.mkdir(exist_ok=True)
    for role, document in clean_documents().items():
        png, placed = draw_document(document)
        extractor.register(png, placed)
        (clean / f"{role}.png").write_bytes(png)
    settings = ServiceSettings()
    rt = Runtime.from_settings(settings, IngestSettings(), engine=FakeEngine(), extract=extractor)
    uvicorn.run(create_app(rt), host="127.0.0.1", port=port, log_level="info")


if __name__ == "__main__":
    main(int(sys.argv[1]), Path(sys.argv[2]))
