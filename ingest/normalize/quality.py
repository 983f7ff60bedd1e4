"""Per-page quality measures and the ok / poor / unreadable verdict.

Measures are taken at the resolution the OCR engine sees (long side at most 2000 px):
- sharpness: 90th percentile over tiles of the variance of the Laplacian (text tiles dominate);
- brightness: mean grey level, 0..1; contrast: the spread between ink and paper, (p99.5 - p0.5)
  of grey levels, 0..1;
- text_height: median height in pixels of character-sized marks (effective resolution);
- short_side: the page's short side in pixels (at A4, 1654 px is 200 dpi);
- border_cut: share of character-sized marks touching the page edge (text cut off).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from ingest.normalize._common import Gray, as_page, downscale, ink_mask, to_gray
from ingest.pages import Image
from models.documents import Quality

_OCR_SIDE = 2000


@dataclass(frozen=True)
class QualityReport:
    verdict: Quality
    measures: dict[str, float]
    reasons: list[str]


def _sharpness(gray: Gray, tile: int = 128) -> float:
    lap = cv2.Laplacian(gray, cv2.CV_64F, ksize=3)
    h, w = gray.shape
    values = [
        float(lap[y : y + tile, x : x + tile].var())
        for y in range(0, max(1, h - tile + 1), tile)
        for x in range(0, max(1, w - tile + 1), tile)
    ]
    return float(np.percentile(values, 90)) if values else 0.0


def text_marks(gray: Gray) -> tuple[float, float]:
    """Median mark height and the share of marks touching an edge."""
    mask = ink_mask(gray)
    n, _, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    if n <= 1:
        return 0.0, 0.0
    h, w = gray.shape
    xs, ys = stats[1:, cv2.CC_STAT_LEFT], stats[1:, cv2.CC_STAT_TOP]
    ws, hs = stats[1:, cv2.CC_STAT_WIDTH], stats[1:, cv2.CC_STAT_HEIGHT]
    areas = stats[1:, cv2.CC_STAT_AREA]
    limit = min(h, w) * 0.1
    chars = (hs >= 4) & (hs <= limit) & (ws <= limit) & (areas >= 8)
    if not chars.any():
        return 0.0, 0.0
    touching = chars & ((xs <= 1) | (ys <= 1) | (xs + ws >= w - 1) | (ys + hs >= h - 1))
    n_touching = int(touching.sum())
    share = n_touching / int(chars.sum()) if n_touching >= 3 else 0.0
    return float(np.median(hs[chars])), share


# Reasons as the applicant and reviewer read them.
REASONS_ZH: dict[str, str] = {
    "no_contrast": "对比度过低",
    "low_contrast": "对比度偏低",
    "too_dark": "过暗",
    "dark": "偏暗",
    "blurred": "严重模糊",
    "soft": "略模糊",
    "resolution_too_low": "分辨率过低",
    "low_resolution": "分辨率偏低",
    "border_cut": "边缘缺失",
    "ocr_failed": "文字无法识别",
}


def assess(image: Image) -> QualityReport:
    image = as_page(image)
    gray, _ = downscale(to_gray(image), _OCR_SIDE)
    sharpness = _sharpness(gray)
    brightness = float(gray.mean()) / 255
    lo, hi = np.percentile(gray, [0.5, 99.5])
    contrast = float(hi - lo) / 255
    text_height, border_cut = text_marks(gray)
    measures = {
        "sharpness": round(sharpness, 1),
        "brightness": round(brightness, 3),
        "contrast": round(contrast, 3),
        "text_height": round(text_height, 1),
        "short_side": float(min(image.shape[:2])),
        "border_cut": round(border_cut, 3),
    }
    unreadable: list[str] = []
    poor: list[str] = []
    if contrast < 0.15:
        unreadable.append("no_contrast")
    elif contrast < 0.35:
        poor.append("low_contrast")
    if brightness < 0.12:
        unreadable.append("too_dark")
    elif brightness < 0.3:
        poor.append("dark")
    if sharpness < 60:
        unreadable.append("blurred")
    elif sharpness < 300:
        poor.append("soft")
    if 0 < text_height < 6:
        unreadable.append("resolution_too_low")
    elif 0 < text_height < 10 or min(image.shape[:2]) < 600:
        poor.append("low_resolution")
    if border_cut > 0.02:
        poor.append("border_cut")
    if unreadable:
        verdict = Quality.UNREADABLE
    elif poor:
        verdict = Quality.POOR
    else:
        verdict = Quality.OK
    return QualityReport(verdict, measures, unreadable + poor)


# Verdicts that predict OCR failure from image measures, and what they become when the OCR
# read the page well all the same (a sparse page whose specks pass for tiny text, say).
_PREDICTED = {"resolution_too_low": "low_resolution", "blurred": "soft"}
_READ_WELL_CHARS = 40
_READ_WELL_CONFIDENCE = 0.9
_NOTHING_READ = 10
_DEGRADED = frozenset({"soft", "low_contrast", "dark"})


def reconcile(report: QualityReport, chars: int, confidence: float) -> QualityReport:
    """The verdict in the light of what the OCR read: `chars` characters with a length-weighted
    mean confidence `confidence`. A poor page read as (almost) nothing is unreadable; a page
    predicted unreadable from its measures but read well is only poor. A page with no contrast
    or too dark stays unreadable whatever the OCR made of it."""
    measures = {**report.measures, "ocr_chars": float(chars), "ocr_confidence": confidence}
    degraded = _DEGRADED.intersection(report.reasons)
    if report.verdict == Quality.POOR and degraded and chars < _NOTHING_READ:
        # a blurred or washed-out page the OCR made nothing of: illegible, as the applicant
        # must hear it (a small but sharp image with little text on it is left alone)
        return QualityReport(Quality.UNREADABLE, measures, ["ocr_failed", *report.reasons])
    read_well = chars >= _READ_WELL_CHARS and confidence >= _READ_WELL_CONFIDENCE
    if report.verdict != Quality.UNREADABLE or not read_well:
        return QualityReport(report.verdict, measures, report.reasons)
    if not all(r in _PREDICTED or r not in _UNREADABLE for r in report.reasons):
        return QualityReport(report.verdict, measures, report.reasons)
    reasons = [_PREDICTED.get(r, r) for r in report.reasons]
    return QualityReport(Quality.POOR, measures, reasons)


_UNREADABLE = frozenset({"no_contrast", "too_dark", "blurred", "resolution_too_low"})
