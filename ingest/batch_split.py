"""Split a scanned stack of envelopes at their cover sheets (models.coversheet).

A stack is one or more files (multi-page PDFs, images, multi-frame TIFFs) in scan order. Every
page is decoded once, only to look for a cover sheet's QR code (zxing-cpp finds codes in any
orientation, so a sheet fed upside down or sideways is still recognised); nothing is OCR'd here.
The pages between two cover sheets are the materials of the first one's submission. They are
handed on as files: a whole original where a submission has all of its pages, otherwise a new
PDF (or TIFF) holding just those pages, with its provenance (source sha256 and page indexes).
Pages before the first cover sheet belong to no submission and are reported, never dropped.
The originals themselves are stored content-addressed before anything else.
"""

from __future__ import annotations

import hashlib
import io
import logging
import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import PurePath

import pypdfium2 as pdfium
from PIL import Image as PILImage
from PIL import ImageSequence

from ingest import sniff
from ingest.errors import IntakeCode, IntakeError
from ingest.intake import check_file, iter_pages
from ingest.qr import decode_qr
from ingest.settings import IngestSettings, get_settings
from ingest.storage import Storage, sha256_hex
from models.coversheet import (
    CoverSheetPayloadError,
    CoverSheetRef,
    is_cover_payload,
    parse_payload,
)

log = logging.getLogger(__name__)

# pdfium is not thread-safe; page extraction may run beside OCR in a service's threads.
_PDFIUM = threading.Lock()


@dataclass(frozen=True)
class ScanPage:
    """One page of the stack, where it came from and whether it is a cover sheet."""

    position: int
    """1-based position in the whole stack (scan order)."""
    file_sha256: str
    filename: str
    index: int
    """0-based page index within its file."""
    cover: CoverSheetRef | None = None
    bad_cover: str | None = None
    """A YBCS payload that does not parse (the page is kept as a material and reported)."""


@dataclass(frozen=True)
class MaterialFile:
    """A submission's materials from one original: the original itself or a page extract."""

    filename: str
    data: bytes
    source_sha256: str
    source_filename: str
    page_indexes: tuple[int, ...]
    whole_file: bool

    @property
    def sha256(self) -> str:
        return sha256_hex(self.data)

    def provenance(self) -> dict[str, object]:
        return {
            "file": self.filename,
            "sha256": self.sha256,
            "source_sha256": self.source_sha256,
            "source_file": self.source_filename,
            "source_pages": [i + 1 for i in self.page_indexes],
            "whole_file": self.whole_file,
        }


@dataclass
class SplitSubmission:
    cover: CoverSheetRef
    cover_pages: list[ScanPage]
    pages: list[ScanPage] = field(default_factory=list)
    files: list[MaterialFile] = field(default_factory=list)


@dataclass
class StackFile:
    filename: str
    sha256: str | None
    pages: int = 0
    error: IntakeError | None = None


@dataclass
class StackSplit:
    files: list[StackFile]
    submissions: list[SplitSubmission]
    leading: list[ScanPage]
    """Pages before the first cover sheet: no submission to put them in."""
    originals: dict[str, tuple[bytes, str, int]] = field(default_factory=dict, repr=False)
    """The readable originals by sha256: bytes, media type, page count."""

    @property
    def pages(self) -> int:
        return sum(f.pages for f in self.files)


PageProgress = Callable[[str, int], None]


def find_cover(payloads: Sequence[str]) -> tuple[CoverSheetRef | None, str | None]:
    """The cover sheet reference among a page's QR payloads, or the malformed payload."""
    for text in payloads:
        if not is_cover_payload(text):
            continue
        try:
            return parse_payload(text), None
        except CoverSheetPayloadError:
            return None, text
    return None, None


def scan_file(
    data: bytes, filename: str, settings: IngestSettings, start: int = 1
) -> tuple[str, int, list[ScanPage]]:
    """Media type, page count and the pages of one file with their cover-sheet verdict.
    Raises IntakeError for a file that cannot be read."""
    sha = sha256_hex(data)
    checked = check_file(data, settings)
    pages: list[ScanPage] = []
    for raw in iter_pages(data, checked.media_type, settings):
        cover, bad = find_cover(decode_qr(raw.image)) if raw.image is not None else (None, None)
        pages.append(ScanPage(start + len(pages), sha, filename, raw.index, cover, bad))
    return checked.media_type, checked.page_count, pages


