"""MinIO or any S3-compatible storage through the `minio` SDK.

Failures to reach the server come out as StorageError (callers retry those later); a missing
object is a KeyError.
"""

from __future__ import annotations

import datetime as dt
import io
import os
from collections.abc import Iterator
from contextlib import contextmanager

import certifi
import urllib3
from minio import Minio
from minio.error import MinioException, S3Error

from ingest.storage.base import Storage, StorageError, check_key

_MISSING = {"NoSuchKey", "NoSuchObject", "NotFound", "ResourceNotFound"}


@contextmanager
def _unavailable() -> Iterator[None]:
    """The server down, refusing or failing: StorageError (KeyError passes through)."""
    try:
        yield
    except S3Error as exc:
        if exc.code in _MISSING:
            raise
        raise StorageError(f"S3 error {exc.code}") from exc
    except (MinioException, urllib3.exceptions.HTTPError, OSError) as exc:
        raise StorageError(f"S3 unavailable: {type(exc).__name__}") from exc


def http_client(*, secure: bool, retries: int, timeout: float) -> urllib3.PoolManager:
    """The minio SDK's HTTP client with our bounds: its default retries a refused connection
    five times (about 6 s) and waits up to 5 minutes for an answer; the service retries whole
    tasks with backoff itself."""
    return urllib3.PoolManager(
        timeout=urllib3.Timeout(connect=min(timeout, 10.0), read=timeout),
        maxsize=10,
        cert_reqs="CERT_REQUIRED" if secure else "CERT_NONE",
        ca_certs=os.environ.get("SSL_CERT_FILE") or certifi.where(),
        retries=urllib3.Retry(
            total=retries, backoff_factor=0.2, status_forcelist=[500, 502, 503, 504]
        ),
    )


class S3Storage(Storage):
    def __init__(
        self,
        endpoint: str,
        access_key: str,
        secret_key: str,
        bucket: str,
        *,
        secure: bool = False,
        region: str = "us-east-1",
        retries: int = 2,
        timeout: float = 60.0,
    ) -> None:
        self.bucket = bucket
        self.client = Minio(
            endpoint,
            access_key=access_key,
            secret_key=secret_key,
            secure=secure,
            region=region,
            http_client=http_client(secure=secure, retries=retries, timeout=timeout),
        )
        with _unavailable():
            if not self.client.bucket_exists(bucket):
                self.client.make_bucket(bucket)

    def put(self, key: str, data: bytes, content_type: str = "application/octet-stream") -> None:
        with _unavailable():
            self.client.put_object(
                self.bucket, check_key(key), io.BytesIO(data), len(data), content_type=content_type
            )

    def get(self, key: str) -> bytes:
        try:
            with _unavailable():
                resp = self.client.get_object(self.bucket, check_key(key))
                try:
                    return resp.read()
                finally:
                    resp.close()
                    resp.release_conn()
        except S3Error:
            raise KeyError(key) from None

    def exists(self, key: str) -> bool:
        try:
            with _unavailable():
                self.client.stat_object(self.bucket, check_key(key))
        except S3Error:
            return False
        return True

    def url(self, key: str, expires_seconds: int = 3600) -> str:
        with _unavailable():
            return self.client.presigned_get_object(
                self.bucket, check_key(key), expires=dt.timedelta(seconds=expires_seconds)
            )
