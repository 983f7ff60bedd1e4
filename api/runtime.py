"""What the API and the tasks share: settings, database, storage, the OCR pipeline, the
extractor, and the dispatcher that runs tasks (in-process, or through a Celery broker)."""

from __future__ import annotations

import importlib
import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any, Protocol

from api.db import Database
from api.registry import DbInvoiceRegistry
from api.settings import ServiceSettings
from ingest.ocr.base import OcrEngine
from ingest.pipeline import Pipeline
from ingest.settings import IngestSettings
from ingest.storage import Storage, open_storage
from models.documents import Document, Page

log = logging.getLogger(__name__)

Extract = Callable[[list[Page]], list[Document]]


class ExtractorUnavailableError(RuntimeError):
    pass


def default_extract() -> Extract:
    """`extractors.extract`, loaded late (it pulls in the whole extraction stack)."""
    try:
        module = importlib.import_module("extractors")
    except ImportError as exc:  # pragma: no cover - the package is part of the project
        raise ExtractorUnavailableError(str(exc)) from exc
    fn = getattr(module, "extract", None)
    if fn is None or not callable(fn):
        raise ExtractorUnavailableError("extractors.extract is not available")
    extract: Extract = fn
    return extract


class Dispatcher(Protocol):
    def send(self, task: str, *args: Any) -> None:
        """Run `task` with `args`, now or later, here or on a worker."""

    def ping(self) -> None:
        """Raise when tasks cannot be dispatched (readiness)."""

    def close(self) -> None: ...


@dataclass
class Runtime:
    settings: ServiceSettings
    ingest: IngestSettings
    db: Database
    storage: Storage
    dispatcher: Dispatcher
    engine: OcrEngine | None = None
    extract: Extract | None = None
    _pipeline: Pipeline | None = field(default=None, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __post_init__(self) -> None:
        if isinstance(self.dispatcher, InlineDispatcher) and self.dispatcher.rt is None:
            self.dispatcher.rt = self

    @classmethod
    def from_settings(
        cls,
        settings: ServiceSettings,
        ingest: IngestSettings | None = None,
        *,
        dispatcher: Dispatcher | None = None,
        engine: OcrEngine | None = None,
        extract: Extract | None = None,
        storage: Storage | None = None,
    ) -> Runtime:
        ingest = ingest or settings.ingest()
        db = Database(settings.resolved_database_url(ingest))
        rt = cls(
            settings=settings,
            ingest=ingest,
            db=db,
            storage=storage or open_storage(ingest),
            dispatcher=dispatcher or _UNSET,
            engine=engine,
            extract=extract,
        )
        if rt.dispatcher is _UNSET:
            rt.dispatcher = default_dispatcher(rt)
        return rt

    @property
    def pipeline(self) -> Pipeline:
        with self._lock:
            if self._pipeline is None:
                self._pipeline = Pipeline(self.storage, self.engine, self.ingest)
            return self._pipeline

    @property
    def extractor(self) -> Extract:
        if self.extract is None:
            self.extract = default_extract()
        return self.extract

    @property
    def registry(self) -> DbInvoiceRegistry:
        return DbInvoiceRegistry(self.db)

    def close(self) -> None:
        self.dispatcher.close()
        self.db.dispose()


def default_dispatcher(rt: Runtime) -> Dispatcher:
    if rt.settings.broker_url:
        from api.worker import CeleryDispatcher

        return CeleryDispatcher(rt.settings)
    return ThreadDispatcher(rt, rt.settings.embedded_workers)


class _Unset:
    def send(self, task: str, *args: Any) -> None:
        raise RuntimeError("no dispatcher")

    def ping(self) -> None:
        raise RuntimeError("no dispatcher")

    def close(self) -> None:
        return None


_UNSET = _Unset()


class InlineDispatcher:
    """Runs each task at once in the caller's thread (like Celery's task_always_eager)."""

    def __init__(self, rt: Runtime | None = None) -> None:
        self.rt = rt

    def send(self, task: str, *args: Any) -> None:
        from api.tasks import execute

        assert self.rt is not None, "InlineDispatcher needs its runtime"
        execute(self.rt, task, args, embedded_retries=True)

    def ping(self) -> None:
        return None

    def close(self) -> None:
        return None


class ThreadDispatcher:
    """The embedded default: the same tasks on a small thread pool in the API process."""

    def __init__(self, rt: Runtime, workers: int = 1) -> None:
        self.rt = rt
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="yibao-task")
        self._futures: set[Future[None]] = set()
        self._lock = threading.Lock()
        self._closed = False

    def send(self, task: str, *args: Any) -> None:
        from api.tasks import execute

        def run() -> None:
            try:
                execute(self.rt, task, args, embedded_retries=True)
            except Exception:
                log.exception("embedded task %s failed", task)

        with self._lock:
            future = self._pool.submit(run)
            self._futures.add(future)
        future.add_done_callback(self._done)

    def _done(self, future: Future[None]) -> None:
        with self._lock:
            self._futures.discard(future)

    def drain(self, timeout: float = 60.0) -> None:
        """Wait until no task is queued or running (tasks may enqueue further tasks)."""
        import time

        deadline = time.monotonic() + timeout
        while True:
            with self._lock:
                pending = set(self._futures)
            if not pending:
                return
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("embedded tasks still running")
            wait(pending, timeout=left)

    def ping(self) -> None:
        if self._closed:
            raise RuntimeError("the in-process task pool is shut down")

    def close(self) -> None:
        self._closed = True
        self._pool.shutdown(wait=True, cancel_futures=False)
