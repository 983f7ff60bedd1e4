"""Drawing primitives in millimetres over a PIL page or an fpdf2 PDF page (same calls)."""

from __future__ import annotations

import datetime as dt
import io
import math
import random
from dataclasses import dataclass, field
from typing import Any, Protocol

from fpdf import FPDF
from PIL import Image, ImageDraw, ImageFilter

from samples.fonts import Face, font_path, pil_font, text_width_mm

RGB = tuple[int, int, int]
BLACK: RGB = (25, 25, 30)
INK: RGB = (30, 30, 45)  # printer ink for filled values
RED: RGB = (200, 30, 35)
FORM_RED: RGB = (200, 90, 80)  # light red printed frame of paper invoices
FORM_BLUE: RGB = (70, 110, 170)
GRAY: RGB = (110, 110, 110)
PT_MM = 25.4 / 72


class Painter(Protocol):
    width_mm: float
    height_mm: float

    def text(
        self,
        x: float,
        y: float,
        s: str,
        size: float = 10,
        face: Face = Face.SERIF,
        fill: RGB = BLACK,
        align: str = "left",
    ) -> None: ...

    def line(
        self, x0: float, y0: float, x1: float, y1: float, w: float = 0.25, fill: RGB = BLACK
    ) -> None: ...

    def rect(
        self,
        x: float,
        y: float,
        w: float,
        h: float,
        lw: float = 0.25,
        outline: RGB = BLACK,
        fill: RGB | None = None,
    ) -> None: ...

    def image(self, img: Image.Image, x: float, y: float, w: float, h: float) -> None: ...


def cn_date(d: dt.date) -> str:
    return f"{d.year}年{d.month:02d}月{d.day:02d}日"


def wrap(s: str, width_mm: float, size: float, face: Face) -> list[str]:
    """Greedy character wrap for CJK text."""
    lines: list[str] = []
    cur = ""
    for ch in s:
        if ch == "\n":
            lines.append(cur)
            cur = ""
            continue
        if cur and text_width_mm(cur + ch, size, face) > width_mm:
            lines.append(cur)
            cur = ""
        cur += ch
    if cur:
        lines.append(cur)
    return lines


def record(texts: list[str], s: str) -> None:
    """Note a printed string for the page's ground-truth text (blank strings draw nothing).

    Only `Painter.text` records: seal and stamp lettering (red ink the pipeline suppresses),
    signatures (handwriting) and emblem glyphs are drawn straight onto image layers and are not
    part of a page's text truth.
    """
    if s.strip():
        texts.append(s)


class PilPage:
    """A page image drawn in millimetre coordinates (origin top-left, y down)."""

    def __init__(
        self, width_mm: float, height_mm: float, dpi: int = 200, bg: RGB = (255, 255, 255)
    ):
        self.width_mm, self.height_mm, self.dpi = width_mm, height_mm, dpi
        self.k = dpi / 25.4
        self.img = Image.new("RGB", (self.px(width_mm), self.px(height_mm)), bg)
        self.draw = ImageDraw.Draw(self.img)
        self.texts: list[str] = []  # every string drawn by `text`, in drawing order

    def px(self, mm: float) -> int:
        return round(mm * self.k)

    def text(
        self,
        x: float,
        y: float,
        s: str,
        size: float = 10,
        face: Face = Face.SERIF,
        fill: RGB = BLACK,
        align: str = "left",
    ) -> None:
        record(self.texts, s)
        font = pil_font(face, round(size * self.dpi / 72))
        anchor = {"left": "ls", "center": "ms", "right": "rs"}[align]
        self.draw.text((self.px(x), self.px(y)), s, font=font, fill=fill, anchor=anchor)

    def line(
        self, x0: float, y0: float, x1: float, y1: float, w: float = 0.25, fill: RGB = BLACK
    ) -> None:
        self.draw.line(
            [(self.px(x0), self.px(y0)), (self.px(x1), self.px(y1))],
            fill=fill,
            width=max(1, self.px(w)),
        )

    def rect(
        self,
        x: float,
        y: float,
        w: float,
        h: float,
        lw: float = 0.25,
        outline: RGB = BLACK,
        fill: RGB | None = None,
    ) -> None:
        self.draw.rectangle(
            [self.px(x), self.px(y), self.px(x + w), self.px(y + h)],
            outline=outline if lw > 0 else None,
            fill=fill,
            width=max(1, self.px(lw)) if lw > 0 else 0,
        )

    def image(self, img: Image.Image, x: float, y: float, w: float, h: float) -> None:
        im = img.convert("RGBA").resize((self.px(w), self.px(h)), Image.Resampling.LANCZOS)
        self.img.paste(im, (self.px(x), self.px(y)), im)

    def multiply(self, layer: Image.Image, x: float, y: float) -> None:
        """Overlay an RGBA ink layer (seal, stamp) so text below stays visible, like real ink."""
        x0, y0 = self.px(x), self.px(y)
        region = self.img.crop((x0, y0, x0 + layer.width, y0 + layer.height))
        ink = Image.new("RGB", layer.size, (255, 255, 255))
        ink.paste(layer.convert("RGB"), (0, 0), layer)
        from PIL import ImageChops

        self.img.paste(ImageChops.multiply(region, ink), (x0, y0))


