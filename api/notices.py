"""一次性告知补正 notices for the API, through verifier.notice (guarded: before that module
exists, or when its renderers fail, the API answers 503 with a Chinese message).

A notice is rebuilt from the stored pages of the current version (extract + verify, no OCR),
leaving out findings a reviewer dismissed, and cached in storage per version and review state.
"""

from __future__ import annotations

import hashlib
import importlib
import logging
from collections.abc import Callable
from typing import Any, Literal

from sqlalchemy import select

from api.db import ResultRow, SubmissionRow
from api.runtime import Runtime
from models.documents import DecisionOutcome, Finding, Page
from verifier.decision import decide
from verifier.engine import VerificationResult

log = logging.getLogger(__name__)

Format = Literal["pdf", "docx"]
MEDIA_TYPES: dict[str, str] = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
UNAVAILABLE_ZH = "告知书生成功能暂不可用（组件未安装），请稍后再试或联系经办机构"


class NoticeUnavailableError(RuntimeError):
    pass


def _notice_module() -> Any:
    try:
        return importlib.import_module("verifier.notice")
    except ImportError as exc:
        raise NoticeUnavailableError(str(exc)) from exc


def notice_available() -> bool:
    try:
        module = _notice_module()
    except NoticeUnavailableError:
        return False
    return all(hasattr(module, n) for n in ("build_notice", "render_pdf", "render_docx"))


def finding_key(code: str, material: str | None, message: str) -> str:
    """Identifies a finding across versions: the same problem keeps its key after 补正."""
    return hashlib.sha256(f"{code}|{material or ''}|{message}".encode()).hexdigest()[:12]


def rebuild(
    rt: Runtime, sub: SubmissionRow, row: ResultRow, dismissed: set[str]
) -> VerificationResult:
    """The stored version's VerificationResult again, without the dismissed findings."""
    from api.tasks import derive

    pages = [Page.model_validate(p) for p in row.pages]
    verified = derive(rt, sub, [], pages)
    # intake errors (unreadable files) come from the stored result: no bytes are re-read
    intake_codes = {str(f["error"]["code"]) for f in row.result.get("files", []) if f.get("error")}
    stored_intake = [
        Finding.model_validate(f)
        for f in row.result.get("findings", [])
        if f["code"] in intake_codes
    ]
    findings = stored_intake + verified.findings
    findings = [f for f in findings if finding_key(f.code, f.material, f.message) not in dismissed]
    verified.findings = findings
    verified.decision = decide(findings, verified.decision.deadline)
    return verified


def _cache_key(submission_id: str, version: int, dismissed: set[str], fmt: str) -> str:
    state = hashlib.sha256(",".join(sorted(dismissed)).encode()).hexdigest()[:12]
    return f"notices/{submission_id}/v{version}-{state}.{fmt}"


def _render(result: VerificationResult, fmt: Format) -> bytes:
    module = _notice_module()
    build: Callable[[VerificationResult], Any] = module.build_notice
    render: Callable[[Any], bytes] = module.render_pdf if fmt == "pdf" else module.render_docx
    return render(build(result))


def notice_bytes(
    rt: Runtime, sub: SubmissionRow, row: ResultRow, dismissed: set[str], fmt: Format
) -> bytes:
    key = _cache_key(sub.id, row.version, dismissed, fmt)
    cached = rt.storage.get_optional(key)
    if cached is not None:
        return cached
    _notice_module()  # raise NoticeUnavailableError early
    data = _render(rebuild(rt, sub, row, dismissed), fmt)
    rt.storage.put(key, data, MEDIA_TYPES[fmt])
    return data


def notice_html(
    rt: Runtime,
    sub: SubmissionRow,
    row: ResultRow,
    dismissed: set[str],
    font_urls: dict[str, str] | None = None,
) -> str:
    """The notice as HTML for an in-browser preview (the same content as the PDF)."""
    module = _notice_module()
    from verifier.notice.fonts import Face

    urls = {Face(k): v for k, v in (font_urls or {}).items()}
    html: str = module.render_html(
        module.build_notice(rebuild(rt, sub, row, dismissed)), font_urls=urls
    )
    return html


def prerender(rt: Runtime, submission_id: str, version: int) -> None:
    """The pipeline's notice stage: write the PDF notice of a fresh result (best effort)."""
    if not notice_available():
        return
    with rt.db.session() as s:
        sub = s.get(SubmissionRow, submission_id)
        row = s.scalar(
            select(ResultRow).where(
                ResultRow.submission_id == submission_id, ResultRow.version == version
            )
        )
        if sub is None or row is None:
            return
        s.expunge_all()
    if row.outcome not in (DecisionOutcome.CORRECT.value, DecisionOutcome.REJECT.value):
        return
    try:
        notice_bytes(rt, sub, row, set(), "pdf")
    except Exception:
        log.exception("pre-rendering the notice of %s v%d failed", submission_id, version)
