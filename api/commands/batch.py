"""Mailed-in batches: `yibao coversheet`, `yibao batch` and `yibao watch`."""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.table import Table

from api.batch import BatchReport, run_batch, stack_paths
from api.batch_journal import BatchJournal
from api.commands.verify import OUTCOME_STYLE, parse_facts
from api.watch import FolderWatcher, WatchLockedError
from ingest.pipeline import Pipeline
from ingest.settings import get_settings
from models.documents import DecisionOutcome
from models.facts import facts_text
from verifier.registry import SqliteInvoiceRegistry

console = Console()
err = Console(stderr=True)


def coversheet_command(
    item: Annotated[str, typer.Option("--item", "-i", help="service item key, code or number")],
    region: Annotated[
        str | None, typer.Option("--region", "-r", help="e.g. sanming-mingxi")
    ] = None,
    channel: Annotated[str, typer.Option("--channel", help="邮寄 / 网上 / 现场")] = "邮寄",
    ref: Annotated[
        str | None, typer.Option("--ref", help="submission reference (default: a new one)")
    ] = None,
    count: Annotated[int, typer.Option("--count", "-n", min=1, max=500)] = 1,
    fact: Annotated[
        list[str] | None,
        typer.Option("--fact", "-f", help="case fact key=value for these envelopes (QR code)"),
    ] = None,
    out: Annotated[Path, typer.Option("--out", "-o", help="PDF to write")] = Path(
        "coversheets.pdf"
    ),
) -> None:
    """Print cover sheets (one per envelope): QR code and the item's checklist as tick boxes;
    with --fact the envelopes' case facts go into the QR code and onto the sheet."""
    from api.batches import cover_sheet_refs
    from api.service import ApiError  # the HTTP layer: loaded only for this command
    from verifier.notice.coversheet import build_cover_sheets, render_cover_pdf

    try:
        entry, refs = cover_sheet_refs(item, region, channel, count, ref, parse_facts(fact or []))
    except ApiError as exc:
        err.print(f"[red]{exc.code} {exc.message_zh}[/red]")
        raise typer.Exit(2) from None
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(render_cover_pdf(build_cover_sheets(entry, refs)))
    console.print(f"已生成 {len(refs)} 张封面：{out}")
    if refs[0].facts:
        console.print(f"案件事实：{facts_text(refs[0].case_facts())}")
    for r in refs:
        console.print(f"  {r.ref}")


class _RichProgress:
    """api.batch.BatchProgress on a rich progress bar."""

    def __init__(self, bar: Progress) -> None:
        self.bar = bar
        self.task: TaskID | None = None

    def stage(self, description: str, total: int | None) -> None:
        if self.task is not None:
            self.bar.update(self.task, visible=False)
        self.task = self.bar.add_task(description, total=total)

    def advance(self, description: str) -> None:
        if self.task is not None:
            self.bar.update(self.task, advance=1, description=description)


def _pipeline_parts() -> tuple[Pipeline, SqliteInvoiceRegistry, Any]:
    settings = get_settings()
    from extractors import extract  # loaded late: it pulls in the OCR stack

    return Pipeline(), SqliteInvoiceRegistry(settings.data_dir / "records.sqlite"), extract


def batch_command(
    paths: Annotated[list[Path], typer.Argument(help="scanned files in scan order, or a folder")],
    out: Annotated[Path, typer.Option("--out", "-o", help="output folder")] = Path("out/batch"),
    fact: Annotated[
        list[str] | None,
        typer.Option(
            "--fact", "-f", help="default case fact key=value (a cover sheet's own facts win)"
        ),
    ] = None,
    fresh: Annotated[
        bool, typer.Option("--fresh", help="ignore what an earlier run of this batch recorded")
    ] = False,
) -> None:
    """Split a scanned stack at its cover sheets and verify every envelope."""
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        err.print(f"[red]找不到文件：{'、'.join(missing)}[/red]")
        raise typer.Exit(2)
    if not stack_paths(paths):
        err.print("[red]没有可处理的文件[/red]")
        raise typer.Exit(2)
    facts = parse_facts(fact or [])
    pipeline, registry, extract = _pipeline_parts()
    journal_path = out / ".journal.sqlite"
    if fresh:
        journal_path.unlink(missing_ok=True)
    journal = BatchJournal(journal_path)
    try:
        with Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err,
        ) as bar:
            report = run_batch(
                paths,
                out,
                extract=extract,
                pipeline=pipeline,
                registry=registry,
                facts=facts,
                journal=journal,
                progress=_RichProgress(bar),
            )
    finally:
        journal.close()
    print_report(report)


