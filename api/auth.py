"""Bearer tokens mapped to users with roles (applicant / clerk / reviewer / admin).

Tokens come from YIBAO_TOKENS (JSON) or the api_users table (`yibao user add`, stored as
SHA-256 only). With auth=auto and no token configured anywhere, every request is the single
local admin — the embedded default for one person on one machine; serve says so at startup.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from sqlalchemy import func, select

from api.db import Database, UserRow, utcnow
from api.settings import ROLES, Role, ServiceSettings

LOCAL_ADMIN = "local-admin"


@dataclass(frozen=True)
class Principal:
    user: str
    role: Role

    @property
    def sees_all(self) -> bool:
        return self.role in ("reviewer", "admin")

    @property
    def reviews(self) -> bool:
        return self.role in ("reviewer", "admin")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def auth_required(settings: ServiceSettings, db: Database) -> bool:
    if settings.auth == "off":
        return False
    if settings.auth == "required" or settings.tokens:
        return True
    with db.session() as s:
        return bool(s.scalar(select(func.count(UserRow.id)).where(UserRow.active.is_(True))))


def authenticate(settings: ServiceSettings, db: Database, token: str | None) -> Principal | None:
    """The user behind a bearer token; None when the token is missing or unknown."""
    if not token:
        return None
    for known, user in settings.tokens.items():
        if hmac.compare_digest(known.encode(), token.encode()):
            return Principal(user.user, user.role)
    with db.session() as s:
        row = s.scalar(
            select(UserRow).where(UserRow.token_sha256 == token_hash(token), UserRow.active)
        )
        if row is not None and row.role in ROLES:
            return Principal(row.name, row.role)
    return None


def add_user(db: Database, name: str, role: Role) -> str:
    """Create (or re-key) a user; returns the new token, shown once."""
    token = "yb_" + secrets.token_urlsafe(32)
    with db.session() as s:
        row = s.scalar(select(UserRow).where(UserRow.name == name))
        if row is None:
            s.add(
                UserRow(
                    name=name,
                    role=role,
                    token_sha256=token_hash(token),
                    created_at=utcnow(),
                    active=True,
                )
            )
        else:
            row.role = role
            row.token_sha256 = token_hash(token)
            row.active = True
    return token
