"""Submissions whose start task never reached the broker.

The API answers 202 once the originals and the record are stored; sending the start task
comes after, and the broker may be down at that moment. Such a submission stays `received`:
the API process sends its start task again once it has been `received` for
`redispatch_after` seconds. A start task that was only slow to be picked up is harmless to
send twice (`api.tasks.start` fans out once per version).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading

from sqlalchemy import select

from api.db import SubmissionRow, utcnow
from api.runtime import Runtime
from api.tasks import START
from models.documents import SubmissionStatus

log = logging.getLogger(__name__)

BATCH = 200


def redispatch_stale(rt: Runtime) -> int:
    """Send the start task again for submissions `received` too long; how many were sent."""
    now = utcnow()
    cutoff = now - dt.timedelta(seconds=rt.settings.redispatch_after)
    if rt.db.is_sqlite:
        cutoff = cutoff.replace(tzinfo=None)  # SQLite keeps naive UTC
    with rt.db.session() as s:
        rows = s.scalars(
            select(SubmissionRow)
            .where(
                SubmissionRow.status == SubmissionStatus.RECEIVED.value,
                SubmissionRow.updated_at < cutoff,
            )
            .order_by(SubmissionRow.updated_at)
            .limit(BATCH)
        ).all()
        todo = [(r.id, r.version) for r in rows]
        for r in rows:
            r.updated_at = now  # the next try waits another period
    for sid, version in todo:
        rt.dispatcher.send(START, sid, version)
    if todo:
        log.warning("sent the start task again for %d submissions still received", len(todo))
    return len(todo)


class Redispatcher:
    """A daemon thread of the API process running `redispatch_stale` periodically."""

    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self.interval = max(1.0, rt.settings.redispatch_after / 3)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="yibao-redispatch", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                redispatch_stale(self.rt)
            except Exception as exc:
                # database or broker still down: try again next period
                log.warning("redispatch skipped: %s", type(exc).__name__)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
