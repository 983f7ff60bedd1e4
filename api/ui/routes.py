"""The web UI's routes under /ui: login, review queue, intake, submission page, and the page
images, crops and notices they show. Everything goes through the service layer with the
caller resolved as the API resolves it (api.ui.session)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.routing import APIRoute
from fastapi.templating import Jinja2Templates

from api import service
from api.auth import Principal, auth_required, authenticate
from api.notices import (
    UNAVAILABLE_ZH,
    NoticeUnavailableError,
    notice_html,
)
from api.pages import render_crop, render_page
from api.runtime import Runtime
from api.service import ApiError, Upload
from api.tasks import submitted_today
from api.ui import session, views
from models.catalog_loader import Catalog
from models.documents import DecisionOutcome
from models.facts import CaseFacts
from verifier.notice.fonts import Face, FontNotFoundError, font_path

HERE = Path(__file__).parent
STATIC_DIR = HERE / "static"
templates = Jinja2Templates(directory=HERE / "templates")
templates.env.filters["cst"] = views.local_time


def _wants_html(request: Request) -> bool:
    return "text/html" in request.headers.get("accept", "")


class UiRoute(APIRoute):
    """Turns sign-in, CSRF and service errors into pages for browsers, JSON for scripts."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handle = super().get_route_handler()

        async def handler(request: Request) -> Response:
            try:
                return await handle(request)
            except session.LoginRequiredError:
                if _wants_html(request) and request.method == "GET":
                    target = request.url.path + (
                        f"?{request.url.query}" if request.url.query else ""
                    )
                    return RedirectResponse(f"/ui/login?next={target}", status_code=303)
                return _failure(request, 401, "UNAUTHORIZED", "请先登录")
            except session.CsrfError:
                return _failure(
                    request, 403, "CSRF_FAILED", "页面已过期或请求来源无效，请刷新页面后重试"
                )
            except ApiError as exc:
                return _failure(request, exc.status, exc.code, exc.message_zh)

        return handler


def _failure(request: Request, status: int, code: str, message: str) -> Response:
    if _wants_html(request):
        return render(request, "error.html", {"code": code, "message": message}, status=status)
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status)


router = APIRouter(prefix="/ui", route_class=UiRoute, include_in_schema=False)
Who = Annotated[Principal, Depends(session.ui_principal)]


def _runtime(request: Request) -> Runtime:
    rt: Runtime = request.app.state.runtime
    return rt


def render(
    request: Request,
    name: str,
    context: dict[str, Any],
    status: int = 200,
    who: Principal | None = None,
) -> HTMLResponse:
    rt = _runtime(request)
    ctx = {
        "who": who,
        "csrf": session.csrf_token(request),
        "auth": auth_required(rt.settings, rt.db),
        **context,
    }
    response = templates.TemplateResponse(request, name, ctx, status_code=status)
    session.remember_nonce(request, response)
    return response


def _safe_next(target: str | None) -> str:
    return target if target and target.startswith("/ui") and not target.startswith("//") else "/ui/"


# -- sign-in ---------------------------------------------------------------------------------


@router.get("/", response_class=HTMLResponse)
def home(who: Who) -> RedirectResponse:
    return RedirectResponse("/ui/queue", status_code=303)


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str | None = None) -> HTMLResponse:
    return render(request, "login.html", {"next": _safe_next(next), "error": None})


@router.post("/login", response_class=HTMLResponse)
def login(
    request: Request,
    token: Annotated[str, Form()] = "",
    csrf: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/ui/",
) -> Response:
    session.check_csrf(request, csrf)
    rt = _runtime(request)
    who = authenticate(rt.settings, rt.db, token.strip())
    if who is None:
        return render(
            request,
            "login.html",
            {"next": _safe_next(next), "error": "令牌无效或已停用"},
            status=401,
        )
    response = RedirectResponse(_safe_next(next), status_code=303)
    session.sign_in(request, response, token.strip())
    return response