class PdfPage:
    """The same drawing calls onto an fpdf2 page (real text layer)."""

    def __init__(self, pdf: FPDF, width_mm: float, height_mm: float):
        self.pdf, self.width_mm, self.height_mm = pdf, width_mm, height_mm
        self.texts: list[str] = []  # every string drawn by `text`, in drawing order
        pdf.add_page(format=(width_mm, height_mm))

    def text(
        self,
        x: float,
        y: float,
        s: str,
        size: float = 10,
        face: Face = Face.SERIF,
        fill: RGB = BLACK,
        align: str = "left",
    ) -> None:
        record(self.texts, s)
        self.pdf.set_font(face.value, size=size)
        self.pdf.set_text_color(*fill)
        w = text_width_mm(s, size, face)
        dx = {"left": 0.0, "center": w / 2, "right": w}[align]
        self.pdf.text(x - dx, y, s)

    def line(
        self, x0: float, y0: float, x1: float, y1: float, w: float = 0.25, fill: RGB = BLACK
    ) -> None:
        self.pdf.set_draw_color(*fill)
        self.pdf.set_line_width(w)
        self.pdf.line(x0, y0, x1, y1)

    def rect(
        self,
        x: float,
        y: float,
        w: float,
        h: float,
        lw: float = 0.25,
        outline: RGB = BLACK,
        fill: RGB | None = None,
    ) -> None:
        style = ("D" if lw > 0 else "") + ("F" if fill else "")
        if fill:
            self.pdf.set_fill_color(*fill)
        if lw > 0:
            self.pdf.set_draw_color(*outline)
            self.pdf.set_line_width(lw)
        self.pdf.rect(x, y, w, h, style=style or "D")

    def image(self, img: Image.Image, x: float, y: float, w: float, h: float) -> None:
        buf = io.BytesIO()
        img.save(buf, format="PNG")
        buf.seek(0)
        self.pdf.image(buf, x=x, y=y, w=w, h=h)


def new_pdf() -> FPDF:
    pdf = FPDF(unit="mm")
    pdf.set_auto_page_break(False)
    pdf.set_creation_date(dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    pdf.set_producer("yibao-check samples")
    for face in Face:
        pdf.add_font(face.value, fname=str(font_path(face)))
    return pdf


# ---------------------------------------------------------------- ink: seals and signatures


def noise_image(size: tuple[int, int], sigma: float, rng: random.Random) -> Image.Image:
    """Seeded grey noise around 128 (PIL's effect_noise is not seedable)."""
    import numpy as np

    arr = np.random.default_rng(rng.randint(0, 2**31)).normal(128, sigma, (size[1], size[0]))
    return Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))


