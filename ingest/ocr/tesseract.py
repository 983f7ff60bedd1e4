"""Tesseract (`chi_sim`, from Debian) through its command line: the benchmark's baseline."""

from __future__ import annotations

import csv
import io
import re
import shutil
import subprocess
from functools import cache

import cv2

from ingest.ocr.base import EngineUnavailableError, OcrEngine, OcrOutput, reading_order
from ingest.pages import Image
from ingest.settings import IngestSettings
from models.documents import OcrLine

_CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")


@cache
def tesseract_version(cmd: str) -> str | None:
    if shutil.which(cmd) is None:
        return None
    out = subprocess.run([cmd, "--version"], capture_output=True, text=True, check=False)
    first = (out.stdout or out.stderr).splitlines()
    return first[0].split()[-1] if first else "unknown"


@cache
def tesseract_languages(cmd: str) -> frozenset[str]:
    out = subprocess.run([cmd, "--list-langs"], capture_output=True, text=True, check=False)
    return frozenset(line.strip() for line in out.stdout.splitlines()[1:] if line.strip())


def _join(a: str, b: str) -> str:
    if a and b and (_CJK.match(a[-1]) or _CJK.match(b[0])):
        return a + b
    return f"{a} {b}" if a else b


class TesseractEngine(OcrEngine):
    name = "tesseract"

    def __init__(self, settings: IngestSettings) -> None:
        self.cmd = settings.tesseract_cmd
        self.lang = settings.tesseract_lang
        version = tesseract_version(self.cmd)
        if version is None:
            raise EngineUnavailableError(
                f"{self.cmd!r} not found: apt-get install tesseract-ocr tesseract-ocr-chi-sim"
            )
        missing = set(self.lang.split("+")) - tesseract_languages(self.cmd)
        if missing:
            raise EngineUnavailableError(f"tesseract language data missing: {sorted(missing)}")
        self._version = version

    @property
    def version(self) -> str:
        return f"tesseract-{self._version}-{self.lang}"

    def recognize(self, image: Image) -> OcrOutput:
        ok, png = cv2.imencode(".png", image)
        if not ok:
            raise RuntimeError("could not encode the page for tesseract")
        proc = subprocess.run(
            [self.cmd, "stdin", "stdout", "-l", self.lang, "--psm", "3", "tsv"],
            input=png.tobytes(),
            capture_output=True,
            check=False,
            env={"OMP_THREAD_LIMIT": "1", "PATH": "/usr/bin:/bin:/usr/local/bin"},
        )
        if proc.returncode != 0:
            raise RuntimeError(f"tesseract failed with exit code {proc.returncode}")
        reader = csv.DictReader(
            io.StringIO(proc.stdout.decode("utf-8", "replace")),
            delimiter="\t",
            quoting=csv.QUOTE_NONE,
        )
        groups: dict[tuple[str, str, str, str], list[dict[str, str]]] = {}
        for row in reader:
            if row.get("level") != "5" or not (row.get("text") or "").strip():
                continue
            key = (row["page_num"], row["block_num"], row["par_num"], row["line_num"])
            groups.setdefault(key, []).append(row)
        lines: list[OcrLine] = []
        for words in groups.values():
            text = ""
            for w in words:
                text = _join(text, w["text"].strip())
            x0 = min(int(w["left"]) for w in words)
            y0 = min(int(w["top"]) for w in words)
            x1 = max(int(w["left"]) + int(w["width"]) for w in words)
            y1 = max(int(w["top"]) + int(w["height"]) for w in words)
            confs = [float(w["conf"]) for w in words if float(w["conf"]) >= 0]
            conf = sum(confs) / len(confs) / 100 if confs else 0.0
            poly = [(float(x0), float(y0)), (float(x1), float(y0)), (float(x1), float(y1))]
            poly.append((float(x0), float(y1)))
            lines.append(OcrLine(text=text, polygon=poly, confidence=min(1.0, max(0.0, conf))))
        return OcrOutput(reading_order(lines), None)
