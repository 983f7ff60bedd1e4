"""The notice as a Word document (python-docx), for offices that edit or print from Word.

Word documents do not carry their fonts here: the text names the faces a Chinese Windows or WPS
installation has (仿宋 body, 黑体 title and headings), with Noto CJK as the fallback name.
"""

from __future__ import annotations

import io

import docx
from docx.document import Document
from docx.enum.section import WD_SECTION
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.oxml.table import CT_Row
from docx.oxml.text.font import CT_RPr
from docx.shared import Mm, Pt, RGBColor
from docx.table import _Cell
from docx.text.paragraph import Paragraph
from docx.text.run import Run

from verifier.notice.model import Notice, sentence

BODY_FONT = "仿宋"
TITLE_FONT = "黑体"
HEADING_FONT = "黑体"
LATIN_FONT = "Times New Roman"
BODY_SIZE = Pt(14)
TABLE_SIZE = Pt(12)
# Column widths of 序号 / 材料名称 / 存在问题 / 补正要求 (the text block is 156 mm wide).
COLUMN_WIDTHS = (Mm(13), Mm(36), Mm(71), Mm(36))


def render_docx(notice: Notice) -> bytes:
    doc = docx.Document()
    _setup(doc, notice)

    _paragraph(doc, notice.title, font=TITLE_FONT, size=Pt(22), align="center", after=Pt(4))
    _paragraph(doc, notice.notice_no, align="center", after=Pt(2))
    _rule(_paragraph(doc, "", after=Pt(10)))

    _paragraph(doc, notice.addressee)
    _paragraph(doc, notice.intro, indent=True, after=Pt(4) if notice.entries else None)
    if notice.entries:
        _entries_table(doc, notice)
    for number, reason in enumerate(notice.reasons, 1):
        _paragraph(doc, f"{number}．{sentence(reason)}", indent=True)
    for text in notice.paragraphs():
        _paragraph(doc, text, indent=True)
    if notice.legal_basis:
        _paragraph(doc, f"办理依据：{notice.legal_basis_text}。", indent=True)
    _paragraph(doc, notice.contact_text, indent=True)
    _paragraph(doc, notice.closing, indent=True)

    _paragraph(doc, "", after=Pt(12))
    for text, colour in (
        (notice.office, None),
        ("（业务专用章）", RGBColor(0x55, 0x55, 0x55)),
        (notice.issued_on_text, None),
    ):
        # Centred in the right half of the text block, as a 落款 is.
        p = _paragraph(doc, text, align="center", colour=colour, keep_with_next=True)
        p.paragraph_format.left_indent = Mm(72)

    if notice.signature_line:
        _paragraph(doc, "", after=Pt(12))
        p = _paragraph(doc, "本告知书一式两份，一份交申请人，一份由经办机构留存。", size=TABLE_SIZE)
        _rule(p, top=True, dashed=True)
        _paragraph(doc, "申请人签收：____________　　签收日期：____________", size=TABLE_SIZE)

    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _setup(doc: Document, notice: Notice) -> None:
    props = doc.core_properties
    props.title = f"{notice.title}（{notice.notice_no}）"
    props.author = notice.office
    props.subject = f"{notice.kind.label}：{notice.item_name}"
    props.comments = "yibao-check"

    section = doc.sections[0]
    section.start_type = WD_SECTION.NEW_PAGE
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(30), Mm(28)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    section.footer_distance = Mm(15)

    normal = doc.styles["Normal"]
    normal.font.name = LATIN_FONT
    normal.font.size = BODY_SIZE
    _east_asian(normal.element.get_or_add_rPr(), BODY_FONT)
    fmt = normal.paragraph_format
    fmt.space_before, fmt.space_after = Pt(0), Pt(0)
    fmt.line_spacing = Pt(26)

    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    footer.add_run("第 ").font.size = Pt(10.5)
    _field(footer, "PAGE")
    footer.add_run(" 页 共 ").font.size = Pt(10.5)
    _field(footer, "NUMPAGES")
    footer.add_run(" 页").font.size = Pt(10.5)


