"""OCR engines behind one interface; the engine is chosen by settings."""

from __future__ import annotations

from ingest.ocr.base import EngineUnavailableError, OcrEngine, OcrOutput, reading_order
from ingest.settings import EngineName, IngestSettings

__all__ = ["EngineUnavailableError", "OcrEngine", "OcrOutput", "get_engine", "reading_order"]


def get_engine(settings: IngestSettings, name: EngineName | None = None) -> OcrEngine:
    """The engine by name (default: settings.ocr_engine). Raises EngineUnavailableError."""
    chosen = name or settings.ocr_engine
    if chosen == "rapidocr":
        from ingest.ocr.rapid import RapidOcrEngine

        return RapidOcrEngine(settings)
    if chosen == "paddleocr":
        from ingest.ocr.paddle import PaddleOcrEngine

        return PaddleOcrEngine(settings)
    if chosen == "tesseract":
        from ingest.ocr.tesseract import TesseractEngine

        return TesseractEngine(settings)
    raise EngineUnavailableError(f"unknown OCR engine: {chosen}")
