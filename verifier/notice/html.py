"""The notice as a self-contained HTML page (inline CSS), the source of the PDF too.

Without `font_urls` the page names the usual Chinese system faces (仿宋, 宋体, 黑体, Noto CJK),
which suits a browser; the PDF renderer passes the packaged font files instead, and a web UI
can pass URLs it serves them at.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from verifier.notice.fonts import Face
from verifier.notice.model import Notice, NoticeKind, sentence


@cache
def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("verifier.notice", "templates"),
        autoescape=select_autoescape(["html", "j2"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["sentence"] = sentence
    return env


def render_html(notice: Notice, *, font_urls: Mapping[Face, str] | None = None) -> str:
    template = _environment().get_template("notice.html.j2")
    return template.render(
        notice=notice,
        kinds=NoticeKind,
        font_urls={face.value: url for face, url in (font_urls or {}).items()},
    )
