"""`yibao extract FILE... [--json]`: intake and OCR the files, number pages across them, and
print the logical documents found (kind, confidence, pages) with their fields (value, raw text,
confidence, page, box)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from api.report import document_json, plain
from api.submission import ingest_files
from extractors import extract as run_extract
from ingest.pipeline import Pipeline
from models.documents import Document, Page

app = typer.Typer(help="Extract documents and typed fields from files.")
console = Console()

JSON_SCHEMA_VERSION = 1


def documents_to_json(
    docs: list[Document], files: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """The stable JSON form: catalog kind identifiers, snake_case field names."""
    return {
        "schema_version": JSON_SCHEMA_VERSION,
        "files": files or [],
        "documents": [document_json(d) for d in docs],
    }


def load(files: list[Path], pipeline: Pipeline) -> tuple[list[Page], list[dict[str, Any]]]:
    """Pages of all files, renumbered 1.. across the submission in the order given."""
    results, pages = ingest_files(files, pipeline)
    info, first = [], 1
    for result in results:
        info.append(
            {
                "filename": result.filename,
                "pages": list(range(first, first + len(result.pages))),
                "error": result.error.to_dict() if result.error else None,
            }
        )
        first += len(result.pages)
    return pages, info


def _short(v: Any, width: int = 60) -> str:
    text = json.dumps(plain(v), ensure_ascii=False) if not isinstance(v, str) else v
    return text if len(text) <= width else text[: width - 1] + "…"


def _print_human(docs: list[Document], info: list[dict[str, Any]]) -> None:
    for fi in info:
        err = f" [red]{fi['error']['code']}[/red]" if fi["error"] else ""
        console.print(f"[bold]{fi['filename']}[/bold]: pages {fi['pages']}{err}")
    for d in docs:
        title = f" 《{d.title}》" if d.title else ""
        console.rule(
            f"{d.id} {d.kind.value} ({d.kind.label}){title}  confidence {d.confidence:.2f}  "
            f"pages {d.pages}"
        )
        if not d.fields:
            continue
        t = Table(show_header=True, header_style="bold")
        for col in ("field", "value", "raw", "conf", "page", "box"):
            t.add_column(col)
        for name, f in sorted(d.fields.items()):
            if name == "items" and isinstance(f.value, list):
                value = f"{len(f.value)} rows"
            else:
                value = _short(f.value) if f.readable else "[red]unreadable[/red]"
            box = (
                f"{f.bbox.x0:.0f},{f.bbox.y0:.0f},{f.bbox.x1:.0f},{f.bbox.y1:.0f}" if f.bbox else ""
            )
            t.add_row(name, value, _short(f.raw, 40), f"{f.confidence:.2f}", str(f.page or ""), box)
        console.print(t)
        items_f = d.fields.get("items")
        if items_f is not None and isinstance(items_f.value, list):
            it = Table(
                "page", "category", "name", "spec", "unit", "qty", "price", "amount", "class"
            )
            for r in items_f.value:
                it.add_row(
                    *(
                        _short(r.get(k), 24) if r.get(k) is not None else "?"
                        for k in (
                            "page",
                            "category",
                            "name",
                            "spec",
                            "unit",
                            "quantity",
                            "unit_price",
                            "amount",
                            "insurance_class",
                        )
                    )
                )
            console.print(it)


@app.command("extract")
def extract(
    files: Annotated[list[Path], typer.Argument(help="image or PDF files of one submission")],
    as_json: Annotated[bool, typer.Option("--json", help="print stable JSON")] = False,
) -> None:
    """Classify pages, group them into documents and extract typed fields with evidence."""
    missing = [str(f) for f in files if not f.is_file()]
    if missing:
        console.print(f"[red]no such file: {', '.join(missing)}[/red]")
        raise typer.Exit(2)
    pages, info = load(files, Pipeline())
    docs = run_extract(pages)
    if as_json:
        print(json.dumps(documents_to_json(docs, info), ensure_ascii=False, indent=2))
    else:
        _print_human(docs, info)