@router.post("/logout")
def logout(request: Request, csrf: Annotated[str, Form()] = "") -> Response:
    session.check_csrf(request, csrf)
    response = RedirectResponse("/ui/login", status_code=303)
    session.sign_out(response)
    return response


# -- queue -----------------------------------------------------------------------------------


@router.get("/queue", response_class=HTMLResponse)
def queue_page(
    request: Request,
    who: Who,
    status: str | None = None,
    item: str | None = None,
    decision: str | None = None,
    code: str | None = None,
    sort: str = "deadline",
    desc: bool = False,
) -> HTMLResponse:
    rt = _runtime(request)
    f = views.QueueFilter(
        status=status or None,
        item=item or None,
        decision=decision or None,
        code=code or None,
        sort=sort if sort in views.SORTS else "deadline",
        desc=desc,
    )
    with rt.db.session() as s:
        rows = views.queue_view(s, who, f, submitted_today())
    return render(
        request,
        "queue.html",
        {
            "rows": rows,
            "filter": f,
            "sorts": views.SORTS,
            "statuses": views.STATUS_LABELS,
            "decisions": views.DECISION_LABELS,
            "items": sorted({(r["item"], r["item_name"]) for r in rows}),
        },
        who=who,
    )


# -- intake ----------------------------------------------------------------------------------


def _items(region: str | None) -> list[dict[str, str]]:
    return [
        {
            "key": e.key,
            "code": e.item.code or "",
            "name": (e.regional.local_name if e.regional else None) or e.name,
        }
        for e in Catalog.load().applicable_items(region)
    ]


@router.get("/intake", response_class=HTMLResponse)
def intake_page(request: Request, who: Who, region: str | None = None) -> HTMLResponse:
    catalog = Catalog.load()
    if region and region not in catalog.regions:
        region = None
    return render(
        request,
        "intake.html",
        {
            "region": region,
            "regions": {k: r.name for k, r in catalog.regions.items()},
            "items": _items(region),
            "channels": [(c.value, c.label) for c in views.INTAKE_CHANNELS],
            "facts": views.fact_inputs(),
            "today": submitted_today().isoformat(),
        },
        who=who,
    )


@router.get("/intake/checklist", response_class=HTMLResponse)
def intake_checklist(
    request: Request, who: Who, item: str = "", region: str | None = None
) -> HTMLResponse:
    """The item's materials for the facts entered so far (an HTML fragment)."""
    region = region or None
    if not item.strip():
        return render(request, "_checklist.html", {"rows": [], "hint": "请选择服务事项"}, who=who)
    key = service.resolve_item(item, region)
    raw = views.facts_from_form({k: str(v) for k, v in request.query_params.items()})
    facts = service.parse_facts(raw, service.parse_channel(request.query_params.get("channel")))
    entry = Catalog.load().effective(key, region)
    rows = views.intake_checklist(entry, CaseFacts.model_validate(facts.model_dump()))
    return render(request, "_checklist.html", {"rows": rows, "item": entry, "hint": None}, who=who)


@router.post("/intake")
async def intake(
    request: Request,
    who: Who,
    files: Annotated[list[UploadFile], File()],
    item: Annotated[str, Form()],
    region: Annotated[str | None, Form()] = None,
    channel: Annotated[str | None, Form()] = None,
    submitted_on: Annotated[str | None, Form()] = None,
) -> JSONResponse:
    session.check_csrf(request, None)
    form = await request.form()
    facts = views.facts_from_form({k: str(v) for k, v in form.items() if isinstance(v, str)})
    if submitted_on:
        facts["submitted_on"] = submitted_on
    uploads = [Upload(f.filename or "", await f.read(), f.content_type) for f in files]
    sub = service.create_submission(
        _runtime(request),
        who,
        item=item,
        region=region or None,
        channel=channel,
        facts=facts,
        uploads=uploads,
    )
    return JSONResponse(
        {"id": sub.id, "href": f"/ui/submissions/{sub.id}", "files": len(uploads)},
        status_code=202,
    )


