"""A small object-storage interface: originals content-addressed, derived artefacts keyed."""

from __future__ import annotations

import hashlib
import re
from abc import ABC, abstractmethod

_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]*$")


class StorageError(RuntimeError):
    pass


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def original_key(sha256: str) -> str:
    return f"originals/{sha256[:2]}/{sha256}"


def derived_key(sha256: str, name: str) -> str:
    """Where an artefact derived from the original `sha256` lives (name includes its version)."""
    return f"derived/{sha256[:2]}/{sha256}/{name}"


def check_key(key: str) -> str:
    if not _KEY.match(key) or ".." in key.split("/"):
        raise ValueError(f"invalid storage key: {key!r}")
    return key


class Storage(ABC):
    """Blobs by key. Writes of an existing key are allowed only for derived artefacts."""

    @abstractmethod
    def put(self, key: str, data: bytes, content_type: str = "application/octet-stream") -> None:
        """Store `data` under `key` (atomically: readers never see a partial object)."""

    @abstractmethod
    def get(self, key: str) -> bytes:
        """The bytes under `key`; KeyError if there are none."""

    @abstractmethod
    def exists(self, key: str) -> bool: ...

    @abstractmethod
    def url(self, key: str, expires_seconds: int = 3600) -> str:
        """A URL to download the object (presigned for S3, file:// for local)."""

    def get_optional(self, key: str) -> bytes | None:
        try:
            return self.get(key)
        except KeyError:
            return None

    def put_original(self, data: bytes, content_type: str) -> str:
        """Store an original once, content-addressed; never overwritten. Returns its sha256."""
        sha = sha256_hex(data)
        key = original_key(sha)
        if not self.exists(key):
            self.put(key, data, content_type)
        return sha

    def get_original(self, sha256: str) -> bytes:
        data = self.get(original_key(sha256))
        if sha256_hex(data) != sha256:
            raise StorageError(f"original {sha256[:12]}… does not match its hash")
        return data
