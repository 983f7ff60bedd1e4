"""File bytes -> stored original -> normalised pages with lines, cached per page and engine.

Personal data (file contents, names, recognised text) never goes into the logs: only codes,
sizes, hash prefixes and timings.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np

from ingest.cache import CachedPage, PageCache
from ingest.errors import IntakeCode, IntakeError
from ingest.intake import check_file, iter_pages
from ingest.normalize.enhance import prepare
from ingest.normalize.orientation import (
    Orientation,
    box_direction,
    deskew,
    detect_orientation,
    rotate_quadrant,
)
from ingest.normalize.perspective import find_document, warp_document
from ingest.normalize.quality import REASONS_ZH, QualityReport, assess, reconcile
from ingest.normalize.seal import Seal, detect_seals, suppress_seals
from ingest.ocr.base import OcrEngine, rotate_lines_180, scale_lines
from ingest.ocr.seal_reading import read_seal_regions, reread_under_seals
from ingest.pages import Image, RawPage
from ingest.qr import decode_qr
from ingest.settings import IngestSettings, get_settings
from ingest.storage import Storage, StorageError, open_storage, sha256_hex
from models.documents import BBox, OcrLine, Page, PageRef, Quality, SourceFile

log = logging.getLogger(__name__)


@dataclass
class PageResult:
    page: Page
    quality_reasons: list[str] = field(default_factory=list)
    seal_coverage: list[float] = field(default_factory=list)
    cached: bool = False
    seconds: float = 0.0


@dataclass
class FileResult:
    """The outcome for one file of a submission: pages, or a coded error (or both, when a
    multi-page file failed part-way)."""

    filename: str
    source: SourceFile | None = None
    pages: list[PageResult] = field(default_factory=list)
    error: IntakeError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


_WEAK_CONFIDENCE = 0.9
"""Length-weighted mean line confidence under which a profile-only turn gets a second look."""
_WEAK_CHARS = 30


@dataclass
class _Reading:
    """One normalisation + OCR of a page image, under one orientation."""

    orientation: Orientation
    image: Image
    rotation: int
    lines: list[OcrLine]
    seals: list[Seal]
    report: QualityReport
    flattened: bool = False
    """The page was read through its dark background flattened (a photocopied card)."""

    @property
    def score(self) -> float:
        """Confidently read characters; lines running vertically (text read sideways) count
        half, so of two readings of similar strength the upright one wins."""
        total = 0.0
        for ln in self.lines:
            _, vertical, _ = box_direction([np.asarray(ln.polygon, np.float32)])
            total += ln.confidence * len(ln.text.strip()) * (0.5 if vertical else 1.0)
        return total

    def doubtful(self) -> bool:
        """Whether the other quadrant deserves a try: most recognised lines run vertically, or
        the page was turned on ink profiles alone and little was read with confidence."""
        if len(self.lines) >= 2:
            polys = [np.asarray(ln.polygon, np.float32) for ln in self.lines]
            horizontal, vertical, count = box_direction(polys)
            if count >= 2 and vertical > 2 * horizontal:
                return True
        if self.orientation.method == "profile" and self.orientation.rotation == 90:
            chars = sum(len(ln.text.strip()) for ln in self.lines)
            weighted = sum(ln.confidence * len(ln.text.strip()) for ln in self.lines)
            return chars < _WEAK_CHARS or weighted < _WEAK_CONFIDENCE * chars
        return False


@dataclass
class _PendingFile:
    """A file between `_submit` and `_collect`: pages done, pages being read, first error."""

    result: FileResult
    short: str = "-"
    done: dict[int, PageResult] = field(default_factory=dict)
    futures: dict[int, Future[PageResult]] = field(default_factory=dict)
    error: BaseException | None = None


def _seal_boxes(seals: list[Seal], scale: float = 1.0) -> list[BBox]:
    return [BBox(x0=s.x0 * scale, y0=s.y0 * scale, x1=s.x1 * scale, y1=s.y1 * scale) for s in seals]


class Pipeline:
    def __init__(
        self,
        storage: Storage | None = None,
        engine: OcrEngine | None = None,
        settings: IngestSettings | None = None,
        *,
        store_images: bool = True,
        now: Callable[[], dt.datetime] | None = None,
    ) -> None:
        self.settings = settings or get_settings()
        self.storage = storage or open_storage(self.settings)
        self._engine = engine
        self.store_images = store_images
        self._now = now or (lambda: dt.datetime.now(dt.UTC))
        self._executor: ThreadPoolExecutor | None = None
        self._pool_lock = threading.Lock()
        self._slots = threading.Semaphore(2 * self.settings.resolved_page_workers())

    @property
    def engine(self) -> OcrEngine:
        if self._engine is None:
            from ingest.ocr import get_engine

            self._engine = get_engine(self.settings)
        return self._engine

    # -- one page -------------------------------------------------------------------------

    def _text_layer_page(self, raw: RawPage, ref: PageRef) -> PageResult:
        qr: list[str] = []
        seals: list[Seal] = []
        if raw.image is not None:
            qr = decode_qr(raw.image)
            seals = detect_seals(raw.image)
        page = Page(
            ref=ref,
            number=ref.index + 1,
            width=raw.width,
            height=raw.height,
            source="text_layer",
            quality=Quality.OK,
            quality_measures={"text_lines": float(len(raw.lines))},
            lines=raw.lines,
            qr_payloads=qr,
            seals=_seal_boxes(seals, raw.image_scale),
        )
        return PageResult(page, [], [s.coverage for s in seals])

    def analyse_image(self, image: Image, ref: PageRef) -> tuple[PageResult, Image]:
        """Normalise and OCR one page image (no storage, no cache): the benchmark's unit."""
        raw = RawPage(index=ref.index, source="image", image=image)
        return self._image_page(raw, ref)

    def _read(self, image: Image, orient: Orientation) -> _Reading:
        """Turn and deskew the page as `orient` says, then assess, find seals and OCR it."""
        img = deskew(rotate_quadrant(image, orient.rotation), orient.skew)
        rotation = orient.rotation
        report = assess(img)
        seals = detect_seals(img)
        suppressed = suppress_seals(img, seals) if self.settings.seal_suppression else img
        ocr_input = suppressed
        prepared = None
        if self.settings.ocr_enhance:
            text_height = report.measures.get("text_height", 0.0)
            prepared = prepare(ocr_input, text_height, self.settings.ocr_max_side)
            ocr_input = prepared.image
        out = self.engine.recognize(ocr_input)
        lines = out.lines
        if prepared is not None and (prepared.scale != 1.0 or prepared.offset != (0, 0)):
            lines = scale_lines(lines, 1.0 / prepared.scale, prepared.offset)
        if seals and self.settings.seal_suppression:
            lines = reread_under_seals(img, lines, seals, self.engine)
            lines = read_seal_regions(img, suppressed, lines, seals, self.engine)
        if out.upside_down:
            h, w = img.shape[:2]
            img = rotate_quadrant(img, 180)
            lines = rotate_lines_180(lines, w, h)
            rotation = (rotation + 180) % 360
            seals = [
                Seal(x0=w - s.x1, y0=h - s.y1, x1=w - s.x0, y1=h - s.y0, coverage=s.coverage)
                for s in seals
            ]
        flattened = prepared is not None and prepared.flattened
        return _Reading(orient, img, rotation, lines, seals, report, flattened)

    def _image_page(self, raw: RawPage, ref: PageRef) -> tuple[PageResult, Image]:
        assert raw.image is not None
        img = raw.image
        measures: dict[str, float] = {"exif_rotation": float(raw.exif_rotation)}
        if self.settings.perspective_correction:
            quad = find_document(img)
            if quad is not None:
                img = warp_document(img, quad)
            measures["perspective_corrected"] = 1.0 if quad is not None else 0.0
        orient = detect_orientation(img, text_boxes=self.engine.detect_text_boxes)
        reading = self._read(img, orient)
        retried = switched = 0.0
        if reading.doubtful():
            # one second opinion with the other quadrant: the better reading is kept
            retried = 1.0
            other = self._read(img, orient.alternative)
            if other.score > reading.score:
                reading, switched = other, 1.0
        img, seals = reading.image, reading.seals
        chars = sum(len(ln.text.strip()) for ln in reading.lines)
        weighted = sum(ln.confidence * len(ln.text.strip()) for ln in reading.lines)
        report = reconcile(reading.report, chars, round(weighted / chars, 3) if chars else 0.0)
        measures["orientation_confidence"] = round(reading.orientation.confidence, 3)
        measures["orientation_by_text"] = 1.0 if orient.method == "text" else 0.0
        measures["orientation_retried"] = retried
        measures["orientation_switched"] = switched
        measures["dark_background"] = 1.0 if reading.flattened else 0.0
        measures.update(report.measures)
        h, w = img.shape[:2]
        qr = decode_qr(img)
        measures["seal_coverage"] = round(
            sum(s.coverage * (s.x1 - s.x0) * (s.y1 - s.y0) for s in seals) / float(w * h), 4
        )
        page = Page(
            ref=ref,
            number=ref.index + 1,
            width=w,
            height=h,
            source="ocr",
            rotation=(reading.rotation + raw.exif_rotation) % 360,
            skew=round(reading.orientation.skew, 2),
            quality=report.verdict,
            quality_measures=measures,
            quality_issues=[REASONS_ZH.get(r, r) for r in report.reasons],
            lines=reading.lines,
            qr_payloads=qr,
            seals=_seal_boxes(seals),
        )
        return PageResult(page, report.reasons, [s.coverage for s in seals]), img

    # -- one file ---------------------------------------------------------------------------

    def process(self, data: bytes, filename: str = "") -> FileResult:
        """One file: never raises for a bad file, the error is in the result."""
        return self._collect(self._submit(data, filename))

    def process_many(
        self,
        files: Sequence[tuple[str, bytes]],
        progress: Callable[[str], None] | None = None,
    ) -> list[FileResult]:
        """Several files, their image pages read side by side on `page_workers` threads (files
        are opened and PDF pages rendered one at a time: pdfium is not thread-safe). The
        results are those `process` gives file by file, in the same order."""
        pending = [self._submit(data, name) for name, data in files]
        results = []
        for item in pending:
            if progress is not None:
                progress(item.result.filename)
            results.append(self._collect(item))
        return results

    def _pool(self) -> ThreadPoolExecutor | None:
        workers = self.settings.resolved_page_workers()
        if workers <= 1 or not self.engine.concurrent_pages:
            return None
        with self._pool_lock:
            if self._executor is None:
                self._executor = ThreadPoolExecutor(workers, thread_name_prefix="yibao-page")
            return self._executor

    def close(self) -> None:
        """Stop the page threads (idle ones; they are started again when needed)."""
        with self._pool_lock:
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=True)

    def _read_page(self, raw: RawPage, ref: PageRef, cache: PageCache, short: str) -> PageResult:
        """Normalise and read one page, and cache the result: runs on a page thread."""
        started = time.perf_counter()
        if raw.source == "pdf_text":
            page_result = self._text_layer_page(raw, ref)
        else:
            page_result, normalised = self._image_page(raw, ref)
            if self.store_images:
                cache.put_image(ref.file_sha256, raw.index, normalised)
        page_result.seconds = time.perf_counter() - started
        cache.put(
            ref.file_sha256,
            raw.index,
            CachedPage(page_result.page, page_result.quality_reasons, page_result.seal_coverage),
        )
        log.info(
            "page %s#%d %s %.2fs", short, raw.index, page_result.page.source, page_result.seconds
        )
        return page_result

    def _submit(self, data: bytes, filename: str) -> _PendingFile:
        """Store the original, check it, take cached pages, and start reading the others
        (inline without page threads). Never raises: an error is kept for `_collect`."""
        pending = _PendingFile(FileResult(filename=filename))
        result = pending.result
        pending.short = sha256_hex(data)[:12] if data else "-"
        try:
            if not data:
                raise IntakeError(IntakeCode.FILE_EMPTY)
            if len(data) > self.settings.max_file_bytes:
                raise IntakeError(
                    IntakeCode.FILE_TOO_LARGE,
                    detail={"size": len(data), "limit": self.settings.max_file_bytes},
                )
            try:
                sha = self.storage.put_original(data, "application/octet-stream")
            except Exception as exc:
                log.exception("storing original %s failed", pending.short)
                raise IntakeError(
                    IntakeCode.STORAGE_FAILED, detail={"reason": type(exc).__name__}
                ) from None
            checked = check_file(data, self.settings)
            result.source = SourceFile(
                sha256=sha,
                filename=filename,
                media_type=checked.media_type,
                size=len(data),
                received_at=self._now(),
            )
            cache = PageCache(self.storage, self.engine_version)
            done = pending.done
            for index in range(checked.page_count):
                hit = cache.get(sha, index)
                if hit is not None:
                    done[index] = PageResult(hit.page, hit.quality_reasons, hit.seal_coverage, True)
            pool = self._pool()
            for raw in iter_pages(data, checked.media_type, self.settings, frozenset(done)):
                if raw.index in done:
                    continue
                ref = PageRef(file_sha256=sha, index=raw.index)
                if pool is None:
                    done[raw.index] = self._read_page(raw, ref, cache, pending.short)
                else:
                    # a bounded number of rendered pages wait in memory (a 100-page scan at
                    # 200 dpi would otherwise be held whole)
                    self._slots.acquire()
                    future = pool.submit(self._read_page, raw, ref, cache, pending.short)
                    future.add_done_callback(lambda _: self._slots.release())
                    pending.futures[raw.index] = future
        except Exception as exc:
            pending.error = exc
        return pending

    def _collect(self, pending: _PendingFile) -> FileResult:
        """Wait for the file's pages; map the first failure to the file's coded error (the
        pages read before or beside it are kept)."""
        result, done = pending.result, pending.done
        errors = [] if pending.error is None else [pending.error]
        for index, future in sorted(pending.futures.items()):
            try:
                done[index] = future.result()
            except Exception as exc:
                errors.append(exc)
        if errors:
            result.error = self._coded(errors[0], pending.short)
        result.pages = [done[i] for i in sorted(done)]
        return result

    @staticmethod
    def _coded(exc: BaseException, short: str) -> IntakeError:
        if isinstance(exc, IntakeError):
            log.info("file %s rejected: %s", short, exc.code)
            return exc
        if isinstance(exc, StorageError):
            # the page cache could not be read or written: transient, not the file's fault
            log.warning("file %s: storage unavailable", short)
            return IntakeError(
                IntakeCode.STORAGE_FAILED, detail={"reason": type(exc.__cause__ or exc).__name__}
            )
        log.error("file %s failed", short, exc_info=exc)
        return IntakeError(IntakeCode.PROCESSING_FAILED, detail={"reason": type(exc).__name__})

    @property
    def engine_version(self) -> str:
        return self.engine.version

    def process_batch(self, files: Sequence[tuple[str, bytes]]) -> list[FileResult]:
        """A submission: every file processed, pages numbered 1.. across the submission."""
        results = self.process_many(files)
        number = 1
        for r in results:
            for pr in r.pages:
                pr.page = pr.page.model_copy(update={"number": number})
                number += 1
        return results