# -- one submission --------------------------------------------------------------------------


@router.get("/submissions/{sid}", response_class=HTMLResponse)
def submission_page(
    request: Request, who: Who, sid: str, version: Annotated[int | None, Query(ge=1)] = None
) -> HTMLResponse:
    rt = _runtime(request)
    with rt.db.session() as s:
        sub = service.get_visible(s, who, sid)
        view = service.submission_view(s, sub)
        result = view["result"]
        if version is not None and version != sub.version:
            result = service.version_view(s, sub, version)
        audit = service.audit_view(s, who, sid)
    shown = result["version"] if result else None
    page = views.submission_page_view(view, result) if result else None
    outcome = result["decision"]["outcome"] if result else None
    return render(
        request,
        "submission.html",
        {
            "sub": view,
            "result": result,
            "page": page,
            "shown_version": shown,
            "current": shown == view["version"],
            "item_name": views.item_names().get(view["item"], view["item"]),
            "status_label": views.STATUS_LABELS.get(view["status"], view["status"]),
            "due": views.deadline_view(
                submitted_today(),
                dt.date.fromisoformat(view["deadline"]) if view["deadline"] else None,
            ),
            "has_notice": shown == view["version"]
            and outcome in (DecisionOutcome.CORRECT.value, DecisionOutcome.REJECT.value),
            "outcomes": [(o.value, o.label) for o in DecisionOutcome],
            "audit": audit[-15:],
            "processing": view["status"] in ("received", "processing") or result is None,
        },
        who=who,
    )


@router.get("/submissions/{sid}/status")
def submission_status(request: Request, who: Who, sid: str) -> JSONResponse:
    """Progress while processing; the checklist once decided (for the intake page)."""
    rt = _runtime(request)
    with rt.db.session() as s:
        sub = service.get_visible(s, who, sid)
        view = service.submission_view(s, sub)
    result = view["result"]
    html = None
    if result is not None and view["status"] == "decided":
        html = templates.get_template("_checklist.html").render(
            rows=views.checklist_view(result["checklist"]), hint=None, item=None
        )
    return JSONResponse(
        {
            "status": view["status"],
            "status_label": views.STATUS_LABELS.get(view["status"], view["status"]),
            "progress": view["progress"],
            "error": view["error"],
            "decision": result["decision"]["label"] if result else None,
            "findings": len(result["findings"]) if result else 0,
            "checklist_html": html,
            "href": f"/ui/submissions/{sid}",
        }
    )


def _current_result(rt: Runtime, who: Principal, sid: str) -> dict[str, Any]:
    with rt.db.session() as s:
        sub = service.get_visible(s, who, sid)
        row = service.latest_result(s, sub)
        result = row.result if row else None
    if result is None:
        raise ApiError(409, "NOT_DECIDED", "页面尚未处理完成")
    return result


@router.get("/submissions/{sid}/pages/{number}.png")
def page_image(request: Request, who: Who, sid: str, number: int) -> Response:
    rt = _runtime(request)
    png = render_page(rt, _current_result(rt, who, sid), number, False)
    if png is None:
        raise ApiError(404, "NOT_FOUND", f"第 {number} 页不存在")
    return Response(png, media_type="image/png", headers={"Cache-Control": "private, max-age=300"})


@router.get("/submissions/{sid}/pages/{number}/crop.png")
def page_crop(
    request: Request,
    who: Who,
    sid: str,
    number: int,
    x0: float,
    y0: float,
    x1: float,
    y1: float,
) -> Response:
    rt = _runtime(request)
    box = {"x0": x0, "y0": y0, "x1": x1, "y1": y1}
    png = render_crop(rt, _current_result(rt, who, sid), number, box)
    if png is None:
        raise ApiError(404, "NOT_FOUND", f"第 {number} 页不存在")
    return Response(png, media_type="image/png", headers={"Cache-Control": "private, max-age=300"})


