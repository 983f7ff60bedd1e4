"""Scan and phone-photo degradations, combinable and seeded.

An operation is named by a short string, optionally with a parameter: "skew:5", "rotate:90",
"photo", "blur:2.5", "noise:8", "lighting", "lowres:100", "photocopy", "fold", "cut:right",
"cut:right:0.06", "stamp", "stamp:与原件核对无误". `apply` runs them in order; the JPEG quality
is chosen when the file is written.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence

import numpy as np
from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageOps

from samples.fonts import Face, pil_font
from samples.render.base import noise_image

Op = Callable[[Image.Image, random.Random, str], Image.Image]


def _skew(img: Image.Image, rng: random.Random, arg: str) -> Image.Image:
    angle = float(arg) if arg else rng.uniform(-8, 8)
    bg = (rng.randint(225, 245),) * 3
    return img.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=bg)


def _rotate(img: Image.Image, rng: random.Random, arg: str) -> Image.Image:
    k = int(arg) if arg else rng.choice((90, 180, 270))
    return img.rotate(k, expand=True)


def _coeffs(src: Sequence[tuple[float, float]], dst: Sequence[tuple[float, float]]) -> list[float]:
    rows = []
    for (x, y), (u, v) in zip(dst, src, strict=True):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y])
    a = np.array(rows, dtype=float)
    b = np.array([c for p in src for c in p], dtype=float)
    return [float(c) for c in np.linalg.solve(a, b)]


def _background(size: tuple[int, int], rng: random.Random) -> Image.Image:
    """A desk or tablecloth: wood-ish or fabric-ish texture with a soft gradient."""
    w, h = size
    base = np.array(
        rng.choice(((120, 90, 60), (150, 150, 145), (90, 70, 55), (185, 175, 160))), float
    )
    yy, xx = np.mgrid[0:h, 0:w]
    grain = np.sin(xx / rng.uniform(6, 20) + np.sin(yy / 40.0) * 3) * rng.uniform(6, 14)
    nrng = np.random.default_rng(rng.randint(0, 2**31))
    noise = nrng.normal(0, 6, (h, w))
    grad = (yy / h) * rng.uniform(-30, 10)
    arr = base[None, None, :] + (grain + noise + grad)[..., None]
    return Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))


def _photo(img: Image.Image, rng: random.Random, arg: str) -> Image.Image:
    """Phone photo: the page on a desk, seen at an angle, a bit of margin around it."""
    w, h = img.size
    mx, my = int(w * rng.uniform(0.06, 0.14)), int(h * rng.uniform(0.06, 0.14))
    big_w, big_h = w + 2 * mx, h + 2 * my

    def j(s: float) -> float:
        return rng.uniform(-s, s)

    dx, dy = w * 0.06, h * 0.06
    dst = [
        (mx + j(dx), my + j(dy)),
        (mx + w + j(dx), my + j(dy)),
        (mx + w + j(dx), my + h + j(dy)),
        (mx + j(dx), my + h + j(dy)),
    ]
    src = [(0.0, 0.0), (float(w), 0.0), (float(w), float(h)), (0.0, float(h))]
    co = _coeffs(src, dst)
    rgba = img.convert("RGBA")
    warped = rgba.transform(
        (big_w, big_h), Image.Transform.PERSPECTIVE, co, Image.Resampling.BICUBIC
    )
    bg = _background((big_w, big_h), rng)
    # soft drop shadow
    shadow = Image.new("L", (big_w, big_h), 0)
    ImageDraw.Draw(shadow).polygon([(x + 8, y + 10) for x, y in dst], fill=110)
    shadow = shadow.filter(ImageFilter.GaussianBlur(12))
    bg = Image.composite(Image.new("RGB", (big_w, big_h), (20, 15, 10)), bg, shadow)
    bg.paste(warped, (0, 0), warped)
    out = _lighting(bg, rng, "")
    return out.filter(ImageFilter.GaussianBlur(0.6))


def _blur(img: Image.Image, rng: random.Random, arg: str) -> Image.Image:
    r = float(arg) if arg else rng.uniform(0.8, 1.8)
    return img.filter(ImageFilter.GaussianBlur(r))


def _noise(img: Image.Image, rng: random.Random, arg: str) -> Image.Image:
    sigma = float(arg) if arg else rng.uniform(4, 10)
    arr = np.asarray(img.convert("RGB"), dtype=np.int16)
    nrng = np.random.default_rng(rng.randint(0, 2**31))
    noise = nrng.normal(0, sigma, arr.shape[:2])[..., None]
    return Image.fromarray(np.clip(arr + noise, 0, 255).astype(np.uint8))


def _lighting(img: Image.Image, rng: random.Random, arg: str) -> Image.Image:
    """Uneven lighting: a bright spot, darker corners, and a soft shadow band (a hand or phone)."""
    w, h = img.size
    sw, sh = max(8, w // 16), max(8, h // 16)
    yy, xx = np.mgrid[0:sh, 0:sw]
    cx, cy = rng.uniform(0.2, 0.8) * sw, rng.uniform(0.2, 0.8) * sh
    d = np.sqrt(((xx - cx) / sw) ** 2 + ((yy - cy) / sh) ** 2)
    gain = 1.08 - 0.35 * d
    ang = rng.uniform(0, math.pi)
    band = (xx / sw) * math.cos(ang) + (yy / sh) * math.sin(ang)
    edge = rng.uniform(0.3, 0.9)
    gain = gain * np.where(band > edge, rng.uniform(0.6, 0.8), 1.0)
    g = Image.fromarray(np.clip(gain * 200, 0, 255).astype(np.uint8)).resize(
        (w, h), Image.Resampling.BILINEAR
    )
    g = g.filter(ImageFilter.GaussianBlur(max(2, w // 60)))
    arr = np.asarray(img.convert("RGB"), dtype=np.float32) * (
        np.asarray(g, np.float32)[..., None] / 200
    )
    return Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8))


def _lowres(img: Image.Image, rng: random.Random, arg: str) -> Image.Image:
    """Rescan at a lower resolution: pages are drawn at 200 dpi, so 100 halves them."""
    target = float(arg) if arg else 100.0
    f = target / 200.0
    return img.resize(
        (max(1, int(img.width * f)), max(1, int(img.height * f))), Image.Resampling.BILINEAR
    )


def _photocopy(img: Image.Image, rng: random.Random, arg: str) -> Image.Image:
    """Grey, contrasty, toner speckles and a dark copier edge."""
    g = ImageOps.grayscale(img)
    g = ImageOps.autocontrast(g, cutoff=2)
    arr = np.asarray(g, dtype=np.float32)
    arr = np.where(arr < 170, arr * 0.55, np.minimum(255, arr * 1.05 + 8))
    nrng = np.random.default_rng(rng.randint(0, 2**31))
    speck = nrng.random(arr.shape) < 0.0015
    arr[speck] = nrng.uniform(0, 90, int(speck.sum()))
    h = arr.shape[0]
    streak_x = nrng.integers(0, arr.shape[1])
    arr[:, streak_x : streak_x + 2] *= 0.85
    out = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8)).filter(
        ImageFilter.GaussianBlur(0.5)
    )
    del h
    return out.convert("RGB")


def _fold(img: Image.Image, rng: random.Random, arg: str) -> Image.Image:
    """Fold creases: thin shaded lines across the page, as after being folded into an envelope."""
    w, h = img.size
    layer = Image.new("L", (w, h), 255)
    d = ImageDraw.Draw(layer)
    for frac in (1 / 3, 2 / 3) if rng.random() < 0.7 else (0.5,):
        y = int(h * frac + rng.uniform(-h * 0.02, h * 0.02))
        tilt = rng.uniform(-h * 0.01, h * 0.01)
        d.line([(0, y), (w, y + tilt)], fill=150, width=max(2, w // 500))
        d.line([(0, y + 3), (w, y + tilt + 3)], fill=235, width=max(3, w // 250))
    if rng.random() < 0.5:
        x = int(w * 0.5 + rng.uniform(-w * 0.02, w * 0.02))
        d.line([(x, 0), (x, h)], fill=160, width=max(2, w // 500))
    layer = layer.filter(ImageFilter.GaussianBlur(1.5))
    return ImageChops.multiply(img.convert("RGB"), Image.merge("RGB", (layer, layer, layer)))


def _cut(img: Image.Image, rng: random.Random, arg: str) -> Image.Image:
    """A partly cut-off border: the page slid off the scanner glass on one side.

    The argument is the side, optionally with the fraction cut ("right:0.06"); by default a
    random side and 3-6 %.
    """
    side, _, frac = arg.partition(":")
    side = side or rng.choice(("left", "right", "top", "bottom"))
    w, h = img.size
    f = float(frac) if frac else rng.uniform(0.03, 0.06)
    box = {
        "left": (int(w * f), 0, w, h),
        "right": (0, 0, int(w * (1 - f)), h),
        "top": (0, int(h * f), w, h),
        "bottom": (0, 0, w, int(h * (1 - f))),
    }[side]
    return img.crop(box)


def _over_text(img: Image.Image, size: tuple[int, int], rng: random.Random) -> tuple[int, int]:
    """Of a dozen seeded spots in the page's middle, the one with the most print under it."""
    w, h = img.size
    k = 8
    small = np.asarray(ImageOps.grayscale(img).resize((max(1, w // k), max(1, h // k))))
    dark = small < 140
    sw, sh = max(1, size[0] // k), max(1, size[1] // k)
    best, where = -1.0, (0, 0)
    for _ in range(12):
        x, y = int(rng.uniform(0.15, 0.7) * w), int(rng.uniform(0.12, 0.75) * h)
        ink = float(dark[y // k : y // k + sh, x // k : x // k + sw].mean()) if sw and sh else 0.0
        if ink > best:
            best, where = ink, (x, y)
    return where


def _stamp(img: Image.Image, rng: random.Random, arg: str) -> Image.Image:
    """A rectangular red 与原件核对无误 / 复印件 stamp pressed over the text (where the ink is)."""
    text = arg or rng.choice(("与原件核对无误", "复印件与原件一致", "已复印"))
    w = img.width
    size = max(20, w // 28)
    font = pil_font(Face.SANS, size)
    tw = int(font.getlength(text))
    layer = Image.new("L", (tw + size, int(size * 1.8)), 0)
    d = ImageDraw.Draw(layer)
    d.rectangle([2, 2, layer.width - 3, layer.height - 3], outline=255, width=max(2, size // 10))
    d.text((layer.width // 2, layer.height // 2), text, font=font, fill=255, anchor="mm")
    layer = layer.rotate(rng.uniform(-15, 15), expand=True)
    noise = noise_image(layer.size, 70, rng).point(lambda v: min(255, 100 + v))
    layer = ImageChops.multiply(layer, noise)
    x, y = _over_text(img, layer.size, rng)
    ink = Image.new("RGB", layer.size, (255, 255, 255))
    ink.paste((200, 40, 50), (0, 0), layer)
    region = img.convert("RGB").crop((x, y, x + layer.width, y + layer.height))
    out = img.convert("RGB").copy()
    out.paste(ImageChops.multiply(region, ink.crop((0, 0, region.width, region.height))), (x, y))
    return out


OPS: dict[str, Op] = {
    "skew": _skew,
    "rotate": _rotate,
    "photo": _photo,
    "blur": _blur,
    "noise": _noise,
    "lighting": _lighting,
    "lowres": _lowres,
    "photocopy": _photocopy,
    "fold": _fold,
    "cut": _cut,
    "stamp": _stamp,
}


def flatten(img: Image.Image, bg: tuple[int, int, int] = (240, 240, 240)) -> Image.Image:
    if img.mode == "RGBA":
        base = Image.new("RGB", img.size, bg)
        base.paste(img, (0, 0), img)
        return base
    return img.convert("RGB")


def apply(img: Image.Image, ops: Sequence[str], rng: random.Random) -> Image.Image:
    out = img if (img.mode == "RGBA" and ops and ops[0].startswith("photo")) else flatten(img)
    for op in ops:
        name, _, arg = op.partition(":")
        if name not in OPS:
            raise ValueError(f"unknown degradation {op!r}")
        out = OPS[name](out, rng, arg)
        if out.mode == "RGBA" and name != "photo":
            bg = Image.new("RGB", out.size, (240, 240, 240))
            bg.paste(out, (0, 0), out)
            out = bg
    if out.mode != "RGB":
        out = out.convert("RGB")
    return out
