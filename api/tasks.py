"""The processing tasks: start → ocr_file (one per file, in parallel across workers) →
finalize (extract, verify, decide, notice). The same functions run on Celery workers and
in-process (embedded default).

Every task is idempotent: originals and page results are keyed by content hash (the ingest
cache), a file is marked done once, and a version's result is written once (unique
(submission, version)); running a task twice changes nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import random
import time
from collections.abc import Callable
from typing import Any

import urllib3.exceptions
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from api import metrics
from api.db import FileRow, ResultRow, SubmissionRow, utcnow
from api.report import result_json
from api.runtime import ExtractorUnavailableError, Runtime
from api.submission import intake_findings
from ingest.errors import IntakeCode
from ingest.pipeline import FileResult
from ingest.storage import StorageError
from models.catalog_loader import Catalog
from models.documents import Page, SubmissionStatus
from models.facts import CaseFacts
from verifier.decision import decide
from verifier.engine import VerificationResult, verify

log = logging.getLogger(__name__)

START = "yibao.start"
OCR_FILE = "yibao.ocr_file"
FINALIZE = "yibao.finalize"

TRANSIENT: tuple[type[BaseException], ...] = (
    OperationalError,
    ConnectionError,
    TimeoutError,
    StorageError,
    urllib3.exceptions.HTTPError,
)


class TransientError(RuntimeError):
    """Worth retrying later (database, storage or broker briefly unavailable); `code` is the
    failure code once retries are exhausted."""

    def __init__(self, message: str, code: str = "PROCESSING_FAILED") -> None:
        super().__init__(message)
        self.code = code


RETRYABLE: tuple[type[BaseException], ...] = (*TRANSIENT, TransientError)


class TaskFailedError(RuntimeError):
    """Processing cannot succeed: the submission fails with this code; originals are kept."""

    def __init__(self, code: str, message_zh: str, detail: dict[str, Any] | None = None) -> None:
        super().__init__(code)
        self.code = code
        self.message_zh = message_zh
        self.detail = detail or {}


ERROR_MESSAGES = {
    "EXTRACTOR_UNAVAILABLE": "材料识别组件暂不可用，请稍后重试",
    "EXTRACTION_FAILED": "材料识别失败，已转人工处理",
    "VERIFICATION_FAILED": "材料核验失败，已转人工处理",
    "ORIGINAL_MISSING": "原始文件缺失，请重新上传",
    "PROCESSING_FAILED": "处理失败，已转人工处理",
    "STORAGE_UNAVAILABLE": "文件存储暂不可用，原件已保存，请稍后联系经办机构重新处理",
    "DATABASE_UNAVAILABLE": "数据库暂不可用，请稍后联系经办机构重新处理",
    "UNKNOWN_ITEM": "事项不存在或不适用于该地区",
}


# -- helpers ---------------------------------------------------------------------------------


def active_files(s: Session, submission_id: str, version: int) -> list[FileRow]:
    """The files making up a version, in the order received (pages are numbered in it)."""
    rows = s.scalars(
        select(FileRow)
        .where(FileRow.submission_id == submission_id, FileRow.added_in <= version)
        .order_by(FileRow.id)
    ).all()
    return [r for r in rows if r.withdrawn_in is None or r.withdrawn_in > version]


def _set_progress(rt: Runtime, submission_id: str, **values: Any) -> None:
    with rt.db.session() as s:
        sub = s.get(SubmissionRow, submission_id)
        if sub is None:
            return
        progress = dict(sub.progress or {})
        status = values.pop("status", None)
        progress.update(values)
        sub.progress = progress
        if status is not None:
            sub.status = status
        sub.updated_at = utcnow()


def mark_failed(rt: Runtime, submission_id: str, code: str, detail: dict[str, Any]) -> None:
    with rt.db.session() as s:
        sub = s.get(SubmissionRow, submission_id)
        if sub is None:
            return
        sub.status = SubmissionStatus.FAILED.value
        sub.error = {
            "code": code,
            "message_zh": ERROR_MESSAGES.get(code, ERROR_MESSAGES["PROCESSING_FAILED"]),
            "detail": detail,
            "version": sub.version,
        }
        sub.progress = {**(sub.progress or {}), "stage": "failed"}
        sub.updated_at = utcnow()
    log.warning("submission %s failed: %s", submission_id, code)


def failure_code(exc: BaseException) -> str:
    """The failure code of a transient error that outlasted the retries (its cause chain)."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, TransientError) and seen.code != "PROCESSING_FAILED":
            return seen.code
        if isinstance(seen, StorageError | urllib3.exceptions.HTTPError):
            return "STORAGE_UNAVAILABLE"
        if isinstance(seen, OperationalError):
            return "DATABASE_UNAVAILABLE"
        seen = seen.__cause__
    return "PROCESSING_FAILED"


