"""What the API does, apart from HTTP: take in a submission (originals stored first), add
materials (补正), the submission view with history, reviewer actions with their audit trail,
and the reviewer queue."""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from dataclasses import dataclass
from typing import Any

from fastapi.responses import Response
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from api import metrics
from api.auth import Principal
from api.db import AuditRow, FileRow, ResultRow, SubmissionRow, utcnow
from api.notices import (
    MEDIA_TYPES,
    UNAVAILABLE_ZH,
    Format,
    NoticeUnavailableError,
    finding_key,
    notice_bytes,
)
from api.runtime import Runtime
from api.tasks import START, active_files, submitted_today
from ingest import sniff
from ingest.filenames import display_name
from models.catalog_loader import Catalog
from models.documents import DecisionOutcome, Finding, SubmissionStatus
from models.facts import CHANNEL_LABELS, CaseFacts, Channel, facts_error_zh
from verifier.decision import decide

log = logging.getLogger(__name__)

CHANNEL_ALIASES: dict[str, Channel] = {
    "邮寄": Channel.MAIL,
    "邮寄办理": Channel.MAIL,
    "网上": Channel.ONLINE,
    "网上办理": Channel.ONLINE,
    "现场": Channel.ONSITE,
    "现场办理": Channel.ONSITE,
    **{c.value: c for c in Channel},
}


class ApiError(Exception):
    def __init__(self, status: int, code: str, message_zh: str, **detail: Any) -> None:
        super().__init__(code)
        self.status = status
        self.code = code
        self.message_zh = message_zh
        self.detail = detail


@dataclass
class Upload:
    filename: str
    data: bytes
    content_type: str | None = None


def aware(value: dt.datetime) -> dt.datetime:
    """SQLite hands datetimes back naive; they were stored in UTC."""
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def audit(
    s: Session,
    who: Principal,
    action: str,
    submission_id: str | None,
    *,
    target: str | None = None,
    reason: str | None = None,
    **data: Any,
) -> None:
    """Append one row to the audit log (the only write the code ever does to it)."""
    s.add(
        AuditRow(
            at=utcnow(),
            actor=who.user,
            role=who.role,
            submission_id=submission_id,
            action=action,
            target=target,
            reason=reason,
            data=data,
        )
    )


# -- intake ----------------------------------------------------------------------------------


def parse_channel(value: str | None) -> Channel:
    if not value:
        return Channel.ONSITE
    channel = CHANNEL_ALIASES.get(value.strip())
    if channel is None:
        raise ApiError(422, "BAD_CHANNEL", f"办理渠道“{value}”无效，可选：邮寄、网上、现场")
    return channel


def resolve_item(item: str, region: str | None) -> str:
    try:
        found = Catalog.load().find(item, region)
    except KeyError as exc:
        raise ApiError(422, "UNKNOWN_REGION", str(exc.args[0])) from None
    if not found:
        raise ApiError(422, "UNKNOWN_ITEM", f"事项“{item}”不存在")
    if len(found) > 1:
        keys = "、".join(e.key for e in found)
        raise ApiError(422, "AMBIGUOUS_ITEM", f"事项“{item}”对应多个孙项，请写明：{keys}")
    return found[0].key


def parse_facts(raw: dict[str, Any], channel: Channel) -> CaseFacts:
    raw = {**raw}
    raw.setdefault("channel", channel.value)
    try:
        return CaseFacts.model_validate(raw)
    except ValidationError as exc:
        raise ApiError(422, "BAD_FACTS", facts_error_zh(exc)) from None


def _store(rt: Runtime, uploads: list[Upload]) -> list[tuple[Upload, str, str]]:
    """Originals into storage, content-addressed, before anything is recorded."""
    stored = []
    seen: set[str] = set()
    for up in uploads:
        up.filename = display_name(up.filename, "")
        if len(up.data) > rt.ingest.max_file_bytes:
            raise ApiError(
                413,
                "FILE_TOO_LARGE",
                f"文件“{up.filename}”过大（上限 {rt.ingest.max_file_bytes // 1024 // 1024} MB）",
            )
        media = sniff.sniff(up.data) if up.data else None
        try:
            sha = rt.storage.put_original(up.data, media or up.content_type or "")
        except Exception:
            raise ApiError(503, "STORAGE_FAILED", "文件保存失败，请稍后重试") from None
        if sha in seen:
            continue
        seen.add(sha)
        stored.append((up, sha, media or up.content_type or "application/octet-stream"))
    metrics.FILES.inc(len(stored))
    return stored


