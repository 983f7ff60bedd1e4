"""The API or a Celery worker in its own process, as `yibao serve` / `yibao worker` run them,
but with an OCR engine the fault tests control and the fake extractor of tests.api_support.

    python -m tests.fault_service api --port PORT
    python -m tests.fault_service worker

Besides the YIBAO_* settings, the environment says:

- `YIBAO_TEST_DOCS`: a JSON file {sha256: [Document JSON, ...]} (FakeExtractor.by_sha);
- `YIBAO_TEST_OCR_DIR`: every OCR call appends "<process group> <pid>" to `calls` there;
- `YIBAO_TEST_OCR_HANG=1`: the first OCR call of all processes writes its process group to
  `hang` there and blocks (until the test kills it);
- `YIBAO_TEST_OCR_SECONDS`: how long each OCR call takes.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
from pathlib import Path

from api.runtime import Dispatcher, Runtime
from api.settings import get_service_settings
from ingest.ocr.base import OcrOutput
from ingest.pages import Image
from models.documents import Document
from tests.api_support import FakeEngine, FakeExtractor

HANG_SECONDS = 600.0


class ControlledEngine(FakeEngine):
    """FakeEngine's reading, as slow as the test says, recording every call."""

    def __init__(self) -> None:
        super().__init__()
        self.dir = Path(os.environ["YIBAO_TEST_OCR_DIR"])
        self.seconds = float(os.environ.get("YIBAO_TEST_OCR_SECONDS", "0"))
        self.hang = os.environ.get("YIBAO_TEST_OCR_HANG") == "1"

    def recognize(self, image: Image) -> OcrOutput:
        with (self.dir / "calls").open("a") as fh:
            fh.write(f"{os.getpgid(0)} {os.getpid()}\n")
        if self.hang:
            try:
                fd = os.open(self.dir / "hang", os.O_CREAT | os.O_EXCL | os.O_WRONLY)
            except FileExistsError:
                pass
            else:
                os.write(fd, str(os.getpgid(0)).encode())
                os.close(fd)
                time.sleep(HANG_SECONDS)  # "in the middle of OCR" until the test kills us
        time.sleep(self.seconds)
        return super().recognize(image)


def load_extractor() -> FakeExtractor:
    extractor = FakeExtractor()
    raw = json.loads(Path(os.environ["YIBAO_TEST_DOCS"]).read_text(encoding="utf-8"))
    extractor.by_sha = {
        sha: [Document.model_validate(d) for d in docs] for sha, docs in raw.items()
    }
    return extractor


def runtime(dispatcher: Dispatcher | None = None) -> Runtime:
    return Runtime.from_settings(
        get_service_settings(),
        dispatcher=dispatcher,
        engine=ControlledEngine(),
        extract=load_extractor(),
    )


def main(argv: list[str]) -> None:
    logging.basicConfig(
        level=logging.WARNING, format="%(asctime)s %(process)d %(levelname)s %(name)s: %(message)s"
    )
    if argv[0] == "api":
        import uvicorn

        from api.app import create_app

        port = int(argv[argv.index("--port") + 1])
        uvicorn.run(create_app(runtime()), host="127.0.0.1", port=port, log_level="warning")
    elif argv[0] == "worker":
        from api.commands.worker import worker_command
        from api.worker import CeleryDispatcher, set_runtime

        # built before the pool forks; nothing in it has connected yet (S3 aside)
        set_runtime(runtime(CeleryDispatcher(get_service_settings())))
        worker_command(concurrency=1, pool="prefork", loglevel="WARNING")
    else:
        raise SystemExit(f"unknown role {argv[0]!r}")


if __name__ == "__main__":
    main(sys.argv[1:])