def split_stack(
    files: Sequence[tuple[str, bytes]],
    *,
    storage: Storage | None = None,
    settings: IngestSettings | None = None,
    progress: PageProgress | None = None,
) -> StackSplit:
    """Split the stack; a file that cannot be read is reported with its code (its pages are
    then missing from the envelope it was in) and the others are still split."""
    settings = settings or get_settings()
    stack_files: list[StackFile] = []
    scanned: list[tuple[ScanPage, str]] = []
    originals: dict[str, tuple[bytes, str, int]] = {}
    for name, data in files:
        sha = sha256_hex(data) if data else None
        entry = StackFile(name, sha)
        stack_files.append(entry)
        try:
            if storage is not None and data:
                storage.put_original(data, "application/octet-stream")
            media, count, pages = scan_file(data, name, settings, len(scanned) + 1)
        except IntakeError as exc:
            entry.error = exc
            log.info("stack file %s rejected: %s", (sha or "-")[:12], exc.code)
            continue
        except Exception as exc:  # a broken file never stops the stack
            entry.error = IntakeError(
                IntakeCode.PROCESSING_FAILED, detail={"reason": type(exc).__name__}
            )
            log.exception("stack file %s failed", (sha or "-")[:12])
            continue
        entry.pages = count
        assert sha is not None
        originals[sha] = (data, media, count)
        for page in pages:
            scanned.append((page, media))
            if progress:
                progress(name, page.index)

    submissions: list[SplitSubmission] = []
    leading: list[ScanPage] = []
    for page, _ in scanned:
        current = submissions[-1] if submissions else None
        if page.cover is not None:
            if current is not None and current.cover == page.cover and not current.pages:
                current.cover_pages.append(page)  # the same sheet fed twice in a row
            else:
                submissions.append(SplitSubmission(page.cover, [page]))
        elif current is None:
            leading.append(page)
        else:
            current.pages.append(page)
    split = StackSplit(stack_files, submissions, leading, originals)
    for sub in submissions:
        sub.files = material_files(split, sub.pages)
    return split


def material_files(split: StackSplit, pages: Sequence[ScanPage]) -> list[MaterialFile]:
    """The pages as files: one per run of consecutive pages from the same original."""
    originals = split.originals
    runs: list[list[ScanPage]] = []
    for page in pages:
        if runs and runs[-1][-1].file_sha256 == page.file_sha256:
            runs[-1].append(page)
        else:
            runs.append([page])
    out: list[MaterialFile] = []
    for run in runs:
        data, media, count = originals[run[0].file_sha256]
        indexes = tuple(p.index for p in run)
        name = run[0].filename
        if indexes == tuple(range(count)):
            out.append(MaterialFile(name, data, run[0].file_sha256, name, indexes, True))
            continue
        stem = PurePath(name).stem
        span = f"p{indexes[0] + 1}" + (f"-{indexes[-1] + 1}" if len(indexes) > 1 else "")
        if media == sniff.PDF:
            extract, suffix = _pdf_pages(data, indexes), ".pdf"
        else:
            extract, suffix = _tiff_frames(data, indexes), ".tif"
        out.append(
            MaterialFile(
                f"{stem}_{span}{suffix}", extract, run[0].file_sha256, name, indexes, False
            )
        )
    return out


def _pdf_pages(data: bytes, indexes: Sequence[int]) -> bytes:
    """The given pages as a new PDF; page content streams and images are copied, not
    re-encoded, so the pages are byte-for-byte the scanner's."""
    with _PDFIUM:
        src = pdfium.PdfDocument(data)
        dst = pdfium.PdfDocument.new()
        try:
            dst.import_pages(src, list(indexes))
            out = io.BytesIO()
            dst.save(out)
        finally:
            dst.close()
            src.close()
    return stable_file_id(out.getvalue())


_TRAILER_ID = re.compile(rb"/ID\s*\[\s*<([0-9A-Fa-f]{32})>\s*<([0-9A-Fa-f]{32})>\s*\]")
_CREATED = re.compile(rb"/CreationDate\(D:(\d{14})")
_EPOCH = b"20000101000000"


def stable_file_id(pdf: bytes) -> bytes:
    """pdfium writes the time of saving and a random file /ID: both are replaced in place (same
    length, so no offset moves) by a fixed date and an ID derived from the content, so the
    same pages always give the same file and sha256, and the page cache and the journal
    recognise them when a batch is processed again. (Provenance is in the batch manifest.)"""
    created = _CREATED.search(pdf)
    if created:
        pdf = pdf[: created.start(1)] + _EPOCH + pdf[created.end(1) :]
    matches = list(_TRAILER_ID.finditer(pdf, max(0, len(pdf) - 4096)))
    if not matches:
        return pdf
    m = matches[-1]
    zeroed = (
        pdf[: m.start(1)] + b"0" * 32 + pdf[m.end(1) : m.start(2)] + b"0" * 32 + pdf[m.end(2) :]
    )
    digest = hashlib.md5(zeroed, usedforsecurity=False).hexdigest().upper().encode()
    return pdf[: m.start(1)] + digest + pdf[m.end(1) : m.start(2)] + digest + pdf[m.end(2) :]


def _tiff_frames(data: bytes, indexes: Sequence[int]) -> bytes:
    """Frames of a multi-frame TIFF as a new TIFF (losslessly, LZW)."""
    wanted = set(indexes)
    with PILImage.open(io.BytesIO(data)) as img:
        frames = [f.copy() for i, f in enumerate(ImageSequence.Iterator(img)) if i in wanted]
    out = io.BytesIO()
    frames[0].save(
        out, format="TIFF", save_all=True, append_images=frames[1:], compression="tiff_lzw"
    )
    return out.getvalue()


def merge_pdfs(documents: Sequence[bytes]) -> bytes:
    """One PDF of all pages of the given PDFs, in order (e.g. every notice of a batch)."""
    with _PDFIUM:
        dst = pdfium.PdfDocument.new()
        try:
            for data in documents:
                src = pdfium.PdfDocument(data)
                try:
                    dst.import_pages(src)
                finally:
                    src.close()
            out = io.BytesIO()
            dst.save(out)
        finally:
            dst.close()
    return stable_file_id(out.getvalue())
