"""居民身份证: front (人像面) and back (国徽面), 85.6 × 54 mm, with the pale guilloche ground."""

from __future__ import annotations

import datetime as dt
import math
import random
from dataclasses import dataclass
from typing import Any

from PIL import Image, ImageDraw, ImageFilter

from samples.fonts import Face, pil_font
from samples.people import Person
from samples.render.base import PilPage, Rendered, wrap

CARD_W, CARD_H = 85.6, 54.0
CARD_DPI = 300


@dataclass
class IdCardValues:
    name: str
    sex: str
    ethnicity: str
    birth_date: dt.date
    address: str
    id_number: str
    issuing_authority: str
    valid_from: dt.date
    valid_until: dt.date | None

    @classmethod
    def from_person(cls, p: Person) -> IdCardValues:
        return cls(
            p.name,
            p.sex,
            p.ethnicity,
            p.birth_date,
            p.address,
            p.id_number,
            p.issuing_authority,
            p.valid_from,
            p.valid_until,
        )

    def fields(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "sex": self.sex,
            "ethnicity": self.ethnicity,
            "birth_date": self.birth_date.isoformat(),
            "address": self.address,
            "id_number": self.id_number,
            "issuing_authority": self.issuing_authority,
            "valid_from": self.valid_from.isoformat(),
            "valid_until": "长期" if self.valid_until is None else self.valid_until.isoformat(),
        }


def _ground(page: PilPage, rng: random.Random, tint: tuple[int, int, int]) -> None:
    """Pale multicolour guilloche ground with rounded corners."""
    w, h = page.img.size
    base = Image.new("RGB", (w, h), (236, 240, 238))
    d = ImageDraw.Draw(base)
    for y in range(h):  # soft vertical gradient: blue-green top to pale pink-beige bottom
        t = y / h
        d.line([(0, y), (w, y)], fill=(int(226 + 20 * t), int(236 + 4 * t), int(240 - 12 * t)))
    phase = rng.uniform(0, 6.28)
    for k in range(0, h + 40, 7):
        pts = [
            (float(x), k + 9 * math.sin(x / 37.0 + phase + k / 53.0)) for x in range(0, w + 8, 8)
        ]
        d.line(pts, fill=(tint[0], tint[1], tint[2]), width=1)
    for k in range(0, w + 40, 11):
        pts = [(k + 7 * math.sin(y / 29.0 + phase), float(y)) for y in range(0, h + 8, 8)]
        d.line(pts, fill=(222, 226, 232), width=1)
    # faint 长城 outline hint and the centre rosette
    cx, cy = w * 0.42, h * 0.55
    for r in range(20, int(h * 0.45), 14):
        d.ellipse([cx - r * 1.3, cy - r, cx + r * 1.3, cy + r], outline=(228, 220, 226))
    page.img.paste(base)


def _rounded(img: Image.Image, radius: int) -> Image.Image:
    mask = Image.new("L", img.size, 0)
    ImageDraw.Draw(mask).rounded_rectangle([0, 0, img.width - 1, img.height - 1], radius, fill=255)
    out = Image.new("RGBA", img.size, (0, 0, 0, 0))
    out.paste(img, (0, 0), mask)
    return out


def _portrait(w: int, h: int, rng: random.Random, female: bool) -> Image.Image:
    im = Image.new("RGBA", (w, h), (0, 0, 0, 0))
    d = ImageDraw.Draw(im)
    skin = (rng.randint(200, 225), rng.randint(170, 190), rng.randint(150, 165), 255)
    hair = (rng.randint(20, 45),) * 3 + (255,)
    d.ellipse([w * 0.05, h * 0.72, w * 0.95, h * 1.35], fill=(rng.randint(30, 90),) * 3 + (255,))
    d.rectangle([w * 0.4, h * 0.55, w * 0.6, h * 0.8], fill=skin)
    if female:
        d.ellipse([w * 0.18, h * 0.08, w * 0.82, h * 0.78], fill=hair)
    d.ellipse([w * 0.24, h * 0.12, w * 0.76, h * 0.66], fill=skin)
    d.chord([w * 0.22, h * 0.06, w * 0.78, h * 0.5], 180, 360, fill=hair)
    for ex in (0.38, 0.62):
        d.ellipse([w * ex - 6, h * 0.38 - 3, w * ex + 6, h * 0.38 + 3], fill=(40, 40, 40, 255))
    d.line([(w * 0.42, h * 0.53), (w * 0.58, h * 0.53)], fill=(150, 80, 80, 255), width=3)
    return im.filter(ImageFilter.GaussianBlur(1.2))


