"""Celery: the tasks of api.tasks on workers, through Redis (default) or RabbitMQ.

`yibao worker` (api/commands/worker.py) starts one; `celery -A api.worker:celery_app worker`
works too. Tasks are acks_late (a worker lost mid-task leaves it to another), retried with
exponential backoff on transient errors, and idempotent.
"""

from __future__ import annotations

import logging
import random
import threading
from typing import Any

from celery import Celery  # type: ignore[import-untyped]
from kombu.exceptions import OperationalError

from api.runtime import Runtime
from api.settings import ServiceSettings, get_service_settings
from api.tasks import (
    FINALIZE,
    OCR_FILE,
    RETRYABLE,
    START,
    execute,
    failure_code,
    mark_failed,
)

log = logging.getLogger(__name__)

TASK_NAMES = (START, OCR_FILE, FINALIZE)

_runtime: Runtime | None = None
_runtime_lock = threading.Lock()


def set_runtime(rt: Runtime | None) -> None:
    """The runtime the worker's tasks use (tests inject one with a fake OCR engine)."""
    global _runtime
    with _runtime_lock:
        _runtime = rt


def get_runtime() -> Runtime:
    global _runtime
    with _runtime_lock:
        if _runtime is None:
            settings = get_service_settings()
            _runtime = Runtime.from_settings(settings, dispatcher=CeleryDispatcher(settings))
        return _runtime


def make_celery(settings: ServiceSettings) -> Any:
    if not settings.broker_url:
        raise RuntimeError("YIBAO_BROKER_URL is not set: the embedded default needs no worker")
    app = Celery("yibao", broker=settings.broker_url, set_as_current=False)
    app.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_ignore_result=True,
        task_default_queue=settings.queue,
        task_serializer="json",
        accept_content=["json"],
        broker_connection_retry_on_startup=True,
        worker_hijack_root_logger=False,
        broker_transport_options=redis_transport_options(settings.broker_visibility_timeout),
    )
    for name in TASK_NAMES:
        app.task(
            name=name,
            bind=True,
            shared=False,
            acks_late=True,
            max_retries=settings.task_max_retries,
        )(_task_body(name, settings))
    return app


def redis_transport_options(visibility_timeout: int) -> dict[str, Any]:
    """Redis: a task taken by a worker that died (no ack) is delivered again once it has been
    unacknowledged for `visibility_timeout` seconds. kombu looks for such tasks only every
    interval x throttle seconds (100 by default), so the sweep follows the timeout."""
    return {
        "visibility_timeout": visibility_timeout,
        "unacked_restore_interval": max(1, min(60, visibility_timeout // 4)),
        "unacked_restore_throttle": 1,
        # a worker killed while holding the sweep's lock holds it at most this long
        "unacked_mutex_expire": max(10, min(300, visibility_timeout)),
    }


def _task_body(name: str, settings: ServiceSettings) -> Any:
    def run(self: Any, *args: Any) -> None:
        try:
            # storage (S3) or the database may be down when the worker builds its runtime
            rt = get_runtime()
            execute(rt, name, args)
        except RETRYABLE as exc:
            retries = int(self.request.retries)
            if retries >= settings.task_max_retries:
                if not args or _give_up(str(args[0]), exc):
                    return
                # not even the failure could be recorded (database down): keep the task
                countdown = settings.task_retry_backoff_max
                raise self.retry(exc=exc, countdown=countdown, max_retries=retries + 1) from exc
            countdown = min(settings.task_retry_backoff_max, 2**retries)
            countdown = countdown * (0.5 + random.random() / 2)
            log.warning("task %s: transient error, retry %d in %.1fs", name, retries + 1, countdown)
            raise self.retry(exc=exc, countdown=countdown) from exc

    run.__name__ = name.replace(".", "_")
    run.__qualname__ = run.__name__
    return run


def _give_up(submission_id: str, exc: BaseException) -> bool:
    """Retries exhausted: the submission fails with the code of what stayed unavailable.
    False when that cannot be recorded either."""
    try:
        rt = get_runtime()
        mark_failed(rt, submission_id, failure_code(exc), {"reason": "retries"})
    except Exception as again:
        log.warning("submission %s: failure not recorded (%s)", submission_id, again)
        return False
    return True


class BrokerUnavailableError(ConnectionError):
    pass


class CeleryDispatcher:
    """Sends tasks to the broker (the API process and workers fanning out)."""

    def __init__(self, settings: ServiceSettings, app: Any = None) -> None:
        self.settings = settings
        self._app = app

    @property
    def app(self) -> Any:
        if self._app is None:
            self._app = make_celery(self.settings)
        return self._app

    def send(self, task: str, *args: Any) -> None:
        try:
            self.app.send_task(task, args=list(args), queue=self.settings.queue)
        except OperationalError as exc:
            # kombu gave up reconnecting: a transient error for the caller (a task retries;
            # the API leaves the submission to api.redispatch)
            raise BrokerUnavailableError(f"broker unavailable: {exc}") from exc

    def ping(self) -> None:
        with self.app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=3)

    def close(self) -> None:
        return None


def __getattr__(name: str) -> Any:
    # `celery -A api.worker:celery_app worker`: built on first use, from the settings
    if name == "celery_app":
        return get_celery()
    raise AttributeError(name)


_celery: Any = None


def get_celery() -> Any:
    global _celery
    if _celery is None:
        _celery = make_celery(get_service_settings())
    return _celery
