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
from models.facts import CaseFacts, fact_label, fact_value_label
from verifier.notice.fonts import font_urls
from verifier.notice.html import _environment
from verifier.notice.model import DEFAULT_CONTACT, DEFAULT_OFFICE


@dataclass(frozen=True)
class ChecklistLine:
    name: str
    requirement: str
    condition: str | None
    optional: bool
    applies: bool | None = None
    """True: the sheet's facts make this conditional material needed; None: not known (or
    not conditional)."""


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
    facts: list[tuple[str, str]]
    """The sheet's case facts in Chinese: (label, value)."""


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


def checklist_lines(item: EffectiveItem, ref: CoverSheetRef | None = None) -> list[ChecklistLine]:
    """The item's materials for the sheet's facts: those the facts rule out are left off, the
    conditional ones the facts make needed are marked."""
    raw = {**(ref.case_facts() if ref else {}), "channel": (ref.channel if ref else "mail")}
    facts = item.facts(CaseFacts.model_validate(raw))
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
                applies=True if applies and m.when is not None else None,
            )
        )
    return lines


def build_cover_sheets(item: EffectiveItem, refs: Sequence[CoverSheetRef]) -> list[CoverSheet]:
    region = item.region
    return [
        CoverSheet(
            ref=ref,
            item_name=(item.regional.local_name if item.regional else None) or item.name,
            item_key=item.key,
            region_name=region.name if region else None,
            office=region.office if region else DEFAULT_OFFICE,
            contact=(region.contact if region else "") or DEFAULT_CONTACT,
            qr_png_base64=base64.b64encode(qr_png(ref.payload())).decode("ascii"),
            checklist=checklist_lines(item, ref),
            facts=[(fact_label(k), fact_value_label(k, v)) for k, v in _known(ref).items()],
        )
        for ref in refs
    ]


def _known(ref: CoverSheetRef) -> dict[str, object]:
    known = CaseFacts.model_validate(ref.case_facts()).model_dump(mode="json", exclude_none=True)
    return {k: v for k, v in known.items() if k != "channel"}


def render_cover_html(
    sheets: Sequence[CoverSheet], *, printed_on: dt.date | None = None, denser: bool = False
) -> str:
    template = _environment().get_template("coversheet.html.j2")
    return template.render(
        sheets=sheets,
        printed_on=(printed_on or dt.date.today()).isoformat(),
        font_urls={face.value: url for face, url in font_urls().items()},
        denser=denser,
    )


def render_cover_pdf(sheets: Sequence[CoverSheet], *, printed_on: dt.date | None = None) -> bytes:
    """One page per sheet: a sheet that runs onto a second page (long checklist, facts, the
    conditions they mark) is set smaller, since a page without the QR code would be taken for
    a material of the envelope."""
    before = ImageFile.LOAD_TRUNCATED_IMAGES  # see verifier.notice.pdf: WeasyPrint sets it
    try:
        import weasyprint  # type: ignore[import-untyped]

        for denser in (False, True):
            html = render_cover_html(sheets, printed_on=printed_on, denser=denser)
            document = weasyprint.HTML(string=html).render()
            if len(document.pages) <= len(sheets):
                break
        pdf: bytes = document.write_pdf()
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = before
    return pdf
