"""`yibao samples`: regenerate the synthetic sample cases (documents + ground truth)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

app = typer.Typer(
    help="Synthetic sample documents and cases with ground truth (for tests and benchmarks)."
)

DEFAULT_OUT = Path(__file__).resolve().parents[2] / "samples" / "cases"


@app.command()
def generate(
    out: Annotated[
        Path, typer.Option("--out", help="output folder (one sub-folder per case)")
    ] = DEFAULT_OUT,
    seed: Annotated[int, typer.Option("--seed", help="random seed; the committed set uses 0")] = 0,
    count: Annotated[int | None, typer.Option("--count", help="only the first N cases")] = None,
    case: Annotated[
        list[str] | None, typer.Option("--case", help="only these case ids (repeatable)")
    ] = None,
) -> None:
    """Regenerate every case: files as an applicant sends them, case.json and expected.json."""
    from samples.cases import CASES
    from samples.generate import generate as run

    console = Console()
    specs = [c for c in CASES if not case or c.id in case]
    total = min(len(specs), count) if count is not None else len(specs)
    rows: list[tuple[str, str, str, str, int, str]] = []
    with Progress(
        TextColumn("[bold]samples"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.description}"),
        console=console,
    ) as progress:
        task = progress.add_task("", total=total)

        def tick(spec: Any, expected: dict[str, Any]) -> None:
            size = sum(p.stat().st_size for p in (out / spec.id).iterdir())
            codes = ",".join(sorted({f["code"] for f in expected["findings"]})) or "-"
            rows.append((spec.id, spec.item, spec.region or "-", expected["decision"], size, codes))
            progress.update(task, advance=1, description=spec.id)

        run(out, seed=seed, count=count, only=case or None, progress=tick)
    table = Table(title=f"{len(rows)} cases in {out}")
    for col in ("case", "item", "region", "decision", "size", "findings"):
        table.add_column(col)
    for cid, item, region, decision, size, codes in rows:
        table.add_row(cid, item, region, decision, f"{size / 1024:.0f} KB", codes)
    console.print(table)
    by = Counter(r[3] for r in rows)
    total_mb = sum(r[4] for r in rows) / 1024 / 1024
    console.print(f"decisions: {dict(by)}; total {total_mb:.1f} MB")


@app.command("contact-sheet")
def contact_sheet(
    cases: Annotated[Path, typer.Option("--cases", help="generated cases folder")] = DEFAULT_OUT,
    out: Annotated[Path, typer.Option("--out", help="PNG to write")] = DEFAULT_OUT.parent
    / "contact_sheet.png",
) -> None:
    """Write a contact sheet: one rendered page per document kind."""
    from samples.contact_sheet import build

    build(out)
    Console().print(f"wrote {out}")
