"""Ingest settings, read from `YIBAO_*` environment variables."""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path
from typing import Literal

from platformdirs import user_data_dir
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

EngineName = Literal["rapidocr", "paddleocr", "tesseract"]


def _default_data_dir() -> Path:
    return Path(user_data_dir("yibao-check"))


class IngestSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="YIBAO_", extra="ignore")

    # storage
    storage: Literal["local", "s3"] = "local"
    data_dir: Path = Field(default_factory=_default_data_dir)
    s3_endpoint: str = "127.0.0.1:9000"
    s3_access_key: str = ""
    s3_secret_key: str = ""
    s3_bucket: str = "yibao-check"
    s3_secure: bool = False
    s3_region: str = "us-east-1"
    s3_url_expiry_seconds: int = 3600
    s3_retries: int = Field(2, ge=0, description="retries of one S3 request (refused, 5xx)")
    s3_timeout: float = Field(60.0, gt=0, description="seconds to wait for an S3 answer")

    # limits
    max_file_bytes: int = 50 * 1024 * 1024
    max_image_pixels: int = 100_000_000
    max_pdf_pages: int = 100
    max_tiff_frames: int = 100
    max_pdf_stream_bytes: int = Field(
        32 * 1024 * 1024, description="largest inflated PDF stream other than an image"
    )

    # PDF handling
    pdf_render_dpi: int = 200
    pdf_qr_dpi: int = 150
    pdf_text_layer_min_chars: int = 20

    # OCR
    ocr_engine: EngineName = "rapidocr"
    ocr_threads: int = Field(
        0, description="ONNX Runtime intra-op threads; 0 = the cores shared among page workers"
    )
    page_workers: int = Field(
        0,
        ge=0,
        description="pages of one submission read at once (0: one per core, at most 4)",
    )
    ocr_max_side: int = 2000
    ocr_min_score: float = 0.5
    ocr_det_side: int = Field(
        0, description="longest side the text detector works at (0: the engine's default)"
    )
    ocr_mem_arena: bool = Field(
        True,
        description=(
            "ONNX Runtime's memory arena: detection 18 % faster, a worker's peak ~0.5 GB higher"
        ),
    )
    ocr_rec_batch: int = Field(
        6,
        ge=1,
        description="text lines recognised per batch (RapidOCR; larger: faster on dense pages)",
    )
    ocr_rec_min_width: int = Field(
        48,
        ge=16,
        description=(
            "narrowest width (pixels at the 48-pixel line height) a batch of text lines is padded"
            " to; RapidOCR's own 320 pads short table cells several times over"
        ),
    )
    rapidocr_det_model: Path | None = None
    rapidocr_rec_model: Path | None = None
    rapidocr_rec_keys: Path | None = None
    paddle_det_model_dir: Path | None = None
    paddle_rec_model_dir: Path | None = None
    paddle_det_model_name: str | None = None
    paddle_rec_model_name: str | None = None
    tesseract_cmd: str = "tesseract"
    tesseract_lang: str = "chi_sim"

    # normalisation
    seal_suppression: bool = True
    perspective_correction: bool = True
    ocr_enhance: bool = Field(
        True, description="flatten dark backgrounds and enlarge small text for the OCR engine"
    )

    def resolved_page_workers(self) -> int:
        if self.page_workers > 0:
            return self.page_workers
        return max(1, min(4, os.cpu_count() or 1))

    def resolved_ocr_threads(self) -> int:
        """Intra-op threads per OCR call (0: ONNX Runtime's own default, all cores): with
        several pages in flight each call gets its share, so the cores are not oversubscribed."""
        if self.ocr_threads > 0:
            return self.ocr_threads
        workers = self.resolved_page_workers()
        return 0 if workers == 1 else max(1, (os.cpu_count() or 1) // workers)


@cache
def get_settings() -> IngestSettings:
    return IngestSettings()
