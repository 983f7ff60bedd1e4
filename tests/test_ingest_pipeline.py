"""The pipeline: originals stored first, text layer instead of OCR, cache, bad files isolated."""

from __future__ import annotations

import io
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from bench.synthetic import add_seal, document_text, encode, qr_image, render_lines
from ingest.cache import PageCache
from ingest.errors import IntakeCode
from ingest.ocr.base import OcrEngine, OcrOutput
from ingest.pages import Image
from ingest.pipeline import Pipeline
from ingest.settings import IngestSettings
from ingest.storage import LocalStorage, original_key, sha256_hex
from models.documents import OcrLine, Quality

pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))


class FakeEngine(OcrEngine):
    """Counts calls; reports one line per call."""

    name = "fake"

    def __init__(self, upside_down: bool = False) -> None:
        self.calls = 0
        self.upside_down = upside_down
        self._lock = threading.Lock()

    @property
    def version(self) -> str:
        return "fake-1"

    def recognize(self, image: Image) -> OcrOutput:
        with self._lock:  # pages may be read on several threads
            self.calls += 1
        line = OcrLine(
            text="识别结果", polygon=[(10, 10), (90, 10), (90, 40), (10, 40)], confidence=0.9
        )
        return OcrOutput([line], self.upside_down)


def _pipeline(tmp_path: Path, engine: OcrEngine | None = None) -> tuple[Pipeline, FakeEngine]:
    fake = FakeEngine()
    settings = IngestSettings(data_dir=tmp_path)
    return Pipeline(LocalStorage(tmp_path / "store"), engine or fake, settings), fake


def _digital_pdf(qr_png: Path | None = None, scanned_page: Path | None = None) -> bytes:
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    c.setFont("STSong-Light", 14)
    y = 780
    for line in ["福建省医疗门诊收费票据（电子）", "交款人：林晓梅", "金额合计：1234.50"]:
        c.drawString(72, y, line)
        y -= 28
    c.drawString(72, y, "项目 床位费")
    c.drawString(360, y, "金额 520.00")
    if qr_png is not None:
        c.drawImage(str(qr_png), 400, 600, width=120, height=120)
    c.showPage()
    if scanned_page is not None:
        c.drawImage(str(scanned_page), 0, 0, width=A4[0], height=A4[1])
        c.showPage()
    c.save()
    return buf.getvalue()


def test_digital_pdf_uses_text_layer_not_ocr(tmp_path: Path):
    qr = tmp_path / "qr.png"
    qr.write_bytes(encode(qr_image("01,32,035001900111,12345678,1234.50,20240315")))
    pipeline, fake = _pipeline(tmp_path)
    result = pipeline.process(_digital_pdf(qr), "invoice.pdf")
    assert result.ok, result.error
    assert fake.calls == 0
    (pr,) = result.pages
    page = pr.page
    assert page.source == "text_layer" and page.quality is Quality.OK
    texts = [ln.text for ln in page.lines]
    assert texts[:3] == ["福建省医疗门诊收费票据（电子）", "交款人：林晓梅", "金额合计：1234.50"]
    assert "项目 床位费" in texts and "金额 520.00" in texts  # far apart: two lines
    assert page.qr_payloads == ["01,32,035001900111,12345678,1234.50,20240315"]
    first = page.lines[0].bbox
    assert first.x0 == pytest.approx(72 * 200 / 72, abs=2)  # page pixels at 200 dpi


def test_mixed_pdf_page_by_page(tmp_path: Path):
    scan = tmp_path / "scan.png"
    scan.write_bytes(encode(render_lines(document_text(seed=4))))
    pipeline, fake = _pipeline(tmp_path)
    result = pipeline.process(_digital_pdf(scanned_page=scan), "mixed.pdf")
    assert result.ok, result.error
    assert [p.page.source for p in result.pages] == ["text_layer", "ocr"]
    assert fake.calls == 1


def test_original_stored_unmodified_and_cache_hit(tmp_path: Path):
    img = render_lines(document_text(seed=2))
    add_seal(img, (1000, 400))
    data = encode(img, ".jpg")
    pipeline, fake = _pipeline(tmp_path)
    first = pipeline.process(data, "photo.jpg")
    # the page, then the seal's region in its two views (red channel, seal faded)
    assert first.ok and fake.calls == 3 and not first.pages[0].cached
    sha = sha256_hex(data)
    assert first.source is not None and first.source.sha256 == sha
    assert first.source.media_type == "image/jpeg"
    assert pipeline.storage.get(original_key(sha)) == data
    assert pipeline.storage.exists(PageCache.image_key(sha, 0))
    assert first.pages[0].page.seals  # the red seal was found
    second = pipeline.process(data, "same-photo-again.jpg")
    assert fake.calls == 3  # not OCR'd twice
    assert second.pages[0].cached
    assert second.pages[0].page == first.pages[0].page
    # another engine version is another cache entry
    other = FakeEngine()
    other_pipeline = Pipeline(pipeline.storage, other, pipeline.settings)
    type(other).version = property(lambda self: "fake-2")  # type: ignore[assignment]
    try:
        other_pipeline.process(data, "photo.jpg")
    finally:
        type(other).version = FakeEngine.version  # type: ignore[assignment]
    assert other.calls == 3


