"""Real processes for the fault tests: a private Redis and a private PostgreSQL that a test may
kill and restart (never the machine's shared ones), and the service itself — the API and
Celery workers, each its own process group (tests/fault_service.py) — driven over HTTP."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import httpx
import pytest

from models.documents import Document
from tests.api_support import FACTS, ITEM, REGION, TOKENS
from tests.conftest import REQUIRE_SERVICES

ROOT = Path(__file__).resolve().parent.parent
PG_BIN = Path("/usr/lib/postgresql/15/bin")


def require_binary(name: str, found: str | None) -> None:
    """Skip (or, with YIBAO_REQUIRE_SERVICES=1, fail) when a server program is missing."""
    if found:
        return
    message = f"{name} is not installed"
    if REQUIRE_SERVICES:
        pytest.fail(f"{message}; YIBAO_REQUIRE_SERVICES=1 requires it")
    pytest.skip(message)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def wait_for(what: str, check: Callable[[], bool], timeout: float, every: float = 0.1) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(every)


def listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


class Proc:
    """A child process leading its own process group, its output in a log file."""

    def __init__(self, name: str, args: list[str], env: dict[str, str], logs: Path) -> None:
        self.name = name
        self.log = logs / f"{name}.log"
        with self.log.open("ab") as out:
            self.popen = subprocess.Popen(
                args,
                env=env,
                cwd=ROOT,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    @property
    def pgid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen.poll() is None

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """The whole group (a Celery worker and its pool children) at once."""
        if self.alive():
            with suppress(ProcessLookupError):
                os.killpg(self.popen.pid, sig)
        try:
            self.popen.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait(timeout=15)

    def tail(self, chars: int = 3000) -> str:
        return self.log.read_text(errors="replace")[-chars:] if self.log.exists() else ""


class PrivateRedis:
    """redis-server on a free port, append-only so that queued tasks survive a restart."""

    def __init__(self, workdir: Path) -> None:
        require_binary("redis-server", shutil.which("redis-server"))
        self.dir = workdir
        self.dir.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.proc: Proc | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        args = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
        args += ["--appendonly", "yes", "--appendfsync", "always", "--dir", str(self.dir)]
        self.proc = Proc(f"redis-{secrets.token_hex(2)}", args, dict(os.environ), self.dir)
        wait_for("redis", lambda: listening(self.port), 20)

    def kill(self) -> None:
        if self.proc is not None:
            self.proc.kill(signal.SIGKILL)
        wait_for("redis to stop", lambda: not listening(self.port), 10)

    def queued(self, queue: str) -> int:
        import redis

        n: int = redis.Redis(port=self.port).llen(queue)
        return n


class PrivatePostgres:
    """A PostgreSQL cluster of its own (initdb in a temporary directory) on a free port."""

    def __init__(self) -> None:
        initdb = PG_BIN / "initdb"
        require_binary("PostgreSQL's initdb", str(initdb) if initdb.exists() else None)
        # under /tmp, not pytest's tmp_path: the server runs as `postgres` when we are root
        self.dir = Path(tempfile.mkdtemp(prefix="yibao-pg-"))
        self.port = free_port()
        self.as_postgres = os.geteuid() == 0
        if self.as_postgres:
            self.dir.chmod(0o755)
            shutil.chown(self.dir, "postgres", "postgres")
        self._run(PG_BIN / "initdb", "-D", self.dir / "data", "-U", "postgres", "-A", "trust")

    def _run(self, *args: Any) -> None:
        cmd = [str(a) for a in args]
        if self.as_postgres:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        subprocess.run(cmd, check=True, capture_output=True, timeout=60)

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def start(self) -> None:
        opts = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run(
            PG_BIN / "pg_ctl", "-D", self.dir / "data", "-o", opts, "-l", self.dir / "log",
            "-w", "-t", "30", "start",
        )  # fmt: skip
        wait_for("postgres", lambda: listening(self.port), 30)

    def stop(self) -> None:
        self._run(PG_BIN / "pg_ctl", "-D", self.dir / "data", "-m", "fast", "-w", "stop")

    def destroy(self) -> None:
        with suppress(subprocess.CalledProcessError):  # not running
            self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


class Stack:
    """The service as separate processes: an API and Celery workers, configured like
    production through YIBAO_* variables (plus the test engine's, see fault_service)."""

    def __init__(
        self,
        workdir: Path,
        *,
        broker_url: str,
        database_url: str,
        docs: dict[str, list[Document]],
        **settings: str,
    ) -> None:
        self.dir = workdir
        self.ocr_dir = workdir / "ocr"
        self.ocr_dir.mkdir(parents=True, exist_ok=True)
        (self.ocr_dir / "calls").touch()
        docs_file = workdir / "docs.json"
        docs_file.write_text(
            json.dumps({sha: [d.model_dump(mode="json") for d in ds] for sha, ds in docs.items()}),
            encoding="utf-8",
        )
        self.queue = "yibao-fault-" + secrets.token_hex(4)
        self.env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "YIBAO_DATA_DIR": str(workdir / "data"),
            "YIBAO_DATABASE_URL": database_url,
            "YIBAO_BROKER_URL": broker_url,
            "YIBAO_QUEUE": self.queue,
            "YIBAO_TOKENS": json.dumps({t: u.model_dump() for t, u in TOKENS.items()}),
            "YIBAO_TASK_MAX_RETRIES": "8",
            "YIBAO_TASK_RETRY_BACKOFF_MAX": "2",
            "YIBAO_TEST_DOCS": str(docs_file),
            "YIBAO_TEST_OCR_DIR": str(self.ocr_dir),
            **{f"YIBAO_{k.upper()}": v for k, v in settings.items()},
        }
        self.procs: list[Proc] = []
        self.port = 0

    def _spawn(self, name: str, *args: str) -> Proc:
        cmd = [sys.executable, "-m", "tests.fault_service", *args]
        proc = Proc(name, cmd, self.env, self.dir)
        self.procs.append(proc)
        return proc

    def api(self) -> Proc:
        self.port = free_port()
        proc = self._spawn("api", "api", "--port", str(self.port))

        def up() -> bool:
            if not proc.alive():
                raise AssertionError(f"the API exited:\n{proc.tail()}")
            return listening(self.port)

        wait_for("the API", up, 60)
        return proc

    def worker(self, name: str = "worker") -> Proc:
        return self._spawn(name, "worker")

    def http(self) -> httpx.Client:
        return httpx.Client(base_url=f"http://127.0.0.1:{self.port}", timeout=30)

    def ocr_calls(self) -> list[tuple[int, int]]:
        """(process group, pid) of every OCR call so far, in order."""
        lines = (self.ocr_dir / "calls").read_text().split()
        return [(int(a), int(b)) for a, b in zip(lines[::2], lines[1::2], strict=True)]

    def close(self) -> None:
        for proc in reversed(self.procs):
            proc.kill(signal.SIGKILL)

    def logs(self) -> str:
        return "\n".join(f"--- {p.name}\n{p.tail()}" for p in self.procs)


