"""MinIO or any S3-compatible storage through the `minio` SDK."""

from __future__ import annotations

import datetime as dt
import io

from minio import Minio
from minio.error import S3Error

from ingest.storage.base import Storage, check_key

_MISSING = {"NoSuchKey", "NoSuchObject", "NotFound", "ResourceNotFound"}


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
    ) -> None:
        self.bucket = bucket
        self.client = Minio(
            endpoint, access_key=access_key, secret_key=secret_key, secure=secure, region=region
        )
        if not self.client.bucket_exists(bucket):
            self.client.make_bucket(bucket)

    def put(self, key: str, data: bytes, content_type: str = "application/octet-stream") -> None:
        self.client.put_object(
            self.bucket, check_key(key), io.BytesIO(data), len(data), content_type=content_type
        )

    def get(self, key: str) -> bytes:
        try:
            resp = self.client.get_object(self.bucket, check_key(key))
        except S3Error as exc:
            if exc.code in _MISSING:
                raise KeyError(key) from None
            raise
        try:
            return resp.read()
        finally:
            resp.close()
            resp.release_conn()

    def exists(self, key: str) -> bool:
        try:
            self.client.stat_object(self.bucket, check_key(key))
        except S3Error as exc:
            if exc.code in _MISSING:
                return False
            raise
        return True

    def url(self, key: str, expires_seconds: int = 3600) -> str:
        return self.client.presigned_get_object(
            self.bucket, check_key(key), expires=dt.timedelta(seconds=expires_seconds)
        )
