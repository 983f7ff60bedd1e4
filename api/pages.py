"""Page images for the API: the stored normalised page (ingest cache), optionally with the
boxes of extracted fields (blue) and of finding evidence (red) drawn on it."""

from __future__ import annotations

import io
from typing import Any

from PIL import Image, ImageDraw

from api.runtime import Runtime
from ingest.cache import PageCache
from ingest.intake import check_file, iter_pages
from ingest.storage import original_key


def _page_image(rt: Runtime, sha256: str, index: int) -> Image.Image | None:
    png = rt.storage.get_optional(PageCache.image_key(sha256, index))
    if png is not None:
        return Image.open(io.BytesIO(png)).convert("RGB")
    # text-layer PDF pages keep no normalised image: render the page again
    data = rt.storage.get_optional(original_key(sha256))
    if data is None:
        return None
    checked = check_file(data, rt.ingest)
    skip = frozenset(i for i in range(checked.page_count) if i != index)
    for raw in iter_pages(data, checked.media_type, rt.ingest, skip):
        if raw.index == index and raw.image is not None:
            rgb = raw.image[:, :, ::-1] if raw.image.ndim == 3 else raw.image
            return Image.fromarray(rgb).convert("RGB")
    return None


def _result_page(
    rt: Runtime, result: dict[str, Any], number: int
) -> tuple[Image.Image, float] | None:
    """Page `number` of a result as an image, and the factor from page pixels to it."""
    page = next((p for p in result.get("pages", []) if p["number"] == number), None)
    if page is None:
        return None
    img = _page_image(rt, page["file_sha256"], page["index"])
    if img is None:
        return None
    return img, img.width / page["width"] if page.get("width") else 1.0


def render_page(rt: Runtime, result: dict[str, Any], number: int, boxes: bool) -> bytes | None:
    found = _result_page(rt, result, number)
    if found is None:
        return None
    img, scale = found
    if boxes:
        draw = ImageDraw.Draw(img)

        def rect(b: dict[str, float], colour: str, label: str | None) -> None:
            xy = [b["x0"] * scale, b["y0"] * scale, b["x1"] * scale, b["y1"] * scale]
            draw.rectangle(xy, outline=colour, width=3)
            if label:
                draw.text((xy[0], max(0.0, xy[1] - 12)), label, fill=colour)

        for doc in result.get("documents", []):
            for name, f in doc.get("fields", {}).items():
                if f.get("page") == number and f.get("bbox"):
                    rect(f["bbox"], "#1f5fd6", name)
        for finding in result.get("findings", []):
            for ev in finding.get("evidence", []):
                if ev.get("page") == number and ev.get("bbox"):
                    rect(ev["bbox"], "#d62020", finding["code"])
    out = io.BytesIO()
    img.save(out, "PNG")
    return out.getvalue()


def render_crop(
    rt: Runtime, result: dict[str, Any], number: int, box: dict[str, float], margin: int = 24
) -> bytes | None:
    """The part of a page around a box (page pixels), e.g. the image a compared value came from;
    wider to the left, where a field's printed label usually is."""
    found = _result_page(rt, result, number)
    if found is None:
        return None
    img, scale = found
    x0 = max(0, int(box["x0"] * scale) - 6 * margin)
    y0 = max(0, int(box["y0"] * scale) - margin)
    x1 = min(img.width, int(box["x1"] * scale) + margin)
    y1 = min(img.height, int(box["y1"] * scale) + margin)
    if x1 <= x0 or y1 <= y0:
        return None
    out = io.BytesIO()
    img.crop((x0, y0, x1, y1)).save(out, "PNG")
    return out.getvalue()
