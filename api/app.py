"""The HTTP API (FastAPI; OpenAPI at /docs and /openapi.json)."""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Annotated, Any, Literal

from fastapi import Depends, FastAPI, File, Form, Query, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.body_limit import RequestBodyLimitMiddleware

from api import batches, metrics, service, ui
from api.auth import LOCAL_ADMIN, Principal, auth_required, authenticate
from api.db import SubmissionRow
from api.limits import TOO_LARGE_CODE, DeclaredBodyLimit, too_large_message
from api.notices import MEDIA_TYPES
from api.pages import render_page
from api.redispatch import Redispatcher
from api.runtime import Runtime, ThreadDispatcher
from api.service import ApiError, Upload
from api.tasks import START
from ingest.filenames import display_name
from models.catalog_loader import Catalog
from models.documents import SubmissionStatus

log = logging.getLogger(__name__)

DESCRIPTION = """
医保经办材料核验服务：上传申报材料（扫描件、照片、PDF），系统保存原件、识别、抽取字段、
按事项清单和规则核验，作出 受理 / 一次性告知补正 / 退回 / 转人工审核 的决定，并生成一次性告知书。

Authentication: `Authorization: Bearer <token>` (tokens from `YIBAO_TOKENS` or `yibao user add`).
Roles: applicant, clerk (see their own submissions), reviewer, admin (see all; review).
Errors are `{"error": {"code": "...", "message": "<中文>"}}`.
"""


class Accepted(BaseModel):
    id: str
    status: str
    version: int
    files: list[dict[str, Any]]
    changed: bool = True
    href: str


class FindingReview(BaseModel):
    action: Literal["confirm", "dismiss"]
    reason: str = Field(min_length=1, description="why (recorded in the audit log)")


class DecisionSet(BaseModel):
    outcome: Literal["accept", "correct", "reject", "review"]
    reason: str = Field(min_length=1)


def _error(status: int, code: str, message: str, **detail: Any) -> JSONResponse:
    body: dict[str, Any] = {"error": {"code": code, "message": message}}
    if detail:
        body["error"]["detail"] = detail
    return JSONResponse(body, status_code=status)


HTTP_ERRORS: dict[int, tuple[str, str]] = {
    400: ("BAD_REQUEST", "请求格式有误，无法解析（表单不完整、文件名过长等）"),
    404: ("NOT_FOUND", "请求的地址不存在"),
    405: ("METHOD_NOT_ALLOWED", "不支持该请求方法"),
}
BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


def _validation_error(exc: RequestValidationError) -> JSONResponse:
    """422 in the service's error form; what was sent is never echoed (it may be a file or
    personal data), only where and what is wrong."""
    errors = [
        {"loc": [str(x) for x in e.get("loc", ())], "msg": str(e.get("msg", "")), "type": e["type"]}
        for e in exc.errors()
    ]
    where = ".".join(errors[0]["loc"]) if errors else ""
    return _error(422, "INVALID_REQUEST", f"请求参数有误：{where}", errors=errors)


async def _read_uploads(rt: Runtime, files: list[UploadFile]) -> list[Upload]:
    """The uploaded files (spooled to disk by the multipart parser) into memory, each one
    refused by its size before it is read."""
    limit = rt.ingest.max_file_bytes
    for f in files:
        if f.size is not None and f.size > limit:
            name = display_name(f.filename, "")
            raise ApiError(
                413,
                "FILE_TOO_LARGE",
                f"文件“{name}”过大（上限 {limit // 1024 // 1024} MB）",
                size=f.size,
            )
    return [Upload(f.filename or "", await f.read(), f.content_type) for f in files]


def principal(request: Request) -> Principal:
    """The caller, from `Authorization: Bearer <token>`."""
    rt: Runtime = request.app.state.runtime
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    token = token.strip() if scheme.lower() == "bearer" else ""
    if not auth_required(rt.settings, rt.db):
        return authenticate(rt.settings, rt.db, token) or Principal(LOCAL_ADMIN, "admin")
    who = authenticate(rt.settings, rt.db, token)
    if who is None:
        raise ApiError(401, "UNAUTHORIZED", "请提供有效的访问令牌（Authorization: Bearer …）")
    return who


Who = Annotated[Principal, Depends(principal)]


def _known_caller(request: Request) -> bool:
    """Whether a request may send a body: the API's by its bearer token, the web UI's by its
    session cookie (its sign-in form carries the token itself)."""
    path = request.url.path
    try:
        if path == ui.LOGIN_PATH:
            return True
        if path.startswith(ui.PREFIX + "/"):
            ui.session.ui_principal(request)
        else:
            principal(request)
    except (ApiError, ui.session.LoginRequiredError):
        return False
    return True


