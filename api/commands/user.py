"""API users and their bearer tokens (only the SHA-256 of a token is stored; it is shown once).

yibao token create --role clerk [--name 张三]   # a new user with a token
yibao user add 张三 --role clerk                # the same, or a new token for 张三
yibao user list                                 # who may call the API, and with what role
yibao user disable 张三                          # revoke: the token stops working at once
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from api.settings import ROLES, Role, get_service_settings

if TYPE_CHECKING:
    from api.db import Database

app = typer.Typer(help="API users and their tokens", no_args_is_help=True)
token_app = typer.Typer(help="API bearer tokens", no_args_is_help=True)

RoleOption = Annotated[str, typer.Option(help="applicant, clerk, reviewer or admin")]


def _database() -> Database:
    from api.db import Database  # SQLAlchemy: loaded by the commands that use it, not by every one

    settings = get_service_settings()
    db = Database(settings.resolved_database_url(settings.ingest()))
    db.upgrade()
    return db


def _checked_role(role: str) -> Role:
    if role not in ROLES:
        typer.echo(f"角色须为：{'、'.join(ROLES)}", err=True)
        raise typer.Exit(2)
    return role


def _issue(name: str, role: str) -> None:
    from api.auth import add_user

    chosen = _checked_role(role)
    db = _database()
    try:
        typer.echo(add_user(db, name, chosen))
    finally:
        db.dispose()


@app.command("add")
def add(
    name: Annotated[str, typer.Argument(help="user name (owner of their submissions)")],
    role: RoleOption = "clerk",
) -> None:
    """Create a user (or give an existing one a new token) and print the token."""
    _issue(name, role)


@token_app.command("create")
def create(
    role: RoleOption = "clerk",
    name: Annotated[
        str | None, typer.Option(help="user name (default: the role and a random suffix)")
    ] = None,
) -> None:
    """Create a token for a new user (or re-key the named one) and print it."""
    _issue(name or f"{role}-{secrets.token_hex(3)}", role)


@app.command("list")
def list_users() -> None:
    """The users in the database with role, creation time and whether their token works."""
    from sqlalchemy import select

    from api.db import UserRow

    db = _database()
    try:
        with db.session() as s:
            rows = list(s.scalars(select(UserRow).order_by(UserRow.name)))
            table = Table("user", "role", "created", "active")
            for row in rows:
                created = f"{row.created_at:%Y-%m-%d %H:%M}"
                table.add_row(row.name, row.role, created, "yes" if row.active else "no")
    finally:
        db.dispose()
    Console().print(table)


@app.command("disable")
def disable(name: Annotated[str, typer.Argument(help="user name")]) -> None:
    """Revoke a user's token (`user add` gives them a new one)."""
    from sqlalchemy import select

    from api.db import UserRow

    db = _database()
    try:
        with db.session() as s:
            row = s.scalar(select(UserRow).where(UserRow.name == name))
            if row is None:
                typer.echo(f"没有用户：{name}", err=True)
                raise typer.Exit(1)
            row.active = False
    finally:
        db.dispose()
    typer.echo(f"disabled {name}")
