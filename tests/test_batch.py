"""Mailed-in batches: a stack of three envelopes from the sample cases (one cover sheet upside
down, one envelope missing a material, a stray page before the first cover sheet) is split and
verified with the real pipeline; the watched folder waits for files still being written and
processes nothing twice across a restart."""

from __future__ import annotations

import csv
import io
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pypdfium2 as pdfium
import pytest
from PIL import Image
from sqlalchemy import func, select
from typer.testing import CliRunner

from api.batch import BatchReport, envelope_keys, run_batch
from api.batch_journal import BatchJournal
from api.cli import app
from api.db import SubmissionRow
from api.watch import FolderWatcher, WatchLockedError
from ingest.batch_split import find_cover, material_files, split_stack
from ingest.pipeline import Pipeline
from ingest.qr import decode_qr
from ingest.settings import IngestSettings
from ingest.storage import sha256_hex
from models.catalog_loader import Catalog
from models.coversheet import CoverSheetPayloadError, CoverSheetRef, parse_payload, references
from models.documents import Document, Page
from models.facts import Channel
from samples.mailed import Envelope, case_pages, cover_images, envelope_pages, write_pdf
from tests.api_support import A, R, client, make_runtime, page_png
from verifier.registry import SqliteInvoiceRegistry

CASES = Path(__file__).resolve().parents[1] / "samples" / "cases"
# c024, c025: 门诊慢特病待遇认定, complete; c065: the same item without its application form
EXPECTED = {"T-001": "accept", "T-002": "accept", "T-003": "correct"}


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two scanner files: a stray page, envelopes 1 and 2 (cover upside down); envelope 3."""
    folder = tmp_path_factory.mktemp("stack") / "scan-0001"
    stray = case_pages(CASES / "c028")[:1]
    one = envelope_pages(Envelope(CASES / "c024", "T-001"))
    two = envelope_pages(Envelope(CASES / "c025", "T-002", rotate_cover=180))
    three = envelope_pages(Envelope(CASES / "c065", "T-003"))
    write_pdf(folder / "scan_1.pdf", stray + one + two)
    write_pdf(folder / "scan_2.pdf", three)
    return folder


@pytest.fixture(scope="module")
def settings(tmp_path_factory: pytest.TempPathFactory) -> IngestSettings:
    """One data dir for the module: pages OCR'd once are cached for the later tests."""
    return IngestSettings(data_dir=tmp_path_factory.mktemp("data"))


class CountingExtract:
    """extractors.extract, counting the submissions it is run for; `crash_after` simulates the
    process dying (not an error the batch could catch) once that many have been extracted."""

    def __init__(self, crash_after: int | None = None) -> None:
        from extractors import extract

        self.extract = extract
        self.calls = 0
        self.crash_after = crash_after

    def __call__(self, pages: list[Page]) -> list[Document]:
        if self.crash_after is not None and self.calls >= self.crash_after:
            raise KeyboardInterrupt  # the power goes off
        self.calls += 1
        return self.extract(pages)


def _run(
    stack: Path, out: Path, settings: IngestSettings, extract: Callable[..., Any], **kw: Any
) -> BatchReport:
    return run_batch(
        [stack],
        out,
        extract=extract,
        pipeline=Pipeline(settings=settings),
        registry=SqliteInvoiceRegistry(settings.data_dir / "records.sqlite"),
        **kw,
    )


def test_cover_payload_round_trip_and_bad_payloads() -> None:
    ref = CoverSheetRef("YJ20260320-0A1B2C", "002036006002", "sanming-mingxi", Channel.MAIL)
    assert ref.payload() == "YBCS1|YJ20260320-0A1B2C|002036006002|sanming-mingxi|mail"
    assert parse_payload(ref.payload()) == ref
    assert parse_payload("YBCS1|R1|002036005000|-|onsite").region is None
    for bad in ("YBCS1|R1|x|-", "YBCS2|R1|x|-|mail", "YBCS1|R 1|x|-|mail", "YBCS1|R1|x|-|fax"):
        with pytest.raises(CoverSheetPayloadError):
            parse_payload(bad)
    assert references("BOX7", 3) == ["BOX7-01", "BOX7-02", "BOX7-03"]
    fresh = references(None, 2)
    assert len(set(fresh)) == 2 and all(r.startswith("YJ") for r in fresh)


