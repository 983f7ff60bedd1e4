"""Storage backends for originals and derived artefacts."""

from __future__ import annotations

from ingest.settings import IngestSettings
from ingest.storage.base import Storage, StorageError, derived_key, original_key, sha256_hex
from ingest.storage.local import LocalStorage

__all__ = [
    "LocalStorage",
    "Storage",
    "StorageError",
    "derived_key",
    "open_storage",
    "original_key",
    "sha256_hex",
]


def open_storage(settings: IngestSettings) -> Storage:
    if settings.storage == "s3":
        from ingest.storage.s3 import S3Storage

        return S3Storage(
            settings.s3_endpoint,
            settings.s3_access_key,
            settings.s3_secret_key,
            settings.s3_bucket,
            secure=settings.s3_secure,
            region=settings.s3_region,
            retries=settings.s3_retries,
            timeout=settings.s3_timeout,
        )
    return LocalStorage(settings.data_dir / "store")
