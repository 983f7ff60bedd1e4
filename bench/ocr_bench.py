"""OCR benchmark: PP-OCR (RapidOCR) and tesseract side by side, end to end (normalise + OCR).

    python -m bench.ocr_bench [--dir DIR ...] [--engines rapidocr,tesseract] [--out FILE]

Page sets: a built-in generated set (clean and degraded A4 pages at 200 dpi, always), the pages
of `samples/cases/*/` and every directory given with --dir (images with a `NAME.txt` ground
truth beside them, or a `truth/NAME.txt`; pages without truth count for speed only), and
`../shared/realdata/` when present. Measured per engine and set: per-page latency (median, p95)
with one process, pages per second with two worker processes (both cores busy), peak RSS and
the character error rate. Digital PDF pages per second (text layer) are measured once.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import resource
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from numpy.typing import NDArray

from bench.cer import cer
from bench.synthetic import document_text, encode, generated_set, qr_image
from ingest.pipeline import Pipeline
from ingest.settings import EngineName, IngestSettings
from ingest.storage.base import Storage
from models.documents import PageRef

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".webp"}
ROOT = Path(__file__).resolve().parent.parent


class MemoryStorage(Storage):
    def __init__(self) -> None:
        self.blobs: dict[str, bytes] = {}

    def put(self, key: str, data: bytes, content_type: str = "application/octet-stream") -> None:
        self.blobs[key] = data

    def get(self, key: str) -> bytes:
        return self.blobs[key]

    def exists(self, key: str) -> bool:
        return key in self.blobs

    def url(self, key: str, expires_seconds: int = 3600) -> str:
        return f"memory://{key}"


@dataclass
class BenchPage:
    set: str
    name: str
    path: Path | None = None
    truth: str | None = None
    image: NDArray[np.uint8] | None = None

    def load(self) -> NDArray[np.uint8]:
        if self.image is not None:
            return self.image
        assert self.path is not None
        img = cv2.imread(str(self.path), cv2.IMREAD_COLOR)
        if img is None:
            raise ValueError(f"cannot read {self.path}")
        return np.asarray(img, dtype=np.uint8)


@dataclass
class EngineRun:
    latencies: list[float] = field(default_factory=list)
    cers: dict[str, float] = field(default_factory=dict)
    peak_rss_mb: float = 0.0
    error: str | None = None


def _truth_for(image: Path) -> str | None:
    for candidate in (image.with_suffix(".txt"), image.parent / "truth" / f"{image.stem}.txt"):
        if candidate.is_file():
            return candidate.read_text(encoding="utf-8")
    expected = image.parent / "expected.json"
    if expected.is_file():
        try:
            doc = json.loads(expected.read_text(encoding="utf-8"))
        except ValueError:
            return None
        pages = doc.get("pages") if isinstance(doc, dict) else None
        if isinstance(pages, dict) and isinstance(pages.get(image.name), str):
            return str(pages[image.name])
    return None


def directory_pages(directory: Path, set_name: str) -> list[BenchPage]:
    pages = []
    for path in sorted(directory.rglob("*")):
        if path.suffix.lower() in IMAGE_SUFFIXES and "truth" not in path.parts:
            pages.append(
                BenchPage(set_name, str(path.relative_to(directory)), path, _truth_for(path))
            )
    return pages


def readable(page: BenchPage) -> bool:
    try:
        page.load()
    except ValueError:
        return False
    return True


def collect_pages(
    dirs: list[Path], n_generated: int, with_samples: bool = True, limit: int = 0
) -> list[BenchPage]:
    """Every page to measure; files that cannot be read (still being written) are left out."""
    pages = [
        BenchPage(
            "generated-degraded" if p.degraded else "generated-clean",
            p.name,
            None,
            p.truth,
            p.image,
        )
        for p in generated_set(n_generated, n_generated)
    ]
    found: list[BenchPage] = []
    if with_samples:
        for d in sorted((ROOT / "samples" / "cases").glob("*/")):
            found += directory_pages(d, "samples")
        realdata = ROOT.parent / "shared" / "realdata"
        if realdata.is_dir():
            found += directory_pages(realdata, "realdata")
    for d in dirs:
        found += directory_pages(d, d.name)
    per_set: dict[str, int] = {}
    for page in found:
        if limit and per_set.get(page.set, 0) >= limit:
            continue
        if readable(page):
            per_set[page.set] = per_set.get(page.set, 0) + 1
            pages.append(page)
    return pages


def _settings(engine: EngineName, threads: int) -> IngestSettings:
    return IngestSettings(data_dir=Path("/nonexistent"), ocr_engine=engine, ocr_threads=threads)


def _run_engine(engine: EngineName, pages: list[BenchPage], threads: int) -> EngineRun:
    """In a fresh process: per-page latency, CER, peak RSS (own and children's)."""
    from ingest.ocr import get_engine

    run = EngineRun()
    settings = _settings(engine, threads)
    try:
        pipeline = Pipeline(MemoryStorage(), get_engine(settings), settings, store_images=False)
        pipeline.analyse_image(pages[0].load(), PageRef(file_sha256="0" * 64, index=0))  # warm up
    except Exception as exc:
        run.error = f"{type(exc).__name__}: {exc}"
        return run
    for i, page in enumerate(pages):
        image = page.load()
        started = time.perf_counter()
        result, _ = pipeline.analyse_image(image, PageRef(file_sha256="0" * 64, index=i))
        run.latencies.append(time.perf_counter() - started)
        if page.truth is not None:
            text = "\n".join(ln.text for ln in result.page.lines)
            run.cers[f"{page.set}/{page.name}"] = cer(page.truth, text)
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    run.peak_rss_mb = round(max(own, children), 1)
    return run


_WORKER: Pipeline | None = None


def _init_worker(engine: EngineName) -> None:
    global _WORKER
    from ingest.ocr import get_engine

    settings = _settings(engine, 1)
    _WORKER = Pipeline(MemoryStorage(), get_engine(settings), settings, store_images=False)


def _worker_page(page: BenchPage) -> float:
    assert _WORKER is not None
    started = time.perf_counter()
    _WORKER.analyse_image(page.load(), PageRef(file_sha256="0" * 64, index=0))
    return time.perf_counter() - started


def throughput(engine: EngineName, pages: list[BenchPage], workers: int = 2) -> float:
    with ProcessPoolExecutor(workers, initializer=_init_worker, initargs=(engine,)) as pool:
        list(pool.map(_worker_page, pages[:workers]))  # load the models in every worker
        started = time.perf_counter()
        list(pool.map(_worker_page, pages))
        return len(pages) / (time.perf_counter() - started)


def digital_pdf(n_pages: int = 20) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    for i in range(n_pages):
        c.setFont("STSong-Light", 11)
        y = 780.0
        for line in document_text(seed=i):
            c.drawString(60, y, line)
            y -= 22
        qr = ImageReader(io.BytesIO(encode(qr_image(f"01,32,035001900111,{i:08d},1234.50"))))
        c.drawImage(qr, 440, 640, width=100, height=100)
        c.showPage()
    c.save()
    return buf.getvalue()


def digital_pages_per_second(n_pages: int = 20) -> float:
    data = digital_pdf(n_pages)
    settings = _settings("rapidocr", 0)

    class NoOcr:
        name = "none"
        version = "none"

        def recognize(self, image: Any) -> Any:
            raise AssertionError("digital pages are never OCR'd")

    pipeline = Pipeline(MemoryStorage(), NoOcr(), settings)  # type: ignore[arg-type]
    started = time.perf_counter()
    result = pipeline.process(data, "digital.pdf")
    elapsed = time.perf_counter() - started
    assert result.ok and all(p.page.source == "text_layer" for p in result.pages)
    return n_pages / elapsed


def _pct(values: list[float], q: float) -> float:
    return float(np.percentile(values, q)) if values else float("nan")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument(
        "--dir", type=Path, action="append", default=[], help="images + *.txt truth"
    )
    parser.add_argument("--engines", default="rapidocr,tesseract")
    parser.add_argument("--generated", type=int, default=4, help="generated pages per kind")
    parser.add_argument("--no-throughput", action="store_true")
    parser.add_argument("--no-samples", action="store_true", help="skip samples/ and realdata")
    parser.add_argument("--limit", type=int, default=0, help="at most N pages per directory set")
    parser.add_argument("--out", type=Path, default=ROOT / "out" / "ocr_bench.json")
    args = parser.parse_args(argv)
    engines: list[EngineName] = []
    for name in args.engines.split(","):
        if name.strip() in ("rapidocr", "paddleocr", "tesseract"):
            engines.append(name.strip())
    pages = collect_pages(args.dir, args.generated, not args.no_samples, args.limit)
    sets = sorted({p.set for p in pages})
    report: dict[str, Any] = {
        "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]},
        "pages": {s: sum(1 for p in pages if p.set == s) for s in sets},
        "engines": {},
    }
    for engine in engines:
        with ProcessPoolExecutor(1) as pool:  # a fresh process: its own peak RSS
            run = pool.submit(_run_engine, engine, pages, 0).result()
        entry: dict[str, Any] = {"error": run.error, "peak_rss_mb": run.peak_rss_mb, "sets": {}}
        if run.error is None:
            for s in sets:
                idx = [i for i, p in enumerate(pages) if p.set == s]
                lat = [run.latencies[i] for i in idx]
                cers = [v for k, v in run.cers.items() if k.startswith(f"{s}/")]
                entry["sets"][s] = {
                    "pages": len(idx),
                    "latency_median_s": round(statistics.median(lat), 3),
                    "latency_p95_s": round(_pct(lat, 95), 3),
                    "cer": round(statistics.mean(cers), 4) if cers else None,
                    "cer_max": round(max(cers), 4) if cers else None,
                }
            if not args.no_throughput:
                entry["pages_per_second_2_workers"] = round(throughput(engine, pages), 2)
        report["engines"][engine] = entry
    report["digital_pdf_pages_per_second"] = round(digital_pages_per_second(), 1)
    _print(report)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"written: {args.out}")
    return 0


