"""`yibao serve`: the API. With no configuration (no YIBAO_BROKER_URL, no YIBAO_DATABASE_URL)
it is the embedded default: API and processing in one process, SQLite and local storage."""

from __future__ import annotations

import logging
from typing import Annotated

import typer

from api.settings import get_service_settings


def serve_command(
    host: Annotated[str | None, typer.Option(help="listen address (YIBAO_HOST)")] = None,
    port: Annotated[int | None, typer.Option(help="port (YIBAO_PORT)")] = None,
) -> None:
    """Run the HTTP API (and, without a broker, the processing in the same process)."""
    import uvicorn

    from api.app import create_app
    from api.logs import configure_logging
    from api.runtime import Runtime

    settings = get_service_settings()
    configure_logging(settings.log_level)
    rt = Runtime.from_settings(settings)
    log = logging.getLogger("yibao.serve")
    if settings.embedded:
        log.info(
            "embedded default: database %s, storage %s (%s); tasks in-process",
            rt.db.engine.url.render_as_string(hide_password=True),
            rt.ingest.storage,
            rt.ingest.data_dir,
        )
    else:
        log.info("tasks go to the broker; start workers with `yibao worker`")
    app = create_app(rt)
    uvicorn.run(
        app,
        host=host or settings.host,
        port=port or settings.port,
        log_level=settings.log_level.lower(),
        log_config=None,  # uvicorn's loggers go through the redacting root handler
    )
