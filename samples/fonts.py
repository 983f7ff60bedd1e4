"""Fonts for the renderers, found offline in installed packages.

The CJK faces come from the PyPI package ``pylopdf-fonts-zh-cn`` (Noto Sans SC and Noto Serif SC,
SIL OFL 1.1), installed by the project's own install step; nothing is downloaded at run time.
"""

from __future__ import annotations

from enum import StrEnum
from functools import cache
from pathlib import Path

from PIL import ImageFont


class Face(StrEnum):
    SANS = "sans"  # 黑体-like: titles, printed values, cards
    SERIF = "serif"  # 宋体-like: printed forms, certificates, body text


class FontNotFoundError(RuntimeError):
    pass


@cache
def font_path(face: Face) -> Path:
    """The font file for a face; raises if the font package is not installed."""
    try:
        import pylopdf_fonts_zh_cn as pkg
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise FontNotFoundError(
            "CJK fonts missing: install the 'pylopdf-fonts-zh-cn' package"
        ) from exc
    path = Path(pkg.sans_path() if face is Face.SANS else pkg.serif_path())
    if not path.is_file():  # pragma: no cover
        raise FontNotFoundError(f"font file not found: {path}")
    return path


@cache
def pil_font(face: Face, px: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(font_path(face)), max(6, px))


def text_width_mm(text: str, size_pt: float, face: Face) -> float:
    """The advance width of `text` set at `size_pt`, in millimetres."""
    ref = pil_font(face, 200)
    return ref.getlength(text) / 200 * size_pt * 25.4 / 72
