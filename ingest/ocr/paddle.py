"""PaddleOCR 3.x (optional extra `[paddle]`) for deployments that have its models locally.

Models are never downloaded here: the detection and recognition model directories must be set
(YIBAO_PADDLE_DET_MODEL_DIR, YIBAO_PADDLE_REC_MODEL_DIR, and the model names when they are not
the PP-OCRv5 server models).
"""

from __future__ import annotations

import importlib
import threading
from importlib import metadata
from typing import Any

import numpy as np

from ingest.ocr.base import EngineUnavailableError, OcrEngine, OcrOutput, reading_order
from ingest.pages import Image
from ingest.settings import IngestSettings
from models.documents import OcrLine

_LOCK = threading.Lock()
_INSTANCES: dict[tuple[str, ...], Any] = {}


def paddle_unavailable_reason(settings: IngestSettings) -> str | None:
    """Why the paddle engine cannot run here, or None when it can."""
    try:
        metadata.version("paddleocr")
    except metadata.PackageNotFoundError:
        return "paddleocr is not installed (install the [paddle] extra)"
    if settings.paddle_det_model_dir is None or settings.paddle_rec_model_dir is None:
        return "YIBAO_PADDLE_DET_MODEL_DIR and YIBAO_PADDLE_REC_MODEL_DIR are not set"
    for path in (settings.paddle_det_model_dir, settings.paddle_rec_model_dir):
        if not path.is_dir():
            return f"paddle model directory not found: {path}"
    return None


def _field(res: Any, name: str) -> Any:
    try:
        return res[name]
    except (KeyError, TypeError):
        return getattr(res, "json", {}).get("res", {}).get(name)


class PaddleOcrEngine(OcrEngine):
    name = "paddleocr"
    concurrent_pages = False  # Paddle's predictors are not safe to share between threads

    def __init__(self, settings: IngestSettings) -> None:
        reason = paddle_unavailable_reason(settings)
        if reason is not None:
            raise EngineUnavailableError(reason)
        self.settings = settings
        self._engine: Any = None

    @property
    def version(self) -> str:
        s = self.settings
        det = s.paddle_det_model_name or (s.paddle_det_model_dir or "").__str__().rstrip("/")
        rec = s.paddle_rec_model_name or (s.paddle_rec_model_dir or "").__str__().rstrip("/")
        det, rec = det.rsplit("/", 1)[-1], rec.rsplit("/", 1)[-1]
        return f"paddleocr-{metadata.version('paddleocr')}-{det}+{rec}"

    def _get(self) -> Any:
        if self._engine is not None:
            return self._engine
        s = self.settings
        key = (
            str(s.paddle_det_model_dir),
            str(s.paddle_rec_model_dir),
            str(s.paddle_det_model_name),
            str(s.paddle_rec_model_name),
        )
        with _LOCK:
            if key not in _INSTANCES:
                paddle_ocr_cls = importlib.import_module("paddleocr").PaddleOCR

                kwargs: dict[str, Any] = {
                    "text_detection_model_dir": str(s.paddle_det_model_dir),
                    "text_recognition_model_dir": str(s.paddle_rec_model_dir),
                    "use_doc_orientation_classify": False,
                    "use_doc_unwarping": False,
                    "use_textline_orientation": False,
                    "text_rec_score_thresh": s.ocr_min_score,
                }
                if s.paddle_det_model_name:
                    kwargs["text_detection_model_name"] = s.paddle_det_model_name
                if s.paddle_rec_model_name:
                    kwargs["text_recognition_model_name"] = s.paddle_rec_model_name
                _INSTANCES[key] = paddle_ocr_cls(**kwargs)
            self._engine = _INSTANCES[key]
        return self._engine

    def recognize(self, image: Image) -> OcrOutput:
        results = self._get().predict(np.ascontiguousarray(image))
        lines: list[OcrLine] = []
        for res in results or []:
            texts = _field(res, "rec_texts") or []
            scores = _field(res, "rec_scores") or []
            polys = _field(res, "rec_polys")
            if polys is None:
                polys = []
            for text, score, poly in zip(texts, scores, polys, strict=False):
                if not str(text).strip():
                    continue
                points = [(float(x), float(y)) for x, y in np.asarray(poly).reshape(-1, 2)]
                lines.append(
                    OcrLine(
                        text=str(text),
                        polygon=points,
                        confidence=min(1.0, max(0.0, float(score))),
                    )
                )
        return OcrOutput(reading_order(lines), None)