def input_hash(sub: SubmissionRow, files: list[FileRow]) -> str:
    doc = {
        "item": sub.item_key,
        "region": sub.region,
        "facts": sub.facts,
        "submitted_on": sub.submitted_on.isoformat(),
        "files": [f.sha256 for f in files],
    }
    return hashlib.sha256(json.dumps(doc, sort_keys=True).encode()).hexdigest()


# -- the tasks -------------------------------------------------------------------------------


def start(rt: Runtime, submission_id: str, version: int, resume: bool = False) -> None:
    """Fan out one ocr_file task per file not yet done. A second start of the same version
    (the API sends it again when the first seemed lost) does nothing once the first has
    dispatched, unless `resume` (the embedded queue was lost with its process)."""
    with rt.db.session() as s:
        sub = s.get(SubmissionRow, submission_id)
        if sub is None or sub.version != version:
            return  # unknown, or superseded by a later 补正
        done = s.scalar(
            select(ResultRow.id).where(
                ResultRow.submission_id == submission_id, ResultRow.version == version
            )
        )
        if done is not None:
            return
        if (sub.progress or {}).get("dispatched") == version and not resume:
            return
        files = active_files(s, submission_id, version)
        pending = [f.sha256 for f in files if not f.ocr_done]
        sub.status = SubmissionStatus.PROCESSING.value
        sub.progress = {
            "stage": "ocr",
            "files_total": len(files),
            "files_done": len(files) - len(pending),
            "version": version,
        }
        sub.updated_at = utcnow()
    if not pending:
        rt.dispatcher.send(FINALIZE, submission_id, version)
    for sha in pending:
        rt.dispatcher.send(OCR_FILE, submission_id, sha)
    with rt.db.session() as s:
        sub = s.get(SubmissionRow, submission_id)
        if sub is not None and sub.version == version:
            sub.progress = {**(sub.progress or {}), "dispatched": version}


def ocr_file(rt: Runtime, submission_id: str, sha256: str) -> None:
    with rt.db.session() as s:
        row = s.scalar(
            select(FileRow).where(FileRow.submission_id == submission_id, FileRow.sha256 == sha256)
        )
        if row is None:
            return
        filename = row.filename
    try:
        data = rt.storage.get_original(sha256)
    except KeyError:
        raise TaskFailedError("ORIGINAL_MISSING", ERROR_MESSAGES["ORIGINAL_MISSING"]) from None
    result = rt.pipeline.process(data, filename)
    if result.error is not None and result.error.code == IntakeCode.STORAGE_FAILED:
        raise TransientError("storage failed while processing a file", "STORAGE_UNAVAILABLE")
    with rt.db.session() as s:
        s.execute(
            update(FileRow)
            .where(
                FileRow.submission_id == submission_id,
                FileRow.sha256 == sha256,
                FileRow.ocr_done.is_(False),
            )
            .values(
                ocr_done=True,
                pages=len(result.pages),
                error=result.error.to_dict() if result.error else None,
                media_type=result.source.media_type if result.source else "unknown",
            )
        )
    with rt.db.session() as s:
        sub = s.get(SubmissionRow, submission_id)
        if sub is None:
            return
        version = sub.version
        files = active_files(s, submission_id, version)
        remaining = sum(1 for f in files if not f.ocr_done)
        sub.progress = {**(sub.progress or {}), "files_done": len(files) - remaining}
        sub.updated_at = utcnow()
    if remaining == 0:
        # the last file of the version to finish starts the rest (finalize is idempotent,
        # so two files finishing at once are harmless)
        rt.dispatcher.send(FINALIZE, submission_id, version)


