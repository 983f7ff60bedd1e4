"""Local filesystem storage: the embedded default."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from ingest.storage.base import Storage, StorageError, check_key


class LocalStorage(Storage):
    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)

    def _path(self, key: str) -> Path:
        return self.root / check_key(key)

    def put(self, key: str, data: bytes, content_type: str = "application/octet-stream") -> None:
        try:
            self._put(self._path(key), key, data)
        except OSError as exc:  # unwritable, full, unmounted: worth retrying later
            raise StorageError(f"local storage: {exc.strerror or type(exc).__name__}") from exc

    def _put(self, path: Path, key: str, data: bytes) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            Path(tmp).replace(path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        # the rename itself is durable only once its directory is synced
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
        if key.startswith("originals/"):
            path.chmod(0o444)

    def get(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError:
            raise KeyError(key) from None
        except OSError as exc:
            raise StorageError(f"local storage: {exc.strerror or type(exc).__name__}") from exc

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def url(self, key: str, expires_seconds: int = 3600) -> str:
        path = self._path(key)
        if not path.is_file():
            raise KeyError(key)
        return path.resolve().as_uri()
