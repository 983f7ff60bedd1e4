"""Request body size, enforced before the body is read.

Starlette's RequestBodyLimitMiddleware counts a streamed body as it arrives and raises a 413
HTTPException (answered by the app's coded handler) as soon as it passes the limit. A body
*declared* too large is refused here first, before anything is read, with the service's coded
error (starlette's own answer for that case is plain text)."""

from __future__ import annotations

import json

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

TOO_LARGE_CODE = "REQUEST_TOO_LARGE"


def too_large_message(limit: int) -> str:
    return f"上传内容过大（上限 {limit // 1024 // 1024} MB），请减少文件或分批补正提交"


class DeclaredBodyLimit:
    """413 for a request whose Content-Length is over `limit`, without reading its body."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            declared = Headers(scope=scope).get("content-length", "")
            if declared.isdigit() and int(declared) > self.limit:
                body = json.dumps(
                    {"error": {"code": TOO_LARGE_CODE, "message": too_large_message(self.limit)}},
                    ensure_ascii=False,
                ).encode()
                await send(
                    {
                        "type": "http.response.start",
                        "status": 413,
                        "headers": [
                            (b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode()),
                            (b"connection", b"close"),
                        ],
                    }
                )
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)
