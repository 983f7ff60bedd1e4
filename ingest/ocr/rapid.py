"""Default engine: PaddleOCR's PP-OCR models through RapidOCR on ONNX Runtime.

The models ship inside the `rapidocr` wheel, so this works offline. The engine is loaded once
per process (a lazy module-level singleton per configuration).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import threading
from collections.abc import Callable
from importlib import metadata
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from numpy.typing import NDArray

from ingest.ocr.base import EngineUnavailableError, OcrEngine, OcrOutput, reading_order
from ingest.pages import Image
from ingest.settings import IngestSettings
from models.documents import OcrLine

log = logging.getLogger(__name__)

_LOCK = threading.Lock()


def _malloc_trim() -> Callable[[], None]:
    """glibc's malloc_trim, or a no-op elsewhere."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        trim = libc.malloc_trim
    except (OSError, AttributeError):
        return lambda: None

    def release() -> None:
        trim(0)

    return release


# Each page's tensors differ in size (pages, crops, batches): glibc keeps the freed memory
# fragmented in its arenas, and a worker's resident size climbs towards 1.5 GB over a few
# hundred pages. Handing it back after each page keeps the peak near 1.4 GB and the idle size
# near 250 MB, for a few milliseconds; ONNX Runtime's own arena (YIBAO_OCR_MEM_ARENA, on by
# default) is not glibc's and stays, for speed: 2.1 GB idle.
_release_memory = _malloc_trim()
_INSTANCES: dict[tuple[tuple[str, str], ...], Any] = {}


def _params(settings: IngestSettings) -> dict[str, Any]:
    params: dict[str, Any] = {
        "Global.log_level": "warning",
        "Global.use_cls": True,
        "Global.text_score": settings.ocr_min_score,
        "Global.max_side_len": settings.ocr_max_side,
    }
    if settings.ocr_det_side > 0:
        # boxes found on a smaller copy, text read on the full page: detection is a third of
        # the time on an A4 page at 200 dpi, and does not need every pixel
        params["Det.limit_type"] = "max"
        params["Det.limit_side_len"] = settings.ocr_det_side
    if settings.ocr_rec_batch != 6:
        params["Rec.rec_batch_num"] = settings.ocr_rec_batch
    # a batch is padded to its widest line, never less than this: RapidOCR's 320 made a batch of
    # short table cells ("12.50", "支") cost as much as one of full lines (c006: recognition of
    # 826 lines 40 % faster at 48, the same text but for ten full/half-width colons and spaces)
    params["Rec.rec_img_shape"] = [3, 48, settings.ocr_rec_min_width]
    # RapidOCR turns the arena off; kept, it spares each page's detection its large
    # allocations (c006: detection 18 % faster) for about 0.5 GB more at a worker's peak
    params["EngineConfig.onnxruntime.enable_cpu_mem_arena"] = settings.ocr_mem_arena
    threads = settings.resolved_ocr_threads()
    if threads > 0:
        params["EngineConfig.onnxruntime.intra_op_num_threads"] = threads
        params["EngineConfig.onnxruntime.inter_op_num_threads"] = 1
    if settings.rapidocr_det_model is not None:
        params["Det.model_path"] = str(settings.rapidocr_det_model)
    if settings.rapidocr_rec_model is not None:
        params["Rec.model_path"] = str(settings.rapidocr_rec_model)
    if settings.rapidocr_rec_keys is not None:
        params["Rec.rec_keys_path"] = str(settings.rapidocr_rec_keys)
    return params


def load_rapidocr(settings: IngestSettings) -> Any:
    """The process-wide RapidOCR instance for these settings (created on first use)."""
    params = _params(settings)
    key = tuple(sorted((k, repr(v)) for k, v in params.items()))
    with _LOCK:
        if key not in _INSTANCES:
            try:
                from rapidocr import RapidOCR
            except ImportError as exc:  # pragma: no cover - a dependency
                raise EngineUnavailableError(f"rapidocr is not installed: {exc}") from exc
            engine = RapidOCR(params=params)
            _use_float32_det_input(engine)
            setattr(engine, "crop_text_regions", _cut_lines)  # noqa: B010 - an instance's method
            setattr(engine, "cls_and_rotate", _short_lines_kept_upright(engine.cls_and_rotate))  # noqa: B010
            _INSTANCES[key] = engine
        return _INSTANCES[key]


