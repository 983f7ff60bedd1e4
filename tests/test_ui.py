"""The web UI's routes through FastAPI's TestClient: browser sign-in with the same roles and
ownership as the API, CSRF on every state-changing post, and what the pages render."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import func, select

from api.db import AuditRow, SubmissionRow
from api.ui.views import deadline_view, working_days_left
from tests.api_support import (
    FACTS,
    ITEM,
    REGION,
    A,
    case_documents,
    client,
    make_files,
    make_runtime,
    submit,
)
from tests.ui_server import defect_documents

HTML = {"Accept": "text/html"}


def _csrf(c: TestClient, path: str = "/ui/login") -> str:
    page = c.get(path, headers=HTML)
    found = re.search(r'name="csrf-token" content="([0-9a-f]+)"', page.text)
    assert found, page.text[:500]
    return found.group(1)


def _login(c: TestClient, token: str) -> None:
    r = c.post(
        "/ui/login",
        data={"token": token, "csrf": _csrf(c), "next": "/ui/queue"},
        headers=HTML,
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    assert r.headers["location"] == "/ui/queue"


def _defect(c: TestClient, extractor: Any) -> str:
    r = submit(c, make_files(extractor, defect_documents()))
    assert r.status_code == 202, r.text
    sid: str = r.json()["id"]
    return sid


def _audit_count(rt: Any, action: str) -> int:
    with rt.db.session() as s:
        return int(s.scalar(select(func.count(AuditRow.id)).where(AuditRow.action == action)) or 0)


def test_login_keeps_the_token_in_an_httponly_cookie(tmp_path: Path) -> None:
    rt, _, _ = make_runtime(tmp_path)
    with client(rt) as c:
        r = c.get("/ui/queue", headers=HTML, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/ui/login?next=/ui/queue"
        # a script (no text/html) gets a coded JSON error instead of a redirect
        r = c.get("/ui/queue", follow_redirects=False)
        assert r.status_code == 401 and r.json()["error"]["code"] == "UNAUTHORIZED"

        bad = c.post("/ui/login", data={"token": "nope", "csrf": _csrf(c)}, headers=HTML)
        assert bad.status_code == 401 and "令牌无效" in bad.text
        assert "yibao_token" not in c.cookies

        r = c.post(
            "/ui/login",
            data={"token": "tok-r", "csrf": _csrf(c), "next": "/ui/queue"},
            follow_redirects=False,
        )
        cookie = next(h for h in r.headers.get_list("set-cookie") if h.startswith("yibao_token="))
        assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/ui" in cookie
        page = c.get("/ui/queue", headers=HTML)
        assert page.status_code == 200 and "审核队列" in page.text and "rev" in page.text
        # the JSON API does not take the UI cookie (so it needs no CSRF protection)
        token = c.cookies["yibao_token"]
        api = c.get("/review/queue", headers={"Cookie": f"yibao_token={token}"})
        assert api.status_code == 401

        # signing out needs the CSRF token too, then clears the cookie
        assert c.post("/ui/logout", data={"csrf": "x"}, headers=HTML).status_code == 403
        out = c.post("/ui/logout", data={"csrf": _csrf(c, "/ui/queue")}, follow_redirects=False)
        assert out.status_code == 303
        assert c.get("/ui/queue", follow_redirects=False).status_code == 401


def test_login_refuses_a_post_without_csrf_and_open_redirects(tmp_path: Path) -> None:
    rt, _, _ = make_runtime(tmp_path)
    with client(rt) as c:
        r = c.post("/ui/login", data={"token": "tok-r"}, headers=HTML)
        assert r.status_code == 403 and "CSRF_FAILED" in r.text
        r = c.post(
            "/ui/login",
            data={"token": "tok-r", "csrf": _csrf(c), "next": "https://evil.example/"},
            follow_redirects=False,
        )
        assert r.status_code == 303 and r.headers["location"] == "/ui/"


def test_roles_and_ownership_match_the_api(tmp_path: Path) -> None:
    rt, _, extractor = make_runtime(tmp_path)
    with client(rt) as c:
        sid = _defect(c, extractor)
        _login(c, "tok-b")  # another clerk
        assert c.get(f"/ui/submissions/{sid}", headers=HTML).status_code == 404
        assert c.get(f"/ui/submissions/{sid}/pages/1.png").status_code == 404
        assert c.get(f"/ui/submissions/{sid}/notice.pdf").status_code == 404
        assert sid not in c.get("/ui/queue", headers=HTML).text

        _login(c, "tok-a")  # the owner: sees it, cannot review it
        page = c.get(f"/ui/submissions/{sid}", headers=HTML)
        assert page.status_code == 200 and "AMOUNT_MISMATCH" in page.text
        assert "驳回（误报）" not in page.text and "我的申报" in page.text
        assert sid in c.get("/ui/queue", headers=HTML).text
        key = c.get(f"/submissions/{sid}", headers=A).json()["result"]["findings"][0]["key"]
        r = c.post(
            f"/ui/submissions/{sid}/findings/{key}",
            data={"action": "dismiss", "reason": "试试", "csrf": _csrf(c, "/ui/queue")},
        )
        assert r.status_code == 403 and r.json()["error"]["code"] == "FORBIDDEN"
        assert _audit_count(rt, "finding.dismiss") == 0

        _login(c, "tok-r")  # a reviewer: sees everyone's, may review
        queue = c.get("/ui/queue", headers=HTML).text
        assert sid in queue and "clerk-a" in queue
        assert "驳回（误报）" in c.get(f"/ui/submissions/{sid}", headers=HTML).text


def test_review_posts_need_the_csrf_token(tmp_path: Path) -> None:
    rt, _, extractor = make_runtime(tmp_path)
    with client(rt) as c:
        sid = _defect(c, extractor)
        findings = c.get(f"/submissions/{sid}", headers=A).json()["result"]["findings"]
        key = next(f["key"] for f in findings if f["code"] == "NAME_MISMATCH")
        _login(c, "tok-r")
        token = _csrf(c, "/ui/queue")
        url = f"/ui/submissions/{sid}/findings/{key}"
        form = {"action": "dismiss", "reason": "同一人"}
        assert c.post(url, data=form, headers=HTML).status_code == 403
        assert c.post(url, data={**form, "csrf": "0" * 64}).status_code == 403
        foreign = {"Origin": "https://evil.example"}
        assert c.post(url, data={**form, "csrf": token}, headers=foreign).status_code == 403
        # a token minted for another session does not carry over
        other = TestClient(c.app)
        stolen = _csrf(other)
        assert c.post(url, data={**form, "csrf": stolen}).status_code == 403
        assert _audit_count(rt, "finding.dismiss") == 0

        r = c.post(url, data={**form, "csrf": token}, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].endswith(f"#finding-{key}")
        review = c.get(f"/submissions/{sid}", headers={"Authorization": "Bearer tok-r"}).json()
        state = next(f for f in review["result"]["findings"] if f["key"] == key)["review"]
        assert state["state"] == "dismissed" and state["by"] == "rev"
        assert state["reason"] == "同一人"
        page = c.get(f"/ui/submissions/{sid}", headers=HTML).text
        assert "已驳回" in page and "同一人" in page

        # decision buttons: also CSRF-protected, a reason is required
        d = f"/ui/submissions/{sid}/decision"
        assert c.post(d, data={"outcome": "reject", "reason": "x"}).status_code == 403
        r = c.post(d, data={"outcome": "reject", "reason": "", "csrf": token})
        assert r.status_code == 422 and r.json()["error"]["code"] == "REASON_REQUIRED"
        r = c.post(d, data={"outcome": "reject", "reason": "已在他处结算", "csrf": token})
        assert r.status_code == 200  # followed to the page
        assert "审核人 rev 设定" in r.text
        with rt.db.session() as s:
            row = s.get(SubmissionRow, sid)
            assert row is not None and row.outcome == "reject"


def test_intake_upload_and_live_checklist(tmp_path: Path) -> None:
    rt, _, extractor = make_runtime(tmp_path)
    files = make_files(extractor, defect_documents())
    with client(rt) as c:
        _login(c, "tok-a")
        page = c.get("/ui/intake", headers=HTML).text
        assert "002036006002" in page and 'name="fact.visit_type"' in page

        url = f"/ui/intake/checklist?item={ITEM}&region={REGION}&fact.visit_type="
        inpatient = c.get(url + "inpatient", headers=HTML).text
        outpatient = c.get(url + "outpatient", headers=HTML).text
        states = re.compile(r'data-material="(\w+)" data-state="(\w+)"')
        assert dict(states.findall(inpatient))["discharge_or_diagnosis"] == "missing"
        assert dict(states.findall(outpatient))["discharge_or_diagnosis"] == "not_applicable"
        bad = c.get("/ui/intake/checklist?item=nonsense")
        assert bad.status_code == 422 and bad.json()["error"]["code"] == "UNKNOWN_ITEM"

        form = {
            "item": ITEM,
            "region": REGION,
            "channel": "mail",
            "submitted_on": FACTS["submitted_on"],
            "fact.visit_type": "inpatient",
            "fact.trauma": "false",
        }
        upload = [("files", (f"{n}.png", b, "image/png")) for n, b in files.items()]
        with rt.db.session() as s:
            before = s.scalar(select(func.count(SubmissionRow.id)))
        assert c.post("/ui/intake", data=form, files=upload).status_code == 403
        with rt.db.session() as s:
            assert s.scalar(select(func.count(SubmissionRow.id))) == before

        token = _csrf(c, "/ui/intake")
        r = c.post("/ui/intake", data=form, files=upload, headers={"X-CSRF-Token": token})
        assert r.status_code == 202, r.text
        sid = r.json()["id"]
        api = c.get(f"/submissions/{sid}", headers=A).json()
        assert api["owner"] == "clerk-a" and api["channel"] == "mail"
        assert api["facts"]["visit_type"] == "inpatient" and api["facts"]["trauma"] is False
        status = c.get(f"/ui/submissions/{sid}/status").json()
        assert status["status"] == "decided" and status["decision"] == "一次性告知补正"
        assert 'data-state="satisfied"' in status["checklist_html"]

        bad_facts = {**form, "fact.visit_type": "hospital"}
        r = c.post("/ui/intake", data=bad_facts, files=upload, headers={"X-CSRF-Token": token})
        assert r.status_code == 422 and r.json()["error"]["code"] == "BAD_FACTS"


def test_submission_page_shows_boxes_values_crops_and_notice(tmp_path: Path) -> None:
    rt, _, extractor = make_runtime(tmp_path)
    with client(rt) as c:
        sid = _defect(c, extractor)
        result = c.get(f"/submissions/{sid}", headers=A).json()["result"]
        _login(c, "tok-r")
        page = c.get(f"/ui/submissions/{sid}", headers=HTML).text
        invoice = next(d for d in result["documents"] if d["kind"] == "medical_invoice")
        # the invoice total: a link to its box, the box drawn over its page
        anchor = f"box-{invoice['id']}-total"
        assert f'href="#{anchor}"' in page and f'id="{anchor}"' in page
        amount = next(f for f in result["findings"] if f["code"] == "AMOUNT_MISMATCH")
        values = [e["value"] for e in amount["evidence"]]
        block = page.split(f'id="finding-{amount["key"]}"')[1].split("</details>")[0]
        assert all(f'<div class="value">{v}</div>' in block for v in values)
        assert block.count('class="crop"') == 2
        crop = re.search(r'src="(/ui/submissions/[^"]+/crop\.png\?[^"]+)"', block)
        assert crop
        img = c.get(crop.group(1).replace("&amp;", "&"))
        assert img.status_code == 200 and img.headers["content-type"] == "image/png"
        full = c.get(f"/ui/submissions/{sid}/pages/{amount['evidence'][0]['page']}.png")
        assert Image.open(io.BytesIO(img.content)).size < Image.open(io.BytesIO(full.content)).size
        # the ID number is masked in the field list
        id_card = next(d for d in result["documents"] if d["kind"] == "id_card")
        number = id_card["fields"]["id_number"]["value"]
        assert number not in page and number[:6] + "*" in page

        preview = c.get(f"/ui/submissions/{sid}/notice.html")
        assert preview.status_code == 200 and "告知" in preview.text
        assert "/ui/fonts/" in preview.text and "file://" not in preview.text
        pdf = c.get(f"/ui/submissions/{sid}/notice.pdf")
        assert (
            pdf.content.startswith(b"%PDF") and "attachment" in pdf.headers["content-disposition"]
        )
        docx = c.get(f"/ui/submissions/{sid}/notice.docx")
        assert docx.content.startswith(b"PK")
        assert c.get("/ui/fonts/sans.otf").status_code == 200

        queue = c.get("/ui/queue", headers=HTML).text
        blocking = sum(f["severity"] == "blocking" for f in result["findings"])
        assert f"补 {blocking}</span>" in queue
        # filters and sorting
        assert sid in c.get("/ui/queue?code=AMOUNT_MISMATCH", headers=HTML).text
        assert sid not in c.get("/ui/queue?code=SEAL_MISSING", headers=HTML).text
        assert sid not in c.get("/ui/queue?decision=accept", headers=HTML).text
        assert sid in c.get("/ui/queue?sort=flags&desc=true", headers=HTML).text


def test_without_tokens_the_ui_is_the_local_admin(tmp_path: Path) -> None:
    rt, _, _ = make_runtime(tmp_path, tokens={})
    with client(rt) as c:
        page = c.get("/ui/queue", headers=HTML)
        assert page.status_code == 200 and "local-admin" in page.text
        assert "无需登录" in c.get("/ui/login", headers=HTML).text
        r = c.post("/ui/intake", data={"item": ITEM}, files=[("files", ("a.png", b"x"))])
        assert r.status_code == 403  # CSRF applies without sign-in too
        assert c.get("/", follow_redirects=False).headers["location"] == "/ui/"
        assert json.loads(c.get("/healthz").text) == {"status": "ok"}


def test_working_days_left_counts_holidays_and_weekends() -> None:
    friday = dt.date(2026, 3, 20)
    assert working_days_left(friday, friday) == 0
    assert working_days_left(friday, dt.date(2026, 3, 23)) == 1  # over the weekend
    assert working_days_left(friday, dt.date(2026, 3, 19)) == -1
    assert working_days_left(dt.date(2026, 3, 23), friday) == -1  # Monday: one day late
    # the National Day holiday (1–7 October 2026) does not count
    assert working_days_left(dt.date(2026, 9, 30), dt.date(2026, 10, 9)) == 2
    assert deadline_view(friday, dt.date(2026, 3, 19))["urgency"] == "overdue"
    assert deadline_view(friday, friday)["text"] == "今日到期"
    assert deadline_view(friday, dt.date(2026, 3, 24))["urgency"] == "due-soon"
    assert deadline_view(friday, dt.date(2026, 4, 3))["urgency"] == "ok"


def test_supplement_from_the_page_makes_a_new_version_with_history(tmp_path: Path) -> None:
    rt, _, extractor = make_runtime(tmp_path)
    with client(rt) as c:
        files = make_files(extractor, defect_documents())
        sid = submit(c, files).json()["id"]
        before = c.get(f"/submissions/{sid}", headers=A).json()
        wrong_list = next(f for f in before["files"] if f["filename"] == "list.png")
        corrected = make_files(extractor, {"list": case_documents()["list"]}, tag="-v2")["list"]
        _login(c, "tok-a")
        url = f"/ui/submissions/{sid}/documents"
        upload = [("files", ("list-v2.png", corrected, "image/png"))]
        form = {"replaces": wrong_list["sha256"], "note": "换正确的费用清单"}
        assert c.post(url, data=form, files=upload).status_code == 403
        token = _csrf(c, "/ui/queue")
        r = c.post(url, data={**form, "csrf": token}, files=upload, follow_redirects=False)
        assert r.status_code == 303, r.text
        after = c.get(f"/submissions/{sid}", headers=A).json()
        assert after["version"] == 2 and after["status"] == "decided"
        codes = {f["code"] for f in after["result"]["findings"]}
        assert "NAME_MISMATCH" not in codes and "AMOUNT_MISMATCH" in codes
        page = c.get(f"/ui/submissions/{sid}", headers=HTML).text
        assert "第 1 版" in page and "第 2 版" in page and "第 2 版撤回" in page
        old = c.get(f"/ui/submissions/{sid}?version=1", headers=HTML).text
        assert "NAME_MISMATCH" in old and "看当前" in old
        assert 'name="action"' not in old  # an earlier version is not reviewed


def test_intake_prints_cover_sheets_with_the_session(tmp_path: Path) -> None:
    from ingest.intake import check_file, iter_pages
    from ingest.qr import decode_qr
    from ingest.settings import IngestSettings

    rt, _, _ = make_runtime(tmp_path)
    with client(rt) as c:
        assert c.get(f"/ui/coversheets.pdf?item={ITEM}", follow_redirects=False).status_code in (
            303,
            401,
        )
        _login(c, "tok-a")
        assert 'action="/ui/coversheets.pdf"' in c.get("/ui/intake", headers=HTML).text
        r = c.get(f"/ui/coversheets.pdf?item={ITEM}&region={REGION}&channel=邮寄&count=2")
        assert r.status_code == 200 and r.content.startswith(b"%PDF")
        refs = r.headers["X-Yibao-References"].split(",")
        assert len(refs) == 2
        settings = IngestSettings(data_dir=tmp_path)
        checked = check_file(r.content, settings)
        pages = list(iter_pages(r.content, checked.media_type, settings))
        assert len(pages) == 2
        payloads = [p for raw in pages if raw.image is not None for p in decode_qr(raw.image)]
        assert any(refs[0] in p and ITEM in p for p in payloads), payloads
        # the facts chosen on the intake form go into the QR code
        facts = {"item": ITEM, "region": REGION, "facts": '{"trauma": "true"}'}
        r = c.get("/ui/coversheets.pdf", params=facts)
        assert r.status_code == 200
        (raw,) = list(iter_pages(r.content, "application/pdf", settings))
        assert raw.image is not None
        assert any(p.startswith("YBCS2|") and p.endswith("|tr=1") for p in decode_qr(raw.image))
        bad = c.get("/ui/coversheets.pdf?item=nonsense")
        assert bad.status_code == 404 and bad.json()["error"]["code"] == "UNKNOWN_ITEM"


def test_ui_posts_without_a_session_are_refused_before_the_body(tmp_path: Path) -> None:
    """The early check that keeps unknown callers' bodies out knows the UI's session cookie:
    signing in (the token in the form) still works, anything else needs the session."""
    rt, _, _ = make_runtime(tmp_path)
    with client(rt) as c:
        r = c.post("/ui/intake", files=[("files", ("a.png", b"x" * 1000, "image/png"))])
        assert r.status_code == 401 and r.json()["error"]["code"] == "UNAUTHORIZED"
        _login(c, "tok-a")  # the sign-in form itself passes
        page = c.get("/ui/intake", headers=HTML)
        assert page.status_code == 200