def _file_row(submission_id: str, up: Upload, sha: str, media: str, version: int) -> FileRow:
    return FileRow(
        submission_id=submission_id,
        sha256=sha,
        filename=display_name(up.filename, sha[:12]),
        media_type=media,
        size=len(up.data),
        received_at=utcnow(),
        added_in=version,
        withdrawn_in=None,
        ocr_done=False,
        pages=0,
        error=None,
    )


def create_submission(
    rt: Runtime,
    who: Principal,
    *,
    item: str,
    region: str | None,
    channel: str | None,
    facts: dict[str, Any],
    uploads: list[Upload],
    submission_id: str | None = None,
) -> SubmissionRow:
    """A new submission; with `submission_id` (a caller's idempotency key, e.g. the watched
    scan folder's) creating it again returns the existing one unchanged."""
    if submission_id is not None:
        with rt.db.session() as s:
            existing = s.get(SubmissionRow, submission_id)
            if existing is not None:
                s.expunge(existing)
                return existing
    if not uploads:
        raise ApiError(422, "NO_FILES", "请至少上传一个文件")
    ch = parse_channel(channel)
    key = resolve_item(item, region)
    case = parse_facts(facts, ch)
    stored = _store(rt, uploads)
    now = utcnow()
    sid = submission_id or "S" + now.strftime("%Y%m%d") + secrets.token_hex(5)
    sub = SubmissionRow(
        id=sid,
        owner=who.user,
        item_key=key,
        region=region or None,
        channel=ch.value,
        facts=case.model_dump(mode="json", exclude_none=True),
        received_at=now,
        submitted_on=case.submitted_on or submitted_today(),
        status=SubmissionStatus.RECEIVED.value,
        progress={"stage": "received", "files_total": len(stored), "files_done": 0},
        version=1,
        error=None,
        outcome=None,
        deadline=None,
        codes="",
        decision_override=None,
        updated_at=now,
    )
    with rt.db.session() as s:
        s.add(sub)
        s.flush()
        for up, sha, media in stored:
            s.add(_file_row(sid, up, sha, media, 1))
        audit(s, who, "submission.create", sid, files=[sha for _, sha, _ in stored], item=key)
    metrics.SUBMISSIONS.labels(ch.value).inc()
    _dispatch_start(rt, sid, 1)
    return sub


def _dispatch_start(rt: Runtime, submission_id: str, version: int) -> None:
    """Queue the processing. Originals and record are stored already, so a broker outage does
    not refuse the submission: it stays `received` and the API sends it again later
    (api.redispatch)."""
    try:
        rt.dispatcher.send(START, submission_id, version)
    except Exception as exc:
        log.warning(
            "submission %s v%d: start task not sent (%s); it will be sent again",
            submission_id,
            version,
            type(exc).__name__,
        )


def get_visible(s: Session, who: Principal, submission_id: str) -> SubmissionRow:
    sub = s.get(SubmissionRow, submission_id)
    if sub is None or not (who.sees_all or sub.owner == who.user):
        # the same answer whether it does not exist or belongs to someone else
        raise ApiError(404, "NOT_FOUND", "申报不存在或无权查看")
    return sub


def supplement(
    rt: Runtime,
    who: Principal,
    submission_id: str,
    uploads: list[Upload],
    withdraw: list[str],
    note: str | None,
) -> tuple[SubmissionRow, bool]:
    """补正: add files (and withdraw replaced ones) as a new version, to be re-verified.
    Returns the submission and whether anything changed (re-sending the same files does not)."""
    with rt.db.session() as s:
        sub = get_visible(s, who, submission_id)
        s.expunge(sub)
    stored = _store(rt, uploads)
    with rt.db.session() as s:
        sub = get_visible(s, who, submission_id)
        files = s.scalars(select(FileRow).where(FileRow.submission_id == submission_id)).all()
        by_sha = {f.sha256: f for f in files}
        current = {f.sha256 for f in active_files(s, submission_id, sub.version)}
        new = [(up, sha, media) for up, sha, media in stored if sha not in by_sha]
        again = [sha for _, sha, _ in stored if sha in by_sha and sha not in current]
        if again:
            raise ApiError(409, "FILE_WITHDRAWN", "该文件已被撤回，不能再次作为补正材料提交")
        gone: list[FileRow] = []
        for ref in withdraw:
            match = [f for f in files if f.sha256 == ref or str(f.id) == ref]
            if not match or match[0].sha256 not in current:
                raise ApiError(422, "UNKNOWN_FILE", f"要替换的文件“{ref}”不在本申报中")
            gone.append(match[0])
        if not new and not gone:
            return sub, False
        version = sub.version + 1
        for f in gone:
            f.withdrawn_in = version
        for up, sha, media in new:
            s.add(_file_row(submission_id, up, sha, media, version))
        sub.version = version
        sub.status = SubmissionStatus.RECEIVED.value
        sub.progress = {"stage": "received", "version": version}
        sub.error = None
        sub.decision_override = None
        sub.updated_at = utcnow()
        audit(
            s,
            who,
            "submission.supplement",
            submission_id,
            reason=note,
            version=version,
            added=[sha for _, sha, _ in new],
            withdrawn=[f.sha256 for f in gone],
        )
    metrics.SUPPLEMENTS.inc()
    _dispatch_start(rt, submission_id, version)
    return sub, True


