"""The web UI driven in headless Chromium (Debian's `chromium`, through Playwright's API)
against the real server on a loopback port: sign in, take in a defect case on the intake page,
wait for processing, open the finding, dismiss another with a reason, download the notice.
Screenshots of the queue and of the flagged submission go to artifacts/ at 1366×768."""

from __future__ import annotations

import io
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REQUIRE_SERVICES

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "artifacts"
TOKEN = "tok-browser-reviewer"
VIEWPORT = {"width": 1366, "height": 768}

pytestmark = pytest.mark.browser


def _unavailable(reason: str) -> None:
    if REQUIRE_SERVICES:
        pytest.fail(f"{reason}; YIBAO_REQUIRE_SERVICES=1 requires it")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        _unavailable(
            f"{CHROMIUM} not installed (Debian package `chromium`, scripts/apt-packages.txt)"
        )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the Python package `playwright` is not installed")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    tmp = tmp_path_factory.mktemp("ui")
    port = _free_port()
    env = {
        **os.environ,
        "YIBAO_DATA_DIR": str(tmp / "data"),
        "YIBAO_TOKENS": json.dumps({TOKEN: {"user": "审核员甲", "role": "reviewer"}}),
        "YIBAO_DATABASE_URL": "",
        "YIBAO_BROKER_URL": "",
    }
    log = (tmp / "server.log").open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.ui_server", str(port), str(tmp / "files")],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError((tmp / "server.log").read_text())
            time.sleep(0.3)
        files = sorted(p for p in (tmp / "files").iterdir() if p.is_file())
        yield {"base": base, "files": files, "dir": tmp}
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        log.close()


def _api(base: str, path: str) -> Any:
    req = urllib.request.Request(base + path, headers={"Authorization": f"Bearer {TOKEN}"})
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.loads(r.read())


def _submit_by_api(base: str, files: list[Path]) -> str:
    import httpx

    from api.tasks import submitted_today
    from tests.api_support import ITEM

    facts = {"visit_type": "inpatient", "trauma": False, "submitted_on": str(submitted_today())}
    r = httpx.post(
        base + "/submissions",
        headers={"Authorization": f"Bearer {TOKEN}"},
        data={"item": ITEM, "channel": "mail", "facts": json.dumps(facts)},
        files=[("files", (p.name, p.read_bytes(), "image/png")) for p in files],
        timeout=30,
    )
    assert r.status_code == 202, r.text
    sid: str = r.json()["id"]
    deadline = time.monotonic() + 30
    while _api(base, f"/submissions/{sid}")["status"] != "decided":
        assert time.monotonic() < deadline, "the second case was not processed"
        time.sleep(0.3)
    return sid


