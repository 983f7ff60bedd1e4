"""The CJK faces the notice is set in, from the installed ``pylopdf-fonts-zh-cn`` package
(Noto Serif SC and Noto Sans SC, SIL OFL 1.1). Nothing is downloaded at run time."""

from __future__ import annotations

from enum import StrEnum
from functools import cache
from pathlib import Path


class Face(StrEnum):
    SERIF = "serif"  # 宋体/仿宋-like: title and body
    SANS = "sans"  # 黑体-like: table headings


class FontNotFoundError(RuntimeError):
    pass


@cache
def font_path(face: Face) -> Path:
    """The font file for a face; raises FontNotFoundError if the package is not installed."""
    try:
        import pylopdf_fonts_zh_cn as pkg
    except ImportError as exc:  # pragma: no cover - depends on the install
        raise FontNotFoundError(
            "CJK fonts missing: install the 'pylopdf-fonts-zh-cn' package"
        ) from exc
    path = Path(pkg.serif_path() if face is Face.SERIF else pkg.sans_path())
    if not path.is_file():  # pragma: no cover
        raise FontNotFoundError(f"font file not found: {path}")
    return path


def font_urls() -> dict[Face, str]:
    """file:// URLs of both faces, for @font-face rules."""
    return {face: font_path(face).as_uri() for face in Face}