# -- views -----------------------------------------------------------------------------------


def reviews_of(s: Session, submission_id: str) -> dict[str, dict[str, Any]]:
    """The latest confirm/dismiss per finding key, from the audit log."""
    rows = s.scalars(
        select(AuditRow)
        .where(
            AuditRow.submission_id == submission_id,
            AuditRow.action.in_(("finding.confirm", "finding.dismiss")),
        )
        .order_by(AuditRow.id)
    ).all()
    state: dict[str, dict[str, Any]] = {}
    for r in rows:
        if r.target:
            state[r.target] = {
                "state": "confirmed" if r.action == "finding.confirm" else "dismissed",
                "by": r.actor,
                "at": aware(r.at).isoformat(),
                "reason": r.reason,
                "version": r.data.get("version"),
            }
    return state


def dismissed_keys(s: Session, submission_id: str) -> set[str]:
    return {k for k, v in reviews_of(s, submission_id).items() if v["state"] == "dismissed"}


def current_result(s: Session, sub: SubmissionRow) -> ResultRow | None:
    return s.scalar(
        select(ResultRow).where(ResultRow.submission_id == sub.id, ResultRow.version == sub.version)
    )


def latest_result(s: Session, sub: SubmissionRow) -> ResultRow | None:
    return s.scalars(
        select(ResultRow)
        .where(ResultRow.submission_id == sub.id)
        .order_by(ResultRow.version.desc())
        .limit(1)
    ).first()


def notice_source(
    rt: Runtime, who: Principal, submission_id: str
) -> tuple[SubmissionRow, ResultRow, set[str]]:
    """The submission, its current result and the dismissed findings, when a notice is due:
    409 before the verification is done or when the decision needs no notice."""
    with rt.db.session() as s:
        sub = get_visible(s, who, submission_id)
        row = current_result(s, sub)
        dismissed = dismissed_keys(s, submission_id)
        reviews = reviews_of(s, submission_id)
        s.expunge_all()
    if row is None:
        raise ApiError(409, "NOT_DECIDED", "该申报尚未完成核验，暂无告知书")
    outcome = effective_decision(sub, row, reviews)["outcome"]
    if outcome not in (DecisionOutcome.CORRECT.value, DecisionOutcome.REJECT.value):
        raise ApiError(
            409, "NO_NOTICE", f"决定为“{DecisionOutcome(outcome).label}”，无需出具一次性告知书"
        )
    return sub, row, dismissed


