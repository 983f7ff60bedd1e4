"""Shared fixtures. Tests that need loopback services skip without them, unless
YIBAO_REQUIRE_SERVICES=1 (as in CI), where a missing service fails the test instead."""

from __future__ import annotations

import os
import secrets
import socket
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

REQUIRE_SERVICES = os.environ.get("YIBAO_REQUIRE_SERVICES") == "1"


def require_service(name: str, host: str, port: int) -> None:
    """Skip (or, in CI, fail) when nothing listens on host:port."""
    try:
        with socket.create_connection((host, port), timeout=2):
            return
    except OSError as exc:
        message = f"{name} not reachable on {host}:{port} ({exc})"
        if REQUIRE_SERVICES:
            pytest.fail(f"{message}; YIBAO_REQUIRE_SERVICES=1 requires it")
        pytest.skip(message)


PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"


@contextmanager
def fresh_pg_database(prefix: str = "yibao_test_") -> Iterator[str]:
    """A new database on the machine's PostgreSQL, dropped afterwards (the server is shared:
    never stopped by a test)."""
    from sqlalchemy import text

    from api.db import Database

    require_service("PostgreSQL", "127.0.0.1", 5432)
    name = prefix + secrets.token_hex(4)
    admin = Database(f"{PG_SERVER}/test")
    with admin.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield f"{PG_SERVER}/{name}"
    finally:
        with admin.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh PostgreSQL database, dropped afterwards."""
    with fresh_pg_database() as url:
        yield url


@pytest.fixture
def s3_endpoint() -> Iterator[str]:
    """An S3-compatible server (moto) on a free loopback port, over real HTTP."""
    moto_server = pytest.importorskip("moto.server")
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"{host}:{port}"
    finally:
        server.stop()
