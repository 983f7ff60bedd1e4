"""A watched scan folder: the scanner drops a batch (a file, or a folder of page files), the
watcher processes it once it is completely written and moves it to done/ or failed/.

- Complete: a file (or every file of a dropped folder) has kept its size and mtime for the
  settle period, and no lock or temporary name says it is still being written (``.name``,
  ``~name``, ``*.tmp``, ``*.part``, ``*.partial``, ``*.crdownload``, a ``name.lock`` beside it
  or a ``*.lock`` inside a dropped folder).
- Exactly once: a batch is keyed by the hash of its contents in a durable journal
  (api.batch_journal, ``.yibao/journal.sqlite`` in the folder); each finished submission is
  recorded there, so a restart resumes an interrupted batch after its last finished submission,
  and a batch already done (the same scan dropped again) is only moved to done/.
- Never loses a file: originals are stored content-addressed before processing, results go to
  their own folder, and an original is only ever renamed (never deleted or overwritten) into
  done/ or failed/ on the same disk, with a numbered name when one of that name is there.
- One watcher per folder (an exclusive lock on ``.yibao/watch.lock``).
"""

from __future__ import annotations

import fcntl
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from api.batch import TEMP_SUFFIXES, BatchReport, batch_id_of, is_temporary, stack_paths
from api.batch_journal import DONE, FAILED, BatchJournal

log = logging.getLogger(__name__)

Signature = tuple[tuple[str, int, int], ...]
ProcessBatch = Callable[[list[Path], Path, BatchJournal], BatchReport]
STATE, DONE_DIR, FAILED_DIR, RESULTS_DIR = ".yibao", "done", "failed", "results"


class WatchLockedError(RuntimeError):
    """Another watcher already runs on this folder."""


@dataclass
class WatchOutcome:
    name: str
    status: str
    """done, failed, or skipped (already processed: only moved)."""
    moved_to: Path
    report: BatchReport | None = None
    error: str | None = None