def test_upside_down_report_turns_the_page(tmp_path: Path):
    pipeline, _ = _pipeline(tmp_path, FakeEngine(upside_down=True))
    result = pipeline.process(encode(render_lines(document_text(seed=3))), "p.png")
    page = result.pages[0].page
    assert page.rotation == 180
    (line,) = page.lines
    assert line.bbox.x0 == pytest.approx(page.width - 90) and line.bbox.y1 == pytest.approx(
        page.height - 10
    )


def test_one_bad_file_does_not_lose_the_others(tmp_path: Path):
    good = encode(render_lines(document_text(seed=5)))
    files = [
        ("a.png", good),
        ("empty.jpg", b""),
        ("notes.txt", "不是图片".encode()),
        ("broken.pdf", b"%PDF-1.4\n" + b"x" * 200),
        ("b.pdf", _digital_pdf()),
    ]
    pipeline, fake = _pipeline(tmp_path)
    results = pipeline.process_batch(files)
    assert [r.error.code if r.error else None for r in results] == [
        None,
        IntakeCode.FILE_EMPTY,
        IntakeCode.UNSUPPORTED_TYPE,
        IntakeCode.PDF_CORRUPT,
        None,
    ]
    assert [p.page.number for r in results for p in r.pages] == [1, 2]
    # even rejected files were stored first (except an empty one)
    assert pipeline.storage.exists(original_key(sha256_hex(b"%PDF-1.4\n" + b"x" * 200)))
    assert fake.calls == 1


def test_truncated_tiff_keeps_good_pages(tmp_path: Path):
    from PIL import Image as PILImage

    frames = [
        PILImage.fromarray(render_lines(["第一页"], size=(400, 300), px=30)[:, :, ::-1]),
        PILImage.fromarray(np.random.default_rng(0).integers(0, 255, (300, 400, 3), np.uint8)),
    ]
    buf = io.BytesIO()
    frames[0].save(buf, format="TIFF", save_all=True, append_images=frames[1:])
    data = buf.getvalue()
    pipeline, _ = _pipeline(tmp_path)
    result = pipeline.process(data[: len(data) - 200_000], "scan.tiff")
    assert result.error is not None
    assert result.error.code in {IntakeCode.IMAGE_TRUNCATED, IntakeCode.IMAGE_CORRUPT}
    assert [p.page.ref.index for p in result.pages] == [0]


class SlowEngine(FakeEngine):
    """Reads a page in 0.2 s as its size, notes how many pages were being read at once, and
    fails on a page whose first pixel is pure red."""

    def __init__(self) -> None:
        super().__init__()
        self.running = 0
        self.most_at_once = 0

    def recognize(self, image: Image) -> OcrOutput:
        with self._lock:
            self.running += 1
            self.most_at_once = max(self.most_at_once, self.running)
        try:
            time.sleep(0.2)
            if tuple(image[0, 0]) == (0, 0, 255):
                raise RuntimeError("engine failure")
            out = super().recognize(image)
            text = f"{image.shape[1]}×{image.shape[0]}"
            return OcrOutput([out.lines[0].model_copy(update={"text": text})], False)
        finally:
            with self._lock:
                self.running -= 1


def _numbered_page(n: int, *, poisoned: bool = False) -> bytes:
    img = render_lines(document_text(seed=n), size=(500 + 60 * n, 400), px=24)
    if poisoned:
        img[0, 0] = (0, 0, 255)
    return encode(img)


def test_pages_read_side_by_side_in_submission_order(tmp_path: Path):
    files = [(f"p{n}.png", _numbered_page(n)) for n in range(1, 7)]
    seen: dict[int, int] = {}
    texts: dict[int, list[str]] = {}
    for workers in (1, 2):
        engine = SlowEngine()
        settings = IngestSettings(data_dir=tmp_path / str(workers), page_workers=workers)
        pipeline = Pipeline(LocalStorage(tmp_path / f"store{workers}"), engine, settings)
        results = pipeline.process_batch(files)
        pipeline.close()
        seen[workers] = engine.most_at_once
        assert [r.filename for r in results] == [name for name, _ in files]
        assert [p.page.number for r in results for p in r.pages] == list(range(1, 7))
        texts[workers] = [r.pages[0].page.lines[0].text for r in results]
    assert len(set(texts[1])) == 6  # each page its own reading
    assert texts[2] == texts[1]  # ... attached to its own file, in order
    assert seen == {1: 1, 2: 2}  # two pages in flight, never more


def test_a_failing_page_thread_fails_only_its_file(tmp_path: Path):
    files = [
        ("a.png", _numbered_page(1)),
        ("bad.png", _numbered_page(2, poisoned=True)),
        ("c.png", _numbered_page(3)),
    ]
    settings = IngestSettings(data_dir=tmp_path, page_workers=2)
    pipeline = Pipeline(LocalStorage(tmp_path / "store"), SlowEngine(), settings)
    results = pipeline.process_many(files)
    assert [r.error.code if r.error else None for r in results] == [
        None,
        IntakeCode.PROCESSING_FAILED,
        None,
    ]
    assert [len(r.pages) for r in results] == [1, 0, 1]
    # the failed file's original is kept for a retry
    assert pipeline.storage.exists(original_key(sha256_hex(files[1][1])))
