"""The OCR engines on small generated pages (RapidOCR is loaded once per process)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from numpy.typing import NDArray

from bench.cer import cer
from bench.synthetic import document_text, encode, render_lines, rotate
from ingest.ocr import EngineUnavailableError, get_engine
from ingest.ocr.base import reading_order
from ingest.ocr.paddle import paddle_unavailable_reason
from ingest.ocr.rapid import load_rapidocr
from ingest.pipeline import Pipeline
from ingest.settings import IngestSettings
from ingest.storage import LocalStorage
from models.documents import OcrLine

SETTINGS = IngestSettings(data_dir="/nonexistent")
LINES = ["福建省医疗收费票据", "患者姓名：林晓梅", "金额合计：1234.50元"]


def _small_page() -> np.ndarray:
    return render_lines(LINES, size=(900, 400), px=36, margin=40)


def _ordered_text(lines: list[OcrLine]) -> str:
    return "\n".join(ln.text for ln in lines)


def test_reading_order_rows_then_columns():
    def box(text: str, x: float, y: float) -> OcrLine:
        return OcrLine(
            text=text, polygon=[(x, y), (x + 50, y), (x + 50, y + 20), (x, y + 20)], confidence=1
        )

    lines = [box("c", 10, 100), box("b", 300, 12), box("a", 10, 10), box("d", 300, 101)]
    assert [ln.text for ln in reading_order(lines)] == ["a", "b", "c", "d"]


def test_rapidocr_reads_chinese():
    engine = get_engine(SETTINGS, "rapidocr")
    out = engine.recognize(_small_page())
    assert cer("\n".join(LINES), _ordered_text(out.lines)) < 0.05
    assert out.upside_down is False
    assert all(0.5 <= ln.confidence <= 1 and len(ln.polygon) == 4 for ln in out.lines)
    assert engine.version.startswith("rapidocr-3.")


def test_rapidocr_detector_side_is_a_setting_and_part_of_the_cache_key():
    """Detection on a smaller copy (YIBAO_OCR_DET_SIDE) still reads the page, and results
    cached under one detector size are not served for another."""
    small = IngestSettings(data_dir="/nonexistent", ocr_det_side=640)
    engine = get_engine(small, "rapidocr")
    assert engine.version != get_engine(SETTINGS, "rapidocr").version
    assert "-det640-" in engine.version
    page = render_lines(LINES, size=(1654, 800), px=40, margin=60)
    assert cer("\n".join(LINES), _ordered_text(engine.recognize(page).lines)) < 0.05


def test_rapidocr_recognition_batch_is_a_setting_and_part_of_the_cache_key():
    batched = IngestSettings(data_dir="/nonexistent", ocr_rec_batch=32)
    engine = get_engine(batched, "rapidocr")
    assert "-batch32-" in engine.version
    assert get_engine(SETTINGS, "rapidocr").version.find("batch") < 0
    page = render_lines(LINES, size=(1654, 800), px=40, margin=60)
    assert cer("\n".join(LINES), _ordered_text(engine.recognize(page).lines)) < 0.05


def test_rapidocr_short_cells_read_the_same_without_padding_to_320():
    """Batches padded only to their widest line (YIBAO_OCR_REC_MIN_WIDTH, default 48) read a
    page of short table cells as RapidOCR's own 320-pixel padding does; the width is in the
    cache key."""
    cells = ["12.50", "支", "3", "甲类", "0.86", "盒", "1200.00", "乙", "片", "45.6"]
    page = render_lines(cells, size=(900, 1100), px=36, margin=60)
    padded = get_engine(IngestSettings(data_dir="/nonexistent", ocr_rec_min_width=320), "rapidocr")
    tight = get_engine(SETTINGS, "rapidocr")
    assert tight.version.endswith("-recw48") and padded.version.endswith("-recw320")
    assert _ordered_text(tight.recognize(page).lines) == _ordered_text(padded.recognize(page).lines)
    assert cer("\n".join(cells), _ordered_text(tight.recognize(page).lines)) < 0.05


def test_rapidocr_memory_arena_is_a_setting():
    from ingest.ocr.rapid import _params

    key = "EngineConfig.onnxruntime.enable_cpu_mem_arena"
    assert _params(SETTINGS)[key] is True
    assert _params(IngestSettings(data_dir="/nonexistent", ocr_mem_arena=False))[key] is False


def test_rapidocr_detector_input_normalised_in_float32_as_in_float64():
    """The detector's input, normalised in float32 (five times faster), is RapidOCR's own
    float64 normalisation to within 1e-6, in the same layout."""
    from rapidocr.ch_ppocr_det.utils import DetPreProcess

    det = load_rapidocr(SETTINGS)._load_det_model()
    page = render_lines(LINES, size=(1240, 900), px=40, margin=60)
    ours = det.get_preprocess()(page)
    theirs = DetPreProcess(det.limit_side_len, det.limit_type, det.mean, det.std)(page)
    assert type(det.get_preprocess()) is not DetPreProcess
    assert ours.dtype == np.float32 and ours.shape == theirs.shape
    assert float(np.abs(ours - theirs).max()) < 1e-6


def test_rapidocr_pipeline_upside_down_and_skewed(tmp_path: Path):
    page_lines = document_text(seed=7, n=6)
    img = render_lines(page_lines, size=(1240, 1754), px=30, margin=100)
    turned = np.ascontiguousarray(np.rot90(rotate(img, 2.0), k=2))
    pipeline = Pipeline(
        LocalStorage(tmp_path), get_engine(SETTINGS, "rapidocr"), SETTINGS, store_images=False
    )
    result = pipeline.process(encode(turned, ".jpg"), "upside-down.jpg")
    assert result.ok, result.error
    page = result.pages[0].page
    assert page.rotation == 180
    assert page.skew == pytest.approx(2.0, abs=0.3)
    assert cer("\n".join(page_lines), _ordered_text(page.lines)) < 0.05
    first = page.lines[0].bbox
    assert first.y0 < page.height / 4 and first.x0 < page.width / 3  # upright coordinates


def test_tesseract_baseline():
    if shutil.which("tesseract") is None:
        pytest.skip("tesseract binary missing: apt-get install tesseract-ocr tesseract-ocr-chi-sim")
    try:
        engine = get_engine(SETTINGS, "tesseract")
    except EngineUnavailableError as exc:
        pytest.skip(str(exc))
    out = engine.recognize(_small_page())
    assert cer("\n".join(LINES), _ordered_text(out.lines)) < 0.3
    assert engine.version.startswith("tesseract-")


def test_paddleocr_adapter():
    settings = IngestSettings()  # YIBAO_PADDLE_* from the environment
    reason = paddle_unavailable_reason(settings)
    if reason is not None:
        pytest.skip(f"paddleocr engine not runnable here: {reason}")
    out = get_engine(settings, "paddleocr").recognize(_small_page())
    assert cer("\n".join(LINES), _ordered_text(out.lines)) < 0.05


def test_paddle_unavailable_is_a_clear_error():
    s = SETTINGS.model_copy(update={"paddle_det_model_dir": None, "paddle_rec_model_dir": None})
    with pytest.raises(EngineUnavailableError):
        get_engine(s, "paddleocr")


def test_rapidocr_hands_memory_back_after_each_page(monkeypatch: pytest.MonkeyPatch):
    """Each recognised page returns its freed memory to the system (glibc malloc_trim), so a
    long-running worker does not grow with fragmented arenas."""
    import ingest.ocr.rapid as rapid

    calls: list[int] = []
    monkeypatch.setattr(rapid, "_release_memory", lambda: calls.append(1))
    engine = get_engine(SETTINGS, "rapidocr")
    engine.recognize(_small_page())
    engine.recognize(_small_page())
    assert len(calls) == 2
    rapid._malloc_trim()()  # the real hook runs here (glibc) or is a no-op


def test_rapidocr_lone_digits_are_read_upright_not_turned_as_vertical_text():
    """A quantity cell's box (23 × 35 px) is cut out as it stands; only a box at least 2.5
    times as tall as wide is taken for vertical text and turned (RapidOCR turned from 1.5,
    and a 9 turned on its side was read 6)."""
    from ingest.ocr.rapid import VERTICAL_TEXT, _cut_lines

    page = np.full((200, 300, 3), 255, np.uint8)
    page[50:85, 100:123] = 0  # 23 wide, 35 high
    page[20:180, 200:230] = 0  # 30 wide, 160 high: vertical text

    def quad(x0: float, y0: float, x1: float, y1: float) -> NDArray[np.float32]:
        return np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], np.float32)

    digit, column, line = _cut_lines(
        page, [quad(100, 50, 123, 85), quad(200, 20, 230, 180), quad(10, 10, 90, 40)]
    )
    assert digit.shape[:2] == (35, 23)
    assert column.shape[:2] == (30, 160) and VERTICAL_TEXT <= 160 / 30
    assert line.shape[:2] == (30, 80)
    # c047's expense list, rows 47-50: the quantity 9 of 一次性使用无菌注射器 (turned on its
    # side it was read 6, at 0.88)
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(Path(__file__).parents[1] / "samples/cases/c047/scan_02.pdf")
    rendered = pdf[2].render(scale=200 / 72).to_pil().convert("RGB")
    rows = np.ascontiguousarray(np.asarray(rendered)[1100:1300, :, ::-1])
    out = get_engine(SETTINGS, "rapidocr").recognize(rows)
    quantities = [ln.text for ln in out.lines if 1000 < ln.bbox.x0 < 1050]
    assert quantities == ["1", "9", "1", "2"]


def test_rapidocr_short_lines_keep_the_pages_way_up():
    """The angle classifier's turn of a line of one or two characters is ignored on a page
    whose lines mostly stand upright (a lone 9 looks like an upside-down 6); a long line it
    turns stays turned, and on an upside-down page every line is turned."""
    from rapidocr.ch_ppocr_cls import TextClsOutput

    from ingest.ocr.rapid import _short_lines_kept_upright

    def classifier(flipped: set[int]) -> Any:
        def cls_and_rotate(crops: list[NDArray[np.uint8]]) -> tuple[list[Any], Any]:
            labels = [("180" if i in flipped else "0", 0.99) for i in range(len(crops))]
            turned = [np.rot90(c, 2) if i in flipped else c for i, c in enumerate(crops)]
            return turned, TextClsOutput(cls_res=labels)

        return cls_and_rotate

    crops = [np.arange(w * 30 * 3, dtype=np.uint8).reshape(30, w, 3) for w in (25, 40, 300, 300)]
    kept, _ = _short_lines_kept_upright(classifier({0, 2}))(crops)
    assert kept[0] is crops[0]  # one character: as the page stands
    assert np.array_equal(kept[2], np.rot90(crops[2], 2))  # a long line: turned
    assert kept[1] is crops[1] and kept[3] is crops[3]
    upside_down, _ = _short_lines_kept_upright(classifier({0, 1, 2}))(crops)
    assert all(
        np.array_equal(k, np.rot90(c, 2)) for k, c in zip(upside_down[:3], crops[:3], strict=True)
    )


def test_rapidocr_row_numbers_and_quantities_of_a_long_expense_list_read_upright(tmp_path: Path):
    """c010's expense list, page 4 (rows 71-107): the angle classifier took the lone 9 of row
    74's quantity and the row numbers 90, 93 and 99 for upside down and they were read 6, 06,
    3 and 66; kept as the page stands they read right."""
    import re

    import pypdfium2 as pdfium

    from models.documents import PageRef

    pdf = pdfium.PdfDocument(Path(__file__).parents[1] / "samples/cases/c010/scan_02.pdf")
    page = np.ascontiguousarray(
        np.asarray(pdf[3].render(scale=200 / 72).to_pil().convert("RGB"))[:, :, ::-1]
    )
    pipeline = Pipeline(
        LocalStorage(tmp_path), get_engine(SETTINGS, "rapidocr"), SETTINGS, store_images=False
    )
    result, _ = pipeline.analyse_image(page, PageRef(file_sha256="0" * 64, index=3))
    numbers = [ln.text for ln in result.page.lines if re.fullmatch(r"\d{1,3}", ln.text)]
    rows = [n for n in numbers if int(n) >= 71]
    assert rows[:30] == [str(n) for n in range(71, 101)]
    assert numbers[numbers.index("74") + 1] == "9"
