"""The notice to the applicant (一次性告知书 / 退回告知书 / 受理通知书): one model built from a
verification result, rendered as HTML, PDF and DOCX."""

from __future__ import annotations

from verifier.notice.html import render_html
from verifier.notice.model import (
    Notice,
    NoticeEntry,
    NoticeKind,
    NoticeNotIssuableError,
    build_notice,
)
from verifier.notice.pdf import render_pdf
from verifier.notice.word import render_docx

__all__ = [
    "Notice",
    "NoticeEntry",
    "NoticeKind",
    "NoticeNotIssuableError",
    "build_notice",
    "render_docx",
    "render_html",
    "render_pdf",
]