@router.get("/submissions/{sid}/notice.{fmt}")
def notice(request: Request, who: Who, sid: str, fmt: Literal["html", "pdf", "docx"]) -> Response:
    rt = _runtime(request)
    sub, row, dismissed = service.notice_source(rt, who, sid)
    if fmt != "html":
        return service.notice_download(rt, sub, row, dismissed, fmt)
    fonts = {face.value: f"/ui/fonts/{face.value}.otf" for face in Face}
    try:
        return HTMLResponse(notice_html(rt, sub, row, dismissed, fonts))
    except NoticeUnavailableError:
        raise ApiError(503, "NOTICE_UNAVAILABLE", UNAVAILABLE_ZH) from None


@router.post("/submissions/{sid}/findings/{key}")
def review_finding(
    request: Request,
    who: Who,
    sid: str,
    key: str,
    action: Annotated[str, Form()],
    reason: Annotated[str, Form()] = "",
    csrf: Annotated[str, Form()] = "",
) -> RedirectResponse:
    session.check_csrf(request, csrf)
    service.review_finding(_runtime(request), who, sid, key, action, reason)
    return RedirectResponse(f"/ui/submissions/{sid}#finding-{key}", status_code=303)


@router.post("/submissions/{sid}/decision")
def set_decision(
    request: Request,
    who: Who,
    sid: str,
    outcome: Annotated[str, Form()],
    reason: Annotated[str, Form()] = "",
    csrf: Annotated[str, Form()] = "",
) -> RedirectResponse:
    session.check_csrf(request, csrf)
    service.set_decision(_runtime(request), who, sid, outcome, reason)
    return RedirectResponse(f"/ui/submissions/{sid}#decision", status_code=303)


@router.post("/submissions/{sid}/documents")
async def supplement(
    request: Request,
    who: Who,
    sid: str,
    files: Annotated[list[UploadFile] | None, File()] = None,
    replaces: Annotated[list[str] | None, Form()] = None,
    note: Annotated[str | None, Form()] = None,
    csrf: Annotated[str, Form()] = "",
) -> RedirectResponse:
    """补正 from the submission page: more files (optionally replacing some), re-verified as a
    new version."""
    session.check_csrf(request, csrf)
    uploads = [
        Upload(f.filename or "", await f.read(), f.content_type) for f in files or [] if f.filename
    ]
    if not uploads:
        raise ApiError(422, "NO_FILES", "请上传补正材料")
    withdraw = [r for r in replaces or [] if r]
    service.supplement(_runtime(request), who, sid, uploads, withdraw, note or None)
    return RedirectResponse(f"/ui/submissions/{sid}", status_code=303)


# -- assets ----------------------------------------------------------------------------------


@router.get("/coversheets.pdf")
def coversheets(
    who: Who,
    item: str,
    region: str | None = None,
    channel: str = "邮寄",
    count: Annotated[int, Query(ge=1, le=200)] = 1,
    facts: str | None = None,
) -> Response:
    """The intake page's 打印邮寄封面: the same PDF as the API's /coversheets.pdf, with the
    case facts chosen on the intake form (a JSON object, as the API takes them)."""
    from api.batches import coversheet_response, facts_json

    return coversheet_response(who, item, region or None, channel, count, None, facts_json(facts))


@router.get("/fonts/{face}.otf")
def font(face: Literal["sans", "serif"]) -> FileResponse:
    """The CJK faces from the installed font package, so pages need no system CJK font."""
    try:
        path = font_path(Face(face))
    except FontNotFoundError:
        raise ApiError(404, "NOT_FOUND", "字体未安装") from None
    return FileResponse(
        path, media_type="font/otf", headers={"Cache-Control": "public, max-age=86400"}
    )
