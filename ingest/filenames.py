"""File names as applicants send them, made safe to store and show.

A name is only ever text: originals are stored under their content hash, never under the name
they came with, so a name cannot choose a path. It is still shown to clerks and printed on
notices, so path parts, control and bidirectional-override characters go, and its length is
bounded (the extension kept)."""

from __future__ import annotations

import re
import unicodedata

MAX_NAME_CHARS = 120
_DROPPED = {"Cc", "Cf", "Cs", "Co", "Cn"}
"""Control, format (bidi overrides, zero-width), surrogate, private-use and unassigned."""
_SEPARATORS = re.compile(r"[/\\]")


def display_name(raw: str | None, fallback: str) -> str:
    """The last path component of `raw`, printable, at most MAX_NAME_CHARS; else `fallback`."""
    name = unicodedata.normalize("NFC", raw or "")
    name = _SEPARATORS.split(name)[-1]
    name = "".join(c for c in name if unicodedata.category(c) not in _DROPPED)
    name = " ".join(name.split()).strip(" .")
    if len(name) > MAX_NAME_CHARS:
        stem, dot, ext = name.rpartition(".")
        if dot and 0 < len(ext) <= 10:
            name = stem[: MAX_NAME_CHARS - len(ext) - 1] + "." + ext
        else:
            name = name[:MAX_NAME_CHARS]
    return name or fallback
