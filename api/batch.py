"""A scanned stack of mailed-in envelopes, end to end: split at the cover sheets
(ingest.batch_split), verify each envelope with the same pipeline as `yibao verify`
(api.submission.process), write per submission its JSON result and notice, and for the batch a
summary (CSV), a manifest with every page's provenance and one merged PDF of the notices.

Output folder::

    summary.csv          收件编号, 事项, 决定, 问题数, 办结期限 … (UTF-8 with BOM, for Excel)
    batch.json           files, pages before the first cover sheet, submissions + provenance
    notices.pdf          every notice in stack order, to print and mail
    <ref>/result.json    the stable JSON result (as `yibao verify --json`) + cover and provenance
    <ref>/notice.pdf     受理通知书 / 一次性告知书 / 退回告知书 (none while 转人工审核)
    <ref>/files/         the submission's materials (page extracts of the scanned originals)
    unassigned/          pages found before the first cover sheet, kept as files

With a journal, every finished submission is recorded at once, so a run interrupted half-way
(crash, restart) continues with the next submission and never verifies one twice.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol

from pydantic import ValidationError

from api.batch_journal import DONE, BatchJournal
from api.report import result_json
from api.submission import CaseInput, Extract, process, write_notice
from ingest.batch_split import (
    MaterialFile,
    ScanPage,
    SplitSubmission,
    StackSplit,
    material_files,
    merge_pdfs,
    split_stack,
)
from ingest.pipeline import Pipeline
from models.catalog_loader import Catalog
from models.facts import CaseFacts, facts_error_zh, facts_text
from verifier.registry import InvoiceRegistry

log = logging.getLogger(__name__)

SUMMARY_HEADER = (
    "收件编号",
    "事项编码",
    "事项名称",
    "决定",
    "问题数",
    "办结期限",
    "材料页数",
    "告知书",
    "错误",
    "申报编号",
    "案件事实",
)
TEMP_SUFFIXES = (".tmp", ".part", ".partial", ".crdownload", ".lock")


def is_temporary(name: str) -> bool:
    """A name a scanner or copier uses while still writing (or a hidden file)."""
    return name.startswith((".", "~")) or name.lower().endswith(TEMP_SUFFIXES)


EnvelopeHandler = Callable[["SplitSubmission", str, Path], "SummaryRow"]
"""What is done with one envelope: (split submission, its key in the batch, its output folder)
-> its summary row. By default it is verified here (`local_verification`)."""


class BatchProgress(Protocol):
    def stage(self, description: str, total: int | None) -> None: ...

    def advance(self, description: str) -> None: ...


@dataclass
class SummaryRow:
    ref: str
    item: str
    item_name: str
    region: str | None
    decision: str | None = None
    decision_label: str = ""
    findings: int = 0
    deadline: str | None = None
    pages: int = 0
    notice: str | None = None
    """The notice file, relative to the batch output folder."""
    error: str | None = None
    error_message: str | None = None
    submission: str | None = None
    """The service's submission id, when the service's watcher filed the envelope."""
    facts: dict[str, Any] = field(default_factory=dict)
    """The case facts the envelope was verified with (the batch's defaults overridden by its
    cover sheet's), JSON values by name; the channel is the cover sheet's own column."""

    def csv_row(self) -> list[str]:
        return [
            self.ref,
            self.item,
            self.item_name,
            self.decision_label or (self.decision or ""),
            str(self.findings),
            self.deadline or "",
            str(self.pages),
            self.notice or "",
            f"{self.error} {self.error_message or ''}".strip() if self.error else "",
            self.submission or "",
            facts_text(self.facts),
        ]


@dataclass
class BatchReport:
    batch_id: str
    out: Path
    split: StackSplit
    rows: list[SummaryRow]
    resumed: int = 0
    """Submissions already done in an earlier (interrupted) run, taken from the journal."""
    notices_pdf: Path | None = None
    unassigned: list[str] = field(default_factory=list)

    @property
    def pages(self) -> int:
        return self.split.pages


def stack_paths(paths: Sequence[Path]) -> list[Path]:
    """The files of a batch in scan order: folders expanded (names in natural order: scan_2
    before scan_10), temporary and hidden files left out."""
    out: list[Path] = []
    for path in paths:
        if path.is_dir():
            files = [p for p in path.iterdir() if p.is_file() and not is_temporary(p.name)]
            out.extend(sorted(files, key=natural_key))
        else:
            out.append(path)
    return out


def natural_key(path: Path) -> list[Any]:
    return [int(t) if t.isdigit() else t.lower() for t in re.split(r"(\d+)", path.name)]


def batch_id_of(files: Sequence[tuple[str, bytes]]) -> str:
    """The batch's identity: its files' contents in order (names do not matter)."""
    digest = hashlib.sha256()
    for _, data in files:
        digest.update(hashlib.sha256(data).digest())
    return "B" + digest.hexdigest()[:20]


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "_", name)


def write_files(folder: Path, files: Sequence[MaterialFile]) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for n, f in enumerate(files, 1):
        path = folder / f"{n:02d}_{_safe(f.filename)}"
        path.write_bytes(f.data)
        paths.append(path)
    return paths


def _page_json(p: ScanPage) -> dict[str, Any]:
    return {
        "position": p.position,
        "file": p.filename,
        "sha256": p.file_sha256,
        "page": p.index + 1,
    }


def local_verification(
    pipeline: Pipeline,
    extract: Extract,
    registry: InvoiceRegistry | None = None,
    facts: dict[str, Any] | None = None,
    catalog: Catalog | None = None,
) -> EnvelopeHandler:
    """Verify each envelope here, as `yibao verify` does, writing its result and notice."""
    cat = catalog or Catalog.load()

    def handle(sub: SplitSubmission, ref: str, folder: Path) -> SummaryRow:
        return _verify_one(sub, ref, folder, pipeline, extract, registry, facts, cat)

    return handle


def run_batch(
    paths: Sequence[Path],
    out: Path,
    *,
    extract: Extract | None = None,
    pipeline: Pipeline | None = None,
    registry: InvoiceRegistry | None = None,
    facts: dict[str, Any] | None = None,
    journal: BatchJournal | None = None,
    progress: BatchProgress | None = None,
    envelope: EnvelopeHandler | None = None,
) -> BatchReport:
    """Split, verify and report one batch. Never raises for a bad file or envelope: each is a
    row with its error code. `extract` is extractors.extract (passed in: api/ loads it late);
    `envelope` replaces the local verification (the service files envelopes as submissions)."""
    pipeline = pipeline or Pipeline()
    if envelope is None:
        if extract is None:
            raise ValueError("run_batch needs extract or an envelope handler")
        envelope = local_verification(pipeline, extract, registry, facts)
    files = [(p.name, p.read_bytes()) for p in stack_paths(paths)]
    batch_id = batch_id_of(files)
    out.mkdir(parents=True, exist_ok=True)
    if journal is not None:
        journal.begin(batch_id, ", ".join(name for name, _ in files)[:500])

    if progress:
        progress.stage("查找封面", None)
    split = split_stack(
        files,
        storage=pipeline.storage,
        settings=pipeline.settings,
        progress=(lambda name, i: progress.advance(f"查找封面 {name} 第{i + 1}页"))
        if progress
        else None,
    )
    unassigned = write_files(out / "unassigned", material_files(split, split.leading))

    rows: list[SummaryRow] = []
    resumed = 0
    if progress:
        progress.stage("核验", len(split.submissions))
    for sub, ref in zip(split.submissions, envelope_keys(split), strict=True):
        done = journal.submission(batch_id, ref) if journal is not None else None
        if done is not None:
            rows.append(SummaryRow(**done))
            resumed += 1
        else:
            row = envelope(sub, ref, out / _safe(ref))
            if journal is not None:
                journal.record(batch_id, ref, asdict(row))
            rows.append(row)
        if progress:
            progress.advance(f"核验 {ref}")

    report = BatchReport(batch_id, out, split, rows, resumed)
    report.unassigned = [p.name for p in unassigned]
    _write_summary(report)
    notices = [out / r.notice for r in rows if r.notice and (out / r.notice).is_file()]
    if notices:
        report.notices_pdf = out / "notices.pdf"
        report.notices_pdf.write_bytes(merge_pdfs([p.read_bytes() for p in notices]))
    if journal is not None:
        journal.finish(batch_id, DONE)
    return report


def envelope_keys(split: StackSplit) -> list[str]:
    """One key per envelope: a reference printed twice and used on two envelopes of the
    stack (not the same sheet scanned twice in a row, which counts once) gets -dup2, -dup3 …"""
    seen: dict[str, int] = {}
    out = []
    for sub in split.submissions:
        n = seen[sub.cover.ref] = seen.get(sub.cover.ref, 0) + 1
        out.append(sub.cover.ref if n == 1 else f"{sub.cover.ref}-dup{n}")
    return out


def _verify_one(
    sub: SplitSubmission,
    ref: str,
    folder: Path,
    pipeline: Pipeline,
    extract: Extract,
    registry: InvoiceRegistry | None,
    facts: dict[str, Any] | None,
    catalog: Catalog,
) -> SummaryRow:
    cover = sub.cover
    row = SummaryRow(ref, cover.item, "", cover.region, pages=len(sub.pages))
    try:
        found = catalog.find(cover.item, cover.region)
    except KeyError:
        found = []
    if len(found) != 1:
        row.error, row.error_message = "UNKNOWN_ITEM", f"封面所列事项“{cover.item}”无法确定"
        write_json(folder / "result.json", {"cover": cover_json(sub), "error": row.error})
        return row
    item = found[0]
    row.item, row.item_name = item.key, item.name
    raw = {**(facts or {}), **cover.case_facts(), "channel": cover.channel.value}
    try:
        case_facts = CaseFacts.model_validate(raw)
    except ValidationError as exc:
        row.error, row.error_message = "BAD_FACTS", facts_error_zh(exc)
        return row
    used = case_facts.model_dump(mode="json", exclude_none=True)
    row.facts = {k: v for k, v in used.items() if k != "channel"}
    paths = write_files(folder / "files", sub.files)
    try:
        outcome = process(
            CaseInput(item.key, cover.region, case_facts, paths),
            pipeline=pipeline,
            extract=extract,
            registry=registry,
            submission_id=ref,
            submitted_on=case_facts.submitted_on,
        )
    except Exception as exc:  # one envelope never stops the stack
        log.exception("batch submission %s failed", ref)
        row.error = "PROCESSING_FAILED"
        row.error_message = f"处理失败（{type(exc).__name__}），原件已保存，请人工处理"
        return row
    result = outcome.result
    body = result_json(result, outcome.files)
    body["cover"] = cover_json(sub)
    write_json(folder / "result.json", body)
    row.decision = result.decision.outcome.value
    row.decision_label = result.decision.outcome.label
    row.findings = len(result.findings)
    row.deadline = result.deadline.date.isoformat() if result.deadline else None
    notice = folder / "notice.pdf"
    if write_notice(result, notice):
        row.notice = str(notice.relative_to(folder.parent))
    return row


def cover_json(sub: SplitSubmission) -> dict[str, Any]:
    return {
        "ref": sub.cover.ref,
        "item": sub.cover.item,
        "region": sub.cover.region,
        "channel": sub.cover.channel.value,
        "facts": sub.cover.case_facts(),
        "cover_pages": [_page_json(p) for p in sub.cover_pages],
        "pages": [_page_json(p) for p in sub.pages],
        "materials": [f.provenance() for f in sub.files],
    }


def write_json(path: Path, body: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(body, ensure_ascii=False, indent=2), encoding="utf-8")
    tmp.replace(path)


def _write_summary(report: BatchReport) -> None:
    out = report.out
    with (out / "summary.csv").open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(SUMMARY_HEADER)
        writer.writerows(r.csv_row() for r in report.rows)
    split = report.split
    write_json(
        out / "batch.json",
        {
            "batch_id": report.batch_id,
            "written_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "pages": split.pages,
            "files": [
                {
                    "name": f.filename,
                    "sha256": f.sha256,
                    "pages": f.pages,
                    "error": f.error.to_dict() if f.error else None,
                }
                for f in split.files
            ],
            "unassigned_pages": [_page_json(p) for p in split.leading],
            "unassigned_files": report.unassigned,
            "submissions": [
                {**asdict(row), "cover": cover_json(sub)}
                for row, sub in zip(report.rows, split.submissions, strict=True)
            ],
        },
    )