def finalize(rt: Runtime, submission_id: str, version: int) -> None:
    with rt.db.session() as s:
        sub = s.get(SubmissionRow, submission_id)
        if sub is None or sub.version != version:
            return
        if s.scalar(
            select(ResultRow.id).where(
                ResultRow.submission_id == submission_id, ResultRow.version == version
            )
        ):
            return
        files = active_files(s, submission_id, version)
        if any(not f.ocr_done for f in files):
            return  # an ocr_file task is still to come; it dispatches finalize when done
        s.expunge_all()
    _set_progress(rt, submission_id, stage="extract")
    file_results, pages = _pages(rt, files)
    verified = derive(rt, sub, file_results, pages)
    _set_progress(rt, submission_id, stage="verify")
    result = result_json(verified, file_results)
    result["pages"] = [
        {
            "number": p.number,
            "file_sha256": p.ref.file_sha256,
            "index": p.ref.index,
            "width": p.width,
            "height": p.height,
            "source": p.source,
            "quality": p.quality.value,
        }
        for p in pages
    ]
    result["version"] = version
    codes = " " + " ".join(sorted({f.code for f in verified.findings})) + " "
    row = ResultRow(
        submission_id=submission_id,
        version=version,
        input_hash=input_hash(sub, files),
        created_at=utcnow(),
        outcome=verified.decision.outcome.value,
        deadline=verified.deadline.date if verified.deadline else None,
        result=result,
        pages=[p.model_dump(mode="json") for p in pages],
    )
    try:
        with rt.db.session() as s:
            s.add(row)
            s.flush()
            current = s.get(SubmissionRow, submission_id)
            if current is not None and current.version == version:
                current.status = SubmissionStatus.DECIDED.value
                current.outcome = row.outcome
                current.deadline = row.deadline
                current.codes = codes
                current.error = None
                current.progress = {**(current.progress or {}), "stage": "notice"}
                current.updated_at = utcnow()
    except IntegrityError:
        log.info("result for %s v%d already written", submission_id, version)
        return
    metrics.DECISIONS.labels(row.outcome).inc()
    from api.notices import prerender

    prerender(rt, submission_id, version)
    _set_progress(rt, submission_id, stage="done")


def _pages(rt: Runtime, files: list[FileRow]) -> tuple[list[FileResult], list[Page]]:
    file_results: list[FileResult] = []
    pages: list[Page] = []
    for f in files:
        try:
            data = rt.storage.get_original(f.sha256)
        except KeyError:
            raise TaskFailedError("ORIGINAL_MISSING", ERROR_MESSAGES["ORIGINAL_MISSING"]) from None
        result = rt.pipeline.process(data, f.filename)  # page results come from the cache
        if result.error is not None and result.error.code == IntakeCode.STORAGE_FAILED:
            raise TransientError("storage failed while reading pages", "STORAGE_UNAVAILABLE")
        file_results.append(result)
        for page_result in result.pages:
            page = page_result.page.model_copy(update={"number": len(pages) + 1})
            page_result.page = page
            pages.append(page)
    return file_results, pages


