"""Mailed-in batches in the service: cover sheets over HTTP, and the watched scan folder
(`YIBAO_WATCH_DIR`) run beside the API. The watcher files each envelope of a scanned stack as a
submission of the service (owner `scan-folder`, channel and item from its cover sheet), so it is
processed by the service's tasks and workers and reviewed, and its notice fetched, like any
other; the batch's summary.csv maps each cover sheet reference to its submission id.

The intake UI links `GET /coversheets.pdf?item=…&region=…&count=…` for the clerk to print.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from api import service
from api.auth import Principal
from api.batch import BatchReport, EnvelopeHandler, SummaryRow, cover_json, run_batch, write_json
from api.batch_journal import BatchJournal
from api.runtime import Runtime
from api.service import ApiError, Upload, parse_channel
from api.watch import FolderWatcher, WatchLockedError
from ingest.batch_split import SplitSubmission
from models.catalog_loader import Catalog, EffectiveItem
from models.coversheet import (
    MAX_PAYLOAD_BYTES,
    CoverSheetPayloadError,
    CoverSheetRef,
    cover_facts,
    references,
)

log = logging.getLogger(__name__)

SCAN_FOLDER = Principal("scan-folder", "clerk")
"""Who files the envelopes of the watched folder (reviewers and admins see them all)."""


def _principal(request: Request) -> Principal:
    from api.app import principal  # the app's own authentication, not a copy of it

    return principal(request)


router = APIRouter(tags=["batches"])


@router.get(
    "/coversheets.pdf",
    summary="Cover sheets (邮寄材料封面) to print: QR code and the item's checklist",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}},
)
def coversheets(
    who: Annotated[Principal, Depends(_principal)],
    item: Annotated[str, Query(description="item key, 12-character code or number")],
    region: Annotated[str | None, Query(description="e.g. sanming-mingxi")] = None,
    channel: Annotated[str, Query(description="邮寄 / 网上 / 现场")] = "邮寄",
    count: Annotated[int, Query(ge=1, le=200)] = 1,
    ref: Annotated[str | None, Query(description="reference (default: new ones)")] = None,
    facts: Annotated[
        str | None,
        Query(description='case facts as a JSON object, e.g. {"visit_type": "inpatient"}'),
    ] = None,
) -> Response:
    return coversheet_response(who, item, region, channel, count, ref, facts_json(facts))


def facts_json(text: str | None) -> dict[str, Any]:
    """The `facts` query parameter: a JSON object of case facts (empty: none)."""
    if not text or not text.strip():
        return {}
    try:
        raw = json.loads(text)
    except ValueError:
        raw = None
    if not isinstance(raw, dict):
        raise ApiError(422, "BAD_FACTS", "案件事实须为 JSON 对象")
    return raw


def cover_sheet_refs(
    item: str,
    region: str | None,
    channel: str,
    count: int,
    ref: str | None,
    facts: dict[str, Any],
) -> tuple[EffectiveItem, list[CoverSheetRef]]:
    """The item and the references of the cover sheets to print, the case facts validated
    as for a submission (the CLI and the API alike); ApiError with a code when bad."""
    try:
        found = Catalog.load().find(item, region)
    except KeyError as exc:
        raise ApiError(404, "UNKNOWN_REGION", f"地区不存在：{exc.args[0]}") from None
    if len(found) != 1:
        problem = "不存在" if not found else "对应多个孙项，请写明孙项编码"
        raise ApiError(404 if not found else 422, "UNKNOWN_ITEM", f"事项“{item}”{problem}")
    ch = parse_channel(channel)
    if "channel" in facts:
        raise ApiError(422, "BAD_FACTS", "办理渠道请用 channel 参数（--channel）指定")
    sheet_facts = cover_facts(service.parse_facts(facts, ch))
    try:
        refs = [
            CoverSheetRef(r, found[0].key, region, ch, sheet_facts) for r in references(ref, count)
        ]
    except CoverSheetPayloadError:
        raise ApiError(
            422, "BAD_REFERENCE", "收件编号只能包含字母、数字、点、横线和下划线"
        ) from None
    size = max(len(r.payload().encode()) for r in refs)
    if size > MAX_PAYLOAD_BYTES:
        raise ApiError(
            422,
            "TOO_MANY_FACTS",
            f"封面二维码容纳不下这么多案件事实（{size} 字节，上限 {MAX_PAYLOAD_BYTES}）："
            "请只填写影响材料清单的事实，或缩短收件编号",
        )
    return found[0], refs


def coversheet_response(
    who: Principal,
    item: str,
    region: str | None,
    channel: str,
    count: int,
    ref: str | None,
    facts: dict[str, Any] | None = None,
) -> Response:
    """Cover sheets as a PDF download, for the API and the web UI alike."""
    from verifier.notice.coversheet import build_cover_sheets, render_cover_pdf

    if who.role == "applicant":
        raise ApiError(403, "FORBIDDEN", "仅经办人员可打印封面")
    entry, refs = cover_sheet_refs(item, region, channel, count, ref, facts or {})
    pdf = render_cover_pdf(build_cover_sheets(entry, refs))
    return Response(
        pdf,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="coversheets-{entry.key}.pdf"',
            "X-Yibao-References": ",".join(r.ref for r in refs),
        },
    )


def service_submissions(rt: Runtime) -> EnvelopeHandler:
    """File each envelope as a service submission, idempotently: its id is derived from the
    batch's content hash and the envelope's reference, so a restart never files it twice."""

    def handle(sub: SplitSubmission, ref: str, folder: Path) -> SummaryRow:
        cover = sub.cover
        row = SummaryRow(ref, cover.item, "", cover.region, pages=len(sub.pages))
        first = sub.cover_pages[0]
        key = f"{first.file_sha256}|{first.index}|{ref}"
        sid = "M" + hashlib.sha256(key.encode()).hexdigest()[:18]
        uploads = [Upload(f.filename, f.data, None) for f in sub.files]
        try:
            created = service.create_submission(
                rt,
                SCAN_FOLDER,
                item=cover.item,
                region=cover.region,
                channel=cover.channel.value,
                facts=cover.case_facts(),
                uploads=uploads,
                submission_id=sid,
            )
        except ApiError as exc:
            row.error, row.error_message = exc.code, exc.message_zh
            return row
        row.submission = created.id
        row.facts = {k: v for k, v in created.facts.items() if k != "channel"}
        row.item = created.item_key
        row.item_name = Catalog.load().effective(created.item_key, cover.region).name
        write_json(folder / "submission.json", {"submission": created.id, **cover_json(sub)})
        return row

    return handle


def start_watcher(rt: Runtime) -> threading.Event | None:
    """Run the scan-folder watcher in a thread when `YIBAO_WATCH_DIR` is set; the returned
    event stops it."""
    folder = rt.settings.watch_dir
    if folder is None:
        return None
    handler = service_submissions(rt)

    def process(paths: list[Path], out: Path, journal: BatchJournal) -> BatchReport:
        return run_batch(paths, out, pipeline=rt.pipeline, journal=journal, envelope=handler)

    try:
        watcher = FolderWatcher(
            folder,
            process,
            out=rt.settings.watch_out,
            settle_seconds=rt.settings.watch_settle_seconds,
        )
    except WatchLockedError:
        log.error("not watching %s: another watcher runs on it", folder)
        return None
    stop = threading.Event()

    def loop() -> None:
        try:
            watcher.run(stop, rt.settings.watch_interval_seconds)
        finally:
            watcher.close()

    threading.Thread(target=loop, name="yibao-watch", daemon=True).start()
    return stop