def create_app(rt: Runtime, *, migrate: bool | None = None) -> FastAPI:
    run_migrations = rt.settings.migrate_on_start if migrate is None else migrate

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        if run_migrations:
            rt.db.upgrade()
        Catalog.load()  # parsed once now rather than in the first upload
        if not auth_required(rt.settings, rt.db):
            log.warning(
                "no API tokens configured: every request acts as the single local admin "
                "(%r). Set YIBAO_TOKENS or run `yibao user add` before exposing the service.",
                LOCAL_ADMIN,
            )
        redispatcher: Redispatcher | None = None
        if isinstance(rt.dispatcher, ThreadDispatcher):
            log.info("embedded mode: tasks run in-process (no broker)")
            _resume_unfinished(rt)
        elif rt.settings.redispatch_after > 0:
            redispatcher = Redispatcher(rt)
            redispatcher.start()
        stop_watch = batches.start_watcher(rt)
        yield
        if stop_watch is not None:
            stop_watch.set()
        if redispatcher is not None:
            redispatcher.stop()
        rt.close()

    app = FastAPI(
        title="yibao-check",
        version="0.1.0",
        description=DESCRIPTION,
        lifespan=lifespan,
    )
    app.state.runtime = rt
    app.include_router(batches.router)

    @app.exception_handler(ApiError)
    async def api_error(_: Request, exc: ApiError) -> JSONResponse:
        return _error(exc.status, exc.code, exc.message_zh, **exc.detail)

    @app.exception_handler(DBAPIError)
    async def database_error(_: Request, exc: DBAPIError) -> JSONResponse:
        # the database is down or restarting (pool_pre_ping reconnects once it is back);
        # anything else the driver raises is a bug and stays a 500
        unavailable = isinstance(exc, OperationalError | InterfaceError)
        if not (unavailable or exc.connection_invalidated):
            raise exc
        log.warning("database unavailable: %s", type(exc.orig).__name__)
        return JSONResponse(
            {"error": {"code": "DATABASE_UNAVAILABLE", "message": "数据库暂不可用，请稍后重试"}},
            status_code=503,
            headers={"Retry-After": "5"},
        )

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 413:  # the body limit below
            message = too_large_message(rt.settings.max_request_bytes)
            return _error(413, TOO_LARGE_CODE, message)
        code, message = HTTP_ERRORS.get(exc.status_code, (f"HTTP_{exc.status_code}", "请求失败"))
        return _error(exc.status_code, code, message)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(_: Request, exc: RequestValidationError) -> JSONResponse:
        return _validation_error(exc)

    @app.middleware("http")
    async def measure(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        started = time.perf_counter()
        if request.method in BODY_METHODS and not _known_caller(request):
            # an unknown caller is turned away before its body is read or spooled
            return _error(401, "UNAUTHORIZED", "请提供有效的访问令牌（Authorization: Bearer …）")
        response = await call_next(request)
        route = request.scope.get("route")
        path = getattr(route, "path", "unmatched")
        metrics.HTTP_REQUESTS.labels(request.method, path, str(response.status_code)).inc()
        metrics.HTTP_SECONDS.labels(path).observe(time.perf_counter() - started)
        return response

    # outermost last: a declared size is checked before anything else, a streamed body is
    # counted as the multipart parser (which spools files to disk) reads it
    app.add_middleware(RequestBodyLimitMiddleware, max_body_size=rt.settings.max_request_bytes)
    app.add_middleware(DeclaredBodyLimit, limit=rt.settings.max_request_bytes)

    # -- submissions -------------------------------------------------------------------------

    @app.post(
        "/submissions",
        status_code=202,
        response_model=Accepted,
        tags=["submissions"],
        summary="Submit materials (originals stored before 202; processing continues)",
    )
    async def submit(
        who: Who,
        files: Annotated[list[UploadFile], File(description="scans, photos, PDFs")],
        item: Annotated[str, Form(description="item key, 12-character code or number")],
        region: Annotated[str | None, Form(description="e.g. sanming-mingxi")] = None,
        channel: Annotated[
            str | None, Form(description="邮寄 / 网上 / 现场 (or mail / online / onsite)")
        ] = None,
        facts: Annotated[str, Form(description="case facts as a JSON object")] = "{}",
    ) -> Accepted:
        try:
            raw_facts = json.loads(facts or "{}")
        except json.JSONDecodeError:
            raise ApiError(422, "BAD_FACTS", "案件事实须为 JSON 对象") from None
        if not isinstance(raw_facts, dict):
            raise ApiError(422, "BAD_FACTS", "案件事实须为 JSON 对象")
        uploads = await _read_uploads(rt, files)
        # storage, database and broker calls block: off the event loop
        sub = await run_in_threadpool(
            service.create_submission,
            rt,
            who,
            item=item,
            region=region,
            channel=channel,
            facts=raw_facts,
            uploads=uploads,
        )
        return await run_in_threadpool(_accepted, rt, sub.id, True)

    @app.get("/submissions/{submission_id}", tags=["submissions"], summary="Status and result")
    def get_submission(who: Who, submission_id: str) -> dict[str, Any]:
        with rt.db.session() as s:
            sub = service.get_visible(s, who, submission_id)
            return service.submission_view(s, sub)

    @app.get(
        "/submissions/{submission_id}/versions/{version}",
        tags=["submissions"],
        summary="One earlier verification result (history)",
    )
    def get_version(who: Who, submission_id: str, version: int) -> dict[str, Any]:
        with rt.db.session() as s:
            sub = service.get_visible(s, who, submission_id)
            return service.version_view(s, sub, version)

    @app.post(
        "/submissions/{submission_id}/documents",
        status_code=202,
        response_model=Accepted,
        tags=["submissions"],
        summary="补正: add corrected or missing materials; the submission is re-verified",
    )
    async def add_documents(
        who: Who,
        submission_id: str,
        files: Annotated[list[UploadFile] | None, File()] = None,
        replaces: Annotated[
            str | None,
            Form(description="comma-separated sha256 (or file ids) the new files replace"),
        ] = None,
        note: Annotated[str | None, Form()] = None,
    ) -> Accepted:
        uploads = await _read_uploads(rt, files or [])
        withdraw = [r.strip() for r in (replaces or "").split(",") if r.strip()]
        if not uploads and not withdraw:
            raise ApiError(422, "NO_FILES", "请上传补正材料")
        _, changed = await run_in_threadpool(
            service.supplement, rt, who, submission_id, uploads, withdraw, note
        )
        return await run_in_threadpool(_accepted, rt, submission_id, changed)

    @app.get(
        "/submissions/{submission_id}/pages/{number}.png",
        tags=["submissions"],
        summary="A normalised page image (boxes=1: field boxes blue, finding evidence red)",
        response_class=Response,
        responses={200: {"content": {"image/png": {}}}},
    )
    def page_png(who: Who, submission_id: str, number: int, boxes: bool = False) -> Response:
        with rt.db.session() as s:
            sub = service.get_visible(s, who, submission_id)
            row = service.latest_result(s, sub)
            result = row.result if row else None
        if result is None:
            raise ApiError(409, "NOT_DECIDED", "页面尚未处理完成")
        png = render_page(rt, result, number, boxes)
        if png is None:
            raise ApiError(404, "NOT_FOUND", f"第 {number} 页不存在")
        return Response(png, media_type="image/png")

    @app.get(
        "/submissions/{submission_id}/notice.{fmt}",
        tags=["submissions"],
        summary="一次性告知补正 notice (PDF or DOCX) of the current version",
        response_class=Response,
        responses={
            200: {"content": {MEDIA_TYPES["pdf"]: {}, MEDIA_TYPES["docx"]: {}}},
            503: {"description": "notice rendering not available"},
        },
    )
    def notice(who: Who, submission_id: str, fmt: Literal["pdf", "docx"]) -> Response:
        sub, row, dismissed = service.notice_source(rt, who, submission_id)
        return service.notice_download(rt, sub, row, dismissed, fmt)

    @app.get("/submissions/{submission_id}/audit", tags=["review"], summary="Audit log")
    def get_audit(who: Who, submission_id: str) -> list[dict[str, Any]]:
        with rt.db.session() as s:
            return service.audit_view(s, who, submission_id)

    # -- reviewers ---------------------------------------------------------------------------

    @app.get("/review/queue", tags=["review"], summary="Submissions to review, by deadline")
    def review_queue(
        who: Who,
        status: Annotated[
            str | None, Query(description="received/processing/decided/failed")
        ] = None,
        item: str | None = None,
        decision: Annotated[str | None, Query(description="accept/correct/reject/review")] = None,
        code: Annotated[str | None, Query(description="a flagged finding code")] = None,
        deadline_before: dt.date | None = None,
        limit: Annotated[int, Query(ge=1, le=500)] = 50,
        offset: Annotated[int, Query(ge=0)] = 0,
    ) -> list[dict[str, Any]]:
        with rt.db.session() as s:
            return service.queue(
                s,
                who,
                status=status,
                item=item,
                outcome=decision,
                code=code,
                deadline_before=deadline_before,
                limit=limit,
                offset=offset,
            )

    @app.post(
        "/submissions/{submission_id}/findings/{finding}",
        tags=["review"],
        summary="Confirm or dismiss a finding (by key or index), with a reason",
    )
    def review_finding(
        who: Who, submission_id: str, finding: str, body: FindingReview
    ) -> dict[str, Any]:
        return service.review_finding(rt, who, submission_id, finding, body.action, body.reason)

    @app.put(
        "/submissions/{submission_id}/decision",
        tags=["review"],
        summary="Set or override the decision of the current version",
    )
    def put_decision(who: Who, submission_id: str, body: DecisionSet) -> dict[str, Any]:
        return service.set_decision(rt, who, submission_id, body.outcome, body.reason)

    # -- catalog -----------------------------------------------------------------------------

    @app.get("/items", tags=["catalog"], summary="Service items (with a region: as handled there)")
    def list_items(region: str | None = None) -> list[dict[str, Any]]:
        try:
            found = Catalog.load().applicable_items(region)
        except KeyError as exc:
            raise ApiError(404, "UNKNOWN_REGION", str(exc.args[0])) from None
        return [
            {
                "key": e.key,
                "code": e.item.code,
                "seq": e.item.seq,
                "name": e.name,
                "level": e.item.level,
                "region": e.region.id if e.region else None,
                "local_name": e.regional.local_name if e.regional else None,
                "channels": [c.value for c in e.channels],
                "href": f"/items/{e.key}" + (f"?region={region}" if region else ""),
            }
            for e in found
        ]

    @app.get(
        "/items/{code}",
        tags=["catalog"],
        summary="One item's checklist (by key, code, number or name); a code shared by "
        "several 孙项 answers {'items': [...]}",
    )
    def get_item(code: str, region: str | None = None) -> dict[str, Any]:
        try:
            found = Catalog.load().find(code, region)
        except KeyError as exc:
            raise ApiError(404, "UNKNOWN_REGION", str(exc.args[0])) from None
        if not found:
            raise ApiError(404, "UNKNOWN_ITEM", f"事项“{code}”不存在")
        if len(found) == 1:
            return found[0].as_json()
        return {"items": [e.as_json() for e in found]}

    # -- operations --------------------------------------------------------------------------

    @app.get("/healthz", tags=["operations"], summary="The process is up")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", tags=["operations"], summary="Broker, storage and database reachable")
    def readyz() -> JSONResponse:
        checks: dict[str, str] = {}
        for name, check in (
            ("database", rt.db.ping),
            ("storage", lambda: _storage_probe(rt)),
            ("broker", rt.dispatcher.ping),
        ):
            try:
                check()
                checks[name] = "ok"
            except Exception as exc:
                checks[name] = f"error: {type(exc).__name__}"
        ok = all(v == "ok" for v in checks.values())
        mode = "embedded" if rt.settings.embedded else "broker"
        return JSONResponse(
            {"status": "ok" if ok else "unavailable", "mode": mode, "checks": checks},
            status_code=200 if ok else 503,
        )

    @app.get("/metrics", tags=["operations"], summary="Prometheus metrics")
    def prometheus() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    ui.mount(app)
    return app


def _storage_probe(rt: Runtime) -> None:
    rt.storage.put("health/readyz", b"ok", "text/plain")
    if rt.storage.get("health/readyz") != b"ok":
        raise RuntimeError("storage probe mismatch")


def _accepted(rt: Runtime, submission_id: str, changed: bool) -> Accepted:
    with rt.db.session() as s:
        sub = s.get(SubmissionRow, submission_id)
        assert sub is not None
        view = service.submission_view(s, sub)
    return Accepted(
        id=submission_id,
        status=view["status"],
        version=view["version"],
        files=[
            {k: f[k] for k in ("id", "sha256", "filename", "size", "added_in", "withdrawn_in")}
            for f in view["files"]
        ],
        changed=changed,
        href=f"/submissions/{submission_id}",
    )


def _resume_unfinished(rt: Runtime) -> None:
    """Embedded mode keeps its queue in memory: restart what a previous run left unfinished."""
    with rt.db.session() as s:
        rows = s.execute(
            select(SubmissionRow.id, SubmissionRow.version).where(
                SubmissionRow.status.in_(
                    (SubmissionStatus.RECEIVED.value, SubmissionStatus.PROCESSING.value)
                )
            )
        ).all()
    for sid, version in rows:
        rt.dispatcher.send(START, sid, version, True)
    if rows:
        log.info("resumed %d unfinished submissions", len(rows))
