"""`yibao worker`: a Celery worker consuming the processing tasks (needs YIBAO_BROKER_URL)."""

from __future__ import annotations

import os
import socket
from typing import Annotated

import typer

from api.settings import get_service_settings


def worker_command(
    concurrency: Annotated[
        int, typer.Option(help="parallel tasks (OCR uses several cores per task)")
    ] = 1,
    pool: Annotated[str, typer.Option(help="prefork, threads or solo")] = "prefork",
    loglevel: Annotated[str, typer.Option(help="worker log level")] = "INFO",
    name: Annotated[
        str | None,
        typer.Option(help="node name, unique per broker (default yibao-<pid>@<host>)"),
    ] = None,
) -> None:
    """Start a worker: store → OCR (per file, in parallel across workers) → extract → verify."""
    settings = get_service_settings()
    if not settings.broker_url:
        typer.echo(
            "未设置 YIBAO_BROKER_URL：嵌入式默认模式下 `yibao serve` 已在进程内处理，无需 worker",
            err=True,
        )
        raise typer.Exit(2)
    from api.logs import configure_logging

    configure_logging(loglevel)
    from api.db import Database
    from api.worker import get_celery

    if settings.migrate_on_start:
        # a throw-away engine: no connection may be inherited by forked pool processes; each
        # process builds its own runtime on its first task
        db = Database(settings.resolved_database_url(settings.ingest()))
        db.upgrade()
        db.dispose()
    get_celery().worker_main(
        [
            "worker",
            f"--concurrency={concurrency}",
            f"--pool={pool}",
            f"--loglevel={loglevel}",
            f"--queues={settings.queue}",
            # Celery's default (celery@<host>) clashes when a machine runs several workers
            f"--hostname={name or f'yibao-{os.getpid()}@{socket.gethostname()}'}",
        ]
    )
