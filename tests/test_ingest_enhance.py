"""OCR input preparation: dark backgrounds flattened, small text enlarged, boxes mapped back."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image as PilImage
from PIL import ImageDraw

from bench.synthetic import document_text, encode, font, render_lines
from ingest.normalize.enhance import flatten_background, prepare, upscale_factor
from ingest.ocr import get_engine
from ingest.ocr.base import OcrEngine, OcrOutput
from ingest.pages import Image
from ingest.pipeline import Pipeline
from ingest.settings import IngestSettings
from ingest.storage import LocalStorage
from models.documents import OcrLine


def _dark_card_page() -> Image:
    """A white A4 page at ~100 dpi with a photocopied (dark grey) card holding black text."""
    page = np.full((1150, 820, 3), 250, np.uint8)
    cv2.rectangle(page, (200, 150), (620, 420), (70, 70, 70), -1)
    cv2.putText(page, "350203196204093956", (230, 380), cv2.FONT_HERSHEY_SIMPLEX, 0.7, (15,) * 3, 2)
    cv2.putText(page, "NAME", (230, 220), cv2.FONT_HERSHEY_SIMPLEX, 0.7, (15,) * 3, 2)
    return page


def _small_print_card_page() -> Image:
    """The same card at the size a 150 dpi A4 scan gives it, its text 7–8 px high."""
    page = np.full((1754, 1240, 3), 250, np.uint8)
    cv2.rectangle(page, (320, 130), (940, 520), (70, 70, 70), -1)
    for y in (200, 260, 320, 460):
        cv2.putText(page, "3502031962", (360, y), cv2.FONT_HERSHEY_SIMPLEX, 0.3, (15,) * 3, 1)
    return page


def test_a_small_card_on_the_paper_is_read_on_its_own_and_enlarged():
    """The card's 7 px text on a page too tall to enlarge (1754 px, limit 2000): the blank paper
    is cut off and the card part enlarged twice; large print or a page filled with the
    document is not cut."""
    page = _small_print_card_page()
    prepared = prepare(page, 13.0, 2000)  # the page's own measure, misled by the guilloche
    x0, y0 = prepared.offset
    assert 250 < x0 < 320 and 60 < y0 < 130
    assert prepared.scale == pytest.approx(2.0)
    assert prepared.image.shape[1] < 2 * (1240 - x0)
    large = prepare(_dark_card_page(), 8.0, 2000)  # its text 15 px: the whole page, enlarged
    assert large.offset == (0, 0)


def test_a_light_page_is_left_alone():
    assert flatten_background(render_lines(document_text(seed=1))) is None


def test_a_dark_card_becomes_black_on_white():
    page = _dark_card_page()
    flat = flatten_background(page)
    assert flat is not None and flat.shape == page.shape
    card_bg = flat[300:340, 450:600]  # inside the card, away from text
    text = flat[355:385, 230:480]
    assert np.median(card_bg) > 200  # was 70
    assert np.percentile(text, 5) < 60  # strokes stay dark
    assert np.median(flat[600:, :]) > 240  # paper stays white


@pytest.mark.parametrize(
    ("shape", "text_height", "expected"),
    [
        ((1000, 700), 8.0, 2.0),
        ((1500, 1060), 7.0, 2000 / 1500),
        ((1800, 1270), 8.0, 1.0),  # would gain less than a quarter: not worth the time
        ((1000, 700), 12.0, 1.0),  # text already large enough
        ((1000, 700), 0.0, 1.0),  # no text marks measured
    ],
)
def test_upscale_factor(shape: tuple[int, int], text_height: float, expected: float):
    assert upscale_factor(shape, text_height, 2000) == pytest.approx(expected)


def test_prepare_enlarges_and_reports_the_scale():
    page = _dark_card_page()
    prepared = prepare(page, 8.0, 2000)
    assert prepared.flattened
    assert prepared.image.shape[0] == round(page.shape[0] * prepared.scale)
    assert prepared.scale == pytest.approx(2000 / 1150, rel=0.01)


class SizeEngine(OcrEngine):
    """Reports one line in the coordinates of the image it was given, and that image's size."""

    name = "size"

    def __init__(self) -> None:
        self.sizes: list[tuple[int, int]] = []

    @property
    def version(self) -> str:
        return "size-1"

    def recognize(self, image: Image) -> OcrOutput:
        h, w = image.shape[:2]
        self.sizes.append((w, h))
        poly = [(w * 0.25, h * 0.5), (w * 0.75, h * 0.5), (w * 0.75, h * 0.6), (w * 0.25, h * 0.6)]
        return OcrOutput([OcrLine(text="号码", polygon=poly, confidence=0.95)], False)


