"""Perspective correction: photos of a sheet on a desk are squared, flat scans never cropped."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from bench.synthetic import add_seal, font, rotate
from ingest.normalize.perspective import MAX_ASPECT, find_document, measure_boundary, warp_document
from ingest.pages import Image

A4_150DPI = (1240, 1754)


def _text(img: Image, x: int, y: int, text: str, px: int = 30) -> None:
    from PIL import Image as PILImage
    from PIL import ImageDraw

    pil = PILImage.fromarray(img[:, :, ::-1])
    ImageDraw.Draw(pil).text((x, y), text, font=font(px), fill=(20, 20, 20))
    img[:] = np.asarray(pil)[:, :, ::-1]


def _form(table: tuple[int, int, int, int], rows: int = 6) -> Image:
    """A white A4 application form at 150 dpi: title, a ruled table, signature, date, seal."""
    w, h = A4_150DPI
    img = np.full((h, w, 3), 255, np.uint8)
    _text(img, 420, 90, "医疗救助申请表", px=44)
    x0, y0, x1, y1 = table
    cv2.rectangle(img, (x0, y0), (x1, y1), (30, 30, 30), 3)
    for i in range(1, rows):
        y = y0 + (y1 - y0) * i // rows
        cv2.line(img, (x0, y), (x1, y), (30, 30, 30), 2)
        _text(img, x0 + 20, y - (y1 - y0) // rows + 12, f"第{i}栏 姓名 张月娥", px=24)
    cv2.line(img, ((x0 + x1) // 2, y0), ((x0 + x1) // 2, y1), (30, 30, 30), 2)
    _text(img, 700, min(h - 200, y1 + 120), "申请人（签字）：张月娥")
    _text(img, 700, min(h - 150, y1 + 170), "2026年3月20日")
    add_seal(img, (1000, min(h - 130, y1 + 150)), radius=90)
    return img


FORMS = {
    "table band": (80, 200, 1160, 540),  # c018's 1074 x 340 crop
    "big table": (80, 200, 1160, 1300),
    "table to the margins": (40, 170, 1200, 1600),
    "small card on the page": (330, 300, 910, 1000),
}


def _desk(size: tuple[int, int], colour: tuple[int, int, int], seed: int = 0) -> Image:
    """A textured desk: wood grain, noise and a soft gradient (as samples.degrade does)."""
    w, h = size
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h, 0:w]
    grain = np.sin(xx / 11.0 + np.sin(yy / 40.0) * 3) * 10
    light = (yy / h) * -20
    arr = (
        np.array(colour, float)[None, None, :]
        + (grain + rng.normal(0, 6, (h, w)) + light)[..., None]
    )
    return np.clip(arr, 0, 255).astype(np.uint8)


def _photo(page: Image, desk: Image, corners: list[tuple[float, float]]) -> Image:
    h, w = page.shape[:2]
    src = np.float32([[0, 0], [w - 1, 0], [w - 1, h - 1], [0, h - 1]])
    m = cv2.getPerspectiveTransform(src, np.float32(corners))
    out = cv2.warpPerspective(
        page, m, (desk.shape[1], desk.shape[0]), dst=desk.copy(), borderMode=cv2.BORDER_TRANSPARENT
    )
    return np.asarray(cv2.GaussianBlur(out, (3, 3), 0), np.uint8)


@pytest.mark.parametrize("name", list(FORMS))
def test_flatbed_form_is_never_cropped_to_its_table(name: str):
    page = _form(FORMS[name])
    assert find_document(page) is None
    # nor when scanned grey, noisy and a little askew (light grey corners)
    rng = np.random.default_rng(1)
    scan = np.clip(page.astype(float) * 0.97 + rng.normal(0, 5, page.shape), 0, 255)
    tilted = rotate(scan.astype(np.uint8), 2.5)
    assert find_document(tilted) is None


def test_the_table_border_is_not_a_paper_edge():
    page = _form(FORMS["big table"])
    x0, y0, x1, y1 = FORMS["big table"]
    quad = np.float32([[x0, y0], [x1, y0], [x1, y1], [x0, y1]])
    boundary = measure_boundary(page, quad)
    assert not boundary.is_document_on_background
    assert all(not s.is_paper_edge and s.background_like_paper > 0.9 for s in boundary.sides)


def test_dark_card_on_a_white_page_is_left_alone():
    """A bank card copied on a flatbed: dark inside, white page outside."""
    page = np.full((1754, 1240, 3), 255, np.uint8)
    cv2.rectangle(page, (300, 300), (940, 703), (20, 20, 20), -1)
    assert find_document(page) is None


@pytest.mark.parametrize(
    ("colour", "corners"),
    [
        ((120, 90, 60), [(150, 120), (1100, 170), (1160, 1560), (90, 1500)]),  # dark wood
        ((185, 175, 160), [(120, 140), (1130, 110), (1100, 1500), (140, 1560)]),  # light beige
    ],
)
def test_page_photographed_on_a_desk_is_cut_out_and_squared(
    colour: tuple[int, int, int], corners: list[tuple[float, float]]
):
    page = _form(FORMS["big table"])
    photo = _photo(page, _desk((1260, 1700), colour), corners)
    quad = find_document(photo)
    assert quad is not None
    assert np.abs(quad - np.float32(corners)).max() < 20
    flat = warp_document(photo, quad)
    assert 1.25 < flat.shape[0] / flat.shape[1] < 1.6  # A4, seen a little foreshortened
    # the whole sheet, title and signature included, not just its table
    back = cv2.resize(flat, A4_150DPI, interpolation=cv2.INTER_AREA)
    ink = cv2.cvtColor(page, cv2.COLOR_BGR2GRAY) < 128
    seen = cv2.cvtColor(back, cv2.COLOR_BGR2GRAY) < 160
    near = cv2.dilate(seen.astype(np.uint8), np.ones((9, 9), np.uint8)) > 0
    assert np.count_nonzero(ink & near) > 0.9 * np.count_nonzero(ink)
    title = ink[60:160, 380:900]
    assert np.count_nonzero(title & near[60:160, 380:900]) > 0.9 * np.count_nonzero(title)


def test_id_card_photo_and_bank_card_on_a_desk():
    card = np.full((540, 856, 3), (235, 238, 240), np.uint8)
    cv2.rectangle(card, (0, 0), (855, 90), (170, 110, 40), -1)
    _text(card, 40, 150, "姓名 郑振华", px=40)
    corners = [(200, 180), (1050, 220), (1020, 760), (170, 700)]
    photo = _photo(card, _desk((1250, 950), (90, 70, 55), seed=3), corners)
    quad = find_document(photo)
    assert quad is not None and np.abs(quad - np.float32(corners)).max() < 20
    h, w = warp_document(photo, quad).shape[:2]
    assert w / h == pytest.approx(856 / 540, rel=0.08)
    # a dark red bank card on a light, textured tablecloth is squared too
    bank = np.full((540, 856, 3), (40, 30, 170), np.uint8)
    photo = _photo(bank, _desk((1250, 950), (150, 150, 145), seed=4), corners)
    quad = find_document(photo)
    assert quad is not None and np.abs(quad - np.float32(corners)).max() < 20


def test_implausibly_long_quad_is_not_a_document():
    """A strip 3.5 times longer than wide is a table band or a shadow, not a page."""
    strip = np.full((300, 1050, 3), 250, np.uint8)
    corners = [(100, 300), (1150, 300), (1150, 600), (100, 600)]
    photo = _photo(strip, _desk((1250, 900), (90, 70, 55)), corners)
    quad = np.float32(corners)
    boundary = measure_boundary(photo, quad)
    assert boundary.aspect > MAX_ASPECT and not boundary.is_document_on_background
    assert find_document(photo) is None
