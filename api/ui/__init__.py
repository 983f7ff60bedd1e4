"""The web UI (server-rendered Chinese pages under /ui) for intake clerks and reviewers."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles

from api.ui import session
from api.ui.routes import STATIC_DIR, router

PREFIX = router.prefix
LOGIN_PATH = f"{PREFIX}/login"
__all__ = ["LOGIN_PATH", "PREFIX", "mount", "session"]


def mount(app: FastAPI) -> None:
    """Add the UI's routes and its static files to the API app."""
    app.include_router(router)
    app.mount("/ui/static", StaticFiles(directory=STATIC_DIR), name="ui-static")

    @app.get("/", include_in_schema=False)
    def root() -> RedirectResponse:
        return RedirectResponse("/ui/", status_code=307)