def test_intake_review_and_notice_in_a_real_browser(browser: Any, server: dict[str, Any]) -> None:
    base = server["base"]
    requests: list[str] = []
    context = browser.new_context(viewport=VIEWPORT, accept_downloads=True, locale="zh-CN")
    page = context.new_page()
    page.on("request", lambda r: requests.append(r.url))
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))

    # unauthenticated: the login page; a wrong token is refused, the right one signs in
    page.goto(base + "/ui/queue")
    assert "/ui/login" in page.url
    page.fill("#token", "wrong")
    page.click("button[type=submit]")
    assert "令牌无效" in page.inner_text("main")
    page.fill("#token", TOKEN)
    page.click("button[type=submit]")
    page.wait_for_url(base + "/ui/queue")
    assert "审核员甲" in page.inner_text("header")
    cookie = next(c for c in context.cookies() if c["name"] == "yibao_token")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"

    # intake: search the item, facts, drop the files; the checklist reacts at once
    page.click("a[href='/ui/intake']")
    page.fill("#item", "002036006002")
    page.dispatch_event("#item", "change")
    page.select_option("#channel", "mail")
    page.select_option("#fact-visit_type", "inpatient")
    page.select_option("#fact-insured_type", "employee")
    page.select_option("#fact-trauma", "false")
    page.fill("#submitted_on", "2026-03-20")
    page.wait_for_selector("#checklist li[data-material='discharge_or_diagnosis']")
    assert (
        page.get_attribute("#checklist li[data-material='discharge_or_diagnosis']", "data-state")
        == "missing"
    )
    page.set_input_files("#files", [str(p) for p in server["files"]])
    rows = page.locator("#file-table tbody tr")
    assert rows.count() == len(server["files"]) == 5
    discharge = next(i for i, p in enumerate(server["files"]) if "discharge" in p.name)
    rows.nth(discharge).locator("select").select_option("discharge_or_diagnosis")
    item = page.locator("#checklist li[data-material='discharge_or_diagnosis']")
    assert "已选文件" in item.inner_text()
    page.click("#submit")
    page.wait_for_selector("#result-status[data-done]", timeout=60_000)
    assert "一次性告知补正" in page.inner_text("#result-status")
    progress = page.locator("#file-table progress")
    assert all(progress.nth(i).evaluate("e => e.value") == 100 for i in range(progress.count()))
    # the checklist is now the machine's: every material found
    assert page.locator("#checklist li.state-missing").count() == 0
    assert page.locator("#checklist li.state-satisfied").count() >= 4

    # a second, correct case through the API, received today
    clean = _submit_by_api(base, sorted((server["dir"] / "files" / "clean").iterdir()))

    # the queue: both, with flags by severity and deadlines; filter and sort
    page.goto(base + "/ui/queue")
    assert page.locator("table.queue tbody tr").count() == 2
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "ui-queue.png"))
    ok = page.locator("table.queue tbody tr", has_text=clean)
    assert "受理" in ok.inner_text() and "补 " not in ok.inner_text()
    assert "剩" in ok.inner_text() and "due-ok" in (ok.get_attribute("class") or "")
    page.select_option("select[name=decision]", "correct")
    page.click("form.filters button[type=submit]")
    assert page.locator("table.queue tbody tr").count() == 1
    row = page.locator("table.queue tbody tr").first
    sid = row.locator("a").first.inner_text()
    assert sid != clean
    findings = _api(base, f"/submissions/{sid}")["result"]["findings"]
    codes = {f["code"] for f in findings}
    assert {"AMOUNT_MISMATCH", "NAME_MISMATCH"} <= codes
    blocking = sum(f["severity"] == "blocking" for f in findings)
    assert "住院费用报销" in row.inner_text() and f"补 {blocking}" in row.inner_text()
    assert "个工作日" in row.inner_text() or "今日到期" in row.inner_text()

    # the submission: open the amount finding, values side by side with their crops
    row.locator("a").first.click()
    page.wait_for_selector("details.finding")
    amount = page.locator("details.finding", has=page.locator("code", has_text="AMOUNT_MISMATCH"))
    amount.locator("summary").click()
    values = amount.locator(".evidence .value").all_inner_texts()
    assert "500.00" in values and len(values) == 2 and len(set(values)) == 2
    crops = amount.locator("img.crop")
    assert crops.count() == 2
    page.wait_for_function(
        "() => [...document.querySelectorAll('details[open] img.crop')]"
        ".every(i => i.complete && i.naturalWidth > 20)"
    )
    # a field link jumps to its box on the page image
    page.locator("table.fields a", has_text="合计").first.click()
    target = page.evaluate("() => location.hash")
    assert target.startswith("#box-")
    box = page.locator(target)
    assert box.evaluate("e => e.matches(':target')")
    assert box.bounding_box() is not None
    page.evaluate("() => { location.hash = ''; }")
    amount.scroll_into_view_if_needed()
    page.mouse.move(1360, 760)  # no hover label over the page image
    page.screenshot(path=str(ARTIFACTS / "ui-submission.png"))

    # dismiss the name finding with a reason, by keyboard only
    name = page.locator("details.finding", has=page.locator("code", has_text="NAME_MISMATCH"))
    name.locator("summary").focus()
    page.keyboard.press("Enter")
    assert name.evaluate("e => e.open")
    name.locator("input[name=reason]").focus()
    page.keyboard.type("同一患者，费用清单姓名为医院录入错误")
    page.keyboard.press("Tab")  # 确认问题
    page.keyboard.press("Tab")  # 驳回（误报）
    assert page.evaluate("() => document.activeElement.value") == "dismiss"
    with page.expect_navigation():
        page.keyboard.press("Enter")
    name = page.locator("details.finding", has=page.locator("code", has_text="NAME_MISMATCH"))
    assert "已驳回" in name.locator(".badge").inner_text()
    assert "同一患者" in page.inner_text("ol.audit")

    # the notice: preview and PDF download, without the dismissed finding
    assert page.frame_locator("iframe.notice").locator("body").inner_text(timeout=30_000)
    with page.expect_download() as info:
        page.click("a[href$='notice.pdf']")
    pdf = Path(info.value.path()).read_bytes()
    assert pdf.startswith(b"%PDF")
    import pdfplumber

    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        text = "".join(p.extract_text() or "" for p in doc.pages)
    assert "一次性告知" in text and "500" in text
    assert "王小明" not in text

    # the API sees the same review, recorded with the reason
    audit = _api(base, f"/submissions/{sid}/audit")
    dismissed = [a for a in audit if a["action"] == "finding.dismiss"]
    assert dismissed and dismissed[0]["actor"] == "审核员甲"
    assert dismissed[0]["reason"].startswith("同一患者")
    assert not errors
    outside = [u for u in requests if not u.startswith(base) and not u.startswith("data:")]
    assert outside == [], outside
    context.close()
