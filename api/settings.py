"""Service settings (API, workers, database, auth), read from `YIBAO_*` environment variables.

Storage and OCR settings stay in `ingest.settings.IngestSettings` (same prefix); the service
reuses them rather than repeating them: `ServiceSettings.ingest()`.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from ingest.settings import IngestSettings

Role = Literal["applicant", "clerk", "reviewer", "admin"]
ROLES: tuple[Role, ...] = ("applicant", "clerk", "reviewer", "admin")


class TokenUser(BaseModel):
    user: str = Field(min_length=1)
    role: Role


class ServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="YIBAO_", extra="ignore")

    database_url: str | None = Field(
        None,
        description="SQLAlchemy URL; default sqlite:///<data_dir>/service.sqlite "
        "(production: postgresql+psycopg://user:pass@host/db)",
    )
    broker_url: str | None = Field(
        None,
        description="Celery broker (redis://127.0.0.1:6379/0 or amqp://guest:guest@host//); "
        "unset: tasks run in-process (embedded default)",
    )
    queue: str = Field("yibao", description="Celery queue name")
    embedded_workers: int = Field(
        1, ge=1, description="threads running tasks in-process when no broker is set"
    )
    task_max_retries: int = Field(5, ge=0)
    task_retry_backoff_max: int = Field(300, ge=1, description="seconds")
    broker_visibility_timeout: int = Field(
        3600,
        ge=1,
        description="Redis broker: seconds after which a task taken by a worker that died "
        "without acknowledging it is delivered again (RabbitMQ redelivers at once)",
    )
    redispatch_after: int = Field(
        300,
        ge=0,
        description="seconds a submission may stay `received` before the API sends its start "
        "task again (a broker outage at upload time); 0: never",
    )
    tokens: dict[str, TokenUser] = Field(
        default_factory=dict,
        description='bearer tokens as JSON: {"<token>": {"user": "clerk-a", "role": "clerk"}}',
    )
    auth: Literal["auto", "required", "off"] = Field(
        "auto",
        description="auto: tokens required once any token is configured (YIBAO_TOKENS or "
        "`yibao user add`); off: every request is the local admin",
    )
    host: str = "127.0.0.1"
    port: int = 8000
    migrate_on_start: bool = Field(True, description="run Alembic upgrade at serve/worker start")
    log_level: str = "INFO"
    watch_dir: Path | None = Field(
        None, description="a scan folder the service watches for mailed-in batches"
    )
    watch_out: Path | None = Field(None, description="batch results; default <watch_dir>/results")
    watch_settle_seconds: float = Field(
        10.0, gt=0, description="a dropped file is complete once unchanged this long"
    )
    watch_interval_seconds: float = Field(2.0, gt=0, description="how often the folder is read")
    max_request_bytes: int = Field(
        200 * 1024 * 1024,
        ge=0,
        description="largest request body (all files of one upload); larger: 413 before it is "
        "read (a too large Content-Length at once, a streamed body as soon as it passes)",
    )

    @field_validator("tokens", mode="before")
    @classmethod
    def _tokens_json(cls, value: object) -> object:
        if isinstance(value, str):
            return json.loads(value) if value.strip() else {}
        return value

    def ingest(self) -> IngestSettings:
        return IngestSettings()

    def resolved_database_url(self, ingest: IngestSettings) -> str:
        if self.database_url:
            return self.database_url
        ingest.data_dir.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{ingest.data_dir / 'service.sqlite'}"

    @property
    def embedded(self) -> bool:
        return not self.broker_url


@cache
def get_service_settings() -> ServiceSettings:
    return ServiceSettings()
