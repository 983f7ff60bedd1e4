"""Derived artefacts keyed by the original's hash, the page and the engine version."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np

from ingest.pages import Image
from ingest.storage.base import Storage, derived_key
from models.documents import Page

PIPELINE_VERSION = "p14"
"""Bump when normalisation or line grouping changes: old cached results are then ignored."""


@dataclass
class CachedPage:
    page: Page
    quality_reasons: list[str] = field(default_factory=list)
    seal_coverage: list[float] = field(default_factory=list)

    def to_json(self) -> bytes:
        doc: dict[str, Any] = {
            "page": self.page.model_dump(mode="json"),
            "quality_reasons": self.quality_reasons,
            "seal_coverage": self.seal_coverage,
        }
        return json.dumps(doc, ensure_ascii=False, sort_keys=True).encode()

    @classmethod
    def from_json(cls, data: bytes) -> CachedPage:
        doc = json.loads(data)
        return cls(
            page=Page.model_validate(doc["page"]),
            quality_reasons=list(doc.get("quality_reasons", [])),
            seal_coverage=[float(x) for x in doc.get("seal_coverage", [])],
        )


class PageCache:
    def __init__(self, storage: Storage, engine_version: str) -> None:
        self.storage = storage
        self.engine_version = engine_version

    def result_key(self, sha256: str, index: int) -> str:
        name = f"p{index:04d}/result-{PIPELINE_VERSION}-{self.engine_version}.json"
        return derived_key(sha256, name)

    @staticmethod
    def image_key(sha256: str, index: int) -> str:
        return derived_key(sha256, f"p{index:04d}/normalized-{PIPELINE_VERSION}.png")

    def get(self, sha256: str, index: int) -> CachedPage | None:
        data = self.storage.get_optional(self.result_key(sha256, index))
        if data is None:
            return None
        try:
            return CachedPage.from_json(data)
        except (ValueError, KeyError):
            return None

    def put(self, sha256: str, index: int, result: CachedPage) -> None:
        self.storage.put(self.result_key(sha256, index), result.to_json(), "application/json")

    def put_image(self, sha256: str, index: int, image: Image) -> None:
        key = self.image_key(sha256, index)
        if self.storage.exists(key):
            return
        ok, png = cv2.imencode(".png", image, [cv2.IMWRITE_PNG_COMPRESSION, 1])
        if ok:
            self.storage.put(key, np.asarray(png).tobytes(), "image/png")
