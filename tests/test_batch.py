"""Mailed-in batches: a stack of three envelopes from the sample cases (one cover sheet upside
down, one envelope missing a material, a stray page before the first cover sheet) is split and
verified with the real pipeline; the watched folder waits for files still being written and
processes nothing twice across a restart."""

from __future__ import annotations

import csv
import io
import json
import re
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
from models.coversheet import (
    FACT_CODES,
    MAX_PAYLOAD_BYTES,
    CoverSheetPayloadError,
    CoverSheetRef,
    cover_facts,
    parse_payload,
    references,
)
from models.documents import Document, Page
from models.facts import FACT_NAMES, CaseFacts, Channel
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
    # with case facts: YBCS2, two-letter codes, booleans 1/0, canonical order
    facts = cover_facts(CaseFacts(visit_type="inpatient", trauma=True, claim_amount="1234.50"))
    with_facts = CoverSheetRef("YJ20260320-0A1B2C", "002036006002", None, Channel.MAIL, facts)
    assert with_facts.payload() == (
        "YBCS2|YJ20260320-0A1B2C|002036006002|-|mail|ca=1234.50,tr=1,vt=inpatient"
    )
    assert parse_payload(with_facts.payload()) == with_facts
    assert parse_payload("YBCS2|R1|x|-|mail|vt=inpatient,tr=true").facts == (
        ("trauma", "1"),
        ("visit_type", "inpatient"),
    )
    assert CaseFacts.model_validate(with_facts.case_facts()).trauma is True
    for bad in (
        "YBCS2|R1|x|-|mail|",  # facts segment present but empty
        "YBCS2|R1|x|-|mail|zz=1",  # unknown code
        "YBCS2|R1|x|-|mail|vt=hospital",  # not a value of the fact
        "YBCS2|R1|x|-|mail|vt=inpatient,vt=outpatient",
        "YBCS1|R1|x|-|mail|vt=inpatient",  # YBCS1 has no facts field
    ):
        with pytest.raises(CoverSheetPayloadError):
            parse_payload(bad)
    # every fact but the channel has a code, and no code is used twice
    assert set(FACT_CODES) == FACT_NAMES - {"channel"}
    assert len(set(FACT_CODES.values())) == len(FACT_CODES)
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
        for facts in ("[1]", '{"insured_type": "retired"}', '{"nope": 1}'):
            bad = c.get(
                "/coversheets.pdf", params={"item": "002036005000", "facts": facts}, headers=A
            )
            assert bad.status_code == 422 and bad.json()["error"]["code"] == "BAD_FACTS"
        r = c.get(
            "/coversheets.pdf",
            params={"item": "002036005000", "count": 2, "facts": '{"insured_type": "resident"}'},
            headers=A,
        )
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
        assert [row["案件事实"] for row in rows] == ["参保类型：城乡居民"] * 2
        # each envelope is a submission of the service, processed by its tasks
        for row in rows:
            body = c.get(f"/submissions/{row['申报编号']}", headers=R).json()
            assert body["status"] == "decided" and body["channel"] == "mail"
            assert body["item"] == "002036005000" and len(body["files"]) == 1
            assert body["facts"]["insured_type"] == "resident"  # from the cover sheet's QR code
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


# the largest QR code printed in practice: the county's dense sheet with several case facts
COUNTY_REF = CoverSheetRef(
    "YJ20260320-ABCDEF",
    "002036006002",
    "sanming-mingxi",
    facts=cover_facts(
        CaseFacts(
            visit_type="inpatient",
            insured_type="flexible",
            maternity_event="delivery",
            emergency_away=False,
            claim_amount="12345.60",
            trauma=True,
            referral=True,
        )
    ),
)


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


def test_the_largest_payload_a_sheet_may_carry_is_tested_above() -> None:
    assert len(COUNTY_REF.payload()) in range(MAX_PAYLOAD_BYTES - 5, MAX_PAYLOAD_BYTES + 1)


