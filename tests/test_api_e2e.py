"""One real end to end run through the API: real OCR (RapidOCR) and the real extractors on a
small generated page, embedded default, in-process tasks."""

from __future__ import annotations

from pathlib import Path

import pytest

from api.runtime import InlineDispatcher, Runtime
from api.settings import ServiceSettings
from bench.synthetic import encode, render_lines
from ingest.settings import IngestSettings
from tests.api_support import ITEM, REGION, client

LINES = ["福建省医疗收费票据", "患者姓名：林晓梅", "金额合计：1234.50元"]


@pytest.mark.slow
def test_real_ocr_and_extractors_through_the_api(tmp_path: Path) -> None:
    rt = Runtime.from_settings(
        ServiceSettings(auth="off"),
        IngestSettings(data_dir=tmp_path, ocr_threads=2),
        dispatcher=InlineDispatcher(),
    )
    page = encode(render_lines(LINES, size=(900, 400), px=36, margin=40))
    with client(rt) as c:
        r = c.post(
            "/submissions",
            data={"item": ITEM, "region": REGION, "channel": "网上"},
            files=[("files", ("invoice.png", page, "image/png"))],
        )
        assert r.status_code == 202, r.text
        body = c.get(r.json()["href"]).json()
        assert body["status"] == "decided", body["error"]
        result = body["result"]
        # the checklist is far from complete: a notice is due
        assert result["decision"]["outcome"] in ("correct", "reject", "review")
        assert "MISSING_MATERIAL" in {f["code"] for f in result["findings"]}
        assert result["pages"][0]["source"] == "ocr"
        png = c.get(f"{r.json()['href']}/pages/1.png", params={"boxes": 1})
        assert png.status_code == 200
    texts = " ".join(ln["text"] for p in rt_pages(rt) for ln in p["lines"])
    assert "林晓梅" in texts


def rt_pages(rt: Runtime) -> list[dict]:  # type: ignore[type-arg]
    from sqlalchemy import select

    from api.db import ResultRow

    with rt.db.session() as s:
        row = s.scalars(select(ResultRow)).one()
        return list(row.pages)
