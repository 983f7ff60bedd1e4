"""Intake: every accepted type decided from the bytes, and every coded error."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas

from bench.synthetic import encode, render_lines
from ingest import sniff
from ingest.errors import IntakeCode, IntakeError
from ingest.intake import check_file, heif_available, iter_pages
from ingest.settings import IngestSettings

SETTINGS = IngestSettings(data_dir="/nonexistent")


def _page() -> np.ndarray:
    return render_lines(["福建省医疗收费票据", "患者姓名：张三"], size=(600, 800), px=30, margin=40)


def _pil_bytes(fmt: str, **kw: object) -> bytes:
    img = Image.fromarray(_page()[:, :, ::-1])
    buf = io.BytesIO()
    img.save(buf, format=fmt, **kw)
    return buf.getvalue()


def _pdf(pages: int = 1, encrypt: str | None = None) -> bytes:
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4, encrypt=encrypt)
    for i in range(pages):
        c.drawString(72, 720, f"page {i + 1} of a test document with enough text")
        c.showPage()
    c.save()
    return buf.getvalue()


@pytest.mark.parametrize(
    ("fmt", "kw", "media_type"),
    [
        ("JPEG", {"quality": 90}, sniff.JPEG),
        ("PNG", {}, sniff.PNG),
        ("TIFF", {"compression": "tiff_lzw"}, sniff.TIFF),
        ("BMP", {}, sniff.BMP),
        ("WEBP", {"quality": 90}, sniff.WEBP),
    ],
)
def test_image_types_are_decided_from_bytes(fmt: str, kw: dict[str, object], media_type: str):
    data = _pil_bytes(fmt, **kw)
    checked = check_file(data, SETTINGS)
    assert checked.media_type == media_type
    pages = list(iter_pages(data, checked.media_type, SETTINGS))
    assert len(pages) == 1
    assert pages[0].image is not None
    assert pages[0].image.shape == (800, 600, 3)


def test_heic_when_pillow_heif_installs():
    if not heif_available():
        pytest.skip("pillow-heif is not installed")
    try:
        data = _pil_bytes("HEIF", quality=90)
    except (KeyError, OSError, ValueError) as exc:
        pytest.skip(f"pillow-heif cannot encode HEIC here: {exc}")
    checked = check_file(data, SETTINGS)
    assert checked.media_type == sniff.HEIC
    (page,) = iter_pages(data, checked.media_type, SETTINGS)
    assert page.image is not None and page.image.shape[:2] == (800, 600)


def test_multipage_tiff():
    frames = [Image.fromarray(_page()[:, :, ::-1]) for _ in range(3)]
    buf = io.BytesIO()
    frames[0].save(buf, format="TIFF", save_all=True, append_images=frames[1:])
    data = buf.getvalue()
    checked = check_file(data, SETTINGS)
    assert (checked.media_type, checked.page_count) == (sniff.TIFF, 3)
    assert [p.index for p in iter_pages(data, checked.media_type, SETTINGS)] == [0, 1, 2]


def test_tiff_with_too_many_frames():
    frames = [Image.new("L", (50, 50), 255) for _ in range(4)]
    buf = io.BytesIO()
    frames[0].save(buf, format="TIFF", save_all=True, append_images=frames[1:])
    with pytest.raises(IntakeError) as err:
        check_file(buf.getvalue(), SETTINGS.model_copy(update={"max_tiff_frames": 3}))
    assert err.value.code is IntakeCode.TIFF_TOO_MANY_PAGES


def test_name_is_ignored_type_comes_from_bytes():
    assert sniff.sniff(_pil_bytes("PNG")) == sniff.PNG
    assert sniff.sniff(_pdf()) == sniff.PDF
    assert sniff.sniff(b"GIF89a" + b"\0" * 40) is None


def test_exif_orientation_is_honoured():
    img = Image.fromarray(_page()[:, :, ::-1])
    # store the page turned 90° clockwise, with EXIF saying "rotate 90° CW to display" (6)
    stored = img.transpose(Image.Transpose.ROTATE_90)
    exif = Image.Exif()
    exif[0x0112] = 6
    buf = io.BytesIO()
    stored.save(buf, format="JPEG", exif=exif.tobytes(), quality=92)
    (page,) = iter_pages(buf.getvalue(), sniff.JPEG, SETTINGS)
    assert page.image is not None and page.image.shape[:2] == (800, 600)
    assert page.exif_rotation == 90
    diff = np.abs(page.image.astype(int) - _page().astype(int)).mean()
    assert diff < 8


def test_pdf_pages_text_and_scan():
    data = _pdf(pages=2)
    checked = check_file(data, SETTINGS)
    assert (checked.media_type, checked.page_count) == (sniff.PDF, 2)
    pages = list(iter_pages(data, sniff.PDF, SETTINGS))
    assert [p.source for p in pages] == ["pdf_text", "pdf_text"]
    assert pages[0].lines[0].text.startswith("page 1 of a test")
    assert pages[0].width == round(A4[0] * 200 / 72)


def _code(data: bytes, settings: IngestSettings = SETTINGS) -> IntakeCode:
    with pytest.raises(IntakeError) as err:
        check_file(data, settings)
    assert err.value.message_zh  # every code has a Chinese message
    return err.value.code


def test_empty_file():
    assert _code(b"") is IntakeCode.FILE_EMPTY


def test_file_too_large():
    small = SETTINGS.model_copy(update={"max_file_bytes": 1000})
    assert _code(_pil_bytes("PNG"), small) is IntakeCode.FILE_TOO_LARGE


def test_unsupported_type():
    assert _code(b"PK\x03\x04 a zip file, not a scan") is IntakeCode.UNSUPPORTED_TYPE
    assert _code("纯文本文件".encode()) is IntakeCode.UNSUPPORTED_TYPE


def test_truncated_image():
    data = _pil_bytes("JPEG", quality=90)
    truncated = data[: len(data) // 2]
    checked = check_file(truncated, SETTINGS)  # the header is fine
    with pytest.raises(IntakeError) as err:
        list(iter_pages(truncated, checked.media_type, SETTINGS))
    assert err.value.code is IntakeCode.IMAGE_TRUNCATED
    png = _pil_bytes("PNG")
    with pytest.raises(IntakeError) as err:
        list(iter_pages(png[: len(png) // 2], sniff.PNG, SETTINGS))
    assert err.value.code is IntakeCode.IMAGE_TRUNCATED


def test_corrupt_image():
    data = _pil_bytes("PNG")
    assert _code(data[:8] + b"\0" * 100) is IntakeCode.IMAGE_CORRUPT


def test_decompression_bomb():
    # a tiny PNG that declares 30000 x 30000 pixels (900 megapixels)
    img = Image.new("1", (30000, 30000), 1)
    buf = io.BytesIO()
    img.save(buf, format="PNG", optimize=True)
    data = buf.getvalue()
    assert len(data) < 1_000_000
    assert _code(data) is IntakeCode.IMAGE_TOO_MANY_PIXELS
    limited = SETTINGS.model_copy(update={"max_image_pixels": 100_000})
    assert _code(_pil_bytes("PNG"), limited) is IntakeCode.IMAGE_TOO_MANY_PIXELS


def test_encrypted_pdf():
    assert _code(_pdf(encrypt="secret")) is IntakeCode.PDF_ENCRYPTED


def test_corrupt_pdf():
    assert _code(b"%PDF-1.7\n" + b"garbage " * 100) is IntakeCode.PDF_CORRUPT
    data = _pdf()
    assert _code(data[: len(data) // 3]) is IntakeCode.PDF_CORRUPT


def test_pdf_with_too_many_pages():
    limited = SETTINGS.model_copy(update={"max_pdf_pages": 3})
    assert _code(_pdf(pages=4), limited) is IntakeCode.PDF_TOO_MANY_PAGES


def test_scan_only_pdf_is_rendered(tmp_path):
    img_path = tmp_path / "scan.png"
    img_path.write_bytes(encode(_page()))
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    c.drawImage(str(img_path), 0, 0, width=A4[0], height=A4[1])
    c.showPage()
    c.save()
    (page,) = iter_pages(buf.getvalue(), sniff.PDF, SETTINGS)
    assert page.source == "pdf_scan"
    assert page.image is not None
    assert page.image.shape[:2] == (round(A4[1] * 200 / 72), round(A4[0] * 200 / 72))
