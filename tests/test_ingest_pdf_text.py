"""PDF text layers pdfminer cannot read (fpdf2 with an embedded CJK font) come from pdfium."""

from __future__ import annotations

import io
from pathlib import Path

import cv2
import numpy as np
import pdfplumber
import pypdfium2 as pdfium
import pytest
from fpdf import FPDF

from ingest import pdf as ingest_pdf
from ingest.intake import iter_pages
from ingest.ocr.base import OcrEngine, OcrOutput
from ingest.pages import Image, RawPage
from ingest.pipeline import Pipeline
from ingest.settings import IngestSettings
from ingest.storage import LocalStorage
from models.documents import OcrLine

pylopdf_fonts_zh_cn = pytest.importorskip("pylopdf_fonts_zh_cn")

SETTINGS = IngestSettings(data_dir="/nonexistent")
PX = 200 / 72  # page pixels per point at the render dpi

# (x, baseline y) in points from the top-left, font size, text
TEXTS = [
    (150.0, 60.0, 17, "医疗门诊收费票据（电子）"),
    (30.0, 100.0, 9, "票据代码：35010125"),
    (420.0, 100.0, 9, "票据号码：0074505875"),
    (30.0, 120.0, 9, "校验码：0d8cf9"),
    (30.0, 180.0, 10, "金额合计（小写）¥184.40"),
    (400.0, 180.0, 10, "个人现金支付：184.40"),
]


class NoOcr(OcrEngine):
    name = "none"

    def __init__(self) -> None:
        self.calls = 0

    @property
    def version(self) -> str:
        return "none-1"

    def recognize(self, image: Image) -> OcrOutput:
        self.calls += 1
        return OcrOutput([], False)


def _fpdf_invoice(rotation: int = 0) -> bytes:
    """A landscape e-invoice like the samples: fpdf2, NotoSansSC embedded, points.

    With a /Rotate, the content is drawn turned the other way, so it reads upright on screen.
    """
    width, height = 595.28, 396.85
    pw, ph = (height, width) if rotation in (90, 270) else (width, height)
    pdf = FPDF(unit="pt", format=(pw, ph))
    pdf.add_page()
    pdf.add_font("sc", fname=str(pylopdf_fonts_zh_cn.sans_path()))
    angle = {0: 0, 90: 90, 180: 180, 270: -90}[rotation]
    with pdf.rotation(angle, pw / 2, ph / 2):
        ox, oy = (pw - width) / 2, (ph - height) / 2
        for x, y, size, text in TEXTS:
            pdf.set_font("sc", size=size)
            pdf.text(ox + x, oy + y, text)
        pdf.rect(ox + 20, oy + 140, 555, 60)
    data = bytes(pdf.output())
    if rotation:
        doc = pdfium.PdfDocument(data)
        doc[0].set_rotation(rotation)
        buf = io.BytesIO()
        doc.save(buf)
        doc.close()
        data = buf.getvalue()
    return data


def _line(lines: list[OcrLine], text: str) -> OcrLine:
    (line,) = [ln for ln in lines if ln.text == text]
    return line


def _ink_box(img: np.ndarray, x0: float, y0: float, x1: float, y1: float) -> tuple[int, ...]:
    """The bounding box of the dark pixels of a region (padded) of a rendered page."""
    pad = 10
    ys, xs = slice(int(y0) - pad, int(y1) + pad), slice(int(x0) - pad, int(x1) + pad)
    gray = cv2.cvtColor(img[ys, xs], cv2.COLOR_BGR2GRAY)
    py, px = np.nonzero(gray < 128)
    return (
        int(x0) - pad + int(px.min()),
        int(y0) - pad + int(py.min()),
        int(x0) - pad + int(px.max()),
        int(y0) - pad + int(py.max()),
    )


def test_pdfplumber_reads_nothing_from_these_pdfs():
    """The reason for the pdfium path (if pdfminer learns these fonts, the path is idle)."""
    data = _fpdf_invoice()
    with pdfplumber.open(io.BytesIO(data)) as plumber:
        plumber_chars = len(plumber.pages[0].chars)
    doc = pdfium.PdfDocument(data)
    textpage = doc[0].get_textpage()
    assert "票据代码：35010125" in textpage.get_text_range()
    textpage.close()
    doc.close()
    assert plumber_chars in (0, len("".join(t for *_, t in TEXTS)))