def derive(
    rt: Runtime, sub: SubmissionRow, file_results: list[FileResult], pages: list[Page]
) -> VerificationResult:
    """Extract and verify (what api.submission.process does after OCR, from stored bytes)."""
    try:
        item = Catalog.load().effective(sub.item_key, sub.region)
    except KeyError as exc:
        raise TaskFailedError("UNKNOWN_ITEM", ERROR_MESSAGES["UNKNOWN_ITEM"]) from exc
    try:
        extract = rt.extractor
    except ExtractorUnavailableError as exc:
        raise TaskFailedError(
            "EXTRACTOR_UNAVAILABLE", ERROR_MESSAGES["EXTRACTOR_UNAVAILABLE"]
        ) from exc
    try:
        documents = extract(pages)
    except TRANSIENT:
        raise
    except Exception as exc:
        log.exception("extraction failed for %s", sub.id)
        raise TaskFailedError(
            "EXTRACTION_FAILED", ERROR_MESSAGES["EXTRACTION_FAILED"], {"reason": type(exc).__name__}
        ) from exc
    try:
        verified = verify(
            item,
            documents,
            pages=pages,
            facts=CaseFacts.model_validate(sub.facts),
            submission_id=sub.id,
            submitted_on=sub.submitted_on,
            registry=rt.registry,
        )
    except TRANSIENT:
        raise
    except Exception as exc:
        log.exception("verification failed for %s", sub.id)
        raise TaskFailedError(
            "VERIFICATION_FAILED",
            ERROR_MESSAGES["VERIFICATION_FAILED"],
            {"reason": type(exc).__name__},
        ) from exc
    extra = intake_findings(file_results)
    if extra:
        verified.findings = extra + verified.findings
        verified.decision = decide(verified.findings, verified.decision.deadline)
    return verified


TASKS: dict[str, Callable[..., None]] = {START: start, OCR_FILE: ocr_file, FINALIZE: finalize}


def _submission_of(task: str, args: tuple[Any, ...]) -> str | None:
    return str(args[0]) if args else None


def execute(
    rt: Runtime, task: str, args: tuple[Any, ...] | list[Any], *, embedded_retries: bool = False
) -> None:
    """Run one task. A permanent failure marks the submission failed (coded, originals kept);
    a transient one raises TransientError (Celery retries it with backoff) or, in-process,
    is retried here with backoff."""
    fn = TASKS[task]
    args = tuple(args)
    attempts = rt.settings.task_max_retries + 1 if embedded_retries else 1
    for attempt in range(attempts):
        started = time.perf_counter()
        try:
            fn(rt, *args)
        except TaskFailedError as exc:
            metrics.TASKS.labels(task, "failed").inc()
            sid = _submission_of(task, args)
            if sid:
                mark_failed(rt, sid, exc.code, exc.detail)
            return
        except RETRYABLE as exc:
            metrics.TASKS.labels(task, "retry").inc()
            if attempt + 1 < attempts:
                delay = min(rt.settings.task_retry_backoff_max, 0.5 * 2**attempt)
                log.warning("task %s transient error (%s); retry in %.1fs", task, exc, delay)
                time.sleep(delay * (0.5 + random.random() / 2))
                continue
            if embedded_retries:
                sid = _submission_of(task, args)
                if sid:
                    mark_failed(rt, sid, failure_code(exc), {"reason": type(exc).__name__})
                return
            raise TransientError(f"{type(exc).__name__}: {exc}", failure_code(exc)) from exc
        except Exception as exc:
            metrics.TASKS.labels(task, "failed").inc()
            log.exception("task %s failed", task)
            sid = _submission_of(task, args)
            if sid:
                mark_failed(rt, sid, "PROCESSING_FAILED", {"reason": type(exc).__name__})
            return
        else:
            metrics.TASKS.labels(task, "ok").inc()
            return
        finally:
            metrics.TASK_SECONDS.labels(task).observe(time.perf_counter() - started)


def submitted_today() -> dt.date:
    """Receipt dates are local (China Standard Time)."""
    return dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).date()
