"""FastAPI app, Celery tasks, the `yibao` CLI and the reviewer UI."""
