"""Cover sheets (邮寄材料封面) for mailed-in submissions: one A4 page per envelope with a QR code
the scan splitter recognises (models.coversheet) and the item's checklist as tick boxes.

Typeset like the notices (same fonts, WeasyPrint), so that it looks like the office's forms.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass

import qrcode  # type: ignore[import-untyped]
from PIL import ImageFile

from models.catalog import COPY_FORM_LABELS, MaterialRequirement
from models.catalog_loader import EffectiveItem
from models.coversheet import CoverSheetRef
from models.facts import CaseFacts
from verifier.notice.fonts import font_urls
from verifier.notice.html import _environment
from verifier.notice.model import DEFAULT_CONTACT, DEFAULT_OFFICE


@dataclass(frozen=True)
class ChecklistLine:
    name: str
    requirement: str
    condition: str | None
    optional: bool


@dataclass(frozen=True)
class CoverSheet:
    ref: CoverSheetRef
    item_name: str
    item_key: str
    region_name: str | None
    office: str
    contact: str
    qr_png_base64: str
    checklist: list[ChecklistLine]


def qr_png(payload: str) -> bytes:
    """The QR code as a PNG: error correction M, 4-module quiet zone (scanner-friendly)."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=10, border=4)
    code.add_data(payload)
    code.make(fit=True)
    out = io.BytesIO()
    code.make_image().save(out, format="PNG")
    return out.getvalue()


def _requirement(m: MaterialRequirement) -> str:
    parts = [COPY_FORM_LABELS[m.copy_form]]
    if m.seal_required:
        parts.append("加盖单位公章" if m.seal_when is None else "按规定加盖单位公章")
    if m.signature_required:
        parts.append("本人签名")
    if m.per_invoice:
        parts.append("每张票据一份")
    if m.exempt_if_shared:
        parts.append("可通过信息共享获取的免交")
    return "，".join(parts)


def checklist_lines(item: EffectiveItem) -> list[ChecklistLine]:
    facts = item.facts(CaseFacts(channel="mail"))
    lines = []
    for m, applies in item.applicable(facts):
        if applies is False:
            continue
        lines.append(
            ChecklistLine(
                name=m.name,
                requirement=_requirement(m),
                condition=m.when_text,
                optional=m.level == "on_request",
            )
        )
    return lines


def build_cover_sheets(item: EffectiveItem, refs: Sequence[CoverSheetRef]) -> list[CoverSheet]:
    region = item.region
    checklist = checklist_lines(item)
    return [
        CoverSheet(
            ref=ref,
            item_name=(item.regional.local_name if item.regional else None) or item.name,
            item_key=item.key,
            region_name=region.name if region else None,
            office=region.office if region else DEFAULT_OFFICE,
            contact=(region.contact if region else "") or DEFAULT_CONTACT,
            qr_png_base64=base64.b64encode(qr_png(ref.payload())).decode("ascii"),
            checklist=checklist,
        )
        for ref in refs
    ]


def render_cover_html(sheets: Sequence[CoverSheet], *, printed_on: dt.date | None = None) -> str:
    template = _environment().get_template("coversheet.html.j2")
    return template.render(
        sheets=sheets,
        printed_on=(printed_on or dt.date.today()).isoformat(),
        font_urls={face.value: url for face, url in font_urls().items()},
    )


def render_cover_pdf(sheets: Sequence[CoverSheet], *, printed_on: dt.date | None = None) -> bytes:
    before = ImageFile.LOAD_TRUNCATED_IMAGES  # see verifier.notice.pdf: WeasyPrint sets it
    try:
        import weasyprint  # type: ignore[import-untyped]

        pdf: bytes = weasyprint.HTML(
            string=render_cover_html(sheets, printed_on=printed_on)
        ).write_pdf()
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = before
    return pdf
