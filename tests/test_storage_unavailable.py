"""Storage that cannot be reached is a StorageError from every backend, and the pipeline calls
it STORAGE_FAILED (retried by the service) rather than blaming the file."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.errors import IntakeCode
from ingest.pipeline import Pipeline
from ingest.settings import IngestSettings
from ingest.storage import LocalStorage, StorageError
from ingest.storage.s3 import S3Storage
from tests.api_support import FakeEngine, page_png
from tests.fault_support import free_port


class CacheDown(LocalStorage):
    """Originals are stored; the page cache (derived/) cannot be read."""

    def get(self, key: str) -> bytes:
        if key.startswith("derived/"):
            raise StorageError("down")
        return super().get(key)


def test_local_storage_write_failure_is_a_storage_error(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path / "store")
    (tmp_path / "store" / "originals").write_text("not a directory")  # even root cannot write
    with pytest.raises(StorageError):
        storage.put_original(b"data", "text/plain")


def test_s3_server_unreachable_is_a_storage_error_quickly() -> None:
    port = free_port()  # nothing listens there
    with pytest.raises(StorageError):
        S3Storage(f"127.0.0.1:{port}", "k", "s", "bucket", retries=1, timeout=2)


def test_page_cache_unavailable_is_storage_failed_not_the_files_fault(tmp_path: Path) -> None:
    settings = IngestSettings(data_dir=tmp_path)
    pipeline = Pipeline(CacheDown(tmp_path / "store"), FakeEngine(), settings)
    result = pipeline.process(page_png("发票"), "invoice.png")
    assert result.error is not None
    assert result.error.code == IntakeCode.STORAGE_FAILED
