"""Storage backends: local filesystem, and S3 over real HTTP against moto on loopback."""

from __future__ import annotations

import urllib.request
from pathlib import Path

import pytest

from ingest.storage import LocalStorage, Storage, derived_key, original_key, sha256_hex

# loopback only: never through a proxy from the environment
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _round_trip(storage: Storage) -> None:
    data = "原件内容 original bytes".encode()
    sha = storage.put_original(data, "application/octet-stream")
    assert sha == sha256_hex(data)
    assert storage.exists(original_key(sha))
    assert storage.get_original(sha) == data
    assert storage.put_original(data, "application/octet-stream") == sha  # idempotent
    key = derived_key(sha, "p0000/result-x.json")
    assert not storage.exists(key)
    assert storage.get_optional(key) is None
    with pytest.raises(KeyError):
        storage.get(key)
    storage.put(key, b"{}", "application/json")
    assert storage.get(key) == b"{}"
    storage.put(key, b'{"v": 2}', "application/json")
    assert storage.get(key) == b'{"v": 2}'


def test_local_round_trip(tmp_path: Path):
    storage = LocalStorage(tmp_path)
    _round_trip(storage)
    sha = sha256_hex("原件内容 original bytes".encode())
    url = storage.url(original_key(sha))
    assert url.startswith("file://")
    with _OPENER.open(url) as resp:
        assert resp.read() == "原件内容 original bytes".encode()


def test_local_rejects_escaping_keys(tmp_path: Path):
    storage = LocalStorage(tmp_path)
    for bad in ("../x", "/etc/passwd", "a/../../b"):
        with pytest.raises(ValueError):
            storage.put(bad, b"x")


def test_local_originals_are_read_only(tmp_path: Path):
    storage = LocalStorage(tmp_path)
    sha = storage.put_original(b"scan", "image/png")
    path = tmp_path / original_key(sha)
    assert not path.stat().st_mode & 0o222


def test_s3_round_trip_with_presigned_url(s3_endpoint: str):
    from ingest.storage.s3 import S3Storage

    storage = S3Storage(s3_endpoint, "testing", "testing", "yibao-test", secure=False)
    assert storage.client.bucket_exists("yibao-test")  # created when missing
    _round_trip(storage)
    again = S3Storage(s3_endpoint, "testing", "testing", "yibao-test", secure=False)
    sha = sha256_hex("原件内容 original bytes".encode())
    assert again.get_original(sha) == "原件内容 original bytes".encode()
    url = storage.url(original_key(sha), expires_seconds=600)
    assert url.startswith(f"http://{s3_endpoint}/yibao-test/") and "X-Amz-Signature" in url
    with _OPENER.open(url, timeout=10) as resp:
        assert resp.read() == "原件内容 original bytes".encode()


def test_open_storage_from_settings(tmp_path: Path, s3_endpoint: str):
    from ingest.settings import IngestSettings
    from ingest.storage import open_storage
    from ingest.storage.s3 import S3Storage

    local = open_storage(IngestSettings(data_dir=tmp_path))
    assert isinstance(local, LocalStorage)
    s3 = open_storage(
        IngestSettings(
            storage="s3",
            s3_endpoint=s3_endpoint,
            s3_access_key="testing",
            s3_secret_key="testing",
            s3_bucket="from-settings",
        )
    )
    assert isinstance(s3, S3Storage) and s3.client.bucket_exists("from-settings")
