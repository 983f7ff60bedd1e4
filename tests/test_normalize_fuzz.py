"""Page normalisers on any array at all (shape, dtype, 1×1, all black or white, extreme aspect
ratios): they return a page-shaped result or raise the coded intake error, nothing else."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from ingest.errors import IntakeCode, IntakeError
from ingest.normalize.orientation import deskew, detect_orientation, rotate_quadrant
from ingest.normalize.perspective import find_document, warp_document
from ingest.normalize.quality import assess
from ingest.normalize.seal import detect_seals, suppress_seals
from ingest.pipeline import Pipeline
from ingest.settings import IngestSettings
from models.documents import PageRef
from tests.api_support import FakeEngine

DTYPES = [np.uint8, np.uint16, np.int32, np.float32, np.float64, np.bool_]
SIDES = st.one_of(st.integers(1, 48), st.sampled_from([1, 2, 3, 4000]))


@st.composite
def images(draw: st.DrawFn) -> np.ndarray:
    h, w = draw(SIDES), draw(SIDES)
    if h * w > 48 * 4000:  # extreme aspect ratios, not huge images
        w = max(1, (48 * 4000) // h)
    channels = draw(st.sampled_from([None, 1, 2, 3, 4]))
    shape = (h, w) if channels is None else (h, w, channels)
    dtype = draw(st.sampled_from(DTYPES))
    fill = draw(st.sampled_from(["black", "white", "random"]))
    if fill == "random":
        elements = st.floats(0, 255, width=32) if dtype in (np.float32, np.float64) else None
        return draw(hnp.arrays(dtype, shape, elements=elements))
    top = 1 if dtype == np.bool_ else (1.0 if dtype in (np.float32, np.float64) else 255)
    return np.full(shape, 0 if fill == "black" else top, dtype=dtype)


def odd_arrays() -> list[np.ndarray]:
    return [
        np.zeros((0, 10, 3), np.uint8),
        np.zeros((10, 0), np.uint8),
        np.zeros((5,), np.uint8),
        np.zeros((2, 2, 2, 2), np.uint8),
        np.full((4, 4, 3), np.nan, np.float64),
        np.full((4, 4, 3), np.inf, np.float32),
        np.array([["a", "b"]]),
    ]


def _quad(img: Any) -> np.ndarray:
    h, w = img.shape[:2] if getattr(img, "ndim", 0) >= 2 else (1, 1)
    return np.array([[0, 0], [w - 1, 0], [w - 1, h - 1], [0, h - 1]], np.float32)


NORMALISERS: dict[str, Callable[[Any], object]] = {
    "detect_orientation": detect_orientation,
    "rotate_quadrant": lambda img: rotate_quadrant(img, 90),
    "deskew": lambda img: deskew(img, 3.0),
    "assess": assess,
    "detect_seals": detect_seals,
    "suppress_seals": lambda img: suppress_seals(img, detect_seals(img)),
    "find_document": find_document,
    "warp_document": lambda img: warp_document(img, _quad(img)),
}


def _only_coded(fn: Callable[[Any], object], img: Any) -> object:
    try:
        out = fn(img)
    except IntakeError as exc:
        assert exc.code is IntakeCode.IMAGE_CORRUPT and exc.message_zh
        return None
    if isinstance(out, np.ndarray):  # images come out as the pipeline's pages: H×W×3 uint8
        assert out.dtype == np.uint8 and out.ndim == 3 and out.shape[2] == 3
    return out


@pytest.mark.parametrize("name", sorted(NORMALISERS))
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(img=images())
def test_normaliser_on_any_image(name: str, img: np.ndarray) -> None:
    _only_coded(NORMALISERS[name], img)


@pytest.mark.parametrize("name", sorted(NORMALISERS))
def test_normaliser_on_arrays_that_are_no_image(name: str) -> None:
    for img in odd_arrays():
        with pytest.raises(IntakeError) as err:
            NORMALISERS[name](img)
        assert err.value.code is IntakeCode.IMAGE_CORRUPT


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory: pytest.TempPathFactory) -> Pipeline:
    settings_ = IngestSettings(data_dir=tmp_path_factory.mktemp("fuzz"))
    return Pipeline(engine=FakeEngine(), settings=settings_)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(img=images())
def test_the_whole_page_normalisation_on_any_image(pipeline: Pipeline, img: np.ndarray) -> None:
    """Perspective, orientation with a second opinion, seals, quality and (fake) OCR."""
    _only_coded(lambda i: pipeline.analyse_image(i, PageRef(file_sha256="0" * 64, index=0)), img)