def front(v: IdCardValues, rng: random.Random) -> tuple[Image.Image, list[str]]:
    """The 人像面 and the strings printed on it."""
    p = PilPage(CARD_W, CARD_H, CARD_DPI)
    _ground(p, rng, (214, 226, 236))
    lab = (45, 105, 160)  # the blue labels printed on the card
    ink = (20, 20, 20)
    p.text(6, 10.5, "姓  名", 7.2, Face.SANS, lab)
    p.text(17, 10.5, v.name, 11, Face.SANS, ink)
    p.text(6, 17.5, "性  别", 7.2, Face.SANS, lab)
    p.text(17, 17.5, v.sex, 9, Face.SANS, ink)
    p.text(28, 17.5, "民  族", 7.2, Face.SANS, lab)
    p.text(38.5, 17.5, v.ethnicity, 9, Face.SANS, ink)
    p.text(6, 24, "出  生", 7.2, Face.SANS, lab)
    b = v.birth_date
    p.text(17, 24, f"{b.year}", 9, Face.SANS, ink)
    p.text(26.5, 24, "年", 7.2, Face.SANS, lab)
    p.text(31, 24, f"{b.month}", 9, Face.SANS, ink)
    p.text(35, 24, "月", 7.2, Face.SANS, lab)
    p.text(39.5, 24, f"{b.day}", 9, Face.SANS, ink)
    p.text(44, 24, "日", 7.2, Face.SANS, lab)
    p.text(6, 31, "住  址", 7.2, Face.SANS, lab)
    for i, line in enumerate(wrap(v.address, 38, 9, Face.SANS)[:3]):
        p.text(17, 31 + i * 4.6, line, 9, Face.SANS, ink)
    p.text(6, 48.5, "公民身份号码", 7.2, Face.SANS, lab)
    p.text(29, 48.7, v.id_number, 11.5, Face.SANS, ink)
    por = _portrait(p.px(26), p.px(33), rng, v.sex == "女")
    p.img.paste(por, (p.px(55), p.px(6)), por)
    return _rounded(p.img, p.px(3.2)), p.texts


def back(v: IdCardValues, rng: random.Random) -> tuple[Image.Image, list[str]]:
    """The 国徽面 and the strings printed on it (the emblem's star is not text)."""
    p = PilPage(CARD_W, CARD_H, CARD_DPI)
    _ground(p, rng, (236, 222, 214))
    red = (205, 45, 45)
    # 国徽 placeholder: a red disc with gold stars
    cx, cy, r = p.px(14), p.px(14), p.px(9)
    d = p.draw
    d.ellipse([cx - r, cy - r, cx + r, cy + r], fill=red)
    d.ellipse(
        [cx - r * 0.62, cy - r * 0.62, cx + r * 0.62, cy + r * 0.62],
        outline=(240, 200, 60),
        width=4,
    )
    d.text((cx, cy), "★", font=pil_font(Face.SANS, int(r * 0.8)), fill=(245, 205, 60), anchor="mm")
    p.text(30, 13, "中华人民共和国", 13, Face.SANS, (20, 20, 20))
    p.text(30, 25, "居民身份证", 19, Face.SERIF, (20, 20, 20))
    lab = (20, 20, 20)
    p.text(17, 41.5, "签发机关", 7.2, Face.SANS, lab)
    p.text(32, 41.5, v.issuing_authority, 9, Face.SANS, lab)
    p.text(17, 48, "有效期限", 7.2, Face.SANS, lab)
    until = "长期" if v.valid_until is None else f"{v.valid_until:%Y.%m.%d}"
    p.text(32, 48, f"{v.valid_from:%Y.%m.%d}-{until}", 9, Face.SANS, lab)
    return _rounded(p.img, p.px(3.2)), p.texts


def render(v: IdCardValues, rng: random.Random) -> Rendered:
    """Both sides as RGBA card images (to be photographed or photocopied by the presenter)."""
    face, face_text = front(v, rng)
    rear, rear_text = back(v, rng)
    return Rendered("id_card", v.fields(), [face, rear], card=True, texts=[face_text, rear_text])