def _print(report: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="OCR benchmark (end to end: normalise + OCR)")
    for col in (
        "engine",
        "set",
        "pages",
        "median s",
        "p95 s",
        "CER",
        "CER max",
        "pages/s (2 workers)",
        "peak RSS MB",
    ):
        table.add_column(col, justify="right" if col not in ("engine", "set") else "left")
    for engine, entry in report["engines"].items():
        if entry["error"]:
            table.add_row(engine, "—", "", "", "", "", "", "", "", end_section=True)
            table.add_row(f"  error: {entry['error']}", *[""] * 8)
            continue
        for s, m in entry["sets"].items():
            table.add_row(
                engine,
                s,
                str(m["pages"]),
                f"{m['latency_median_s']:.2f}",
                f"{m['latency_p95_s']:.2f}",
                "n/a" if m["cer"] is None else f"{m['cer'] * 100:.2f}%",
                "n/a" if m["cer_max"] is None else f"{m['cer_max'] * 100:.2f}%",
                str(entry.get("pages_per_second_2_workers", "")),
                str(entry["peak_rss_mb"]),
            )
    Console(width=170).print(table)
    Console().print(
        f"digital PDF pages (text layer + QR): {report['digital_pdf_pages_per_second']} pages/s"
    )


if __name__ == "__main__":
    raise SystemExit(main())
