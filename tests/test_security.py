"""Who may do what, checked for every operation of the OpenAPI schema (a new endpoint that is
not classified here, or not guarded, fails); stored files reachable only through those routes;
request bodies refused by size before they are read."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from api.app import create_app
from api.runtime import Runtime
from api.settings import TokenUser
from api.ui import routes as ui_routes
from tests.api_support import (
    FACTS,
    ITEM,
    REGION,
    TOKENS,
    A,
    B,
    R,
    case_documents,
    client,
    make_files,
    make_runtime,
    page_png,
    submit,
)

P = {"Authorization": "Bearer tok-p"}
"""An applicant."""

PUBLIC = {
    ("GET", "/items"),
    ("GET", "/items/{code}"),
    ("GET", "/healthz"),
    ("GET", "/readyz"),
    ("GET", "/metrics"),
}
"""Open to anyone: the public catalog and operational probes (no personal data)."""
CREATE = {("POST", "/submissions")}
"""Any signed-in role; the submission belongs to its creator."""
REVIEWER = {
    ("GET", "/review/queue"),
    ("POST", "/submissions/{submission_id}/findings/{finding}"),
    ("PUT", "/submissions/{submission_id}/decision"),
}
"""Reviewers and admins only (403 for applicants and clerks)."""
STAFF = {("GET", "/coversheets.pdf")}
"""Clerks, reviewers and admins (403 for applicants): printing cover sheets for mailed claims."""
# every other operation names a submission and is open to its owner, reviewers and admins:
# anyone else gets 404, the same answer as for a submission that does not exist

PARAMS = {"version": "1", "number": "1", "fmt": "pdf", "finding": "0", "code": ITEM}


def _operations(app_schema: dict[str, Any]) -> list[tuple[str, str]]:
    return [
        (method.upper(), path)
        for path, ops in app_schema["paths"].items()
        for method in ops
        if method in {"get", "post", "put", "patch", "delete"}
    ]


def _request(c: TestClient, method: str, path: str, sid: str, headers: dict[str, str]) -> Any:
    url = path.replace("{submission_id}", sid)
    for name, value in PARAMS.items():
        url = url.replace("{" + name + "}", value)
    assert "{" not in url, f"no value for a parameter of {method} {path}: add it to PARAMS"
    kwargs: dict[str, Any] = {}
    if (method, path) == ("POST", "/submissions"):
        kwargs["files"] = [("files", ("p.png", page_png(f"sec {time.time()}"), "image/png"))]
        kwargs["data"] = {"item": ITEM, "region": REGION, "facts": json.dumps(FACTS)}
    elif path.endswith("/documents"):
        kwargs["files"] = [("files", ("p.png", page_png(f"sup {time.time()}"), "image/png"))]
    elif path.endswith("/findings/{finding}"):
        kwargs["json"] = {"action": "confirm", "reason": "安全测试"}
    elif path.endswith("/decision"):
        kwargs["json"] = {"outcome": "review", "reason": "安全测试"}
    elif path == "/coversheets.pdf":
        kwargs["params"] = {"item": ITEM, "region": REGION}
    return c.request(method, url, headers=headers, **kwargs)


@pytest.fixture(scope="module")
def secured(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Runtime, TestClient, str]]:
    """One service for the module: the tests only add to it, none removes what another needs."""
    tokens = {**TOKENS, "tok-p": TokenUser(user="applicant-p", role="applicant")}
    rt, _, extractor = make_runtime(tmp_path_factory.mktemp("secured"), tokens=tokens)
    docs = case_documents()
    docs.pop("discharge")  # a 一次性告知 case: every route has something to show
    with client(rt) as c:
        r = submit(c, make_files(extractor, docs), headers=A)
        assert r.status_code == 202, r.text
        yield rt, c, r.json()["id"]


def test_every_operation_checks_role_and_ownership(
    secured: tuple[Runtime, TestClient, str],
) -> None:
    _, c, sid = secured
    operations = _operations(c.get("/openapi.json").json())
    owned = {op for op in operations if "{submission_id}" in op[1]} - REVIEWER
    unclassified = set(operations) - PUBLIC - CREATE - REVIEWER - STAFF - owned
    assert not unclassified, f"classify the new endpoints in tests/test_security.py: {unclassified}"
    assert set(operations) >= PUBLIC | CREATE | REVIEWER | STAFF, "a classified endpoint is gone"

    for method, path in operations:
        op = f"{method} {path}"
        anonymous = _request(c, method, path, sid, {})
        forged = _request(c, method, path, sid, {"Authorization": "Bearer forged"})
        if (method, path) in PUBLIC:
            assert anonymous.status_code == 200, op
            continue
        for r in (anonymous, forged):
            assert r.status_code == 401, op
            assert r.json()["error"]["code"] == "UNAUTHORIZED", op
        if (method, path) in REVIEWER:
            for who in (A, B, P):
                r = _request(c, method, path, sid, who)
                assert r.status_code == 403, f"{op} as {who}"
                assert r.json()["error"]["code"] == "FORBIDDEN"
            assert _request(c, method, path, sid, R).status_code not in (401, 403, 404), op
        if (method, path) in STAFF:
            r = _request(c, method, path, sid, P)
            assert r.status_code == 403 and r.json()["error"]["code"] == "FORBIDDEN", op
            for who in (A, R):
                assert _request(c, method, path, sid, who).status_code == 200, f"{op} as {who}"
        if (method, path) in owned:
            for who in (B, P):  # another clerk, an applicant: as if it did not exist
                r = _request(c, method, path, sid, who)
                assert r.status_code == 404, f"{op} as {who}: {r.status_code}"
                assert r.json()["error"]["code"] == "NOT_FOUND"
                assert sid not in r.text
    # the owner and reviewers do reach every submission route (last: 补正 changes the version)
    for method, path in sorted(owned, key=lambda op: op[0] != "GET"):
        for who in (R, A):
            r = _request(c, method, path, sid, who)
            assert r.status_code not in (401, 403, 404), f"{method} {path}: {r.text}"


def test_an_applicant_sees_only_their_own(secured: tuple[Runtime, TestClient, str]) -> None:
    _, c, other = secured
    mine = submit(c, {"x": page_png("applicant's own")}, headers=P)
    assert mine.status_code == 202
    assert c.get(mine.json()["href"], headers=P).json()["owner"] == "applicant-p"
    assert c.get(mine.json()["href"], headers=A).status_code == 404
    assert c.get(f"/submissions/{other}", headers=P).status_code == 404


def _flat_routes(routes: list[Any]) -> Iterator[Any]:
    """Every route, those of included routers (the UI's, the batches') included."""
    for route in routes:
        inner = getattr(route, "original_router", None)
        if inner is not None:
            yield from _flat_routes(inner.routes)
        else:
            yield route


def test_stored_files_are_reachable_only_through_guarded_routes(
    secured: tuple[Runtime, TestClient, str],
) -> None:
    rt, c, sid = secured
    app = c.app
    docs = {"/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc"}
    for route in _flat_routes(app.routes):  # type: ignore[attr-defined]
        # no file route beside the API and the web UI (whose routes check the session cookie
        # as the API checks the bearer token): every way to stored bytes is checked; the one
        # static mount holds the UI's own CSS and JavaScript, packaged with the code
        path = getattr(route, "path", None)
        if path == "/ui/static":
            assert Path(route.app.directory).is_relative_to(Path(ui_routes.__file__).parent)
            continue
        assert isinstance(route, APIRoute) or path in docs, route
    # the API never hands out where a file is stored (a path, a file:// or presigned URL)
    body = c.get(f"/submissions/{sid}", headers=A).text
    audit = c.get(f"/submissions/{sid}/audit", headers=A).text
    for text in (body, audit):
        assert str(rt.ingest.data_dir) not in text
        assert "file://" not in text and "originals/" not in text and "X-Amz-" not in text


# -- request size ----------------------------------------------------------------------------

LIMIT = 4 * 1024 * 1024


def _asgi_post(app: Any, headers: list[tuple[bytes, bytes]], chunks: Iterator[bytes]) -> Any:
    """POST /submissions straight into the ASGI app; returns (status, body, chunks pulled)."""
    pulled = 0
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        nonlocal pulled
        chunk = next(chunks, None)
        if chunk is None:
            return {"type": "http.request", "body": b"", "more_body": False}
        pulled += 1
        return {"type": "http.request", "body": chunk, "more_body": True}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/submissions",
        "raw_path": b"/submissions",
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"testserver"), *headers],
        "client": ("127.0.0.1", 1),
        "server": ("testserver", 80),
    }
    asyncio.run(app(scope, receive, send))
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], json.loads(body or b"null") if body.startswith(b"{") else body, pulled


def _endless(size: int = 256 * 1024) -> Iterator[bytes]:
    head = b'--xx\r\nContent-Disposition: form-data; name="files"; filename="a.png"\r\n\r\n'
    yield head
    while True:
        yield b"\0" * size


@pytest.fixture
def limited(tmp_path: Path) -> Iterator[Any]:
    rt, _, _ = make_runtime(tmp_path, max_request_bytes=LIMIT)
    yield create_app(rt, migrate=True)
    rt.close()


def test_a_huge_content_length_is_refused_before_reading(limited: Any) -> None:
    headers = [
        (b"authorization", b"Bearer tok-a"),
        (b"content-type", b"multipart/form-data; boundary=xx"),
        (b"content-length", str(50 * 1024**3).encode()),
    ]
    status, body, pulled = _asgi_post(limited, headers, _endless())
    assert status == 413 and pulled == 0
    assert body["error"]["code"] == "REQUEST_TOO_LARGE"
    assert "上传内容过大" in body["error"]["message"] and "4 MB" in body["error"]["message"]


def test_a_streamed_body_is_cut_off_at_the_limit(limited: Any) -> None:
    headers = [
        (b"authorization", b"Bearer tok-a"),
        (b"content-type", b"multipart/form-data; boundary=xx"),
    ]
    status, body, pulled = _asgi_post(limited, headers, _endless())
    assert status == 413 and body["error"]["code"] == "REQUEST_TOO_LARGE"
    # never more than the limit (plus the chunk that crossed it) was taken in
    assert pulled <= LIMIT // (256 * 1024) + 2


def test_an_unknown_caller_is_refused_before_the_body_is_read(limited: Any) -> None:
    headers = [(b"content-type", b"multipart/form-data; boundary=xx")]
    status, body, pulled = _asgi_post(limited, headers, _endless())
    assert status == 401 and pulled == 0 and body["error"]["code"] == "UNAUTHORIZED"


def test_one_file_over_the_file_limit_is_refused_by_its_size(tmp_path: Path) -> None:
    rt, _, _ = make_runtime(tmp_path)
    rt.ingest = rt.ingest.model_copy(update={"max_file_bytes": 100_000})
    with client(rt) as c:
        r = submit(c, {"big": b"\x89PNG\r\n\x1a\n" + b"\0" * 200_000})
        assert r.status_code == 413 and r.json()["error"]["code"] == "FILE_TOO_LARGE"
        assert c.get("/review/queue", headers=R).json() == []  # nothing recorded


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_a_live_server_answers_413_without_waiting_for_the_body(tmp_path: Path) -> None:
    """Through uvicorn on loopback: a 50 GB Content-Length with 1 KB sent is answered at once."""
    rt, _, _ = make_runtime(tmp_path, max_request_bytes=LIMIT)
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(rt), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 20
        while not server.started:
            assert time.monotonic() < deadline and thread.is_alive(), "uvicorn did not start"
            time.sleep(0.05)
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            started = time.perf_counter()
            sock.sendall(
                b"POST /submissions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer tok-a\r\n"
                b"Content-Type: multipart/form-data; boundary=xx\r\n"
                b"Content-Length: 53687091200\r\n\r\n" + b"\0" * 1024
            )
            reply = b""
            while chunk := sock.recv(65536):  # the server closes the connection after it
                reply += chunk
            elapsed = time.perf_counter() - started
        assert reply.startswith(b"HTTP/1.1 413"), reply[:200]
        assert b"REQUEST_TOO_LARGE" in reply
        assert elapsed < 5
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        rt.close()
