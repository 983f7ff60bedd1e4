"""OCR benchmark: PP-OCR (RapidOCR) and tesseract side by side, end to end (normalise + OCR).

    python -m bench.ocr_bench [--dir DIR ...] [--engines rapidocr,tesseract] [--out FILE]

Page sets: a built-in generated set (clean and degraded A4 pages at 200 dpi, always), the pages
of `samples/cases/*/` split into `samples-clean` and `samples-degraded`, every directory given
with --dir (images with a `NAME.txt` ground truth beside them, or a `truth/NAME.txt`; pages
without truth count for speed only), and `../shared/realdata/` when present.

Every page of every file is measured the way the pipeline reads it (`ingest.intake.iter_pages`:
image files decoded upright, scanned PDF pages rendered at `pdf_render_dpi`); PDF pages read from
their text layer (electronic invoices) are not OCR'd by the pipeline and are left out (counted
in the report as `text_layer_pages`). A sample page's truth is its `page_text` entry in the
case's expected.json. A sample page is `samples-clean` when its case's style is "clean" and the
page was given no degradation beyond that style's flatbed scan (`lowres:150`, and the photocopy
of an ID card): a page deliberately blurred beyond reading, cut off or stamped over in a clean
case counts as degraded.

Measured per engine and set: per-page latency (median, p95) with one process, pages per second
with two worker processes (both cores busy), peak RSS and the character error rate: the
reading-order independent, recall-oriented CER of `bench.cer.score_page` (mean over pages, and
pooled over all truth characters), with the bag-of-characters precision beside it; the five
worst pages per engine with their worst truth strings. Digital PDF pages per second (text
layer) are measured once.
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

import numpy as np
from numpy.typing import NDArray

from bench.cer import PageScore, score_page
from bench.synthetic import document_text, encode, generated_set, qr_image
from ingest import sniff
from ingest.errors import IntakeError
from ingest.intake import check_file, iter_pages
from ingest.pipeline import Pipeline
from ingest.settings import EngineName, IngestSettings
from ingest.storage.base import Storage
from models.documents import PageRef

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp", ".webp"}
PAGE_SUFFIXES = IMAGE_SUFFIXES | {".pdf"}
ROOT = Path(__file__).resolve().parent.parent
# Degradations a page of a "clean" sample case may carry and still count as a clean scan: the
# flatbed scan at 150 dpi every scanned page gets, and the photocopy an ID card is often given.
CLEAN_OPS = frozenset({"lowres:150", "photocopy"})


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
    truth: list[str] | None = None
    """The strings printed on the page (any order), or None: no ground truth."""
    image: NDArray[np.uint8] | None = None
    index: int = 0
    """The page of the file (0-based)."""
    ops: list[str] | None = None
    """Sample pages: the degradations the generator applied."""

    def load(self) -> NDArray[np.uint8]:
        if self.image is not None:
            return self.image
        assert self.path is not None
        return read_page(self.path.read_bytes(), self.index)


@dataclass
class EngineRun:
    latencies: list[float] = field(default_factory=list)
    scores: dict[str, PageScore] = field(default_factory=dict)
    peak_rss_mb: float = 0.0
    error: str | None = None


def _settings(engine: EngineName, threads: int) -> IngestSettings:
    return IngestSettings(data_dir=Path("/nonexistent"), ocr_engine=engine, ocr_threads=threads)


def read_page(data: bytes, index: int) -> NDArray[np.uint8]:
    """Page `index` of a file as the pipeline decodes it (upright image pixels, a scanned PDF
    page rendered at the pipeline's dpi); ValueError if unreadable or read from a text layer."""
    settings = _settings("rapidocr", 0)
    try:
        checked = check_file(data, settings)
        skip = frozenset(range(checked.page_count)) - {index}
        for raw in iter_pages(data, checked.media_type, settings, skip):
            if raw.source == "pdf_text" or raw.image is None:
                raise ValueError(f"page {index} is read from the text layer, not OCR'd")
            return np.asarray(raw.image, dtype=np.uint8)
    except IntakeError as exc:
        raise ValueError(f"unreadable: {exc.code}") from None
    raise ValueError(f"no page {index}")


def ocr_pages(path: Path) -> tuple[list[int], int]:
    """The pages of a file the pipeline OCRs (0-based) and how many it reads from a text layer.

    PDF pages are all decoded once here (that is how the text layer is recognised); image files
    are only checked: a file that cannot be decoded fails `readable` later."""
    data = path.read_bytes()
    settings = _settings("rapidocr", 0)
    try:
        checked = check_file(data, settings)
        if checked.media_type != sniff.PDF:
            return list(range(checked.page_count)), 0
        ocr: list[int] = []
        text_layer = 0
        for raw in iter_pages(data, checked.media_type, settings):
            if raw.source == "pdf_text":
                text_layer += 1
            else:
                ocr.append(raw.index)
        return ocr, text_layer
    except (IntakeError, ValueError, OSError):
        return [], 0


def page_key(path: Path, index: int) -> str:
    """A page's name in expected.json `page_text`: `scan_01.jpg`, `scan_02.pdf#2` (1-based)."""
    if path.suffix.lower() == ".pdf" or index:
        return f"{path.name}#{index + 1}"
    return path.name


def _lines(text: str) -> list[str]:
    return [ln for ln in text.splitlines() if ln.strip()]


def _truth_for(path: Path, index: int) -> list[str] | None:
    if index == 0 and path.suffix.lower() != ".pdf":
        for candidate in (path.with_suffix(".txt"), path.parent / "truth" / f"{path.stem}.txt"):
            if candidate.is_file():
                return _lines(candidate.read_text(encoding="utf-8"))
    expected = path.parent / "expected.json"
    if expected.is_file():
        return _page_text(expected).get(page_key(path, index))
    return None


def _expected(path: Path) -> dict[str, Any]:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return doc if isinstance(doc, dict) else {}


def _page_text(expected: Path) -> dict[str, list[str]]:
    pages = _expected(expected).get("page_text")
    if not isinstance(pages, dict):
        return {}
    return {
        k: [str(s) for s in v] if isinstance(v, list) else _lines(str(v)) for k, v in pages.items()
    }


def directory_pages(directory: Path, set_name: str) -> tuple[list[BenchPage], int]:
    """Every OCR'd page of the image and PDF files under `directory`; and the text-layer pages."""
    pages = []
    text_layer = 0
    for path in sorted(directory.rglob("*")):
        rel = path.relative_to(directory)
        if path.suffix.lower() not in PAGE_SUFFIXES or "truth" in rel.parts or not path.is_file():
            continue
        indices, skipped = ocr_pages(path)
        text_layer += skipped
        for i in indices:
            name = str(rel.parent / page_key(path, i))
            pages.append(BenchPage(set_name, name, path, _truth_for(path, i), index=i))
    return pages, text_layer


def sample_set(style: str, ops: list[str] | None) -> str:
    """`samples-clean` for a clean case's page given no degradation beyond the plain scan."""
    clean = style == "clean" and set(ops or ()) <= CLEAN_OPS
    return "samples-clean" if clean else "samples-degraded"


def case_styles() -> dict[str, str]:
    from samples.cases import CASES

    return {c.id: c.style for c in CASES}


def sample_pages(cases: Path, limit: int = 0) -> tuple[list[BenchPage], int]:
    """The sample cases' OCR'd pages with their truth, split clean / degraded by case style.

    With `limit`, stops reading files once both sets hold `limit` pages (`collect_pages` then
    keeps the first `limit` of each)."""
    styles = case_styles()
    pages: list[BenchPage] = []
    text_layer = 0
    for case_dir in sorted(p for p in cases.iterdir() if p.is_dir()):
        expected = _expected(case_dir / "expected.json")
        truth = _page_text(case_dir / "expected.json")
        page_ops = expected.get("page_ops") or {}
        style = styles.get(case_dir.name, "clean")
        for path in sorted(case_dir.iterdir()):
            if path.suffix.lower() not in PAGE_SUFFIXES:
                continue
            if limit and all(
                sum(1 for p in pages if p.set == s) >= limit
                for s in ("samples-clean", "samples-degraded")
            ):
                return pages, text_layer
            indices, skipped = ocr_pages(path)
            text_layer += skipped
            for i in indices:
                key = page_key(path, i)
                ops = page_ops.get(key)
                pages.append(
                    BenchPage(
                        sample_set(style, ops),
                        f"{case_dir.name}/{key}",
                        path,
                        truth.get(key),
                        index=i,
                        ops=ops,
                    )
                )
    return pages, text_layer


def readable(page: BenchPage) -> bool:
    try:
        page.load()
    except ValueError:
        return False
    return True


def collect_pages(
    dirs: list[Path], n_generated: int, with_samples: bool = True, limit: int = 0
) -> tuple[list[BenchPage], int]:
    """Every page to measure, and the number of PDF pages left out as read from a text layer.

    Files that cannot be read (still being written) are left out."""
    pages = [
        BenchPage(
            "generated-degraded" if p.degraded else "generated-clean",
            p.name,
            None,
            list(p.lines),
            p.image,
        )
        for p in generated_set(n_generated, n_generated)
    ]
    found: list[BenchPage] = []
    text_layer = 0
    sources: list[tuple[list[BenchPage], int]] = []
    if with_samples:
        sources.append(sample_pages(ROOT / "samples" / "cases", limit))
        realdata = ROOT.parent / "shared" / "realdata"
        if realdata.is_dir():
            sources.append(directory_pages(realdata, "realdata"))
    sources += [directory_pages(d, d.name) for d in dirs]
    for more, skipped in sources:
        found += more
        text_layer += skipped
    per_set: dict[str, int] = {}
    for page in found:
        if limit and per_set.get(page.set, 0) >= limit:
            continue
        if readable(page):
            per_set[page.set] = per_set.get(page.set, 0) + 1
            pages.append(page)
    return pages, text_layer


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
            run.scores[f"{page.set}/{page.name}"] = score_page(
                page.truth, [ln.text for ln in result.page.lines]
            )
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
        concurrent_pages = False

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


def set_summary(pages: list[BenchPage], run: EngineRun, s: str, worst: int = 5) -> dict[str, Any]:
    """Latency and CER of one page set of an engine run (`run.latencies` parallel to `pages`)."""
    idx = [i for i, p in enumerate(pages) if p.set == s]
    lat = [run.latencies[i] for i in idx]
    scored = [
        (pages[i], run.scores[key])
        for i in idx
        if (key := f"{pages[i].set}/{pages[i].name}") in run.scores
    ]
    cers = [sc.cer for _, sc in scored]
    truth_chars = sum(sc.truth_chars for _, sc in scored)
    return {
        "pages": len(idx),
        "pages_with_truth": len(scored),
        "latency_median_s": round(statistics.median(lat), 3) if lat else None,
        "latency_p95_s": round(_pct(lat, 95), 3) if lat else None,
        "cer": round(statistics.mean(cers), 4) if cers else None,
        "cer_pooled": (
            round(sum(sc.errors for _, sc in scored) / truth_chars, 4) if truth_chars else None
        ),
        "cer_max": round(max(cers), 4) if cers else None,
        "precision": round(statistics.mean(sc.precision for _, sc in scored), 4) if cers else None,
        "worst_pages": [
            {
                "page": page.name,
                "cer": round(sc.cer, 4),
                "precision": round(sc.precision, 4),
                "truth_chars": sc.truth_chars,
                "ops": page.ops,
                "worst_lines": [[line, d] for line, d in sc.worst_lines(3)],
            }
            for page, sc in sorted(scored, key=lambda x: -x[1].cer)[:worst]
        ],
    }


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
    parser.add_argument("--limit", type=int, default=0, help="at most N pages per page set")
    parser.add_argument("--out", type=Path, default=ROOT / "out" / "ocr_bench.json")
    args = parser.parse_args(argv)
    engines: list[EngineName] = []
    for name in args.engines.split(","):
        if name.strip() in ("rapidocr", "paddleocr", "tesseract"):
            engines.append(name.strip())
    pages, text_layer = collect_pages(args.dir, args.generated, not args.no_samples, args.limit)
    sets = sorted({p.set for p in pages})
    report: dict[str, Any] = {
        "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]},
        "pages": {s: sum(1 for p in pages if p.set == s) for s in sets},
        "text_layer_pages": text_layer,
        "engines": {},
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    for engine in engines:
        with ProcessPoolExecutor(1) as pool:  # a fresh process: its own peak RSS
            run = pool.submit(_run_engine, engine, pages, 0).result()
        entry: dict[str, Any] = {"error": run.error, "peak_rss_mb": run.peak_rss_mb, "sets": {}}
        report["engines"][engine] = entry
        if run.error is None:
            entry["sets"] = {s: set_summary(pages, run, s) for s in sets}
            _write(args.out, report)  # the readings are kept even if throughput fails
            if not args.no_throughput:
                entry["pages_per_second_2_workers"] = round(throughput(engine, pages), 2)
        _write(args.out, report)
    report["digital_pdf_pages_per_second"] = round(digital_pages_per_second(), 1)
    _print(report)
    _write(args.out, report)
    print(f"written: {args.out}")
    return 0


def _write(out: Path, report: dict[str, Any]) -> None:
    out.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")


def _fmt_pct(v: float | None) -> str:
    return "n/a" if v is None else f"{v * 100:.2f}%"


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
        "CER pooled",
        "CER max",
        "precision",
        "pages/s (2 workers)",
        "peak RSS MB",
    ):
        table.add_column(col, justify="right" if col not in ("engine", "set") else "left")
    for engine, entry in report["engines"].items():
        if entry["error"]:
            table.add_row(engine, "—", *[""] * 9, end_section=True)
            table.add_row(f"  error: {entry['error']}", *[""] * 10)
            continue
        for s, m in entry["sets"].items():
            table.add_row(
                engine,
                s,
                str(m["pages"]),
                "" if m["latency_median_s"] is None else f"{m['latency_median_s']:.2f}",
                "" if m["latency_p95_s"] is None else f"{m['latency_p95_s']:.2f}",
                _fmt_pct(m["cer"]),
                _fmt_pct(m["cer_pooled"]),
                _fmt_pct(m["cer_max"]),
                _fmt_pct(m["precision"]),
                str(entry.get("pages_per_second_2_workers", "")),
                str(entry["peak_rss_mb"]),
            )
    console = Console(width=170)
    console.print(table)
    console.print(
        "CER: reading-order independent, recall-oriented (bench/cer.py), mean over pages; "
        "pooled: over all truth characters; precision: bag of characters."
    )
    if report.get("text_layer_pages"):
        console.print(f"{report['text_layer_pages']} PDF pages read from a text layer: not OCR'd")
    for engine, entry in report["engines"].items():
        for s, m in entry["sets"].items():
            if not s.startswith("samples") or not m["worst_pages"]:
                continue
            console.print(f"[bold]{engine} {s}[/bold]: worst pages")
            for w in m["worst_pages"]:
                lines = "; ".join(f"{line} ({d})" for line, d in w["worst_lines"])
                console.print(f"  {w['cer'] * 100:6.2f}%  {w['page']}  {w['ops']}  {lines}")
    console.print(
        f"digital PDF pages (text layer + QR): {report['digital_pdf_pages_per_second']} pages/s"
    )


if __name__ == "__main__":
    raise SystemExit(main())
