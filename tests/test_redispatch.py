"""A submission whose start task could not be sent (broker down at upload time) is accepted,
stays `received`, and is sent again by api.redispatch; a start task sent twice fans out once."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from api import tasks
from api.auth import Principal
from api.redispatch import redispatch_stale
from api.service import Upload, create_submission
from tests.api_support import FACTS, ITEM, REGION, case_documents, make_files, make_runtime


class FlakyBroker:
    """Records what is sent; refuses while `down`."""

    def __init__(self) -> None:
        self.down = False
        self.sent: list[tuple[str, tuple[Any, ...]]] = []

    def send(self, task: str, *args: Any) -> None:
        if self.down:
            raise ConnectionError("broker unavailable")
        self.sent.append((task, args))

    def ping(self) -> None:
        return None

    def close(self) -> None:
        return None


def test_start_not_sent_is_sent_again_and_fans_out_once(tmp_path: Path) -> None:
    broker = FlakyBroker()
    rt, _, extractor = make_runtime(tmp_path, dispatcher=broker, redispatch_after=1)
    rt.db.upgrade()
    files = make_files(extractor, case_documents())
    broker.down = True
    sub = create_submission(
        rt,
        Principal("clerk-a", "clerk"),
        item=ITEM,
        region=REGION,
        channel="邮寄",
        facts=dict(FACTS),
        uploads=[Upload(f"{k}.png", v, "image/png") for k, v in files.items()],
    )
    assert broker.sent == []  # accepted all the same: originals and record are stored
    broker.down = False
    assert redispatch_stale(rt) == 0  # not yet: it may only be waiting in the queue
    time.sleep(1.1)
    assert redispatch_stale(rt) == 1
    assert broker.sent == [(tasks.START, (sub.id, 1))]
    assert redispatch_stale(rt) == 0  # the next try waits another period

    tasks.execute(rt, tasks.START, (sub.id, 1))
    fan_out = [t for t, _ in broker.sent[1:]]
    assert fan_out == [tasks.OCR_FILE] * 5
    tasks.execute(rt, tasks.START, (sub.id, 1))  # sent again meanwhile: nothing more
    assert len(broker.sent) == 6
    tasks.execute(rt, tasks.START, (sub.id, 1, True))  # resume (embedded restart): again
    assert len(broker.sent) == 11
    assert redispatch_stale(rt) == 0  # processing: no longer a candidate