def test_coversheet_command_puts_the_case_facts_on_the_sheet_and_refuses_bad_ones(
    tmp_path: Path,
) -> None:
    out = tmp_path / "cs.pdf"
    base = ["coversheet", "--item", "002036006002", "--region", "sanming-mingxi", "--ref", "F1"]
    result = CliRunner().invoke(
        app, [*base, "--fact", "visit_type=inpatient", "--fact", "trauma=true", "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    split = split_stack([(out.name, out.read_bytes())], settings=IngestSettings(data_dir=tmp_path))
    (sub,) = split.submissions
    assert sub.cover.case_facts() == {"trauma": "1", "visit_type": "inpatient"}
    doc = pdfium.PdfDocument(out)
    text = doc[0].get_textpage().get_text_range()
    doc.close()
    assert "门诊/住院：住院" in text and "外伤或意外伤害就医：是" in text
    assert "本件适用：住院报销" in text and "本件适用：外伤患者" in text
    assert "门诊报销" not in text  # 处方底方/门诊病历 is ruled out by visit_type=inpatient

    refused = {
        "visit_type=hospital": ("BAD_FACTS", "门诊/住院"),
        "trauma=maybe": ("BAD_FACTS", "外伤"),
        "channel=mail": ("BAD_FACTS", "办理渠道"),
        "no_such_fact=1": ("", "不是key=value形式的已知事实"),
    }
    for pair, (code, words) in refused.items():
        bad = CliRunner().invoke(app, [*base, "--fact", pair, "-o", str(tmp_path / "x.pdf")])
        flat = re.sub(r"[\s│]", "", bad.output)  # rich wraps the message in a box
        assert bad.exit_code == 2 and code in flat and words in flat, (pair, bad.output)
    assert not (tmp_path / "x.pdf").exists()
    many = [f"--fact={k}" for k in ("visit_type=inpatient", "insured_type=flexible")]
    many += [f"--fact={k}=true" for k in ("trauma", "referral", "emergency_away")]
    many += ["--fact=maternity_event=delivery", "--fact=claim_amount=123456.78"]
    many += ["--fact=nationality_group=hk_macao_taiwan", "--fact=employer_type=state_owned"]
    too_long = CliRunner().invoke(app, [*base, *many, "-o", str(tmp_path / "x.pdf")])
    assert too_long.exit_code == 2 and "TOO_MANY_FACTS" in too_long.output


def test_each_envelope_is_verified_with_its_own_cover_sheet_facts(
    settings: IngestSettings, tmp_path: Path
) -> None:
    """No OCR-heavy pages: one small page per envelope (the same page, OCR'd once)."""
    item, region = "002036006002", "sanming-mingxi"
    inpatient = CoverSheetRef(
        "F-IN", item, region, facts=cover_facts(CaseFacts(visit_type="inpatient"))
    )
    default = CoverSheetRef("F-DEFAULT", item, region)  # an old YBCS1 sheet: no facts
    cover_in, cover_default = cover_images([inpatient, default])
    page = Image.open(io.BytesIO(page_png("材料"))).convert("RGB")
    stack = tmp_path / "stack"
    write_pdf(stack / "scan.pdf", [cover_in, page, cover_default, page])
    out = tmp_path / "out"
    report = _run(stack, out, settings, CountingExtract(), facts={"visit_type": "outpatient"})

    assert {r.ref: r.facts for r in report.rows} == {
        "F-IN": {"visit_type": "inpatient"},  # the sheet's own facts win over the default
        "F-DEFAULT": {"visit_type": "outpatient"},
    }

    def state(ref: str) -> dict[str, str]:
        body = json.loads((out / ref / "result.json").read_text(encoding="utf-8"))
        assert (
            body["facts"]["visit_type"]
            == report.rows[0 if ref == "F-IN" else 1].facts["visit_type"]
        )
        return {c["material"]: c["state"] for c in body["checklist"]}

    # required (and so missing: the envelope holds just a blank page) or not applicable
    assert state("F-IN")["discharge_or_diagnosis"] == "missing"  # 出院小结/诊断证明
    assert state("F-IN")["prescription_or_record"] == "not_applicable"
    assert state("F-DEFAULT")["discharge_or_diagnosis"] == "not_applicable"
    assert state("F-DEFAULT")["prescription_or_record"] == "missing"  # 处方底方/门诊病历
    cover = json.loads((out / "F-IN" / "result.json").read_text(encoding="utf-8"))["cover"]
    assert cover["facts"] == {"visit_type": "inpatient"}
    with (out / "summary.csv").open(encoding="utf-8-sig") as fh:
        rows = {r["收件编号"]: r["案件事实"] for r in csv.DictReader(fh)}
    assert rows == {"F-IN": "门诊/住院：住院", "F-DEFAULT": "门诊/住院：门诊"}