def _paragraph(
    doc: Document,
    text: str,
    *,
    font: str | None = None,
    size: Pt | None = None,
    align: str = "justify",
    indent: bool = False,
    after: Pt | None = None,
    colour: RGBColor | None = None,
    keep_with_next: bool = False,
) -> Paragraph:
    p = doc.add_paragraph()
    p.alignment = {
        "center": WD_ALIGN_PARAGRAPH.CENTER,
        "right": WD_ALIGN_PARAGRAPH.RIGHT,
        "justify": WD_ALIGN_PARAGRAPH.JUSTIFY,
    }[align]
    if indent:
        p.paragraph_format.first_line_indent = (size or BODY_SIZE) * 2
    if after is not None:
        p.paragraph_format.space_after = after
    p.paragraph_format.keep_with_next = keep_with_next
    if text:
        _style_run(p.add_run(text), font=font, size=size, colour=colour)
    return p


def _style_run(
    run: Run, *, font: str | None = None, size: Pt | None = None, colour: RGBColor | None = None
) -> None:
    if font:
        _east_asian(run._element.get_or_add_rPr(), font)
    if size is not None:
        run.font.size = size
    if colour is not None:
        run.font.color.rgb = colour


def _entries_table(doc: Document, notice: Notice) -> None:
    table = doc.add_table(rows=1, cols=4)
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    header = table.rows[0]
    _repeat_header(header._tr)
    for cell, text in zip(header.cells, ("序号", "材料名称", "存在问题", "补正要求"), strict=True):
        _cell_text(cell, [text], font=HEADING_FONT, center=True)
    for entry in notice.entries:
        cells = table.add_row().cells
        problems = (
            [f"（{n}）{p}" for n, p in enumerate(entry.problems, 1)]
            if len(entry.problems) > 1
            else entry.problems
        )
        _cell_text(cells[0], [str(entry.number)], center=True)
        _cell_text(cells[1], [entry.material])
        _cell_text(cells[2], problems)
        _cell_text(cells[3], [entry.requirement])
    # Word reads the cells' widths, LibreOffice the grid's: set both.
    for column, width in zip(table.columns, COLUMN_WIDTHS, strict=True):
        column.width = width
    for row in table.rows:
        for cell, width in zip(row.cells, COLUMN_WIDTHS, strict=True):
            cell.width = width
    _paragraph(doc, "", after=Pt(4))


def _cell_text(
    cell: _Cell, lines: list[str], *, font: str | None = None, center: bool = False
) -> None:
    first = cell.paragraphs[0]
    for n, line in enumerate(lines):
        p = first if n == 0 else cell.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER if center else WD_ALIGN_PARAGRAPH.LEFT
        p.paragraph_format.line_spacing = Pt(20)
        _style_run(p.add_run(line), font=font, size=TABLE_SIZE)


def _east_asian(rpr: CT_RPr, font: str) -> None:
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    fonts.set(qn("w:eastAsia"), font)


def _field(paragraph: Paragraph, code: str) -> None:
    """A Word field (PAGE, NUMPAGES) that Word fills in when it lays the document out."""
    run = paragraph.add_run()
    run.font.size = Pt(10.5)
    for tag, text in (("begin", None), ("instr", code), ("separate", None), ("end", None)):
        if tag == "instr":
            element = OxmlElement("w:instrText")
            element.set(qn("xml:space"), "preserve")
            element.text = f" {text} "
        else:
            element = OxmlElement("w:fldChar")
            element.set(qn("w:fldCharType"), tag)
        run._element.append(element)
        if tag == "separate":
            placeholder = OxmlElement("w:t")
            placeholder.text = "1"
            run._element.append(placeholder)


def _repeat_header(tr: CT_Row) -> None:
    props = tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    props.append(header)


def _rule(paragraph: Paragraph, *, top: bool = False, dashed: bool = False) -> None:
    """A line across the text block: under the 文号 (red) or above the receipt (dashed)."""
    ppr = paragraph._p.get_or_add_pPr()
    borders = OxmlElement("w:pBdr")
    edge = OxmlElement("w:top" if top else "w:bottom")
    edge.set(qn("w:val"), "dashed" if dashed else "single")
    edge.set(qn("w:sz"), "6" if dashed else "10")
    edge.set(qn("w:space"), "1")
    edge.set(qn("w:color"), "000000" if dashed else "CC0000")
    borders.append(edge)
    ppr.append(borders)
