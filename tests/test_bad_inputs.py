"""Hostile and broken files through the real API (multipart upload, embedded default): each one
answers its coded error within a time and memory bound, the process lives on, the good file
sent with it is processed, and file names are stored sanitised, never used as paths."""

from __future__ import annotations

import json
import secrets
import threading
import time
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psutil
import pytest
from fastapi.testclient import TestClient

from ingest.errors import MESSAGES_ZH, IntakeCode
from ingest.filenames import MAX_NAME_CHARS
from tests.api_support import FACTS, ITEM, REGION, A, R, client, make_runtime
from tests.hostile_files import CORPUS, Hostile, page_image

SECONDS = 30.0
"""Longest a submission of one hostile file and one good page may take (fake OCR engine;
typically under 1 s, a few seconds on a loaded machine): a hang or a slow bomb fails."""
RSS_GROWTH = 150 * 1024 * 1024
"""Most the process may grow while taking one in (peak resident set over the baseline)."""


def multipart(files: list[tuple[str | bytes, bytes, str]], **fields: str) -> tuple[bytes, str]:
    """A multipart/form-data body written by hand, so a file name can be any bytes."""
    boundary = "yb" + secrets.token_hex(12)
    out = bytearray()
    for name, value in fields.items():
        out += f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
        out += value.encode() + b"\r\n"
    for filename, data, content_type in files:
        raw = filename if isinstance(filename, bytes) else filename.encode()
        raw = raw.replace(b'"', b"%22").replace(b"\r", b"").replace(b"\n", b"")
        out += f"--{boundary}\r\n".encode()
        out += b'Content-Disposition: form-data; name="files"; filename="' + raw + b'"\r\n'
        out += f"Content-Type: {content_type}\r\n\r\n".encode() + data + b"\r\n"
    out += f"--{boundary}--\r\n".encode()
    return bytes(out), f"multipart/form-data; boundary={boundary}"


class PeakRss:
    """The process's peak resident set while the block runs, sampled every 5 ms."""

    def __init__(self) -> None:
        self.proc = psutil.Process()
        self.base = self.peak = self.proc.memory_info().rss
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self.proc.memory_info().rss)
            time.sleep(0.005)

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self.proc.memory_info().rss)

    @property
    def growth(self) -> int:
        return self.peak - self.base


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, Path]]:
    tmp = tmp_path_factory.mktemp("bad-inputs")
    rt, _, _ = make_runtime(tmp)
    with client(rt) as c:
        # warm up (lazy imports, first page, notice renderer) so that the bounds measure the
        # hostile file, not the first request
        assert _submit(c, [("warm.png", page_image("warm up"), "image/png")]).status_code == 202
        yield c, tmp


def _submit(c: TestClient, files: list[tuple[str | bytes, bytes, str]]) -> Any:
    body, content_type = multipart(
        files, item=ITEM, region=REGION, channel="邮寄", facts=json.dumps(FACTS)
    )
    return c.post("/submissions", content=body, headers={**A, "Content-Type": content_type})


def _printable(name: str) -> bool:
    return all(unicodedata.category(ch) not in {"Cc", "Cf", "Cs", "Co", "Cn"} for ch in name)


