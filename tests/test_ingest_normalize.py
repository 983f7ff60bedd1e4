"""Normalisation on generated pages: orientation, skew, perspective, quality, seals, QR."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from bench.synthetic import add_seal, degrade, document_text, paste, qr_image, render_lines, rotate
from ingest.normalize.orientation import deskew, detect_orientation, rotate_quadrant
from ingest.normalize.perspective import find_document, warp_document
from ingest.normalize.quality import assess
from ingest.normalize.seal import detect_seals, red_mask, suppress_seals
from ingest.qr import decode_qr
from models.documents import Quality


@pytest.fixture(scope="module")
def page() -> np.ndarray:
    return render_lines(document_text(seed=1))


@pytest.mark.parametrize("quadrant", [0, 90, 180, 270])
@pytest.mark.parametrize("tilt", [0.0, 3.0, -6.5])
def test_rotation_and_skew_recovered(page: np.ndarray, quadrant: int, tilt: float):
    img = np.ascontiguousarray(np.rot90(rotate(page, tilt), k=quadrant // 90))  # counter-clockwise
    o = detect_orientation(img)
    # lines horizontal again: 0/180 and 90/270 differ only by an upside-down turn (told by OCR)
    assert o.rotation == (90 if quadrant in (90, 270) else 0)
    assert o.skew == pytest.approx(tilt, abs=0.3)
    fixed = deskew(rotate_quadrant(img, o.rotation), o.skew)
    again = detect_orientation(fixed)
    assert (again.rotation, abs(again.skew) < 0.3) == (0, True)


def test_perspective_of_a_phone_photo(page: np.ndarray):
    table = np.full((3000, 2600, 3), (60, 90, 120), np.uint8)
    h, w = page.shape[:2]
    src = np.float32([[0, 0], [w - 1, 0], [w - 1, h - 1], [0, h - 1]])
    dst = np.float32([[400, 300], [2150, 380], [2250, 2700], [300, 2620]])
    m = cv2.getPerspectiveTransform(src, dst)
    photo = cv2.warpPerspective(page, m, (2600, 3000), dst=table, borderMode=cv2.BORDER_TRANSPARENT)
    quad = find_document(photo)
    assert quad is not None
    assert np.abs(quad - dst).max() < 25
    flat = warp_document(photo, quad)
    assert flat.shape[0] > flat.shape[1]
    assert find_document(page) is None  # a flat scan is left alone


def test_quality_verdicts(page: np.ndarray):
    assert assess(page).verdict is Quality.OK
    assert assess(degrade(page)).verdict is Quality.OK
    assert assess(cv2.GaussianBlur(page, (0, 0), 3)).verdict is Quality.POOR
    assert assess(cv2.GaussianBlur(page, (0, 0), 7)).verdict is Quality.UNREADABLE
    assert assess(np.full_like(page, 255)).verdict is Quality.UNREADABLE
    assert assess((page * 0.12).astype(np.uint8)).verdict is Quality.UNREADABLE
    cut = assess(page[:, 300:])
    assert cut.verdict is Quality.POOR and "border_cut" in cut.reasons
    small = assess(cv2.resize(page, (400, 566), interpolation=cv2.INTER_AREA))
    assert small.verdict is Quality.POOR and "low_resolution" in small.reasons
    m = assess(page).measures
    assert set(m) >= {"sharpness", "brightness", "contrast", "text_height", "border_cut"}


def test_red_seal_detected_and_suppressed(page: np.ndarray):
    img = page.copy()
    add_seal(img, (700, 300), radius=160)
    seals = detect_seals(img)
    assert len(seals) == 1
    s = seals[0]
    assert abs((s.x0 + s.x1) / 2 - 700) < 15 and abs((s.y0 + s.y1) / 2 - 300) < 15
    assert 0.05 < s.coverage < 0.6
    assert detect_seals(page) == []
    cleaned = suppress_seals(img, seals)
    assert np.count_nonzero(red_mask(cleaned)) < 0.05 * np.count_nonzero(red_mask(img))
    # dark text under the seal is kept
    dark_before = np.count_nonzero(cv2.cvtColor(page, cv2.COLOR_BGR2GRAY) < 80)
    dark_after = np.count_nonzero(cv2.cvtColor(cleaned, cv2.COLOR_BGR2GRAY) < 80)
    assert dark_after >= 0.95 * dark_before


def test_seal_stamped_across_a_red_printed_form(page: np.ndarray):
    """A paper invoice's table is printed in red: the seal over it is still found (the rules do
    not join it into one page-wide blob), and suppression spares the red label beside it."""
    img = page.copy()
    red = (60, 60, 200)
    for y in range(900, 1500, 90):
        cv2.line(img, (100, y), (1550, y), red, 3)
    for x in (100, 800, 1550):
        cv2.line(img, (x, 900), (x, 1440), red, 3)
    cv2.rectangle(img, (130, 1010), (400, 1050), red, -1)  # a red label left of the seal
    cv2.rectangle(img, (545, 930), (585, 965), red, -1)  # a red mark in the seal box's corner
    add_seal(img, (700, 1100), radius=150)
    seals = detect_seals(img)
    assert len(seals) == 1
    s = seals[0]
    assert abs((s.x0 + s.x1) / 2 - 700) < 20 and abs((s.y0 + s.y1) / 2 - 1100) < 20
    assert s.x1 - s.x0 < 400  # the seal, not the table
    cleaned = suppress_seals(img, seals)
    assert np.count_nonzero(red_mask(cleaned[1010:1050, 130:400])) > 0.9 * 270 * 40
    assert np.count_nonzero(red_mask(cleaned[930:965, 545:585])) > 0.9 * 40 * 35
    assert np.count_nonzero(red_mask(cleaned[1000:1200, 620:780])) < 0.1 * np.count_nonzero(
        red_mask(img[1000:1200, 620:780])
    )


def test_qr_decoded(page: np.ndarray):
    img = page.copy()
    paste(img, qr_image("https://inv.example/verify?code=35010124&no=00012345"), 1200, 1800)
    paste(img, qr_image("第二个二维码"), 200, 1800)
    assert decode_qr(img) == [
        "https://inv.example/verify?code=35010124&no=00012345",
        "第二个二维码",
    ] or sorted(decode_qr(img)) == sorted(
        ["https://inv.example/verify?code=35010124&no=00012345", "第二个二维码"]
    )
    assert decode_qr(rotate(img, 17)) != []
    assert decode_qr(page) == []


def test_ocr_evidence_overrules_a_predicted_verdict_only():
    from ingest.normalize.quality import QualityReport, reconcile

    predicted = QualityReport(Quality.UNREADABLE, {"text_height": 5.0}, ["resolution_too_low"])
    read_well = reconcile(predicted, chars=120, confidence=0.97)
    assert read_well.verdict is Quality.POOR and read_well.reasons == ["low_resolution"]
    assert read_well.measures["ocr_chars"] == 120
    assert reconcile(predicted, chars=120, confidence=0.7).verdict is Quality.UNREADABLE
    assert reconcile(predicted, chars=12, confidence=0.99).verdict is Quality.UNREADABLE
    dark = QualityReport(Quality.UNREADABLE, {}, ["too_dark", "resolution_too_low"])
    assert reconcile(dark, chars=120, confidence=0.99).verdict is Quality.UNREADABLE
    ok = QualityReport(Quality.OK, {}, [])
    assert reconcile(ok, chars=0, confidence=0.0).verdict is Quality.OK
    poor = QualityReport(Quality.POOR, {}, ["soft", "low_contrast"])
    nothing = reconcile(poor, chars=1, confidence=0.7)
    assert nothing.verdict is Quality.UNREADABLE and nothing.reasons[0] == "ocr_failed"
    assert reconcile(poor, chars=60, confidence=0.8).verdict is Quality.POOR
    small = QualityReport(Quality.POOR, {}, ["low_resolution"])  # sharp, little text
    assert reconcile(small, chars=5, confidence=0.99).verdict is Quality.POOR