def notice_download(
    rt: Runtime, sub: SubmissionRow, row: ResultRow, dismissed: set[str], fmt: Format
) -> Response:
    """The notice as a file to download; 503 when this installation cannot render it."""
    try:
        data = notice_bytes(rt, sub, row, dismissed, fmt)
    except NoticeUnavailableError:
        raise ApiError(503, "NOTICE_UNAVAILABLE", UNAVAILABLE_ZH) from None
    name = f"notice-{sub.id}-v{row.version}.{fmt}"
    return Response(
        data,
        media_type=MEDIA_TYPES[fmt],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def effective_decision(
    sub: SubmissionRow, row: ResultRow, reviews: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    override = sub.decision_override
    if override and override.get("version") == row.version:
        outcome = DecisionOutcome(override["outcome"])
        return {
            "outcome": outcome.value,
            "label": outcome.label,
            "reasons": [override.get("reason") or ""],
            "by": override["by"],
            "at": override["at"],
            "source": "reviewer",
        }
    findings = [Finding.model_validate(f) for f in row.result["findings"]]
    kept = [
        f
        for f in findings
        if reviews.get(finding_key(f.code, f.material, f.message), {}).get("state") != "dismissed"
    ]
    if len(kept) != len(findings):
        decision = decide(kept, row.deadline)
        return {
            "outcome": decision.outcome.value,
            "label": decision.outcome.label,
            "reasons": decision.reasons,
            "by": "system",
            "at": decision.decided_at.isoformat(),
            "source": "system_after_review",
        }
    outcome = DecisionOutcome(row.outcome)
    reasons = decide(findings, row.deadline).reasons
    return {
        "outcome": outcome.value,
        "label": outcome.label,
        "reasons": reasons,
        "by": "system",
        "at": aware(row.created_at).isoformat(),
        "source": "system",
    }


def _result_view(
    sub: SubmissionRow, row: ResultRow, reviews: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    result = dict(row.result)
    findings = []
    for n, f in enumerate(result.get("findings", [])):
        key = finding_key(f["code"], f.get("material"), f["message"])
        findings.append({**f, "index": n, "key": key, "review": reviews.get(key)})
    result["findings"] = findings
    result["system_decision"] = {
        "outcome": row.outcome,
        "label": DecisionOutcome(row.outcome).label,
    }
    result["decision"] = effective_decision(sub, row, reviews)
    result["created_at"] = aware(row.created_at).isoformat()
    result["input_hash"] = row.input_hash
    return result


def submission_view(s: Session, sub: SubmissionRow) -> dict[str, Any]:
    files = s.scalars(
        select(FileRow).where(FileRow.submission_id == sub.id).order_by(FileRow.id)
    ).all()
    results = s.scalars(
        select(ResultRow).where(ResultRow.submission_id == sub.id).order_by(ResultRow.version)
    ).all()
    reviews = reviews_of(s, sub.id)
    current = next((r for r in results if r.version == sub.version), None)
    base = f"/submissions/{sub.id}"
    return {
        "id": sub.id,
        "owner": sub.owner,
        "item": sub.item_key,
        "region": sub.region,
        "channel": sub.channel,
        "channel_label": CHANNEL_LABELS[Channel(sub.channel)],
        "facts": sub.facts,
        "received_at": aware(sub.received_at).isoformat(),
        "submitted_on": sub.submitted_on.isoformat(),
        "status": sub.status,
        "progress": sub.progress,
        "version": sub.version,
        "error": sub.error,
        "deadline": sub.deadline.isoformat() if sub.deadline else None,
        "files": [
            {
                "id": f.id,
                "sha256": f.sha256,
                "filename": f.filename,
                "media_type": f.media_type,
                "size": f.size,
                "received_at": aware(f.received_at).isoformat(),
                "added_in": f.added_in,
                "withdrawn_in": f.withdrawn_in,
                "processed": f.ocr_done,
                "pages": f.pages,
                "error": f.error,
            }
            for f in files
        ],
        "result": _result_view(sub, current, reviews) if current else None,
        "history": [
            {
                "version": r.version,
                "created_at": aware(r.created_at).isoformat(),
                "decision": r.outcome,
                "decision_label": DecisionOutcome(r.outcome).label,
                "deadline": r.deadline.isoformat() if r.deadline else None,
                "findings": [
                    {"code": f["code"], "severity": f["severity"], "message": f["message"]}
                    for f in r.result.get("findings", [])
                ],
                "href": f"{base}/versions/{r.version}",
            }
            for r in results
        ],
        "links": {
            "self": base,
            "pages": f"{base}/pages/{{n}}.png",
            "notice_pdf": f"{base}/notice.pdf",
            "notice_docx": f"{base}/notice.docx",
            "documents": f"{base}/documents",
            "audit": f"{base}/audit",
        },
    }


def version_view(s: Session, sub: SubmissionRow, version: int) -> dict[str, Any]:
    row = s.scalar(
        select(ResultRow).where(ResultRow.submission_id == sub.id, ResultRow.version == version)
    )
    if row is None:
        raise ApiError(404, "NOT_FOUND", f"第 {version} 版核验结果不存在")
    return _result_view(sub, row, reviews_of(s, sub.id))


# -- reviewers -------------------------------------------------------------------------------


def _require_reviewer(who: Principal) -> None:
    if not who.reviews:
        raise ApiError(403, "FORBIDDEN", "仅审核人员可以执行此操作")


def _refresh_outcome(s: Session, sub: SubmissionRow, row: ResultRow) -> None:
    sub.outcome = effective_decision(sub, row, reviews_of(s, sub.id))["outcome"]
    sub.updated_at = utcnow()


def review_finding(
    rt: Runtime, who: Principal, submission_id: str, ref: str, action: str, reason: str
) -> dict[str, Any]:
    _require_reviewer(who)
    if action not in ("confirm", "dismiss"):
        raise ApiError(422, "BAD_ACTION", "操作只能是 confirm（确认）或 dismiss（驳回）")
    if not reason.strip():
        raise ApiError(422, "REASON_REQUIRED", "请填写理由")
    with rt.db.session() as s:
        sub = get_visible(s, who, submission_id)
        row = current_result(s, sub)
        if row is None:
            raise ApiError(409, "NOT_DECIDED", "该申报尚未完成核验")
        findings = row.result.get("findings", [])
        keys = [finding_key(f["code"], f.get("material"), f["message"]) for f in findings]
        if ref in keys:
            n = keys.index(ref)
        elif ref.isdigit() and int(ref) < len(findings):
            n = int(ref)
        else:
            raise ApiError(404, "NOT_FOUND", f"核验发现“{ref}”不存在")
        audit(
            s,
            who,
            f"finding.{action}",
            submission_id,
            target=keys[n],
            reason=reason,
            code=findings[n]["code"],
            version=row.version,
        )
        s.flush()
        _refresh_outcome(s, sub, row)
        view = _result_view(sub, row, reviews_of(s, sub.id))
    metrics.REVIEW_ACTIONS.labels(action).inc()
    return view


def set_decision(
    rt: Runtime, who: Principal, submission_id: str, outcome: str, reason: str
) -> dict[str, Any]:
    _require_reviewer(who)
    try:
        chosen = DecisionOutcome(outcome)
    except ValueError:
        raise ApiError(
            422, "BAD_OUTCOME", "决定只能是 accept / correct / reject / review"
        ) from None
    if not reason.strip():
        raise ApiError(422, "REASON_REQUIRED", "请填写理由")
    with rt.db.session() as s:
        sub = get_visible(s, who, submission_id)
        row = current_result(s, sub)
        if row is None:
            raise ApiError(409, "NOT_DECIDED", "该申报尚未完成核验")
        before = effective_decision(sub, row, reviews_of(s, sub.id))["outcome"]
        sub.decision_override = {
            "outcome": chosen.value,
            "reason": reason,
            "by": who.user,
            "at": utcnow().isoformat(),
            "version": row.version,
        }
        audit(
            s,
            who,
            "decision.set",
            submission_id,
            target=chosen.value,
            reason=reason,
            before=before,
            version=row.version,
        )
        _refresh_outcome(s, sub, row)
        view = _result_view(sub, row, reviews_of(s, sub.id))
    metrics.REVIEW_ACTIONS.labels("decision").inc()
    return view


def audit_view(s: Session, who: Principal, submission_id: str) -> list[dict[str, Any]]:
    get_visible(s, who, submission_id)
    rows = s.scalars(
        select(AuditRow).where(AuditRow.submission_id == submission_id).order_by(AuditRow.id)
    ).all()
    return [
        {
            "id": r.id,
            "at": aware(r.at).isoformat(),
            "actor": r.actor,
            "role": r.role,
            "action": r.action,
            "target": r.target,
            "reason": r.reason,
            "data": r.data,
        }
        for r in rows
    ]


def queue(
    s: Session,
    who: Principal,
    *,
    status: str | None,
    item: str | None,
    outcome: str | None,
    code: str | None,
    deadline_before: dt.date | None,
    limit: int,
    offset: int,
) -> list[dict[str, Any]]:
    _require_reviewer(who)
    q = select(SubmissionRow)
    if status:
        q = q.where(SubmissionRow.status == status)
    if item:
        q = q.where(SubmissionRow.item_key == item)
    if outcome:
        q = q.where(SubmissionRow.outcome == outcome)
    if code:
        q = q.where(SubmissionRow.codes.contains(f" {code.strip().upper()} "))
    if deadline_before:
        q = q.where(SubmissionRow.deadline <= deadline_before)
    q = q.order_by(
        SubmissionRow.deadline.is_(None), SubmissionRow.deadline, SubmissionRow.received_at
    )
    rows = s.scalars(q.limit(limit).offset(offset)).all()
    return [
        {
            "id": r.id,
            "owner": r.owner,
            "item": r.item_key,
            "region": r.region,
            "channel": r.channel,
            "status": r.status,
            "decision": r.outcome,
            "deadline": r.deadline.isoformat() if r.deadline else None,
            "codes": r.codes.split(),
            "received_at": aware(r.received_at).isoformat(),
            "version": r.version,
        }
        for r in rows
    ]