def test_split_finds_the_envelopes_keeps_stray_pages_and_provenance(
    stack: Path, settings: IngestSettings
) -> None:
    files = [(p.name, p.read_bytes()) for p in sorted(stack.iterdir())]
    pipeline = Pipeline(settings=settings)
    split = split_stack(files, storage=pipeline.storage, settings=settings)

    assert [f.pages for f in split.files] == [7, 2]
    assert [s.cover.ref for s in split.submissions] == ["T-001", "T-002", "T-003"]
    assert [p.position for p in split.leading] == [1]  # reported, not dropped
    # the cover sheet fed upside down is recognised and, like the others, is no material
    assert [[p.position for p in s.pages] for s in split.submissions] == [[3, 4], [6, 7], [9]]
    first_sha = sha256_hex(files[0][1])
    for sub in split.submissions:
        (material,) = sub.files
        assert material.source_sha256 == sha256_hex(
            files[0][1] if sub.cover.ref != "T-003" else files[1][1]
        )
        doc = pdfium.PdfDocument(material.data)
        assert len(doc) == len(sub.pages) == len(material.page_indexes)
        doc.close()
    assert split.submissions[1].files[0].provenance()["source_pages"] == [6, 7]
    # the same pages always make the same file: the page cache and the journal recognise them
    again = material_files(split, split.submissions[0].pages)
    assert again[0].sha256 == split.submissions[0].files[0].sha256
    assert b"/CreationDate(D:20000101000000" in again[0].data  # not the time of extraction
    # the scanned originals are kept intact, content-addressed
    assert pipeline.storage.get_original(first_sha) == files[0][1]


