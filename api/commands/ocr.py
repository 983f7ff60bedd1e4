"""`yibao ocr FILE...`: intake, normalise and OCR files; per page the quality verdict and
measures, orientation, QR payloads and recognised lines (rich tables, or `--json`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any, Literal

import typer
from rich.console import Console
from rich.table import Table

from ingest.ocr import EngineUnavailableError, get_engine
from ingest.pipeline import FileResult, Pipeline
from ingest.settings import IngestSettings

app = typer.Typer(help="OCR files: quality, orientation, QR codes and text lines per page.")
console = Console()

JSON_SCHEMA_VERSION = 1

EngineOpt = Annotated[
    str | None,
    typer.Option("--engine", "-e", help="rapidocr | paddleocr | tesseract (default: settings)"),
]


def result_to_json(r: FileResult) -> dict[str, Any]:
    """The stable JSON form of one file's result."""
    doc: dict[str, Any] = {
        "filename": r.filename,
        "sha256": r.source.sha256 if r.source else None,
        "media_type": r.source.media_type if r.source else None,
        "size": r.source.size if r.source else None,
        "error": r.error.to_dict() if r.error else None,
        "pages": [],
    }
    for pr in r.pages:
        p = pr.page
        doc["pages"].append(
            {
                "number": p.number,
                "index": p.ref.index,
                "source": p.source,
                "width": p.width,
                "height": p.height,
                "rotation": p.rotation,
                "skew": p.skew,
                "quality": str(p.quality),
                "quality_reasons": pr.quality_reasons,
                "quality_measures": dict(sorted(p.quality_measures.items())),
                "qr_payloads": p.qr_payloads,
                "seals": [
                    {**s.model_dump(), "coverage": c}
                    for s, c in zip(p.seals, pr.seal_coverage, strict=False)
                ],
                "cached": pr.cached,
                "lines": [
                    {
                        "text": ln.text,
                        "confidence": round(ln.confidence, 4),
                        "box": [round(v, 1) for v in ln.bbox.model_dump().values()],
                        "polygon": [[round(x, 1), round(y, 1)] for x, y in ln.polygon],
                    }
                    for ln in p.lines
                ],
            }
        )
    return doc


def _print_human(r: FileResult) -> None:
    head = f"[bold]{r.filename}[/bold]"
    if r.source:
        head += f"  {r.source.media_type}  {r.source.size} B  sha256 {r.source.sha256[:12]}…"
    console.rule(head)
    if r.error:
        console.print(f"[red]{r.error.code}[/red] {r.error.message_zh}")
    for pr in r.pages:
        p = pr.page
        colour = {"ok": "green", "poor": "yellow", "unreadable": "red"}[str(p.quality)]
        measures = ", ".join(f"{k}={v:g}" for k, v in sorted(p.quality_measures.items()))
        console.print(
            f"page {p.number} ({p.source}{', cached' if pr.cached else ''}): "
            f"quality [{colour}]{p.quality}[/{colour}]"
            f"{' (' + ', '.join(pr.quality_reasons) + ')' if pr.quality_reasons else ''}; "
            f"rotation {p.rotation}°, skew {p.skew:.2f}°; {p.width}×{p.height}px"
        )
        console.print(f"  measures: {measures}", style="dim")
        for payload in p.qr_payloads:
            console.print(f"  QR: {payload}")
        for s in p.seals:
            console.print(f"  seal at ({s.x0:.0f},{s.y0:.0f})-({s.x1:.0f},{s.y1:.0f})")
        table = Table(show_header=True, header_style="bold", box=None)
        table.add_column("#", justify="right")
        table.add_column("text")
        table.add_column("conf", justify="right")
        table.add_column("box (x0,y0,x1,y1)")
        for i, ln in enumerate(p.lines, 1):
            b = ln.bbox
            table.add_row(
                str(i),
                ln.text,
                f"{ln.confidence:.2f}",
                f"{b.x0:.0f},{b.y0:.0f},{b.x1:.0f},{b.y1:.0f}",
            )
        console.print(table)


@app.command("ocr")
def ocr(
    files: Annotated[list[Path], typer.Argument(help="image or PDF files", exists=False)],
    engine: EngineOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="print stable JSON")] = False,
) -> None:
    """OCR files and print, per page, quality, orientation, QR payloads and text lines."""
    settings = IngestSettings()
    if engine is not None:
        if engine not in ("rapidocr", "paddleocr", "tesseract"):
            console.print(f"[red]unknown engine {engine!r}[/red]")
            raise typer.Exit(2)
        name: Literal["rapidocr", "paddleocr", "tesseract"] = engine  # type: ignore[assignment]
        settings = settings.model_copy(update={"ocr_engine": name})
    try:
        ocr_engine = get_engine(settings)
    except EngineUnavailableError as exc:
        console.print(f"[red]engine unavailable:[/red] {exc}")
        raise typer.Exit(2) from None
    pipeline = Pipeline(engine=ocr_engine, settings=settings)
    batch: list[tuple[str, bytes]] = []
    for path in files:
        try:
            batch.append((path.name, path.read_bytes()))
        except OSError as exc:
            console.print(f"[red]cannot read {path}: {exc.strerror}[/red]")
            raise typer.Exit(2) from None
    results = pipeline.process_batch(batch)
    if as_json:
        doc = {
            "version": JSON_SCHEMA_VERSION,
            "engine": ocr_engine.name,
            "engine_version": ocr_engine.version,
            "files": [result_to_json(r) for r in results],
        }
        typer.echo(json.dumps(doc, ensure_ascii=False, indent=2))
    else:
        for r in results:
            _print_human(r)
    if any(not r.ok for r in results):
        raise typer.Exit(1)
