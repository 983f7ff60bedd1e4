"""`yibao extract FILE... [--json]`: intake and OCR the files, number pages across them, and
print the logical documents found (kind, confidence, pages) with their fields (value, raw text,
confidence, page, box)."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from extractors import extract as run_extract
from ingest.pipeline import Pipeline
from models.documents import Document, ExtractedField, Page

app = typer.Typer(help="Extract documents and typed fields from files.")
console = Console()

JSON_SCHEMA_VERSION = 1


def _json_value(v: Any) -> Any:
    if isinstance(v, bool) or v is None:
        return v
    if isinstance(v, Decimal):
        return f"{v:.2f}" if v == v.quantize(Decimal("0.01")) else str(v)
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, dict):
        return {str(k): _json_value(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_json_value(x) for x in v]
    return v


def field_to_json(f: ExtractedField) -> dict[str, Any]:
    return {
        "value": _json_value(f.value),
        "raw": f.raw,
        "confidence": f.confidence,
        "readable": f.readable,
        "page": f.page,
        "bbox": [round(f.bbox.x0, 1), round(f.bbox.y0, 1), round(f.bbox.x1, 1), round(f.bbox.y1, 1)]
        if f.bbox
        else None,
    }


def documents_to_json(
    docs: list[Document], files: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """The stable JSON form: catalog kind identifiers, snake_case field names."""
    return {
        "schema_version": JSON_SCHEMA_VERSION,
        "files": files or [],
        "documents": [
            {
                "id": d.id,
                "kind": d.kind.value,
                "kind_label": d.kind.label,
                "confidence": d.confidence,
                "pages": d.pages,
                "title": d.title,
                "fields": {k: field_to_json(f) for k, f in sorted(d.fields.items())},
            }
            for d in docs
        ],
    }


def load(files: list[Path], pipeline: Pipeline) -> tuple[list[Page], list[dict[str, Any]]]:
    """Pages of all files, renumbered 1.. across the submission in the order given."""
    pages: list[Page] = []
    info: list[dict[str, Any]] = []
    for path in files:
        result = pipeline.process(path.read_bytes(), path.name)
        first = len(pages) + 1
        for pr in result.pages:
            pages.append(pr.page.model_copy(update={"number": len(pages) + 1}))
        info.append(
            {
                "filename": path.name,
                "pages": list(range(first, len(pages) + 1)),
                "error": result.error.to_dict() if result.error else None,
            }
        )
    return pages, info


def _short(v: Any, width: int = 60) -> str:
    text = json.dumps(_json_value(v), ensure_ascii=False) if not isinstance(v, str) else v
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
