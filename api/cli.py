"""The `yibao` command line."""

from __future__ import annotations

import typer

from api.commands import extract, items, ocr, samples, user
from api.commands.batch import batch_command, coversheet_command, watch_command
from api.commands.serve import serve_command
from api.commands.verify import verify_command
from api.commands.worker import worker_command

app = typer.Typer(
    name="yibao",
    help="yibao-check: 医保经办材料核验 — intake, OCR, extraction, verification and notices.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)
app.add_typer(items.app, name="items")
app.add_typer(samples.app, name="samples")
app.command("ocr")(ocr.ocr)
app.add_typer(extract.app)
app.command("verify")(verify_command)
app.command("serve")(serve_command)
app.command("worker")(worker_command)
app.add_typer(user.app, name="user")
app.add_typer(user.token_app, name="token")
app.command("coversheet")(coversheet_command)
app.command("batch")(batch_command)
app.command("watch")(watch_command)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