def test_text_and_boxes_from_pdfium():
    (page,) = iter_pages(_fpdf_invoice(), "application/pdf", SETTINGS)
    assert page.source == "pdf_text"
    assert (page.width, page.height) == (round(595.28 * PX), round(396.85 * PX))
    texts = [ln.text for ln in page.lines]
    assert texts == [
        "医疗门诊收费票据（电子）",
        "票据代码：35010125",
        "票据号码：0074505875",
        "校验码：0d8cf9",
        "金额合计（小写）¥184.40",
        "个人现金支付：184.40",
    ]
    # boxes in 200-dpi page pixels, top-left origin: the line starts at x, spans the baseline
    for x, y, size, text in TEXTS:
        box = _line(page.lines, text).bbox
        assert box.x0 == pytest.approx(x * PX, abs=3), text
        assert box.y0 < y * PX < box.y1, text
        assert box.y1 - box.y0 == pytest.approx(size * PX, rel=0.15), text
    # and on the rendered page, each box covers the printed glyphs
    assert page.image is not None
    img = cv2.resize(page.image, (page.width, page.height), interpolation=cv2.INTER_CUBIC)
    for line in page.lines:
        b = line.bbox
        ix0, iy0, ix1, iy1 = _ink_box(img, b.x0, b.y0, b.x1, b.y1)
        tol = 0.25 * (b.y1 - b.y0)
        assert b.x0 - tol <= ix0 and ix1 <= b.x1 + tol, line.text
        assert b.y0 - tol <= iy0 and iy1 <= b.y1 + tol, line.text
        assert (iy1 - iy0) > 0.6 * (b.y1 - b.y0), line.text


def _glyph_ink(page: RawPage) -> tuple[int, int]:
    """Dark pixels of the page at the render dpi inside the line boxes, and in all."""
    assert page.image is not None
    img = cv2.resize(page.image, (page.width, page.height), interpolation=cv2.INTER_CUBIC)
    dark = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY) < 128
    inside = np.zeros_like(dark)
    for line in page.lines:
        b = line.bbox
        inside[max(0, int(b.y0) - 3) : int(b.y1) + 3, max(0, int(b.x0) - 3) : int(b.x1) + 3] = 1
    return int(np.count_nonzero(dark & inside)), int(np.count_nonzero(dark))


@pytest.mark.parametrize("rotation", [90, 180, 270])
def test_rotated_page_boxes_are_on_the_displayed_page(rotation: int):
    (page,) = iter_pages(_fpdf_invoice(rotation), "application/pdf", SETTINGS)
    (upright,) = iter_pages(_fpdf_invoice(), "application/pdf", SETTINGS)
    assert page.source == "pdf_text"
    assert (page.width, page.height) == (upright.width, upright.height)
    assert [ln.text for ln in page.lines] == [ln.text for ln in upright.lines]
    for a, b in zip(page.lines, upright.lines, strict=True):
        assert np.abs(np.array(a.polygon) - np.array(b.polygon)).max() < 3, a.text
    in_boxes, _ = _glyph_ink(page)
    upright_in_boxes, upright_all = _glyph_ink(upright)
    assert upright_in_boxes > 0.3 * upright_all  # the rest is the ruled rectangle
    assert in_boxes == pytest.approx(upright_in_boxes, rel=0.1)


def test_pdfium_lines_match_pdfplumber_lines(monkeypatch: pytest.MonkeyPatch):
    """Where pdfminer does read the text (a reportlab PDF), both paths give the same lines."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    c.setFont("Helvetica", 14)
    c.drawString(72, 780, "Outpatient invoice number 0074505875")
    c.drawString(72, 752, "Total 184.40")
    c.drawString(360, 752, "Cash 184.40")
    c.showPage()
    c.save()
    data = buf.getvalue()
    (plumber_page,) = iter_pages(data, "application/pdf", SETTINGS)
    monkeypatch.setattr(ingest_pdf, "_plumber_words", lambda plumber, index: [])
    (pdfium_page,) = iter_pages(data, "application/pdf", SETTINGS)
    assert [ln.text for ln in pdfium_page.lines] == [ln.text for ln in plumber_page.lines]
    assert [ln.text for ln in pdfium_page.lines] == [
        "Outpatient invoice number 0074505875",
        "Total 184.40",
        "Cash 184.40",
    ]
    for a, b in zip(pdfium_page.lines, plumber_page.lines, strict=True):
        assert np.abs(np.array(a.polygon) - np.array(b.polygon)).max() < 6, a.text


def test_pipeline_reads_the_text_layer_without_ocr(tmp_path: Path):
    engine = NoOcr()
    pipeline = Pipeline(LocalStorage(tmp_path / "store"), engine, IngestSettings(data_dir=tmp_path))
    result = pipeline.process(_fpdf_invoice(), "einvoice.pdf")
    assert result.ok, result.error
    assert engine.calls == 0
    (pr,) = result.pages
    assert pr.page.source == "text_layer"
    text = "\n".join(ln.text for ln in pr.page.lines)
    assert "票据代码：35010125" in text and "票据号码：0074505875" in text
    assert "¥184.40" in text


def test_page_without_any_text_is_ocred(tmp_path: Path):
    pdf = FPDF(unit="pt", format="A4")
    pdf.add_page()
    pdf.rect(50, 50, 400, 300)
    engine = NoOcr()
    pipeline = Pipeline(LocalStorage(tmp_path / "store"), engine, IngestSettings(data_dir=tmp_path))
    result = pipeline.process(bytes(pdf.output()), "blank.pdf")
    assert result.ok, result.error
    assert engine.calls == 1 and result.pages[0].page.source == "ocr"