def test_boxes_found_on_the_enlarged_copy_are_mapped_back_to_the_page(tmp_path: Path):
    engine = SizeEngine()
    settings = IngestSettings(data_dir=tmp_path)
    pipeline = Pipeline(LocalStorage(tmp_path / "s"), engine, settings)
    small = cv2.resize(
        render_lines(document_text(seed=2)), (480, 679), interpolation=cv2.INTER_AREA
    )
    page = pipeline.process(encode(small), "small.png").pages[0].page
    assert engine.sizes[-1][0] > page.width * 1.2  # the engine saw an enlarged copy
    (line,) = page.lines
    assert line.bbox.x0 == pytest.approx(page.width * 0.25, abs=1)
    assert line.bbox.y1 == pytest.approx(page.height * 0.6, abs=1)


def test_a_page_read_through_its_dark_background_says_so(tmp_path: Path):
    """The verifier trusts a name less on a photocopied card: the page records that it was
    read flattened (`dark_background`), and a plain page that it was not."""
    engine = SizeEngine()
    pipeline = Pipeline(LocalStorage(tmp_path / "s"), engine, IngestSettings(data_dir=tmp_path))
    dark = pipeline.process(encode(_dark_card_page()), "card.png").pages[0].page
    assert dark.quality_measures["dark_background"] == 1.0
    plain = pipeline.process(encode(render_lines(document_text(seed=2))), "p.png").pages[0].page
    assert plain.quality_measures["dark_background"] == 0.0


def test_boxes_found_on_the_card_part_are_mapped_back_to_the_page(tmp_path: Path):
    engine = SizeEngine()
    pipeline = Pipeline(LocalStorage(tmp_path / "s"), engine, IngestSettings(data_dir=tmp_path))
    page = pipeline.process(encode(_small_print_card_page()), "card.png").pages[0].page
    (line,) = page.lines  # the engine's line: a quarter to three quarters of what it saw
    assert 320 - 60 < line.bbox.x0 < 320 + 0.25 * 620 + 10
    assert 130 - 60 < line.bbox.y0 < 520


def test_enhancement_can_be_switched_off(tmp_path: Path):
    engine = SizeEngine()
    settings = IngestSettings(data_dir=tmp_path, ocr_enhance=False)
    pipeline = Pipeline(LocalStorage(tmp_path / "s"), engine, settings)
    small = cv2.resize(
        render_lines(document_text(seed=2)), (480, 679), interpolation=cv2.INTER_AREA
    )
    page = pipeline.process(encode(small), "small.png").pages[0].page
    assert engine.sizes[-1] == (page.width, page.height)


def test_rapidocr_reads_a_dark_low_resolution_card_once_flattened():
    """The real engine on a dark, speckled card at ~100 dpi reads nothing of it as it is, and
    the holder's name once the background is flattened."""
    engine = get_engine(IngestSettings(data_dir=Path("/nonexistent")), "rapidocr")
    page = np.full((1150, 820, 3), 250, np.uint8)
    cv2.rectangle(page, (150, 150), (680, 420), (60, 60, 60), -1)
    im = PilImage.fromarray(page)
    draw = ImageDraw.Draw(im)
    draw.text((180, 350), "350203196204093956", font=font(14), fill=(20, 20, 20))
    draw.text((180, 200), "姓名 叶清泉", font=font(12), fill=(20, 20, 20))
    page = np.asarray(im).copy()
    noise = np.random.default_rng(0).normal(0, 12, (270, 530, 3))
    card = page[150:420, 150:680].astype(np.float32) + noise
    page[150:420, 150:680] = np.clip(card, 0, 255).astype(np.uint8)
    as_is = "".join(ln.text for ln in engine.recognize(page).lines)
    flattened = "".join(ln.text for ln in engine.recognize(prepare(page, 8.0, 2000).image).lines)
    assert "叶清泉" not in as_is
    assert "叶清泉" in flattened
