"""The notice as an A4 PDF, typeset by WeasyPrint from the HTML template with the packaged CJK
fonts embedded (subset). Fast subsetting needs HarfBuzz's subset library (Debian
libharfbuzz-subset0); without it WeasyPrint falls back to fontTools, which takes seconds."""

from __future__ import annotations

from PIL import ImageFile

from verifier.notice.fonts import font_urls
from verifier.notice.html import render_html
from verifier.notice.model import Notice


def render_pdf(notice: Notice) -> bytes:
    # WeasyPrint sets PIL.ImageFile.LOAD_TRUNCATED_IMAGES for the whole process when imported;
    # intake relies on Pillow refusing truncated images, so the flag is put back afterwards.
    before = ImageFile.LOAD_TRUNCATED_IMAGES
    try:
        # Imported here: WeasyPrint loads Pango at import, which HTML-only callers do not need.
        import weasyprint  # type: ignore[import-untyped]

        html = render_html(notice, font_urls=font_urls())
        pdf: bytes = weasyprint.HTML(string=html).write_pdf()
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = before
    return pdf
