"""`yibao user add NAME --role clerk`: an API user with a new bearer token (shown once)."""

from __future__ import annotations

from typing import Annotated

import typer

from api.settings import ROLES, Role, get_service_settings

app = typer.Typer(help="API users and their tokens", no_args_is_help=True)


@app.command("add")
def add(
    name: Annotated[str, typer.Argument(help="user name (owner of their submissions)")],
    role: Annotated[str, typer.Option(help="applicant, clerk, reviewer or admin")] = "clerk",
) -> None:
    """Create a user (or give an existing one a new token) and print the token."""
    from api.auth import add_user
    from api.db import Database

    if role not in ROLES:
        typer.echo(f"角色须为：{'、'.join(ROLES)}", err=True)
        raise typer.Exit(2)
    chosen: Role = role
    settings = get_service_settings()
    db = Database(settings.resolved_database_url(settings.ingest()))
    db.upgrade()
    typer.echo(add_user(db, name, chosen))
