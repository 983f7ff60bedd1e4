"""Shared fixtures. Tests that need loopback services skip without them, unless
YIBAO_REQUIRE_SERVICES=1 (as in CI), where a missing service fails the test instead."""

from __future__ import annotations

import os
import socket

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