VERTICAL_TEXT = 2.5
"""Height over width from which a cut-out line is taken for vertical text and turned on its
side before recognition. RapidOCR turns from 1.5, which catches the box of a lone digit (23 ×
35 px): c047's quantity 9, turned and then read, came out 6 (and 3.60 ≠ 5.40 was flagged)."""


def _cut_lines(img: NDArray[np.uint8], boxes: Any) -> list[NDArray[Any]]:
    """Each detected quadrilateral cut out of the page and straightened (RapidOCR's
    `get_rotate_crop_image`, with the VERTICAL_TEXT threshold)."""
    out: list[NDArray[Any]] = []
    for box in boxes:
        pts = np.asarray(box, dtype=np.float32).reshape(4, 2)
        w = int(max(np.linalg.norm(pts[0] - pts[1]), np.linalg.norm(pts[2] - pts[3])))
        h = int(max(np.linalg.norm(pts[0] - pts[3]), np.linalg.norm(pts[1] - pts[2])))
        target = np.array([[0, 0], [w, 0], [w, h], [0, h]], dtype=np.float32)
        crop = cv2.warpPerspective(
            img,
            cv2.getPerspectiveTransform(pts, target),
            (w, h),
            borderMode=cv2.BORDER_REPLICATE,
            flags=cv2.INTER_CUBIC,
        )
        if h >= VERTICAL_TEXT * max(1, w):
            crop = np.rot90(crop)
        out.append(crop)
    return out


SHORT_LINE = 1.5
"""Width over height under which a cut-out line holds one or two characters."""


def _short_lines_kept_upright(cls_and_rotate: Any) -> Any:
    """RapidOCR's angle classifier turns each line it believes upside down; for one or two
    characters on a page whose other lines stand upright it is guessing (a lone 9 is an upside
    down 6: c010's quantity 9, turned, was read 6 at 1.00), so those keep the page's way up."""

    def classify(crops: list[NDArray[Any]]) -> tuple[list[NDArray[Any]], Any]:
        turned, cls_res = cls_and_rotate(crops)
        labels = cls_res.cls_res or []
        flips = [i for i, (label, score) in enumerate(labels) if "180" in label and score > 0.9]
        if len(flips) > len(labels) / 2:
            return turned, cls_res  # the page is upside down: every line is turned
        kept = list(turned)
        for i in flips:
            h, w = crops[i].shape[:2]
            if w < SHORT_LINE * h:
                kept[i] = crops[i]
        return kept, cls_res

    return classify


def _use_float32_det_input(engine: Any) -> None:
    """RapidOCR normalises the detector's input in float64 (its mean and std are float64
    arrays): 0.28 s of one core per A4 page; in float32 it takes 0.05 s, for differences of
    at most 5e-7 in an input the model reads in float32 anyway."""
    from rapidocr.ch_ppocr_det.utils import DetPreProcess

    class Float32DetPreProcess(DetPreProcess):
        def __call__(self, img: NDArray[np.uint8]) -> NDArray[np.float32] | None:
            resized = self.resize(img)
            if resized is None:
                return None
            x = resized.astype(np.float32)
            x -= np.float32(255) * self.mean.astype(np.float32)
            x *= 1 / (np.float32(255) * self.std.astype(np.float32))
            return np.ascontiguousarray(x.transpose(2, 0, 1))[None]

    det = engine._load_det_model()
    det.get_preprocess = lambda: Float32DetPreProcess(
        det.limit_side_len, det.limit_type, det.mean, det.std
    )


