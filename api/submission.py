"""One submission end to end on the embedded default: ingest every file, extract documents,
verify against the item's checklist. Used by the CLI, the worker tasks and the API."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ingest.errors import IntakeCode, IntakeError
from ingest.pipeline import FileResult, Pipeline
from models.catalog_loader import Catalog
from models.documents import DecisionOutcome, Document, Finding, FindingEvidence, Page, Severity
from models.facts import CaseFacts
from verifier.decision import decide
from verifier.engine import VerificationResult, verify
from verifier.registry import InvoiceRegistry

Extract = Callable[[list[Page]], list[Document]]
Progress = Callable[[str], None]


@dataclass
class CaseInput:
    """What a case folder's case.json says, overridable from the command line."""

    item: str
    region: str | None = None
    facts: CaseFacts = field(default_factory=CaseFacts)
    files: list[Path] = field(default_factory=list)


@dataclass
class SubmissionOutcome:
    files: list[FileResult]
    pages: list[Page]
    result: VerificationResult


def read_case(paths: Sequence[Path]) -> tuple[dict[str, Any], list[Path]]:
    """Files to process, and case.json's content when a folder holding one is given."""
    case: dict[str, Any] = {}
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            case_file = path / "case.json"
            if case_file.is_file():
                case = json.loads(case_file.read_text(encoding="utf-8"))
            files.extend(
                p
                for p in sorted(path.iterdir())
                if p.is_file()
                and p.name not in ("case.json", "expected.json")
                and not p.name.startswith(".")
            )
        else:
            files.append(path)
    return case, files


def intake_findings(files: list[FileResult]) -> list[Finding]:
    """A file that cannot be read at all is a finding with its intake code."""
    out = []
    for f in files:
        if f.error is None:
            continue
        out.append(
            Finding(
                code=str(f.error.code),
                severity=Severity.BLOCKING,
                message=f"文件“{f.filename}”：{f.error.message_zh}",
                evidence=[FindingEvidence(value=f.filename)],
            )
        )
    return out


def ingest_files(
    paths: Sequence[Path], pipeline: Pipeline, progress: Progress | None = None
) -> tuple[list[FileResult], list[Page]]:
    """Every file through the ingest pipeline; pages renumbered 1.. across the submission.
    A file that cannot be read becomes a FileResult with its error, never an exception."""
    readable: list[tuple[str, bytes]] = []
    unreadable: dict[int, FileResult] = {}
    for index, path in enumerate(paths):
        try:
            readable.append((path.name, path.read_bytes()))
        except OSError as exc:
            error = IntakeError(IntakeCode.PROCESSING_FAILED, detail={"os_error": exc.strerror})
            unreadable[index] = FileResult(filename=path.name, error=error)
    processed = iter(pipeline.process_many(readable, progress))
    file_results = [unreadable.get(i) or next(processed) for i in range(len(paths))]
    pages: list[Page] = []
    for result in file_results:
        for page_result in result.pages:
            pages.append(page_result.page.model_copy(update={"number": len(pages) + 1}))
    return file_results, pages


def process(
    case: CaseInput,
    *,
    pipeline: Pipeline,
    extract: Extract,
    registry: InvoiceRegistry | None,
    submission_id: str,
    submitted_on: dt.date | None = None,
    progress: Progress | None = None,
) -> SubmissionOutcome:
    item = Catalog.load().effective(case.item, case.region)
    file_results, pages = ingest_files(case.files, pipeline, progress)
    documents = extract(pages)
    verified = verify(
        item,
        documents,
        pages=pages,
        facts=case.facts,
        submission_id=submission_id,
        submitted_on=submitted_on,
        registry=registry,
    )
    extra = intake_findings(file_results)
    if extra:
        verified.findings = extra + verified.findings
        verified.decision = decide(verified.findings, verified.decision.deadline)
    return SubmissionOutcome(file_results, pages, verified)


def write_notice(result: VerificationResult, path: Path) -> bool:
    """Write the notice for the decision (PDF, DOCX or HTML by the suffix); a case sent to
    review gets none yet (False)."""
    from verifier.notice import build_notice, render_docx, render_html, render_pdf

    if result.decision.outcome == DecisionOutcome.REVIEW:
        return False
    notice = build_notice(result)
    suffix = path.suffix.lower()
    path.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".docx":
        path.write_bytes(render_docx(notice))
    elif suffix in (".html", ".htm"):
        path.write_text(render_html(notice), encoding="utf-8")
    else:
        path.write_bytes(render_pdf(notice))
    return True
