"""Generated test pages: Chinese text rendered onto A4 at 200 dpi, clean or degraded.

Used by the ingest tests and by the OCR benchmark's built-in set (runs with no samples present).
"""

from __future__ import annotations

import io
import random
import subprocess
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import cv2
import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageDraw, ImageFont

A4_200DPI = (1654, 2339)

_FONT_CANDIDATES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
)


@cache
def cjk_font_path() -> Path | None:
    """A CJK font installed here: the project's font package, else a system font."""
    try:
        import pylopdf_fonts_zh_cn as pkg

        path = Path(pkg.sans_path())
        if path.is_file():
            return path
    except ImportError:
        pass
    for candidate in _FONT_CANDIDATES:
        if Path(candidate).is_file():
            return Path(candidate)
    try:
        out = subprocess.run(
            ["fc-list", ":lang=zh", "file"], capture_output=True, text=True, check=False
        )
    except FileNotFoundError:
        return None
    for line in out.stdout.splitlines():
        path = Path(line.split(":")[0].strip())
        if path.is_file():
            return path
    return None


@cache
def font(px: int) -> ImageFont.FreeTypeFont:
    path = cjk_font_path()
    if path is None:
        raise RuntimeError("no CJK font: pip install pylopdf-fonts-zh-cn or apt fonts-noto-cjk")
    return ImageFont.truetype(str(path), px)


_LINES = [
    "福建省医疗住院收费票据（电子）",
    "交款人：林晓梅  性别：女  医保类型：职工基本医疗保险",
    "住院号：2024031578  住院科别：心血管内科",
    "住院时间：2024年03月02日至2024年03月15日 共13天",
    "项目名称  金额（元）  项目名称  金额（元）",
    "床位费 520.00  检查费 1386.50",
    "治疗费 2240.00  化验费 968.30",
    "西药费 3125.80  中成药费 412.60",
    "卫生材料费 756.00  护理费 390.00",
    "合计（大写）人民币玖仟柒佰玖拾玖元贰角",
    "合计（小写）9799.20",
    "医保统筹基金支付：6532.47  个人账户支付：1200.00",
    "个人现金支付：2066.73  其中自费：318.40",
    "收款单位：福州市第一医院（章）  复核人：陈建国",
    "出院诊断：冠状动脉粥样硬化性心脏病",
    "开票日期：2024年03月15日  票据代码：35010124",
]


@dataclass
class SyntheticPage:
    name: str
    image: NDArray[np.uint8]
    """BGR, as OpenCV and the pipeline use."""
    lines: list[str]
    degraded: bool = False

    @property
    def truth(self) -> str:
        return "\n".join(self.lines)


def render_lines(
    lines: list[str],
    size: tuple[int, int] = A4_200DPI,
    px: int = 34,
    margin: int = 140,
    spacing: float = 2.0,
) -> NDArray[np.uint8]:
    img = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(img)
    f = font(px)
    y = margin
    for line in lines:
        draw.text((margin, y), line, font=f, fill=(20, 20, 20))
        y += int(px * spacing)
    return np.asarray(img)[:, :, ::-1].copy()


def document_text(seed: int = 0, n: int = 16) -> list[str]:
    rng = random.Random(seed)
    lines = list(_LINES)
    rng.shuffle(lines)
    return lines[:n]


def add_seal(image: NDArray[np.uint8], centre: tuple[int, int], radius: int = 150) -> None:
    """Draw a red round seal (ring, star and text band) in place."""
    red = (40, 40, 210)
    cv2.circle(image, centre, radius, red, 8, cv2.LINE_AA)
    cv2.circle(image, centre, radius - 22, red, 2, cv2.LINE_AA)
    cx, cy = centre
    star = np.array(
        [
            (
                cx + (radius * 0.28 if i % 2 == 0 else radius * 0.11) * np.sin(i * np.pi / 5),
                cy - (radius * 0.28 if i % 2 == 0 else radius * 0.11) * np.cos(i * np.pi / 5),
            )
            for i in range(10)
        ],
        dtype=np.int32,
    )
    cv2.fillPoly(image, [star], red, cv2.LINE_AA)
    overlay = image.copy()
    cv2.ellipse(overlay, centre, (radius - 40, radius - 40), 0, 200, 340, red, 18)
    cv2.addWeighted(overlay, 0.8, image, 0.2, 0, dst=image)


def qr_image(payload: str, scale: int = 6) -> NDArray[np.uint8]:
    import segno

    buf = io.BytesIO()
    segno.make(payload, error="m").save(buf, kind="png", scale=scale, border=4)
    buf.seek(0)
    return np.asarray(Image.open(buf).convert("RGB"))[:, :, ::-1].copy()


def paste(image: NDArray[np.uint8], patch: NDArray[np.uint8], x: int, y: int) -> None:
    h, w = patch.shape[:2]
    image[y : y + h, x : x + w] = patch


def rotate(image: NDArray[np.uint8], angle: float) -> NDArray[np.uint8]:
    """Rotate counter-clockwise by `angle` degrees on a white, enlarged canvas."""
    h, w = image.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    cos, sin = abs(m[0, 0]), abs(m[0, 1])
    nw, nh = int(h * sin + w * cos), int(h * cos + w * sin)
    m[0, 2] += nw / 2 - w / 2
    m[1, 2] += nh / 2 - h / 2
    out = cv2.warpAffine(image, m, (nw, nh), borderValue=(255, 255, 255))
    return np.asarray(out, dtype=np.uint8)


def degrade(image: NDArray[np.uint8], seed: int = 0) -> NDArray[np.uint8]:
    """A poor scan: slight skew, blur, uneven lighting, noise and JPEG artefacts."""
    rng = np.random.default_rng(seed)
    out = rotate(image, float(rng.uniform(-2.0, 2.0)))
    out = np.asarray(cv2.GaussianBlur(out, (0, 0), 1.0), dtype=np.uint8)
    w = out.shape[1]
    shade = np.linspace(0.82, 1.0, w, dtype=np.float32)[None, :, None]
    noisy = out.astype(np.float32) * shade + rng.normal(0, 8, out.shape).astype(np.float32)
    out = np.clip(noisy, 0, 255).astype(np.uint8)
    ok, jpg = cv2.imencode(".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, 55])
    assert ok
    return np.asarray(cv2.imdecode(jpg, cv2.IMREAD_COLOR), dtype=np.uint8)


def generated_set(n_clean: int = 3, n_degraded: int = 3) -> list[SyntheticPage]:
    pages: list[SyntheticPage] = []
    for i in range(n_clean):
        lines = document_text(seed=i)
        pages.append(SyntheticPage(f"clean-{i}", render_lines(lines), lines))
    for i in range(n_degraded):
        lines = document_text(seed=100 + i)
        img = degrade(render_lines(lines), seed=i)
        pages.append(SyntheticPage(f"degraded-{i}", img, lines, degraded=True))
    return pages


def encode(image: NDArray[np.uint8], ext: str = ".png", **params: int) -> bytes:
    flags: list[int] = []
    if ext in {".jpg", ".jpeg"}:
        flags = [cv2.IMWRITE_JPEG_QUALITY, params.get("quality", 90)]
    ok, buf = cv2.imencode(ext, image, flags)
    if not ok:
        raise ValueError(f"cannot encode {ext}")
    return bytes(np.asarray(buf).tobytes())
