"""A second reading of unsure lines under a seal, from the page seen through its red channel."""

from __future__ import annotations

import numpy as np

from bench.synthetic import add_seal, render_lines
from ingest.normalize.seal import Seal, detect_seals, red_free, suppress_seals
from ingest.ocr import get_engine
from ingest.ocr.base import OcrEngine, OcrOutput
from ingest.ocr.seal_reading import (
    crop_line,
    merge_region_lines,
    read_seal_regions,
    reread_under_seals,
)
from ingest.pages import Image
from ingest.settings import IngestSettings
from models.documents import OcrLine


def _page_with_seal() -> Image:
    img = render_lines(["个人现金支付：184.28"], size=(900, 500), px=34, margin=120)
    add_seal(img, (330, 150), radius=110)
    return img


def test_red_free_whitens_the_seal_and_keeps_black_ink() -> None:
    img = _page_with_seal()
    view = red_free(img)
    red_ink = (img[:, :, 2] > 150) & (img[:, :, 0] < 90)
    black_ink = img.max(axis=2) < 60
    assert red_ink.sum() > 500 and black_ink.sum() > 200
    assert np.median(view[red_ink].min(axis=1)) > 220  # seal ink turns (nearly) white
    assert np.median(view[black_ink].max(axis=1)) < 80  # black figures stay dark
    plain = render_lines(["个人现金支付：184.28"], size=(900, 500), px=34, margin=120)
    assert np.array_equal(red_free(plain), plain)  # no red ink: nothing to do


class CropReader(OcrEngine):
    """Reads every crop as given; counts the crops it was shown."""

    name = "crops"

    def __init__(self, readings: list[tuple[str, float]]) -> None:
        self.readings = readings
        self.shown: list[Image] = []

    @property
    def version(self) -> str:
        return "crops-1"

    def recognize(self, image: Image) -> OcrOutput:
        return OcrOutput([], False)

    def read_crops(self, crops: list[Image]) -> list[tuple[str, float]] | None:
        self.shown = crops
        return self.readings[: len(crops)]


def _line(text: str, x0: float, y0: float, x1: float, y1: float, conf: float) -> OcrLine:
    return OcrLine(text=text, polygon=[(x0, y0), (x1, y0), (x1, y1), (x0, y1)], confidence=conf)


def test_only_unsure_lines_under_the_seal_are_read_again() -> None:
    img = _page_with_seal()
    seals = detect_seals(img)
    lines = [
        _line("184.23", 300, 130, 420, 170, 0.81),  # unsure, under the seal
        _line("个人现金支付：", 120, 130, 290, 170, 0.99),  # sure
        _line("0.0O", 700, 400, 800, 440, 0.70),  # unsure, away from the seal
    ]
    engine = CropReader([("184.28", 0.99)])
    out = reread_under_seals(img, lines, seals, engine)
    assert len(engine.shown) == 1 and engine.shown[0].shape[1] > engine.shown[0].shape[0]
    assert [(ln.text, ln.confidence) for ln in out] == [
        ("184.28", 0.99),
        ("个人现金支付：", 0.99),
        ("0.0O", 0.70),
    ]
    assert out[0].polygon == lines[0].polygon


def test_a_reading_less_sure_or_losing_characters_is_not_taken() -> None:
    """A red label under the seal vanishes in the red view: the shorter reading (only the
    black figures) is not taken, nor one less sure than the first."""
    img = _page_with_seal()
    seals = detect_seals(img)
    lines = [
        _line("医保统筹基金支付：184.28", 240, 130, 430, 170, 0.90),
        _line("184.28", 300, 180, 420, 220, 0.93),
    ]
    out = reread_under_seals(img, lines, seals, CropReader([("184.28", 0.99), ("184.23", 0.9)]))
    assert out == lines


def test_crop_is_widened_at_both_ends_along_the_line() -> None:
    """A digit the detector left outside the box (the 1 of 1904.83 under the ring) is inside
    the widened crop; a tilted line's crop is straightened."""
    img = np.full((200, 400, 3), 255, np.uint8)
    img[80:120, 90:100] = 0  # a mark just left of the box
    box = [(100.0, 80.0), (300.0, 80.0), (300.0, 120.0), (100.0, 120.0)]
    plain = crop_line(img, box)
    wide = crop_line(img, box, pad=0.5)
    assert plain is not None and wide is not None
    assert plain.shape[:2] == (40, 200) and plain.min() == 255
    assert wide.shape[:2] == (40, 240) and wide[:, :20].min() == 0
    tilted = [(100.0, 100.0), (300.0, 60.0), (308.0, 99.0), (108.0, 139.0)]
    crop = crop_line(img, tilted)
    assert crop is not None and crop.shape[1] > 3 * crop.shape[0]


