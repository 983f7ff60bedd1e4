"""Service benchmark: the service as it runs scaled out, under a bounded load on loopback.

    python -m bench.service_bench [--clients 20] [--duration 120] [--workers 2]
                                  [--storage local|s3] [--cases samples/cases] [--json out.json]

It starts what production runs, on this machine: the API (`yibao serve`, uvicorn) and
`--workers` Celery workers (`yibao worker`, one process each with a pool of one) on the
loopback Redis (a private db number and queue), records in a dedicated PostgreSQL database
(`yibao_bench`, dropped and created afresh), originals on local disk or on an S3 server
(moto, loopback). Then `--clients` async HTTP clients each upload a sample case
(samples/cases, round robin), poll it until it is decided, and upload the next, for
`--duration` seconds; the submissions accepted by then are waited for (`--drain-timeout`).

Reported: submissions decided per minute, upload→decision p50/p95, upload latency
percentiles, lost submissions (a 202 that never ended decided or failed), and the peak
resident memory of every worker (VmHWM of its processes, from /proc).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "bench-" + secrets.token_hex(8)
HEADERS = {"Authorization": f"Bearer {TOKEN}"}
MEDIA = {
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".pdf": "application/pdf",
}


@dataclass
class Case:
    name: str
    form: dict[str, str]
    files: list[tuple[str, bytes, str]]


def load_cases(folder: Path, only: Sequence[str] = ()) -> list[Case]:
    cases = []
    for case_dir in sorted(p for p in folder.iterdir() if (p / "case.json").is_file()):
        if only and case_dir.name not in only:
            continue
        raw = json.loads((case_dir / "case.json").read_text(encoding="utf-8"))
        form = {"item": raw["item"], "channel": raw.get("channel") or "mail"}
        if raw.get("region"):
            form["region"] = raw["region"]
        form["facts"] = json.dumps(raw.get("facts", {}), ensure_ascii=False)
        files = [
            (p.name, p.read_bytes(), MEDIA.get(p.suffix.lower(), "application/octet-stream"))
            for p in sorted(case_dir.iterdir())
            if p.is_file() and p.name not in ("case.json", "expected.json")
        ]
        cases.append(Case(case_dir.name, form, files))
    if not cases:
        raise SystemExit(f"no cases under {folder}")
    return cases


# -- processes -------------------------------------------------------------------------------


class Proc:
    """A service process leading its own process group (a worker and its pool children)."""

    def __init__(self, name: str, args: list[str], env: dict[str, str], log: Path) -> None:
        self.name = name
        self.log = log
        with log.open("ab") as out:
            self.popen = subprocess.Popen(
                args, env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
        self.peak_kb: dict[int, int] = {}

    def sample_memory(self) -> None:
        """Remember the peak RSS (VmHWM) of every process of the group seen so far."""
        for pid in group_pids(self.popen.pid):
            kb = vm_hwm_kb(pid)
            if kb:
                self.peak_kb[pid] = max(kb, self.peak_kb.get(pid, 0))

    def stop(self) -> None:
        if self.popen.poll() is None:
            os.killpg(self.popen.pid, signal.SIGTERM)
            try:
                self.popen.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.popen.pid, signal.SIGKILL)
                self.popen.wait(timeout=10)


def group_pids(pgid: int) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2 :].split()
        if int(fields[2]) == pgid:  # state, ppid, pgrp, ...
            pids.append(int(entry.name))
    return pids


def vm_hwm_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


@dataclass
class Config:
    clients: int = 20
    duration: float = 120.0
    workers: int = 2
    storage: str = "local"
    pg: str = "postgresql+psycopg://postgres@127.0.0.1:5432"
    database: str = "yibao_bench"
    redis: str = "redis://127.0.0.1:6379/13"
    drain_timeout: float = 900.0
    poll_seconds: float = 1.0
    ocr_threads: int = 1
    api_cmd: list[str] = field(default_factory=list)
    worker_cmd: list[str] = field(default_factory=list)
    extra_env: dict[str, str] = field(default_factory=dict)
    drop_database: bool = False


def yibao_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "api.cli", *args]


@contextmanager
def database(cfg: Config) -> Iterator[str]:
    from sqlalchemy import create_engine, text

    admin = create_engine(f"{cfg.pg}/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{cfg.database}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{cfg.database}"'))
    try:
        yield f"{cfg.pg}/{cfg.database}"
    finally:
        if cfg.drop_database:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{cfg.database}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def s3_server(cfg: Config) -> Iterator[dict[str, str]]:
    if cfg.storage != "s3":
        yield {}
        return
    from moto.server import ThreadedMotoServer

    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield {
            "YIBAO_STORAGE": "s3",
            "YIBAO_S3_ENDPOINT": f"127.0.0.1:{port}",
            "YIBAO_S3_ACCESS_KEY": "bench",
            "YIBAO_S3_SECRET_KEY": "bench",
            "YIBAO_S3_BUCKET": "yibao-bench",
        }
    finally:
        server.stop()


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def delete_queue(broker: str, queue: str) -> None:
    import redis

    client = redis.Redis.from_url(broker)
    client.delete(
        queue,
        f"_kombu.binding.{queue}",
        f"_kombu.binding_permanent.{queue}",
        "unacked",
        "unacked_index",
    )


# -- the load --------------------------------------------------------------------------------


@dataclass
class Outcome:
    case: str
    upload_s: float
    status: int
    code: str | None = None
    sid: str | None = None
    started: float = 0.0
    decided_s: float | None = None
    final: str | None = None
    decision: str | None = None
    error: str | None = None


async def client_loop(
    http: httpx.AsyncClient,
    cases: list[Case],
    counter: Iterator[int],
    stop_at: float,
    drain_until: float,
    poll: float,
    out: list[Outcome],
) -> None:
    while time.monotonic() < stop_at:
        case = cases[next(counter) % len(cases)]
        started = time.monotonic()
        files = [("files", (name, data, media)) for name, data, media in case.files]
        try:
            r = await http.post("/submissions", data=case.form, files=files, headers=HEADERS)
        except httpx.HTTPError as exc:
            out.append(Outcome(case.name, time.monotonic() - started, 0, type(exc).__name__))
            continue
        upload_s = time.monotonic() - started
        if r.status_code != 202:
            code = r.json().get("error", {}).get("code") if r.content else None
            out.append(Outcome(case.name, upload_s, r.status_code, code))
            await asyncio.sleep(poll)
            continue
        o = Outcome(case.name, upload_s, 202, sid=r.json()["id"], started=started)
        out.append(o)
        while time.monotonic() < drain_until:
            await asyncio.sleep(poll)
            try:
                body = (await http.get(f"/submissions/{o.sid}", headers=HEADERS)).json()
            except (httpx.HTTPError, ValueError):
                continue
            if body.get("status") in ("decided", "failed") and (
                body["status"] == "failed" or body.get("result")
            ):
                o.decided_s = time.monotonic() - started
                o.final = body["status"]
                if body["status"] == "decided":
                    o.decision = body["result"]["decision"]["outcome"]
                else:
                    o.error = (body.get("error") or {}).get("code")
                break


async def drive(cfg: Config, base_url: str, cases: list[Case]) -> tuple[list[Outcome], float]:
    out: list[Outcome] = []
    counter = iter(range(10**9))
    t0 = time.monotonic()
    stop_at = t0 + cfg.duration
    drain_until = stop_at + cfg.drain_timeout
    limits = httpx.Limits(max_connections=cfg.clients + 4)
    async with httpx.AsyncClient(base_url=base_url, timeout=120, limits=limits) as http:
        await asyncio.gather(
            *(
                client_loop(http, cases, counter, stop_at, drain_until, cfg.poll_seconds, out)
                for _ in range(cfg.clients)
            )
        )
    return out, t0


# -- the run ---------------------------------------------------------------------------------


def run(cfg: Config, cases: list[Case], workdir: Path, log: Any = print) -> dict[str, Any]:
    queue = "yibao-bench-" + secrets.token_hex(4)
    procs: list[Proc] = []
    with database(cfg) as db_url, s3_server(cfg) as s3_env:
        env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "YIBAO_DATA_DIR": str(workdir / "data"),
            "YIBAO_DATABASE_URL": db_url,
            "YIBAO_BROKER_URL": cfg.redis,
            "YIBAO_QUEUE": queue,
            "YIBAO_TOKENS": json.dumps({TOKEN: {"user": "bench-clerk", "role": "clerk"}}),
            "YIBAO_LOG_LEVEL": "WARNING",
            "YIBAO_OCR_THREADS": str(cfg.ocr_threads),
            **s3_env,
            **cfg.extra_env,
        }
        port = free_port()
        try:
            api = Proc(
                "api",
                [*(cfg.api_cmd or yibao_cmd("serve")), "--host", "127.0.0.1", "--port", str(port)],
                env,
                workdir / "api.log",
            )
            procs.append(api)
            # the API migrates the fresh database first; workers start once it answers
            base_url = f"http://127.0.0.1:{port}"
            wait_ready(base_url, api, 120)
            workers = [
                Proc(
                    f"worker-{n + 1}",
                    cfg.worker_cmd or yibao_cmd("worker", "--concurrency", "1"),
                    env,
                    workdir / f"worker-{n + 1}.log",
                )
                for n in range(cfg.workers)
            ]
            procs.extend(workers)
            wait_workers(env, cfg.workers, 120)
            log(f"API and {cfg.workers} workers up; {cfg.clients} clients for {cfg.duration:.0f}s")
            sampler = MemorySampler(procs)
            sampler.start()
            try:
                outcomes, t0 = asyncio.run(drive(cfg, base_url, cases))
            finally:
                sampler.stop()
            return summarise(cfg, outcomes, t0, api, workers)
        finally:
            for p in reversed(procs):
                p.stop()
            delete_queue(cfg.redis, queue)


def wait_ready(base_url: str, api: Proc, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if api.popen.poll() is not None:
            raise SystemExit(f"the API exited; see {api.log}")
        try:
            if httpx.get(f"{base_url}/readyz", timeout=5).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise SystemExit(f"the API is not ready after {timeout:.0f}s; see {api.log}")


def wait_workers(env: dict[str, str], count: int, timeout: float) -> None:
    """Until `count` workers answer a ping on the broker."""
    from api.settings import ServiceSettings
    from api.worker import make_celery

    app = make_celery(ServiceSettings(broker_url=env["YIBAO_BROKER_URL"], queue=env["YIBAO_QUEUE"]))
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if len(app.control.ping(timeout=1.0) or []) >= count:
            return
    raise SystemExit(f"fewer than {count} workers answer after {timeout:.0f}s")


class MemorySampler:
    def __init__(self, procs: list[Proc]) -> None:
        import threading

        self.procs = procs
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _run(self) -> None:
        while True:
            for p in self.procs:
                p.sample_memory()
            if self._stop.wait(1.0):
                return

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()
        for p in self.procs:
            p.sample_memory()


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = (len(ordered) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def summarise(
    cfg: Config, outcomes: list[Outcome], t0: float, api: Proc, workers: list[Proc]
) -> dict[str, Any]:
    accepted = [o for o in outcomes if o.status == 202]
    decided = [o for o in accepted if o.final == "decided"]
    failed = [o for o in accepted if o.final == "failed"]
    lost = [o for o in accepted if o.final is None]
    ends = [o.started + (o.decided_s or 0) for o in decided + failed]
    span = (max(ends) - t0) if ends else float("nan")
    in_window = [o for o in decided if o.started + (o.decided_s or 0) - t0 <= cfg.duration]
    latency = [o.decided_s for o in decided if o.decided_s is not None]
    uploads = [o.upload_s for o in outcomes if o.status == 202]
    return {
        "clients": cfg.clients,
        "duration_s": cfg.duration,
        "workers": cfg.workers,
        "storage": cfg.storage,
        "uploads": len(outcomes),
        "accepted": len(accepted),
        "refused": dict(Counter(f"{o.status} {o.code}" for o in outcomes if o.status != 202)),
        "decided": len(decided),
        "failed": dict(Counter(o.error for o in failed)),
        "lost": len(lost),
        "lost_ids": [o.sid for o in lost],
        "decisions": dict(Counter(o.decision for o in decided)),
        "run_s": span,
        "per_minute_in_window": len(in_window) / (cfg.duration / 60),
        "per_minute_overall": (len(decided) / (span / 60)) if decided else 0.0,
        "decision_s": {q: pct(latency, p) for q, p in (("p50", 0.5), ("p95", 0.95), ("max", 1))},
        "upload_ms": {
            q: 1000 * pct(uploads, p) for q, p in (("p50", 0.5), ("p95", 0.95), ("max", 1))
        },
        "peak_rss_mb": {
            p.name: {
                "main": round(p.peak_kb.get(p.popen.pid, 0) / 1024, 1),
                "children": [
                    round(kb / 1024, 1)
                    for pid, kb in sorted(p.peak_kb.items())
                    if pid != p.popen.pid
                ],
            }
            for p in [api, *workers]
        },
    }


def table(r: dict[str, Any]) -> str:
    d, u = r["decision_s"], r["upload_ms"]
    rows = [
        ("clients / duration / workers / storage",
         f"{r['clients']} / {r['duration_s']:.0f} s / {r['workers']} / {r['storage']}"),
        ("uploads (202 accepted)", f"{r['uploads']} ({r['accepted']})"),
        ("refused uploads", ", ".join(f"{k}: {v}" for k, v in r["refused"].items()) or "0"),
        ("decided", str(r["decided"])),
        ("failed (coded)", ", ".join(f"{k}: {v}" for k, v in r["failed"].items()) or "0"),
        ("lost (202, never decided)", str(r["lost"])),
        ("decisions", ", ".join(f"{k}: {v}" for k, v in sorted(r["decisions"].items()))),
        ("run time incl. drain", f"{r['run_s']:.0f} s"),
        ("submissions decided / min (load window)", f"{r['per_minute_in_window']:.2f}"),
        ("submissions decided / min (whole run)", f"{r['per_minute_overall']:.2f}"),
        ("upload → decision p50 / p95 / max",
         f"{d['p50']:.1f} / {d['p95']:.1f} / {d['max']:.1f} s"),
        ("upload latency p50 / p95 / max",
         f"{u['p50']:.0f} / {u['p95']:.0f} / {u['max']:.0f} ms"),
    ]  # fmt: skip
    for name, mem in r["peak_rss_mb"].items():
        kids = " + ".join(f"{m:.0f}" for m in mem["children"])
        rows.append((f"peak RSS {name} (main + pool)", f"{mem['main']:.0f} + {kids or '-'} MB"))
    width = max(len(a) for a, _ in rows)
    return "\n".join(f"| {a.ljust(width)} | {b} |" for a, b in rows)


def main(argv: Sequence[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--duration", type=float, default=120.0, help="seconds of load")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--storage", choices=["local", "s3"], default="local")
    ap.add_argument("--cases", type=Path, default=ROOT / "samples" / "cases")
    ap.add_argument("--case", action="append", default=[], help="only these cases")
    ap.add_argument("--pg", default=Config.pg, help="PostgreSQL server URL (no database)")
    ap.add_argument("--database", default=Config.database)
    ap.add_argument("--redis", default=Config.redis, help="broker URL (a db of its own)")
    ap.add_argument("--drain-timeout", type=float, default=Config.drain_timeout)
    ap.add_argument("--ocr-threads", type=int, default=1, help="YIBAO_OCR_THREADS per worker")
    ap.add_argument("--json", type=Path, help="write the figures as JSON")
    ap.add_argument("--workdir", type=Path, help="keep data and process logs here")
    args = ap.parse_args(argv)
    cfg = Config(
        clients=args.clients,
        duration=args.duration,
        workers=args.workers,
        storage=args.storage,
        pg=args.pg,
        database=args.database,
        redis=args.redis,
        drain_timeout=args.drain_timeout,
        ocr_threads=args.ocr_threads,
    )
    cases = load_cases(args.cases, args.case)
    # stopped from outside: still stop the service processes (the `finally` of run)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    if args.workdir:
        args.workdir.mkdir(parents=True, exist_ok=True)
        result = run(cfg, cases, args.workdir)
    else:
        with tempfile.TemporaryDirectory(prefix="yibao-bench-") as tmp:
            result = run(cfg, cases, Path(tmp))
    print(table(result))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2, ensure_ascii=False), encoding="utf-8")
    if result["lost"]:
        raise SystemExit(f"{result['lost']} submissions lost: {result['lost_ids']}")


if __name__ == "__main__":
    main()