class RapidOcrEngine(OcrEngine):
    name = "rapidocr"

    def __init__(self, settings: IngestSettings) -> None:
        self.settings = settings
        self._engine: Any = None

    @property
    def version(self) -> str:
        s = self.settings
        models = "default"
        if s.rapidocr_det_model or s.rapidocr_rec_model:
            det = Path(s.rapidocr_det_model).name if s.rapidocr_det_model else "default"
            rec = Path(s.rapidocr_rec_model).name if s.rapidocr_rec_model else "default"
            models = f"{det}+{rec}"
        return (
            f"rapidocr-{metadata.version('rapidocr')}-{models}"
            f"-side{s.ocr_max_side}-min{s.ocr_min_score}"
            + (f"-det{s.ocr_det_side}" if s.ocr_det_side else "")
            + (f"-batch{s.ocr_rec_batch}" if s.ocr_rec_batch != 6 else "")
            + f"-recw{s.ocr_rec_min_width}"
        )

    def _get(self) -> Any:
        if self._engine is None:
            self._engine = load_rapidocr(self.settings)
        return self._engine

    def detect_text_boxes(
        self, image: Image, long_side: int = 640
    ) -> list[NDArray[np.float32]] | None:
        """The det model alone on a copy scaled to `long_side` (small pages up to twice their
        size): about a tenth of a second, against seconds for a full recognition."""
        try:
            det = self._get()._load_det_model()
            h, w = image.shape[:2]
            scale = min(2.0, long_side / max(h, w))
            size = (max(32, round(w * scale / 32) * 32), max(32, round(h * scale / 32) * 32))
            inter = cv2.INTER_AREA if scale < 1 else cv2.INTER_LINEAR
            small = cv2.resize(np.ascontiguousarray(image), size, interpolation=inter)
            if small.ndim == 2:
                small = cv2.cvtColor(small, cv2.COLOR_GRAY2BGR)
            mean = np.asarray(det.mean, np.float32)
            std = np.asarray(det.std, np.float32)
            x = (small.astype(np.float32) / 255.0 - mean) / std
            batch = np.ascontiguousarray(x.transpose(2, 0, 1)[None], dtype=np.float32)
            boxes, _ = det.postprocess_op(det.session(batch), (h, w))
        except Exception:  # an internal of rapidocr moved: orientation falls back to profiles
            log.warning("rapidocr text detection for orientation failed", exc_info=True)
            return None
        return [np.asarray(b, np.float32).reshape(-1, 2) for b in boxes]

    def read_crops(self, crops: list[Image]) -> list[tuple[str, float]] | None:
        if not crops:
            return []
        try:
            rec = self._get().recognize_txt([np.ascontiguousarray(c) for c in crops])
        except Exception:  # an internal of rapidocr moved: no second reading
            log.warning("rapidocr recognition of line crops failed", exc_info=True)
            return None
        return [
            (str(t), min(1.0, max(0.0, float(s))))
            for t, s in zip(rec.txts or (), rec.scores or (), strict=False)
        ]

    def recognize(self, image: Image) -> OcrOutput:
        engine = self._get()
        img, op_record = engine.preprocess_img(np.ascontiguousarray(image))
        det_res, cls_res, rec_res, crops = engine.run_ocr_steps(img, op_record)
        result = engine.build_final_output(image, det_res, cls_res, rec_res, crops, op_record)
        _release_memory()
        upside_down: bool | None = None
        labels = getattr(cls_res, "cls_res", None)
        if labels:
            flipped = sum(1 for label, score in labels if "180" in str(label) and score > 0.9)
            upside_down = flipped > len(labels) / 2
        boxes = getattr(result, "boxes", None)
        txts = getattr(result, "txts", None)
        scores = getattr(result, "scores", None)
        if boxes is None or txts is None or scores is None:
            return OcrOutput([], upside_down)
        lines = [
            OcrLine(
                text=str(text),
                polygon=[(float(x), float(y)) for x, y in np.asarray(box).reshape(-1, 2)],
                confidence=min(1.0, max(0.0, float(score))),
            )
            for box, text, score in zip(boxes, txts, scores, strict=False)
            if str(text).strip()
        ]
        return OcrOutput(reading_order(lines), upside_down)
