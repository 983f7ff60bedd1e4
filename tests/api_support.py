"""Helpers for the API tests: a fake OCR engine, small generated page images and a fake
extractor that maps each file (by content hash) to documents built directly."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from api.app import create_app
from api.runtime import Dispatcher, InlineDispatcher, Runtime
from api.settings import ServiceSettings, TokenUser
from bench.synthetic import encode, render_lines
from ingest.ocr.base import OcrEngine, OcrOutput
from ingest.pages import Image
from ingest.settings import IngestSettings
from ingest.storage import sha256_hex
from models.documents import Document, OcrLine, Page
from tests.builders import inpatient_case

RECEIVED = dt.date(2026, 3, 20)
FACTS = {"submitted_on": RECEIVED.isoformat()}
ITEM = "002036006002"
REGION = "sanming-mingxi"

TOKENS = {
    "tok-a": TokenUser(user="clerk-a", role="clerk"),
    "tok-b": TokenUser(user="clerk-b", role="clerk"),
    "tok-r": TokenUser(user="rev", role="reviewer"),
}
A = {"Authorization": "Bearer tok-a"}
B = {"Authorization": "Bearer tok-b"}
R = {"Authorization": "Bearer tok-r"}


class FakeEngine(OcrEngine):
    name = "fake"

    def __init__(self) -> None:
        self.calls = 0

    @property
    def version(self) -> str:
        return "fake-1"

    def recognize(self, image: Image) -> OcrOutput:
        self.calls += 1
        w = image.shape[1]
        poly = [(10.0, 10.0), (w - 10.0, 10.0), (w - 10.0, 40.0), (10.0, 40.0)]
        return OcrOutput([OcrLine(text="伪识别文字", polygon=poly, confidence=0.99)], False)


def page_png(label: str) -> bytes:
    """A small, distinct, readable page image."""
    return encode(render_lines([label, "福建省医疗保障"], size=(480, 240), px=28, margin=30))


class FakeExtractor:
    """Each file's first page carries the documents registered for its content hash."""

    def __init__(self) -> None:
        self.by_sha: dict[str, list[Document]] = {}
        self.calls = 0
        self.fail = False

    def register(self, data: bytes, *docs: Document) -> bytes:
        self.by_sha[sha256_hex(data)] = list(docs)
        return data

    def __call__(self, pages: list[Page]) -> list[Document]:
        self.calls += 1
        if self.fail:
            raise ValueError("extractor exploded")
        out: list[Document] = []
        for page in pages:
            if page.ref.index != 0:
                continue
            for d in self.by_sha.get(page.ref.file_sha256, []):
                fields = {
                    k: f.model_copy(update={"page": page.number}) for k, f in d.fields.items()
                }
                out.append(
                    d.model_copy(
                        update={"id": f"d{len(out) + 1}", "pages": [page.number], "fields": fields}
                    )
                )
        return out


def case_documents() -> dict[str, Document]:
    """The clean inpatient case by role: id, invoice, list, discharge, form."""
    docs = inpatient_case()
    return dict(zip(("id", "invoice", "list", "discharge", "form"), docs, strict=True))


def make_files(
    extractor: FakeExtractor, docs: dict[str, Document], tag: str = ""
) -> dict[str, bytes]:
    return {role: extractor.register(page_png(f"{role}{tag}"), doc) for role, doc in docs.items()}


def make_runtime(
    tmp_path: Path,
    *,
    database_url: str | None = None,
    dispatcher: Dispatcher | None = None,
    tokens: dict[str, TokenUser] | None = None,
    **settings: Any,
) -> tuple[Runtime, FakeEngine, FakeExtractor]:
    ingest = IngestSettings(data_dir=tmp_path / "data")
    service = ServiceSettings(
        database_url=database_url,
        tokens=TOKENS if tokens is None else tokens,
        task_max_retries=1,
        **settings,
    )
    engine, extractor = FakeEngine(), FakeExtractor()
    rt = Runtime.from_settings(
        service,
        ingest,
        dispatcher=dispatcher or InlineDispatcher(),
        engine=engine,
        extract=extractor,
    )
    return rt, engine, extractor


@contextmanager
def client(rt: Runtime) -> Iterator[TestClient]:
    with TestClient(create_app(rt)) as c:
        yield c


def submit(
    c: TestClient,
    files: dict[str, bytes],
    headers: dict[str, str] | None = None,
    **form: str,
) -> Any:
    data = {"item": ITEM, "region": REGION, "channel": "邮寄", "facts": _facts(), **form}
    upload = [("files", (f"{name}.png", blob, "image/png")) for name, blob in files.items()]
    return c.post("/submissions", data=data, files=upload, headers=headers or A)


def _facts() -> str:
    import json

    return json.dumps(FACTS)


def wait_status(
    c: TestClient, sid: str, headers: dict[str, str], want: set[str], timeout: float = 60
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        body: dict[str, Any] = c.get(f"/submissions/{sid}", headers=headers).json()
        if body["status"] in want and (body["status"] != "decided" or body["result"]):
            return body
        if time.monotonic() > deadline:
            raise AssertionError(f"{sid} still {body['status']} {body['progress']}")
        time.sleep(0.1)
