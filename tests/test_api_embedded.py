"""The API on the embedded default (SQLite, local storage, tasks in-process) with a fake OCR
engine and extractor: round trip, 补正 with history, reviewers and the audit log, ownership,
idempotency, failures, page images, the catalog and the operational endpoints."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func, select, text
from sqlalchemy.exc import DatabaseError

from api import tasks
from api.db import AuditRow, FileRow, ResultRow
from api.notices import notice_available, rebuild
from api.runtime import ThreadDispatcher
from api.service import dismissed_keys
from ingest.storage import original_key
from tests.api_support import (
    A,
    B,
    R,
    case_documents,
    client,
    make_files,
    make_runtime,
    submit,
    wait_status,
)
from tests.builders import set_field


def _stored(tmp_path: Path) -> list[Path]:
    return sorted(p for p in (tmp_path / "data" / "store").rglob("*") if p.is_file())


def test_round_trip_accepts_a_clean_case(tmp_path: Path) -> None:
    rt, engine, extractor = make_runtime(tmp_path)
    files = make_files(extractor, case_documents())
    with client(rt) as c:
        r = submit(c, files)
        assert r.status_code == 202, r.text
        sid = r.json()["id"]
        assert len(r.json()["files"]) == 5
        # originals are stored content-addressed, byte for byte
        for blob in files.values():
            from ingest.storage import sha256_hex

            assert rt.storage.get_original(sha256_hex(blob)) == blob
        body = c.get(f"/submissions/{sid}", headers=A).json()
    assert body["status"] == "decided"
    assert body["channel"] == "mail" and body["channel_label"] == "邮寄办理"
    assert body["progress"]["stage"] == "done"
    result = body["result"]
    assert result["decision"]["outcome"] == "accept", result["findings"]
    assert result["deadline"] and body["deadline"] == result["deadline"]
    assert [d["kind"] for d in result["documents"]] == [
        "id_card",
        "medical_invoice",
        "expense_list",
        "discharge_summary",
        "application_form",
    ]
    field = result["documents"][1]["fields"]["total"]
    assert field["page"] == 2 and field["bbox"] and field["value"]
    assert [p["number"] for p in result["pages"]] == [1, 2, 3, 4, 5]
    assert engine.calls == 5
    assert [h["version"] for h in body["history"]] == [1]


def test_supplement_keeps_history_and_lists_only_what_is_still_wrong(tmp_path: Path) -> None:
    rt, _, extractor = make_runtime(tmp_path)
    docs = case_documents()
    discharge = docs.pop("discharge")
    docs["form"] = set_field([docs["form"]], "d5", signature_present=False)[0]
    files = make_files(extractor, docs)
    with client(rt) as c:
        sid = submit(c, files).json()["id"]
        v1 = c.get(f"/submissions/{sid}", headers=A).json()
        codes1 = {f["code"] for f in v1["result"]["findings"]}
        assert {"MISSING_MATERIAL", "SIGNATURE_MISSING"} <= codes1
        assert v1["result"]["decision"]["outcome"] == "correct"

        # 补正: the discharge summary only; the unsigned form is still wrong
        added = extractor.register(b"" + make_page("discharge-new"), discharge)
        r = c.post(
            f"/submissions/{sid}/documents",
            files=[("files", ("discharge.png", added, "image/png"))],
            data={"note": "补交出院小结"},
            headers=A,
        )
        assert r.status_code == 202 and r.json()["version"] == 2 and r.json()["changed"]
        v2 = c.get(f"/submissions/{sid}", headers=A).json()
        assert v2["status"] == "decided" and v2["version"] == 2
        codes2 = {f["code"] for f in v2["result"]["findings"]}
        assert "SIGNATURE_MISSING" in codes2 and "MISSING_MATERIAL" not in codes2
        assert [h["version"] for h in v2["history"]] == [1, 2]
        assert {f["code"] for f in v2["history"][0]["findings"]} == codes1
        old = c.get(f"/submissions/{sid}/versions/1", headers=A).json()
        assert {f["code"] for f in old["findings"]} == codes1

        # sending the same file again changes nothing (no new version)
        again = c.post(
            f"/submissions/{sid}/documents",
            files=[("files", ("discharge.png", added, "image/png"))],
            headers=A,
        )
        assert again.json()["version"] == 2 and not again.json()["changed"]

        # the notice's content: only what is still wrong
        with rt.db.session() as s:
            from api.db import SubmissionRow

            sub = s.get(SubmissionRow, sid)
            row = s.scalar(
                select(ResultRow).where(ResultRow.submission_id == sid, ResultRow.version == 2)
            )
            assert sub is not None and row is not None
            dismissed = dismissed_keys(s, sid)
            s.expunge_all()
        notice_result = rebuild(rt, sub, row, dismissed)
        assert {f.code for f in notice_result.to_correct} == {"SIGNATURE_MISSING"}

        # replacing the unsigned form with a signed one: accepted
        signed = extractor.register(make_page("form-signed"), case_documents()["form"])
        form_sha = next(f["sha256"] for f in v2["files"] if f["filename"] == "form.png")
        r = c.post(
            f"/submissions/{sid}/documents",
            files=[("files", ("form-signed.png", signed, "image/png"))],
            data={"replaces": form_sha},
            headers=A,
        )
        assert r.json()["version"] == 3
        v3 = c.get(f"/submissions/{sid}", headers=A).json()
        assert v3["result"]["decision"]["outcome"] == "accept", v3["result"]["findings"]
        withdrawn = next(f for f in v3["files"] if f["sha256"] == form_sha)
        assert withdrawn["withdrawn_in"] == 3
        assert len(v3["history"]) == 3
        audit = c.get(f"/submissions/{sid}/audit", headers=A).json()
        assert [a["action"] for a in audit] == [
            "submission.create",
            "submission.supplement",
            "submission.supplement",
        ]


def make_page(label: str) -> bytes:
    from tests.api_support import page_png

    return page_png(label)


@pytest.mark.skipif(not notice_available(), reason="verifier.notice is not finished yet")
def test_notice_pdf_and_docx_after_supplement(tmp_path: Path) -> None:
    rt, _, extractor = make_runtime(tmp_path)
    docs = case_documents()
    docs.pop("discharge")
    with client(rt) as c:
        sid = submit(c, make_files(extractor, docs)).json()["id"]
        pdf = c.get(f"/submissions/{sid}/notice.pdf", headers=A)
        assert pdf.status_code == 200, pdf.text
        assert pdf.content.startswith(b"%PDF")
        docx = c.get(f"/submissions/{sid}/notice.docx", headers=A)
        assert docx.status_code == 200 and docx.content.startswith(b"PK")
    # rendering (WeasyPrint) must not leave Pillow accepting truncated images in this process
    from PIL import ImageFile

    assert ImageFile.LOAD_TRUNCATED_IMAGES is False


def test_notice_route_without_renderer_is_503(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    import api.notices as notices

    def unavailable() -> None:
        raise notices.NoticeUnavailableError("not installed")

    monkeypatch.setattr(notices, "_notice_module", unavailable)
    rt, _, extractor = make_runtime(tmp_path)
    docs = case_documents()
    docs.pop("discharge")
    with client(rt) as c:
        sid = submit(c, make_files(extractor, docs)).json()["id"]
        r = c.get(f"/submissions/{sid}/notice.pdf", headers=A)
        assert r.status_code == 503
        assert r.json()["error"]["code"] == "NOTICE_UNAVAILABLE"
        assert "告知书" in r.json()["error"]["message"]


def test_reviewer_confirm_dismiss_override_with_audit(tmp_path: Path) -> None:
    rt, _, extractor = make_runtime(tmp_path)
    docs = case_documents()
    docs["form"] = set_field([docs["form"]], "d5", signature_present=False)[0]
    with client(rt) as c:
        sid = submit(c, make_files(extractor, docs)).json()["id"]
        result = c.get(f"/submissions/{sid}", headers=A).json()["result"]
        finding = next(f for f in result["findings"] if f["code"] == "SIGNATURE_MISSING")
        assert result["decision"]["outcome"] == "correct"

        # clerks cannot review
        r = c.post(
            f"/submissions/{sid}/findings/{finding['key']}",
            json={"action": "dismiss", "reason": "x"},
            headers=A,
        )
        assert r.status_code == 403

        queue = c.get("/review/queue", params={"code": "SIGNATURE_MISSING"}, headers=R).json()
        assert [q["id"] for q in queue] == [sid]
        assert c.get("/review/queue", params={"code": "AMOUNT_MISMATCH"}, headers=R).json() == []
        assert c.get("/review/queue", params={"decision": "correct"}, headers=R).json()
        assert c.get("/review/queue", headers=A).status_code == 403

        r = c.post(
            f"/submissions/{sid}/findings/{finding['key']}",
            json={"action": "confirm", "reason": "确实未签名"},
            headers=R,
        )
        assert r.status_code == 200
        reviewed = next(f for f in r.json()["findings"] if f["key"] == finding["key"])
        assert reviewed["review"]["state"] == "confirmed"

        r = c.post(
            f"/submissions/{sid}/findings/{finding['key']}",
            json={"action": "dismiss", "reason": "签名在背面，已核实"},
            headers=R,
        )
        after = r.json()
        assert after["decision"]["outcome"] == "accept"
        assert after["decision"]["source"] == "system_after_review"
        assert after["system_decision"]["outcome"] == "correct"

        r = c.put(
            f"/submissions/{sid}/decision",
            json={"outcome": "reject", "reason": "不符合报销条件"},
            headers=R,
        )
        assert r.status_code == 200
        assert r.json()["decision"] == r.json()["decision"] | {
            "outcome": "reject",
            "by": "rev",
            "source": "reviewer",
        }
        queue = c.get("/review/queue", params={"decision": "reject"}, headers=R).json()
        assert [q["id"] for q in queue] == [sid]

        audit = c.get(f"/submissions/{sid}/audit", headers=R).json()
        assert [(a["action"], a["actor"]) for a in audit] == [
            ("submission.create", "clerk-a"),
            ("finding.confirm", "rev"),
            ("finding.dismiss", "rev"),
            ("decision.set", "rev"),
        ]
        assert audit[2]["reason"] == "签名在背面，已核实" and audit[2]["at"]
        assert audit[3]["data"]["before"] == "accept"

    # the audit log is append-only in the database too
    with rt.db.engine.connect() as conn, pytest.raises(DatabaseError):
        conn.execute(text("UPDATE audit_log SET reason = 'x'"))
    with rt.db.engine.connect() as conn, pytest.raises(DatabaseError):
        conn.execute(text("DELETE FROM audit_log"))
    with rt.db.session() as s:
        assert s.scalar(select(func.count(AuditRow.id))) == 4


def test_ownership_and_auth(tmp_path: Path) -> None:
    rt, _, extractor = make_runtime(tmp_path)
    with client(rt) as c:
        sid = submit(c, make_files(extractor, case_documents()), headers=A).json()["id"]
        assert c.get(f"/submissions/{sid}", headers=A).status_code == 200
        assert c.get(f"/submissions/{sid}", headers=B).status_code == 404
        assert c.get(f"/submissions/{sid}/pages/1.png", headers=B).status_code == 404
        assert c.get(f"/submissions/{sid}/audit", headers=B).status_code == 404
        other = c.post(
            f"/submissions/{sid}/documents",
            files=[("files", ("x.png", make_page("x"), "image/png"))],
            headers=B,
        )
        assert other.status_code == 404
        assert c.get(f"/submissions/{sid}", headers=R).status_code == 200
        assert c.get(f"/submissions/{sid}").status_code == 401
        bad = c.get(f"/submissions/{sid}", headers={"Authorization": "Bearer nope"})
        assert bad.status_code == 401 and bad.json()["error"]["code"] == "UNAUTHORIZED"


def test_users_from_the_database(tmp_path: Path) -> None:
    from api.auth import add_user

    rt, _, extractor = make_runtime(tmp_path, tokens={})
    with client(rt) as c:
        # no token anywhere: the single local admin
        assert c.get("/review/queue").status_code == 200
        token = add_user(rt.db, "clerk-c", "clerk")
        assert c.get("/review/queue").status_code == 401
        headers = {"Authorization": f"Bearer {token}"}
        assert c.get("/review/queue", headers=headers).status_code == 403
        r = submit(c, make_files(extractor, case_documents()), headers=headers)
        assert r.status_code == 202
        assert c.get(r.json()["href"], headers=headers).json()["owner"] == "clerk-c"


def test_tasks_are_idempotent(tmp_path: Path) -> None:
    rt, engine, extractor = make_runtime(tmp_path)
    files = make_files(extractor, case_documents())
    with client(rt) as c:
        sid = submit(c, files).json()["id"]
        before = c.get(f"/submissions/{sid}", headers=A).json()
    stored = {p: p.read_bytes() for p in _stored(tmp_path)}
    ocr_calls = engine.calls
    with rt.db.session() as s:
        shas = [f.sha256 for f in s.scalars(select(FileRow)).all()]
    # every task run again: the same result, no OCR, no new rows, storage unchanged
    tasks.execute(rt, tasks.START, (sid, 1))
    for sha in shas:
        tasks.execute(rt, tasks.OCR_FILE, (sid, sha))
        tasks.execute(rt, tasks.OCR_FILE, (sid, sha))
    tasks.execute(rt, tasks.FINALIZE, (sid, 1))
    tasks.execute(rt, tasks.FINALIZE, (sid, 1))
    assert engine.calls == ocr_calls
    with rt.db.session() as s:
        assert s.scalar(select(func.count(ResultRow.id))) == 1
        assert s.scalar(select(func.count(FileRow.id))) == 5
    assert {p: p.read_bytes() for p in _stored(tmp_path)} == stored
    with client(rt) as c:
        after = c.get(f"/submissions/{sid}", headers=A).json()
    assert after["result"] == before["result"] and after["history"] == before["history"]


def test_duplicate_invoice_across_submissions(tmp_path: Path) -> None:
    rt, _, extractor = make_runtime(tmp_path)
    with client(rt) as c:
        first = submit(c, make_files(extractor, case_documents())).json()["id"]
        second = submit(c, make_files(extractor, case_documents(), "-2"), headers=B).json()["id"]
        one = c.get(f"/submissions/{first}", headers=A).json()["result"]
        two = c.get(f"/submissions/{second}", headers=B).json()["result"]
    assert "DUPLICATE_INVOICE" not in {f["code"] for f in one["findings"]}
    dup = next(f for f in two["findings"] if f["code"] == "DUPLICATE_INVOICE")
    assert first in dup["message"] and two["decision"]["outcome"] == "review"


def test_processing_failure_is_coded_and_keeps_originals(tmp_path: Path) -> None:
    rt, _, extractor = make_runtime(tmp_path)
    files = make_files(extractor, case_documents())
    extractor.fail = True
    with client(rt) as c:
        r = submit(c, files)
        assert r.status_code == 202
        body = c.get(r.json()["href"], headers=A).json()
    assert body["status"] == "failed"
    assert body["error"]["code"] == "EXTRACTION_FAILED" and body["error"]["message_zh"]
    assert body["result"] is None
    for f in body["files"]:
        assert rt.storage.exists(original_key(f["sha256"]))


def test_bad_requests_are_explained_in_chinese(tmp_path: Path) -> None:
    rt, _, extractor = make_runtime(tmp_path)
    files = make_files(extractor, case_documents())
    with client(rt) as c:
        unknown = submit(c, files, item="999999999999")
        assert unknown.status_code == 422 and "不存在" in unknown.json()["error"]["message"]
        channel = submit(c, files, channel="飞鸽")
        assert channel.json()["error"]["code"] == "BAD_CHANNEL"
        facts = submit(c, files, facts='{"visit_type": "sometimes"}')
        assert facts.json()["error"]["code"] == "BAD_FACTS"
        empty = submit(c, {"empty": b""})
        assert empty.status_code == 202  # stored; the empty file becomes a finding
        result = c.get(empty.json()["href"], headers=A).json()["result"]
        assert "FILE_EMPTY" in {f["code"] for f in result["findings"]}


def test_page_image_with_boxes(tmp_path: Path) -> None:
    rt, _, extractor = make_runtime(tmp_path)
    with client(rt) as c:
        sid = submit(c, make_files(extractor, case_documents())).json()["id"]
        plain = c.get(f"/submissions/{sid}/pages/2.png", headers=A)
        boxed = c.get(f"/submissions/{sid}/pages/2.png", params={"boxes": 1}, headers=A)
        assert c.get(f"/submissions/{sid}/pages/9.png", headers=A).status_code == 404
        page = c.get(f"/submissions/{sid}", headers=A).json()["result"]["pages"][1]
    assert plain.status_code == boxed.status_code == 200
    assert plain.headers["content-type"] == "image/png"
    a = Image.open(io.BytesIO(plain.content))
    b = Image.open(io.BytesIO(boxed.content))
    assert a.size == b.size == (page["width"], page["height"])
    assert plain.content != boxed.content


def test_embedded_thread_pool_runs_asynchronously(tmp_path: Path) -> None:
    rt, _, extractor = make_runtime(tmp_path)
    rt.dispatcher = ThreadDispatcher(rt, workers=2)
    with client(rt) as c:
        r = submit(c, make_files(extractor, case_documents()))
        assert r.status_code == 202
        assert r.json()["status"] in ("received", "processing", "decided")
        body = wait_status(c, r.json()["id"], A, {"decided", "failed"})
        assert body["status"] == "decided"
        assert body["result"]["decision"]["outcome"] == "accept"
        assert body["progress"]["files_done"] == 5


def test_catalog_and_operations(tmp_path: Path) -> None:
    rt, _, _ = make_runtime(tmp_path)
    with client(rt) as c:
        items = c.get("/items", params={"region": "sanming-mingxi"}).json()
        assert any(i["key"] == "002036006002" for i in items)
        item = c.get("/items/002036006002", params={"region": "sanming-mingxi"}).json()
        assert item["key"] == "002036006002" and item["materials"]
        assert c.get("/items/nothing-like-it").status_code == 404
        assert c.get("/healthz").json() == {"status": "ok"}
        ready = c.get("/readyz")
        assert ready.status_code == 200, ready.text
        assert ready.json()["checks"] == {"database": "ok", "storage": "ok", "broker": "ok"}
        metrics = c.get("/metrics")
        assert metrics.status_code == 200
        assert "yibao_http_requests_total" in metrics.text
        assert 'route="/items/{code}"' in metrics.text
        schema = c.get("/openapi.json").json()
        assert "/submissions/{submission_id}/documents" in schema["paths"]
        rt.db.dispose()


def test_readyz_reports_a_broken_dependency(tmp_path: Path) -> None:
    rt, _, _ = make_runtime(tmp_path)

    class Broken:
        def send(self, task: str, *args: object) -> None: ...

        def ping(self) -> None:
            raise ConnectionError("broker down")

        def close(self) -> None: ...

    rt.dispatcher = Broken()
    with client(rt) as c:
        r = c.get("/readyz")
    assert r.status_code == 503
    assert r.json()["checks"]["broker"].startswith("error")


def test_transient_storage_error_is_retried(tmp_path: Path) -> None:
    rt, _, extractor = make_runtime(tmp_path)
    files = make_files(extractor, case_documents())
    real = rt.storage.get_original
    failures = {"left": 1}

    def flaky(sha: str) -> bytes:
        if failures["left"]:
            failures["left"] -= 1
            raise ConnectionError("storage briefly away")
        return real(sha)

    rt.storage.get_original = flaky  # type: ignore[method-assign]
    with client(rt) as c:
        body = c.get(submit(c, files).json()["href"], headers=A).json()
    assert failures["left"] == 0
    assert body["status"] == "decided", body["error"]


def test_cli_user_add_prints_a_working_token(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    from typer.testing import CliRunner

    from api.auth import authenticate
    from api.cli import app
    from api.settings import ServiceSettings, get_service_settings

    monkeypatch.setenv("YIBAO_DATA_DIR", str(tmp_path))
    get_service_settings.cache_clear()
    try:
        out = CliRunner().invoke(app, ["user", "add", "审核员甲", "--role", "reviewer"])
        assert out.exit_code == 0, out.output
        token = out.output.strip()
        bad = CliRunner().invoke(app, ["user", "add", "x", "--role", "boss"])
        assert bad.exit_code == 2
    finally:
        get_service_settings.cache_clear()
    from api.db import Database

    db = Database(f"sqlite:///{tmp_path / 'service.sqlite'}")
    who = authenticate(ServiceSettings(), db, token)
    assert who is not None and (who.user, who.role) == ("审核员甲", "reviewer")
    db.dispose()


def test_cli_token_create_list_and_disable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    from typer.testing import CliRunner

    from api.auth import authenticate
    from api.cli import app
    from api.db import Database
    from api.settings import ServiceSettings, get_service_settings

    monkeypatch.setenv("YIBAO_DATA_DIR", str(tmp_path))
    get_service_settings.cache_clear()
    runner = CliRunner()
    try:
        out = runner.invoke(app, ["token", "create", "--role", "clerk", "--name", "窗口一"])
        assert out.exit_code == 0, out.output
        token = out.output.strip()
        anonymous = runner.invoke(app, ["token", "create", "--role", "applicant"])
        assert anonymous.exit_code == 0 and anonymous.output.strip() != token
        listed = runner.invoke(app, ["user", "list"])
        assert "窗口一" in listed.output and "applicant-" in listed.output
        db = Database(f"sqlite:///{tmp_path / 'service.sqlite'}")
        who = authenticate(ServiceSettings(), db, token)
        assert who is not None and (who.user, who.role) == ("窗口一", "clerk")
        assert runner.invoke(app, ["user", "disable", "窗口一"]).exit_code == 0
        assert authenticate(ServiceSettings(), db, token) is None
        assert runner.invoke(app, ["user", "disable", "nobody"]).exit_code == 1
        db.dispose()
    finally:
        get_service_settings.cache_clear()
