"""The `yibao` command line."""

from __future__ import annotations

import typer

from api.commands import extract, items, ocr, samples
from api.commands.verify import verify_command

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


def main() -> None:
    app()


if __name__ == "__main__":
    main()