def seal_layer(
    text: str,
    bottom: str,
    diameter_mm: float,
    dpi: int,
    rng: random.Random,
    color: RGB = RED,
    number: str = "",
) -> Image.Image:
    """A round red seal: name around the top, a star, the purpose (收费专用章) below, uneven ink."""
    size = round(diameter_mm * dpi / 25.4)
    s = size * 2  # draw large, downscale: smoother
    layer = Image.new("L", (s, s), 0)
    d = ImageDraw.Draw(layer)
    ring = max(4, s // 28)
    d.ellipse([ring // 2, ring // 2, s - ring // 2, s - ring // 2], outline=255, width=ring)
    # star
    cx = cy = s / 2
    r_out, r_in = s * 0.16, s * 0.065
    pts = []
    for i in range(10):
        ang = -math.pi / 2 + i * math.pi / 5
        r = r_out if i % 2 == 0 else r_in
        pts.append((cx + r * math.cos(ang), cy + r * math.sin(ang)))
    d.polygon(pts, fill=255)
    # arc text
    n = len(text)
    span = math.radians(min(250, 22 * n + 40))
    font = pil_font(Face.SANS, round(s * 0.13))
    radius = s / 2 - ring - s * 0.09
    for i, ch in enumerate(text):
        ang = -math.pi / 2 - span / 2 + span * (i + 0.5) / n
        glyph = Image.new("L", (round(s * 0.2), round(s * 0.2)), 0)
        ImageDraw.Draw(glyph).text(
            (glyph.width / 2, glyph.height / 2), ch, font=font, fill=255, anchor="mm"
        )
        glyph = glyph.rotate(-math.degrees(ang) - 90, resample=Image.Resampling.BICUBIC)
        gx = cx + radius * math.cos(ang) - glyph.width / 2
        gy = cy + radius * math.sin(ang) - glyph.height / 2
        layer.paste(255, (round(gx), round(gy)), glyph)
    small = pil_font(Face.SANS, round(s * 0.1))
    d.text((cx, cy + s * 0.27), bottom, font=small, fill=255, anchor="mm")
    if number:
        d.text(
            (cx, cy + s * 0.4),
            number,
            font=pil_font(Face.SANS, round(s * 0.045)),
            fill=255,
            anchor="mm",
        )
    layer = layer.resize((size, size), Image.Resampling.LANCZOS)
    # Uneven ink: random speckle mask and a pressure gradient.
    noise = noise_image((size, size), 60, rng).filter(ImageFilter.GaussianBlur(1.2))
    grad = Image.linear_gradient("L").resize((size, size)).rotate(rng.uniform(0, 360))
    alpha = Image.eval(layer, lambda v: v)
    from PIL import ImageChops

    mask = ImageChops.multiply(alpha, Image.eval(noise, lambda v: min(255, 90 + v)))
    mask = ImageChops.multiply(mask, Image.eval(grad, lambda v: 170 + v * 85 // 255))
    mask = mask.rotate(rng.uniform(-25, 25), resample=Image.Resampling.BICUBIC)
    out = Image.new("RGBA", (size, size), (*color, 0))
    out.putalpha(mask)
    return out


def signature_layer(
    name: str, height_mm: float, dpi: int, rng: random.Random, color: RGB = (20, 30, 90)
) -> Image.Image:
    """A hand-signed name: slanted, uneven baseline, pen ink."""
    px = round(height_mm * dpi / 25.4)
    font = pil_font(Face.SERIF if rng.random() < 0.5 else Face.SANS, px)
    w = round(font.getlength(name) * 1.3) + px
    img = Image.new("L", (w, round(px * 1.6)), 0)
    d = ImageDraw.Draw(img)
    x = px * 0.3
    for ch in name:
        y = px * 0.2 + rng.uniform(-px * 0.12, px * 0.12)
        d.text((x, y), ch, font=font, fill=255)
        x += font.getlength(ch) * rng.uniform(0.75, 0.95)
    img = img.transform(
        img.size, Image.Transform.AFFINE, (1, 0.35, -px * 0.3, 0, 1, 0), Image.Resampling.BICUBIC
    )
    img = img.filter(ImageFilter.MaxFilter(3)) if dpi >= 200 else img
    img = img.rotate(rng.uniform(-6, 6), expand=True, resample=Image.Resampling.BICUBIC)
    out = Image.new("RGBA", img.size, (*color, 0))
    out.putalpha(img)
    return out


def blot(page: PilPage, box: tuple[float, float, float, float], rng: random.Random) -> None:
    """Smudge one printed value beyond reading: the wet ink smeared, then an ink blot over it.

    `box` is (x, y, w, h) in millimetres around the value; the rest of the page is untouched.
    """
    import numpy as np
    from PIL import ImageChops

    x, y, w, h = box
    pad = 4.0
    x0, y0 = page.px(x - pad), page.px(y - pad)
    x1, y1 = page.px(x + w + pad), page.px(y + h + pad)
    region = page.img.crop((x0, y0, x1, y1))
    rw, rh = region.size
    m = page.px(pad)
    # 1. the figures smeared sideways, as by a wet thumb
    smear = region.resize((max(1, rw // 6), max(1, rh // 2)), Image.Resampling.BILINEAR)
    smear = smear.resize((rw, rh), Image.Resampling.BICUBIC).filter(
        ImageFilter.GaussianBlur(page.px(0.9))
    )
    # 2. the blot: a chain of overlapping blobs along the value (so every figure is covered),
    #    a few splashes around it, a soft edge and a darker dried rim
    nrng = np.random.default_rng(rng.randint(0, 2**31))
    mask = Image.new("L", (rw, rh), 0)
    d = ImageDraw.Draw(mask)
    cy = rh / 2
    n = max(3, round((rw - 2 * m) / page.px(3.5)))
    for i in range(n + 1):
        cx = m + (rw - 2 * m) * i / n + nrng.uniform(-1, 1) * page.px(0.8)
        rx = page.px(nrng.uniform(2.6, 3.6))
        ry = page.px(h / 2 + nrng.uniform(0.8, 2.2))
        dy = nrng.uniform(-0.6, 0.6) * page.px(1)
        d.ellipse([cx - rx, cy + dy - ry, cx + rx, cy + dy + ry], fill=255)
    for _ in range(int(nrng.integers(3, 7))):
        ang = nrng.uniform(0, 2 * math.pi)
        cx = rw / 2 + math.cos(ang) * (rw / 2 - m * 0.45)
        sy = cy + math.sin(ang) * (rh / 2 - m * 0.45)
        r = page.px(nrng.uniform(0.3, 0.9))
        d.ellipse([cx - r, sy - r, cx + r, sy + r], fill=255)
    mask = mask.filter(ImageFilter.GaussianBlur(page.px(0.35)))
    edge = ImageChops.subtract(mask, mask.filter(ImageFilter.MinFilter(7)))
    arr = np.asarray(mask, np.float32) / 255
    low = nrng.normal(0, 1, (max(2, rh // 12), max(2, rw // 12))).astype(np.float32)
    density = np.asarray(
        Image.fromarray(low).resize((rw, rh), Image.Resampling.BICUBIC), np.float32
    )
    alpha = arr * np.clip(0.84 + 0.07 * density, 0.72, 0.96)
    alpha = np.clip(alpha + np.asarray(edge, np.float32) / 255 * 0.15, 0, 0.97)
    ink = np.array(rng.choice(((52, 58, 96), (60, 52, 50), (36, 44, 82))), np.float32)
    base = np.asarray(Image.composite(smear, region, mask), np.float32)
    out = base * (1 - alpha[..., None]) + ink[None, None, :] * alpha[..., None]
    page.img.paste(Image.fromarray(np.clip(out, 0, 255).astype(np.uint8)), (x0, y0))


@dataclass
class Rendered:
    """A rendered document: its pages (images) or a vector PDF, and its ground truth."""

    kind: str
    fields: dict[str, Any]
    pages: list[Image.Image] = field(default_factory=list)
    pdf: bytes | None = None  # an electronic original (text layer); pages then hold its raster
    title: str | None = None
    card: bool = False  # small card: photographed or photocopied onto a page, not scanned as A4
    # Fields printed but made unreadable on the page (ink blot, smudge): the value in `fields`
    # is still the truth; ground truth lists these names as the document's "unreadable_fields".
    unreadable: list[str] = field(default_factory=list)
    # Presented blurred beyond reading on purpose: no field can be read; ground truth marks the
    # document "illegible" and the case expects UNREADABLE_PAGE for its material.
    illegible: bool = False
    # Per page, the strings printed on it in drawing order (`PilPage.texts`): the page's
    # ground-truth text for the OCR benchmark. Seal, stamp and signature ink is not included.
    texts: list[list[str]] = field(default_factory=list)
