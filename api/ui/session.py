"""Browser sign-in for the web UI, and CSRF protection of its form posts.

A browser cannot send `Authorization: Bearer`, so the login page takes the same token and keeps
it in an HttpOnly, SameSite=Lax cookie scoped to /ui. The cookie is resolved exactly like the
header (`api.auth.authenticate`), so roles and ownership are those of the API; the JSON API
itself never reads the cookie, which keeps it free of CSRF.

CSRF: a signed double-submit token. Every UI response carries a random nonce cookie; forms and
XHR send `HMAC(session token, nonce)` back (field `csrf` or header `X-CSRF-Token`). A foreign
site can neither read the nonce nor the session token, so it cannot forge the value; a browser
Origin header, when sent, must also name this host.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from urllib.parse import urlsplit

from fastapi import Request, Response

from api.auth import LOCAL_ADMIN, Principal, auth_required, authenticate
from api.runtime import Runtime

TOKEN_COOKIE = "yibao_token"
NONCE_COOKIE = "yibao_csrf"
CSRF_FIELD = "csrf"
CSRF_HEADER = "x-csrf-token"
COOKIE_PATH = "/ui"
SESSION_SECONDS = 12 * 3600


class LoginRequiredError(Exception):
    """No valid token in the header or the cookie while tokens are required."""


class CsrfError(Exception):
    """A state-changing request without a valid CSRF token (or from another origin)."""


def request_token(request: Request) -> str:
    """The bearer token of the header, else the one of the UI cookie."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    return request.cookies.get(TOKEN_COOKIE, "")


def ui_principal(request: Request) -> Principal:
    """The caller, resolved as the API's `principal` resolves the bearer header."""
    rt: Runtime = request.app.state.runtime
    token = request_token(request)
    if not auth_required(rt.settings, rt.db):
        return authenticate(rt.settings, rt.db, token) or Principal(LOCAL_ADMIN, "admin")
    who = authenticate(rt.settings, rt.db, token)
    if who is None:
        raise LoginRequiredError
    return who


def _nonce(request: Request) -> str:
    """The nonce of this request: the cookie's, or a fresh one `remember_nonce` will set."""
    nonce = getattr(request.state, "csrf_nonce", None)
    if nonce is None:
        nonce = request.cookies.get(NONCE_COOKIE) or secrets.token_urlsafe(24)
        request.state.csrf_nonce = nonce
    return str(nonce)


def csrf_token(request: Request, session_token: str | None = None) -> str:
    """The CSRF value pages embed for this browser and session."""
    key = (request_token(request) if session_token is None else session_token).encode()
    return hmac.new(key, _nonce(request).encode(), hashlib.sha256).hexdigest()


def remember_nonce(request: Request, response: Response) -> None:
    """Set the nonce cookie on a response when the request came without it."""
    nonce = getattr(request.state, "csrf_nonce", None)
    if nonce and request.cookies.get(NONCE_COOKIE) != nonce:
        response.set_cookie(
            NONCE_COOKIE,
            nonce,
            path=COOKIE_PATH,
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",
        )


def check_csrf(request: Request, submitted: str | None) -> None:
    origin = request.headers.get("origin")
    if origin and origin != "null":
        host = request.headers.get("host", "")
        if urlsplit(origin).netloc != host:
            raise CsrfError
    nonce = request.cookies.get(NONCE_COOKIE)
    given = submitted or request.headers.get(CSRF_HEADER, "")
    if not nonce or not given:
        raise CsrfError
    key = request_token(request).encode()
    expected = hmac.new(key, nonce.encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, given):
        raise CsrfError


def sign_in(request: Request, response: Response, token: str) -> None:
    """Keep the token in the session cookie and start a new CSRF nonce (no fixation)."""
    secure = request.url.scheme == "https"
    response.set_cookie(
        TOKEN_COOKIE,
        token,
        max_age=SESSION_SECONDS,
        path=COOKIE_PATH,
        httponly=True,
        samesite="lax",
        secure=secure,
    )
    response.set_cookie(
        NONCE_COOKIE,
        secrets.token_urlsafe(24),
        path=COOKIE_PATH,
        httponly=True,
        samesite="strict",
        secure=secure,
    )


def sign_out(response: Response) -> None:
    response.delete_cookie(TOKEN_COOKIE, path=COOKIE_PATH)
    response.delete_cookie(NONCE_COOKIE, path=COOKIE_PATH)
