"""Assemble a case: rendered documents → files as an applicant sends them, plus ground truth."""

from __future__ import annotations

import hashlib
import io
import json
import random
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PIL import Image

from samples import degrade
from samples.render.base import Rendered

A4_PX_200 = (1654, 2339)
# Decision from findings: any of these rejects; these need a reviewer; anything else: correct.
REJECT_CODES = frozenset({"ALREADY_SETTLED"})
REVIEW_CODES = frozenset({"DUPLICATE_INVOICE", "FIELD_UNREADABLE"})


def case_rng(seed: int, case_id: str, salt: str = "") -> random.Random:
    digest = hashlib.sha256(f"{seed}:{case_id}:{salt}".encode()).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


@dataclass
class Part:
    """One rendered document inside a file, with how it was scanned or photographed."""

    rendered: Rendered
    material: str | None
    ops: list[str] = field(default_factory=list)


@dataclass
class OutFile:
    name: str  # with extension: .jpg, .png or .pdf
    parts: list[Part] = field(default_factory=list)
    quality: int = 75


def on_a4(img: Image.Image, rng: random.Random, *, both: Image.Image | None = None) -> Image.Image:
    """Lay a smaller document (or an ID card's two sides) on an A4 scanner page."""
    page = Image.new("RGB", A4_PX_200, (252, 252, 250))
    if both is not None:  # ID card copy: front above back, centred, at real size
        scale = 200 / 300
        cards = [
            c.resize((int(c.width * scale), int(c.height * scale)), Image.Resampling.LANCZOS)
            for c in (img, both)
        ]
        y = 260 + rng.randint(-30, 30)
        for c in cards:
            x = (A4_PX_200[0] - c.width) // 2 + rng.randint(-25, 25)
            page.paste(c, (x, y), c if c.mode == "RGBA" else None)
            y += c.height + 120
        return page
    im = degrade.flatten(img, (252, 252, 250))
    if im.width > A4_PX_200[0]:
        im = im.resize((A4_PX_200[0], int(im.height * A4_PX_200[0] / im.width)))
    x = (A4_PX_200[0] - im.width) // 2 + rng.randint(-15, 15)
    page.paste(im, (max(0, x), 60 + rng.randint(0, 40)))
    return page


def _cap(img: Image.Image, longest: int) -> Image.Image:
    if max(img.size) <= longest:
        return img
    f = longest / max(img.size)
    return img.resize((int(img.width * f), int(img.height * f)), Image.Resampling.LANCZOS)


def _op_names(ops: list[str]) -> set[str]:
    return {o.partition(":")[0] for o in ops}


def scan_ops(ops: list[str]) -> list[str]:
    """The degradations `finish` applies for a part's `ops`: a flatbed scan is at ~150 dpi
    (keeps the committed set small) unless photographed or already at a lower resolution.
    Op names are matched whole: a `photocopy` is scanned like any paper, not photographed."""
    if _op_names(ops) & {"photo", "lowres"}:
        return list(ops)
    return [*ops, "lowres:150"]


def finish(img: Image.Image, ops: list[str], rng: random.Random) -> Image.Image:
    if "photo" in _op_names(ops):
        img = _cap(img, 1500)
    out = degrade.apply(img, scan_ops(ops), rng)
    return _gray_if_mono(out)


def _gray_if_mono(img: Image.Image) -> Image.Image:
    """Black-and-white documents are stored grey, as scanners in document mode do."""
    import numpy as np

    small = np.asarray(
        img.resize((max(1, img.width // 8), max(1, img.height // 8))), dtype=np.int16
    )
    spread = small.max(axis=2) - small.min(axis=2)
    return img.convert("L") if (spread > 40).mean() < 0.0005 else img


def is_original_pdf(f: OutFile) -> bool:
    """The file is an electronic original (written as rendered, text layer), not a scan."""
    return f.name.endswith(".pdf") and len(f.parts) == 1 and f.parts[0].rendered.pdf is not None


def page_key(f: OutFile, page: int) -> str:
    """How expected.json names page `page` (1-based) of file `f`: `scan_01.jpg` for an image
    file, `scan_02.pdf#2` for a PDF's pages (every page of a PDF, even of a one-page PDF)."""
    return f"{f.name}#{page}" if f.name.endswith(".pdf") else f.name


def write_file(f: OutFile, dir_: Path, rng: random.Random) -> list[int]:
    """Write the file; returns the number of pages each part took."""
    pages: list[Image.Image] = []
    counts: list[int] = []
    if is_original_pdf(f):
        (dir_ / f.name).write_bytes(f.parts[0].rendered.pdf or b"")
        return [len(f.parts[0].rendered.pages)]
    for part in f.parts:
        imgs = [finish(p, part.ops, rng) for p in part.rendered.pages]
        pages.extend(imgs)
        counts.append(len(imgs))
    path = dir_ / f.name
    if f.name.endswith(".pdf"):
        path.write_bytes(images_to_pdf(pages, f.quality))
    elif f.name.endswith(".png"):
        assert len(pages) == 1, f.name
        pages[0].save(path, "PNG", optimize=True)
    else:
        assert len(pages) == 1, f.name
        pages[0].save(path, "JPEG", quality=f.quality, optimize=True)
    return counts


import time as _time  # noqa: E402

_EPOCH = _time.gmtime(1767225600)  # 2026-01-01: fixed, so files are reproducible


def images_to_pdf(pages: list[Image.Image], quality: int, dpi: float = 150.0) -> bytes:
    """A scanned PDF: one JPEG per page, embedded as is (no text layer)."""
    from samples.render.base import new_pdf

    pdf = new_pdf()
    for img in pages:
        w, h = img.width * 25.4 / dpi, img.height * 25.4 / dpi
        pdf.add_page(format=(w, h))
        buf = io.BytesIO()
        img.save(buf, "JPEG", quality=quality, optimize=True)
        buf.seek(0)
        pdf.image(buf, x=0, y=0, w=w, h=h)
    return bytes(pdf.output())


def decision_for(findings: list[dict[str, Any]]) -> str:
    codes = {f["code"] for f in findings}
    if codes & REJECT_CODES:
        return "reject"
    if codes & REVIEW_CODES:
        return "review"
    return "correct" if codes else "accept"


def dump_json(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, indent=2, sort_keys=False) + "\n"