def print_report(report: BatchReport) -> None:
    split = report.split
    table = Table(title=f"批次 {report.batch_id}：{split.pages} 页，{len(report.rows)} 件")
    for col in ("收件编号", "事项", "决定", "问题数", "办结期限", "页数", "案件事实"):
        table.add_column(col, overflow="fold")
    for row in report.rows:
        if row.error:
            decision = f"[red]{row.error} {row.error_message or ''}[/red]"
        elif row.decision:
            outcome = DecisionOutcome(row.decision)
            decision = f"[{OUTCOME_STYLE[outcome]}]{outcome.label}[/]"
        else:
            decision = "—"
        table.add_row(
            row.ref,
            f"{row.item_name}（{row.item}）" if row.item_name else row.item,
            decision,
            str(row.findings),
            row.deadline or "—",
            str(row.pages),
            facts_text(row.facts) or "—",
        )
    console.print(table)
    for f in split.files:
        if f.error:
            console.print(
                f"[red]文件“{f.filename}”无法读取：{f.error.code} {f.error.message_zh}[/]"
            )
    if split.leading:
        where = "、".join(f"{p.filename} 第{p.index + 1}页" for p in split.leading)
        console.print(
            f"[yellow]第一张封面之前有 {len(split.leading)} 页未归属任何申报：{where}"
            f"（已另存于 {report.out / 'unassigned'}）[/yellow]"
        )
    if report.resumed:
        console.print(f"[dim]{report.resumed} 件在上次运行中已完成，未重复核验[/dim]")
    console.print(f"汇总：{report.out / 'summary.csv'}")
    if report.notices_pdf:
        console.print(f"告知书合并打印件：{report.notices_pdf}")


def watch_command(
    folder: Annotated[Path, typer.Argument(help="the folder the scanner writes to")],
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="results (default <folder>/results)")
    ] = None,
    settle: Annotated[
        float, typer.Option("--settle", help="seconds a file must stay unchanged")
    ] = 10.0,
    interval: Annotated[float, typer.Option("--interval", help="seconds between looks")] = 2.0,
    once: Annotated[
        bool, typer.Option("--once", help="process what is ready now and stop")
    ] = False,
) -> None:
    """Watch a scan folder: each complete batch is split, verified, and moved to done/ or
    failed/; exactly once, also across restarts."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    pipeline, registry, extract = _pipeline_parts()

    def process(paths: list[Path], target: Path, journal: BatchJournal) -> BatchReport:
        report = run_batch(
            paths, target, extract=extract, pipeline=pipeline, registry=registry, journal=journal
        )
        print_report(report)
        return report

    try:
        watcher = FolderWatcher(folder, process, out=out, settle_seconds=settle)
    except WatchLockedError:
        err.print(f"[red]已有程序在监视该文件夹：{folder}[/red]")
        raise typer.Exit(2) from None
    stop = threading.Event()
    try:
        if once:
            # settle: two looks `settle` seconds apart, then whatever is unchanged is processed
            watcher.ready()
            stop.wait(settle)
            watcher.poll()
        else:
            console.print(f"正在监视 {folder}（Ctrl+C 结束）")
            watcher.run(stop, interval)
    except KeyboardInterrupt:
        console.print("已停止")
    finally:
        watcher.close()