def test_the_stack_is_verified_per_envelope_with_notices_and_summary(
    stack: Path, settings: IngestSettings, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    report = _run(stack, out, settings, CountingExtract())

    assert {r.ref: r.decision for r in report.rows} == EXPECTED
    missing = json.loads((out / "T-003" / "result.json").read_text(encoding="utf-8"))
    assert [f["code"] for f in missing["findings"]] == ["MISSING_MATERIAL"]
    assert missing["cover"]["materials"][0]["source_pages"] == [2]
    with (out / "summary.csv").open(encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    assert [(r["收件编号"], r["决定"], r["问题数"]) for r in rows] == [
        ("T-001", "受理", "0"),
        ("T-002", "受理", "0"),
        ("T-003", "一次性告知补正", "1"),
    ]
    assert all(r["办结期限"] for r in rows)
    notice_pages = 0
    for ref in EXPECTED:
        doc = pdfium.PdfDocument(out / ref / "notice.pdf")
        notice_pages += len(doc)
        doc.close()
    merged = pdfium.PdfDocument(out / "notices.pdf")
    assert len(merged) == notice_pages
    merged.close()
    manifest = json.loads((out / "batch.json").read_text(encoding="utf-8"))
    assert manifest["unassigned_pages"] == [
        {"position": 1, "file": "scan_1.pdf", "sha256": manifest["files"][0]["sha256"], "page": 1}
    ]
    assert len(list((out / "unassigned").iterdir())) == 1


def _watcher(inbox: Path, settings: IngestSettings, extract: CountingExtract) -> FolderWatcher:
    def process(paths: list[Path], out: Path, journal: BatchJournal) -> BatchReport:
        return _run(paths[0].parent, out, settings, extract, journal=journal)

    clock = iter(range(0, 10_000, 100))  # each look is 100 s after the last: past settling
    return FolderWatcher(inbox, process, settle_seconds=10, clock=lambda: float(next(clock)))


def test_a_restart_in_the_middle_of_a_batch_processes_nothing_twice(
    stack: Path, settings: IngestSettings, tmp_path: Path
) -> None:
    inbox = tmp_path / "inbox"
    batch = inbox / "scan-0001"
    batch.mkdir(parents=True)
    for f in stack.iterdir():
        (batch / f.name).write_bytes(f.read_bytes())

    first = CountingExtract(crash_after=1)
    watcher = _watcher(inbox, settings, first)
    assert watcher.poll() == []  # first look: not settled yet
    with pytest.raises(KeyboardInterrupt):
        watcher.poll()
    watcher.close()
    assert first.calls == 1 and batch.is_dir()  # still in the inbox, nothing lost

    second = CountingExtract()
    watcher = _watcher(inbox, settings, second)
    watcher.ready()
    (outcome,) = watcher.poll()
    assert outcome.status == "done" and outcome.report is not None
    assert second.calls == 2  # only the envelopes the first run did not finish
    assert outcome.report.resumed == 1
    assert {r.ref: r.decision for r in outcome.report.rows} == EXPECTED
    assert not batch.exists() and (inbox / "done" / "scan-0001" / "scan_1.pdf").is_file()

    # the same scan dropped again is recognised by its contents: moved, not processed again
    again = inbox / "scan-0001"
    again.mkdir()
    for f in stack.iterdir():
        (again / f.name).write_bytes(f.read_bytes())
    watcher.ready()
    (outcome,) = watcher.poll()
    assert outcome.status == "skipped" and second.calls == 2
    assert (inbox / "done" / "scan-0001-1").is_dir()
    with pytest.raises(WatchLockedError):
        _watcher(inbox, settings, second)
    watcher.close()


def test_a_file_still_being_written_is_not_picked_up(tmp_path: Path) -> None:
    now = [0.0]
    watcher = FolderWatcher(
        tmp_path, lambda *a: pytest.fail("nothing is ready"), settle_seconds=5, clock=lambda: now[0]
    )
    data = page_png("扫描中")
    growing = tmp_path / "scan_0002.pdf"
    growing.write_bytes(data[:100])
    (tmp_path / "scan_0003.pdf.part").write_bytes(data)  # the scanner's temporary name
    locked = tmp_path / "scan_0004.pdf"
    locked.write_bytes(data)
    (tmp_path / "scan_0004.pdf.lock").write_bytes(b"")
    assert watcher.ready() == []
    now[0] = 3.0
    with growing.open("ab") as fh:
        fh.write(data[100:])  # still growing: the settle period starts again
    assert watcher.ready() == []
    now[0] = 7.0  # 4 s unchanged: not yet
    assert watcher.ready() == []
    now[0] = 8.5
    assert watcher.ready() == [growing]
    (tmp_path / "scan_0004.pdf.lock").unlink()
    (tmp_path / "scan_0003.pdf.part").rename(tmp_path / "scan_0003.pdf")
    assert watcher.ready() == [growing]
    now[0] = 20.0
    assert watcher.ready() == [growing, tmp_path / "scan_0003.pdf", locked]
    watcher.close()


def test_coversheet_command_prints_one_page_per_sheet(tmp_path: Path) -> None:
    out = tmp_path / "cs.pdf"
    result = CliRunner().invoke(
        app,
        [
            *("coversheet", "--item", "002036006002", "--region", "sanming-mingxi"),
            *("--ref", "BOX9", "--count", "2", "--out", str(out)),
        ],
    )
    assert result.exit_code == 0, result.output
    # the longest checklist (17 materials) still fits on one page: a second page without the
    # QR code would be taken for a material
    files = [(out.name, out.read_bytes())]
    split = split_stack(files, settings=IngestSettings(data_dir=tmp_path / "d"))
    assert [s.cover.ref for s in split.submissions] == ["BOX9-01", "BOX9-02"]
    assert [s.pages for s in split.submissions] == [[], []] and split.leading == []
    assert split.submissions[0].cover.region == "sanming-mingxi"
    bad = CliRunner().invoke(app, ["coversheet", "--item", "nonexistent-item", "--out", str(out)])
    assert bad.exit_code == 2 and "不存在" in bad.output


def test_coversheets_endpoint_and_the_service_watcher(tmp_path: Path) -> None:
    inbox = tmp_path / "scans"
    rt, _, _ = make_runtime(
        tmp_path, watch_dir=inbox, watch_settle_seconds=0.2, watch_interval_seconds=0.1
    )
    with client(rt) as c:
        assert c.get("/coversheets.pdf", params={"item": "002036005000"}).status_code == 401
        r = c.get("/coversheets.pdf", params={"item": "002036005000", "count": 2}, headers=A)
        assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
        refs = r.headers["x-yibao-references"].split(",")
        assert len(refs) == 2
        missing = c.get("/coversheets.pdf", params={"item": "nope"}, headers=A)
        assert missing.status_code == 404 and missing.json()["error"]["code"] == "UNKNOWN_ITEM"

        # the printed sheets, "scanned" with a page after each, dropped into the watched folder
        doc = pdfium.PdfDocument(r.content)
        sheets = [doc[i].render(scale=150 / 72).to_pil().convert("RGB") for i in range(len(doc))]
        doc.close()
        page = Image.open(io.BytesIO(page_png("材料"))).convert("RGB")
        scan = write_pdf(tmp_path / "scan.pdf", [sheets[0], page, sheets[1], page])
        _drop(scan, inbox)
        _wait_for(inbox / "done" / "scan.pdf")
        summary = next((inbox / "results").glob("scan-*/summary.csv"))
        with summary.open(encoding="utf-8-sig") as fh:
            rows = list(csv.DictReader(fh))
        assert [row["收件编号"] for row in rows] == refs
        # each envelope is a submission of the service, processed by its tasks
        for row in rows:
            body = c.get(f"/submissions/{row['申报编号']}", headers=R).json()
            assert body["status"] == "decided" and body["channel"] == "mail"
            assert body["item"] == "002036005000" and len(body["files"]) == 1
        # the same scan dropped again files nothing twice
        _drop(scan, inbox)
        _wait_for(inbox / "done" / "scan-1.pdf")
        with rt.db.session() as s:
            assert s.scalar(select(func.count()).select_from(SubmissionRow)) == 2


def _drop(file: Path, inbox: Path) -> None:
    """As a scanner does: written under a temporary name, then renamed."""
    part = inbox / (file.name + ".part")
    part.write_bytes(file.read_bytes())
    part.rename(inbox / file.name)


def _wait_for(path: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert time.monotonic() < deadline, sorted(path.parent.parent.rglob("*"))
        time.sleep(0.1)


def test_cover_sheet_checklist_comes_from_the_catalog_with_the_region_overlay() -> None:
    from verifier.notice.coversheet import checklist_lines

    catalog = Catalog.load()
    province = catalog.effective("002036005000")
    assert [line.name for line in checklist_lines(province)] == [m.name for m in province.materials]
    county = checklist_lines(catalog.effective("002036006002", "sanming-mingxi"))
    assert len(county) > len(checklist_lines(catalog.effective("002036006002")))
    assert any(line.condition == "住院报销" for line in county)


def test_a_reference_on_two_envelopes_is_two_submissions_and_a_rescan_is_one(
    tmp_path: Path,
) -> None:
    a, b = (CoverSheetRef(r, "002036005000") for r in ("R-A", "R-B"))
    cover_a, cover_b = cover_images([a, b])
    page = Image.open(io.BytesIO(page_png("材料"))).convert("RGB")
    # R-A fed twice in a row (one sheet), then R-B, then R-A again on another envelope
    scan = write_pdf(tmp_path / "s.pdf", [cover_a, cover_a, page, cover_b, page, cover_a, page])
    split = split_stack([(scan.name, scan.read_bytes())], settings=IngestSettings())
    assert [[p.position for p in s.cover_pages] for s in split.submissions] == [[1, 2], [4], [6]]
    assert envelope_keys(split) == ["R-A", "R-B", "R-A-dup2"]


COUNTY_REF = CoverSheetRef("YJ20260320-ABCDEF", "002036006002", "sanming-mingxi")


@pytest.fixture(scope="module")
def county_sheet() -> Image.Image:
    (sheet,) = cover_images([COUNTY_REF])
    return sheet


@pytest.mark.parametrize("turn", [90, 180, 270, 3, 177])
def test_a_cover_sheet_is_recognised_however_it_was_fed(
    turn: int, county_sheet: Image.Image
) -> None:
    """Sideways, upside down or skewed, at a cheap 100 dpi grey JPEG scan."""
    sheet = county_sheet
    small = sheet.resize((sheet.width * 2 // 3, sheet.height * 2 // 3)).convert("L")
    turned = small.rotate(turn, expand=True, fillcolor=255)
    buf = io.BytesIO()
    turned.save(buf, format="JPEG", quality=50)
    scanned = np.asarray(Image.open(buf).convert("RGB"))[:, :, ::-1].copy()
    assert find_cover(decode_qr(scanned)) == (COUNTY_REF, None)