def test_a_longer_second_reading_gets_the_widened_box() -> None:
    img = _page_with_seal()
    first = _line("904..83", 300, 130, 420, 170, 0.68)
    (out,) = reread_under_seals(img, [first], detect_seals(img), CropReader([("1904.83", 0.98)]))
    assert out.text == "1904.83"
    assert out.bbox.x0 == 280 and out.bbox.x1 == 440 and out.bbox.y0 == 130


def _line(text: str, x0: float, y0: float, x1: float, y1: float, conf: float) -> OcrLine:
    return OcrLine(text=text, polygon=[(x0, y0), (x1, y0), (x1, y1), (x0, y1)], confidence=conf)


FIRST = [
    _line("医保统筹基金支付：", 78, 657, 258, 690, 0.97),
    _line("个人现金支付：", 78, 706, 218, 740, 0.97),
    _line("184.25", 410, 703, 490, 742, 0.88),
    _line("州市东海人民医院", 283, 776, 482, 811, 1.0),
]


def test_seal_region_adds_a_figure_the_page_detection_missed() -> None:
    found = [(_line("0.00", 438, 661, 482, 690, 1.0), "suppressed")]
    merged = merge_region_lines(FIRST, found)
    assert [ln.text for ln in merged][-1] == "0.00" and len(merged) == len(FIRST) + 1
    # only a figure, only read surely: a seal's own characters or an unsure reading add nothing
    for text, conf in (("收费专用章", 1.0), ("0.00", 0.8), ("913501", 1.0)):
        assert (
            merge_region_lines(FIRST, [(_line(text, 438, 661, 482, 690, conf), "red_free")])
            == FIRST
        )


def test_seal_region_puts_right_a_figure_only_with_a_surer_reading() -> None:
    surer = [(_line("184.28", 408, 700, 492, 744, 1.0), "red_free")]
    assert merge_region_lines(FIRST, surer)[2].text == "184.28"
    unsure = [(_line("184.23", 408, 700, 492, 744, 0.9), "red_free")]
    assert merge_region_lines(FIRST, unsure)[2].text == "184.25"
    shorter = [(_line("84.28", 408, 700, 492, 744, 1.0), "red_free")]
    assert merge_region_lines(FIRST, shorter)[2].text == "184.25"


def test_seal_region_restores_a_character_lost_under_the_ring_from_the_red_view_only() -> None:
    whole = _line("泉州市东海人民医院", 270, 771, 482, 811, 0.98)
    merged = merge_region_lines(FIRST, [(whole, "red_free")])
    assert merged[3].text == "泉州市东海人民医院" and merged[3].confidence == 0.98
    assert merged[3].bbox.x0 == 270  # the evidence box covers the character found
    # the faded view may read the ring's remains as a character: it never adds one
    assert merge_region_lines(FIRST, [(whole, "suppressed")])[3].text == "州市东海人民医院"
    # read at 0.94 the character may be a wrong one (结奇医院): the first reading stays
    unsure = _line("泉州市东海人民医院", 270, 771, 482, 811, 0.94)
    assert merge_region_lines(FIRST, [(unsure, "red_free")])[3].text == "州市东海人民医院"
    # a different character is not a lost one
    other = _line("泉州市东湖人民医院", 270, 771, 482, 811, 0.99)
    assert merge_region_lines(FIRST, [(other, "red_free")])[3].text == "州市东海人民医院"


def test_seal_region_read_again_on_a_real_seal() -> None:
    """The whole chain on a rendered page: the region of the seal is detected and read again in
    both views and a figure under the seal read by neither first pass is found."""
    img = render_lines(["个人现金支付：184.28"], size=(900, 500), px=34, margin=120)
    add_seal(img, (330, 150), radius=110)
    seals = detect_seals(img)
    assert seals
    engine = get_engine(IngestSettings(data_dir="/nonexistent"), "rapidocr")
    merged = read_seal_regions(img, suppress_seals(img, seals), [], seals, engine)
    assert any(ln.text == "184.28" for ln in merged)


def test_only_seals_of_a_stamp_s_size_have_their_region_read_again() -> None:
    """The printed 监制 oval at an invoice's head (a few percent of the page) has nothing under
    it: its region is not detected again; a 收费专用章's is, in both views."""

    class Counting(CropReader):
        def __init__(self) -> None:
            super().__init__([])
            self.regions: list[Image] = []

        def recognize(self, image: Image) -> OcrOutput:
            self.regions.append(image)
            return OcrOutput([], False)

    page = np.full((2339, 1654, 3), 255, np.uint8)
    small = Seal(x0=700, y0=100, x1=790, y1=180, coverage=0.1)
    stamp = Seal(x0=300, y0=1500, x1=650, y1=1850, coverage=0.1)
    engine = Counting()
    read_seal_regions(page, page, [], [small], engine)
    assert engine.regions == []
    read_seal_regions(page, page, [], [small, stamp], engine)
    assert len(engine.regions) == 2