@contextmanager
def stack(workdir: Path, **kwargs: Any) -> Iterator[Stack]:
    s = Stack(workdir, **kwargs)
    try:
        yield s
    except BaseException:
        print(s.logs())  # shown by pytest for a failing test
        raise
    finally:
        s.close()


def submit(http: httpx.Client, files: dict[str, bytes], headers: dict[str, str]) -> httpx.Response:
    data = {"item": ITEM, "region": REGION, "channel": "邮寄", "facts": json.dumps(FACTS)}
    upload = [("files", (f"{name}.png", blob, "image/png")) for name, blob in files.items()]
    return http.post("/submissions", data=data, files=upload, headers=headers)


def wait_decided(
    http: httpx.Client, sid: str, headers: dict[str, str], timeout: float, want: str = "decided"
) -> dict[str, Any]:
    body: dict[str, Any] = {}

    def done() -> bool:
        nonlocal body
        r = http.get(f"/submissions/{sid}", headers=headers)
        if r.status_code != 200:
            return False
        body = r.json()
        if body["status"] == "failed" and want != "failed":
            raise AssertionError(f"{sid} failed: {body['error']}")
        return bool(body["status"] == want and (want != "decided" or body["result"]))

    wait_for(f"{sid} {want}", done, timeout, every=0.25)
    return body