class FolderWatcher:
    def __init__(
        self,
        inbox: Path,
        process_batch: ProcessBatch,
        *,
        out: Path | None = None,
        settle_seconds: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.inbox = inbox
        self.process_batch = process_batch
        self.out = out or inbox / RESULTS_DIR
        self.settle_seconds = settle_seconds
        self.clock = clock
        self.done_dir = inbox / DONE_DIR
        self.failed_dir = inbox / FAILED_DIR
        state = inbox / STATE
        for folder in (inbox, state, self.done_dir, self.failed_dir, self.out):
            folder.mkdir(parents=True, exist_ok=True)
        self._lock_file: IO[str] | None = (state / "watch.lock").open("w")
        try:
            fcntl.flock(self._lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._lock_file.close()
            self._lock_file = None
            raise WatchLockedError(f"another watcher is running on {inbox}") from None
        self.journal = BatchJournal(state / "journal.sqlite")
        self._seen: dict[str, tuple[Signature, float]] = {}
        self._reserved = {STATE, DONE_DIR, FAILED_DIR, RESULTS_DIR}
        if self.out.parent == inbox:
            self._reserved.add(self.out.name)

    def close(self) -> None:
        self.journal.close()
        if self._lock_file is not None:
            self._lock_file.close()
            self._lock_file = None

    # -- what is ready -------------------------------------------------------------------------

    def _signature(self, entry: Path) -> Signature | None:
        """Sizes and mtimes of the entry's files; None while a lock/temp name says "busy"."""
        try:
            if entry.is_dir():
                parts = []
                for p in sorted(entry.iterdir()):
                    if p.is_file() and p.name.lower().endswith(TEMP_SUFFIXES):
                        return None
                    if p.is_file() and not is_temporary(p.name):
                        st = p.stat()
                        parts.append((p.name, st.st_size, st.st_mtime_ns))
                return tuple(parts) if parts else None
            if (entry.parent / (entry.name + ".lock")).exists():
                return None
            st = entry.stat()
            return ((entry.name, st.st_size, st.st_mtime_ns),)
        except FileNotFoundError:  # moved away while we looked
            return None

    def ready(self) -> list[Path]:
        """Entries whose contents have not changed for the settle period, oldest name first."""
        now = self.clock()
        present: set[str] = set()
        ready: list[Path] = []
        for entry in sorted(self.inbox.iterdir()):
            if entry.name in self._reserved or is_temporary(entry.name):
                continue
            if not (entry.is_file() or entry.is_dir()):
                continue
            present.add(entry.name)
            sig = self._signature(entry)
            if sig is None:
                self._seen.pop(entry.name, None)
                continue
            seen = self._seen.get(entry.name)
            if seen is None or seen[0] != sig:
                self._seen[entry.name] = (sig, now)
                continue
            if now - seen[1] >= self.settle_seconds:
                ready.append(entry)
        for name in set(self._seen) - present:
            del self._seen[name]
        return ready

    # -- processing ----------------------------------------------------------------------------

    def poll(self) -> list[WatchOutcome]:
        """One look at the folder: process every batch that is ready."""
        return [self.handle(entry) for entry in self.ready()]

    def handle(self, entry: Path) -> WatchOutcome:
        self._seen.pop(entry.name, None)
        try:
            paths = stack_paths([entry])
            batch_id = batch_id_of([(p.name, p.read_bytes()) for p in paths])
        except OSError as exc:
            log.warning("batch %s unreadable: %s", entry.name, exc.strerror)
            return WatchOutcome(entry.name, FAILED, self._move(entry, self.failed_dir), None, "IO")
        if self.journal.status(batch_id) == DONE:
            log.info("batch %s (%s) was processed before: moved to done/", entry.name, batch_id)
            return WatchOutcome(entry.name, "skipped", self._move(entry, self.done_dir))
        out = self.out / f"{_stem(entry)}-{batch_id[1:11]}"
        try:
            report = self.process_batch(paths, out, self.journal)
        except Exception as exc:
            log.exception("batch %s failed", entry.name)
            self.journal.finish(batch_id, FAILED, type(exc).__name__)
            return WatchOutcome(
                entry.name, FAILED, self._move(entry, self.failed_dir), None, type(exc).__name__
            )
        problem = _batch_problem(report)
        if problem:
            log.warning("batch %s: %s", entry.name, problem)
            self.journal.finish(batch_id, FAILED, problem)  # may be dropped again once fixed
            return WatchOutcome(
                entry.name, FAILED, self._move(entry, self.failed_dir), report, problem
            )
        return WatchOutcome(entry.name, DONE, self._move(entry, self.done_dir), report)

    def _move(self, entry: Path, folder: Path) -> Path:
        """Rename into `folder` (same disk: atomic), never over an existing name."""
        target = folder / entry.name
        n = 1
        while target.exists():
            target = folder / f"{_stem(entry)}-{n}{entry.suffix if entry.is_file() else ''}"
            n += 1
        entry.rename(target)
        return target

    def run(self, stop: threading.Event, interval: float = 2.0) -> None:
        """Poll until `stop` is set; an unexpected error is logged and the loop goes on."""
        log.info("watching %s (settle %.0fs)", self.inbox, self.settle_seconds)
        while not stop.is_set():
            try:
                for outcome in self.poll():
                    log.info("batch %s: %s -> %s", outcome.name, outcome.status, outcome.moved_to)
            except Exception:
                log.exception("watch loop error")
            stop.wait(interval)


def _stem(entry: Path) -> str:
    return entry.stem if entry.is_file() else entry.name


def _batch_problem(report: BatchReport) -> str | None:
    """Why a processed batch goes to failed/: nothing to verify in it, or a file unreadable."""
    bad = [f for f in report.split.files if f.error is not None]
    if bad:
        return "unreadable file: " + ", ".join(
            f"{f.filename} {f.error.code}" for f in bad if f.error
        )
    if not report.split.submissions:
        return "no cover sheet found"
    return None