@pytest.mark.parametrize("hostile", CORPUS, ids=[h.name for h in CORPUS])
def test_hostile_file_is_refused_and_the_good_one_processed(
    service: tuple[TestClient, Path], hostile: Hostile
) -> None:
    c, tmp = service
    bad = hostile.data()
    good = page_image(f"good page for {hostile.name}")
    with PeakRss() as rss:
        started = time.perf_counter()
        r = _submit(
            c, [(hostile.filename, bad, hostile.content_type), ("good.png", good, "image/png")]
        )
        elapsed = time.perf_counter() - started
    print(f"\n{hostile.name}: {elapsed:.2f} s, peak RSS +{rss.growth / 2**20:.0f} MB")
    assert r.status_code == 202, r.text
    assert elapsed < SECONDS, f"{hostile.name} took {elapsed:.1f}s"
    assert rss.growth < RSS_GROWTH, f"{hostile.name} grew the process by {rss.growth >> 20} MB"

    body = c.get(r.json()["href"], headers=A).json()
    assert body["status"] == "decided", body["error"]
    files = {f["sha256"]: f for f in body["files"]}
    good_file = next(f for f in body["files"] if f["filename"] == "good.png")
    assert good_file["processed"] and good_file["pages"] == 1 and good_file["error"] is None
    bad_file = next(f for sha, f in files.items() if sha != good_file["sha256"])
    assert bad_file["processed"]
    findings = {f["code"]: f for f in body["result"]["findings"]}
    if hostile.code is None:
        assert bad_file["error"] is None and bad_file["pages"] >= 1
    else:
        assert bad_file["error"]["code"] == hostile.code, bad_file["error"]
        assert bad_file["error"]["message_zh"] == MESSAGES_ZH[IntakeCode(hostile.code)]
        assert (
            hostile.code in findings and bad_file["filename"] in findings[hostile.code]["message"]
        )

    # names are text to show, never paths: one component, printable, bounded
    name = bad_file["filename"]
    assert name and "/" not in name and "\\" not in name and not name.startswith(".")
    assert _printable(name) and len(name) <= MAX_NAME_CHARS
    assert not [p for p in tmp.rglob("*") if p.name in {"evil.png", "x.png", "passwd"}]
    assert c.get("/healthz").json() == {"status": "ok"}


def test_names_keep_what_is_readable(service: tuple[TestClient, Path]) -> None:
    c, _ = service
    sent = [
        ("../../../../etc/cron.d/evil.png", "evil.png"),
        ("..\\..\\Windows\\System32\\x.png", "x.png"),
        ("发" * 1000 + ".png", "发" * (MAX_NAME_CHARS - 4) + ".png"),
        ("发票\u202egnp.exe", "发票gnp.exe"),
        ("..", None),
    ]
    files = [(raw, page_image(f"name {i}"), "image/png") for i, (raw, _) in enumerate(sent)]
    r = _submit(c, files)
    assert r.status_code == 202, r.text
    stored = [f["filename"] for f in r.json()["files"]]
    for (_, want), got in zip(sent, stored, strict=True):
        if want is None:  # nothing readable left: the content hash prefix stands in
            assert len(got) == 12 and all(ch in "0123456789abcdef" for ch in got)
        else:
            assert got == want


def test_a_submission_of_every_hostile_file_at_once(service: tuple[TestClient, Path]) -> None:
    """All of them in one upload: one coded error each, the good page processed."""
    c, _ = service
    files = [(h.filename, h.data(), h.content_type) for h in CORPUS]
    files.append(("good.png", page_image("the good one"), "image/png"))
    r = _submit(c, files)
    assert r.status_code == 202, r.text
    body = c.get(r.json()["href"], headers=A).json()
    assert body["status"] == "decided"
    by_sha = {f["sha256"]: f for f in body["files"]}
    assert all(f["processed"] for f in by_sha.values())
    good = next(f for f in by_sha.values() if f["filename"] == "good.png")
    assert good["error"] is None and good["pages"] == 1
    codes = {f["error"]["code"] for f in by_sha.values() if f["error"]}
    assert codes == {h.code for h in CORPUS if h.code}
    assert c.get("/healthz").json() == {"status": "ok"}


def test_a_name_longer_than_a_multipart_header_refuses_the_request(
    service: tuple[TestClient, Path],
) -> None:
    """The multipart parser bounds a header line (4 KiB): the request is refused as a whole,
    coded, before anything is stored."""
    c, _ = service
    before = c.get("/review/queue", headers=R, params={"limit": 500}).json()
    r = _submit(c, [("发" * 3000 + ".png", page_image("long"), "image/png")])
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "BAD_REQUEST" and r.json()["error"]["message"]
    assert c.get("/review/queue", headers=R, params={"limit": 500}).json() == before
