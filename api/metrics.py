"""Prometheus metrics (one set per process; the API serves them at /metrics)."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

HTTP_REQUESTS = Counter("yibao_http_requests_total", "HTTP requests", ["method", "route", "status"])
HTTP_SECONDS = Histogram("yibao_http_request_seconds", "HTTP request duration", ["route"])
SUBMISSIONS = Counter("yibao_submissions_total", "submissions received", ["channel"])
SUPPLEMENTS = Counter("yibao_supplements_total", "补正 (added materials) received")
FILES = Counter("yibao_files_total", "files stored")
TASKS = Counter("yibao_tasks_total", "tasks run", ["task", "outcome"])
TASK_SECONDS = Histogram(
    "yibao_task_seconds",
    "task duration",
    ["task"],
    buckets=(0.05, 0.1, 0.5, 1, 2, 5, 10, 30, 60, 120, 300),
)
DECISIONS = Counter("yibao_decisions_total", "machine decisions", ["outcome"])
REVIEW_ACTIONS = Counter("yibao_review_actions_total", "reviewer actions", ["action"])
