"""`yibao verify`: the main job — one case, end to end, on the embedded default."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.panel import Panel
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from api.report import plain, result_json
from api.submission import CaseInput, SubmissionOutcome, process, read_case, write_notice
from extractors.normalize.idnumber import mask
from ingest.pipeline import Pipeline
from ingest.settings import get_settings
from models.catalog_loader import Catalog
from models.documents import DecisionOutcome, Severity
from models.facts import FACT_NAMES, CaseFacts
from verifier.registry import SqliteInvoiceRegistry

console = Console()
err = Console(stderr=True)

SEVERITY_STYLE = {Severity.REJECT: "bold red", Severity.BLOCKING: "red", Severity.WARNING: "yellow"}
SEVERITY_LABEL = {Severity.REJECT: "退回", Severity.BLOCKING: "需补正", Severity.WARNING: "提示"}
OUTCOME_STYLE = {
    DecisionOutcome.ACCEPT: "bold green",
    DecisionOutcome.CORRECT: "bold yellow",
    DecisionOutcome.REJECT: "bold red",
    DecisionOutcome.REVIEW: "bold magenta",
}
# Fields worth a glance in the documents table; ID numbers are shown masked.
KEY_FIELDS = (
    "name",
    "patient_name",
    "payer",
    "applicant_name",
    "holder_name",
    "id_number",
    "invoice_number",
    "total",
    "issue_date",
    "admission_date",
    "discharge_date",
    "hospital",
    "payee",
    "form_title",
)


def parse_facts(pairs: list[str]) -> dict[str, Any]:
    facts: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        key = key.strip()
        if not sep or key not in FACT_NAMES:
            known = "、".join(sorted(FACT_NAMES))
            raise typer.BadParameter(f"“{pair}”不是 key=value 形式的已知事实（可用：{known}）")
        lowered = value.strip().lower()
        facts[key] = {"true": True, "false": False, "yes": True, "no": False}.get(lowered, value)
    return facts


def verify_command(
    paths: Annotated[list[Path], typer.Argument(help="files, or a case folder with case.json")],
    item: Annotated[
        str | None, typer.Option("--item", "-i", help="service item key or code")
    ] = None,
    region: Annotated[
        str | None, typer.Option("--region", "-r", help="e.g. sanming-mingxi")
    ] = None,
    fact: Annotated[
        list[str] | None, typer.Option("--fact", "-f", help="case fact key=value")
    ] = None,
    notice: Annotated[
        Path | None, typer.Option("--notice", help="write the notice (.pdf/.docx/.html)")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the stable JSON result")] = False,
) -> None:
    """Verify a submission: ingest, OCR, extract, check the checklist and rules, decide."""
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        err.print(f"[red]找不到文件：{'、'.join(missing)}[/red]")
        raise typer.Exit(2)
    case, files = read_case(paths)
    item_key = item or case.get("item")
    if not item_key:
        err.print("[red]请用 --item 指定事项编码（或在案件目录的 case.json 中写明 item）[/red]")
        raise typer.Exit(2)
    region = region if region is not None else case.get("region")
    found = Catalog.load().find(item_key, region)
    if len(found) != 1:
        problem = "不存在" if not found else "对应多个孙项，请写明孙项编码"
        err.print(f"[red]事项“{item_key}”{problem}[/red]")
        raise typer.Exit(2)
    if not files:
        err.print("[red]没有可处理的文件[/red]")
        raise typer.Exit(2)
    raw_facts = {**case.get("facts", {}), **parse_facts(fact or [])}
    if case.get("channel") and "channel" not in raw_facts:
        raw_facts["channel"] = case["channel"]
    try:
        facts = CaseFacts.model_validate(raw_facts)
    except ValidationError as exc:
        err.print(f"[red]案件事实有误：{exc.errors()[0]['loc']} {exc.errors()[0]['msg']}[/red]")
        raise typer.Exit(2) from None

    settings = get_settings()
    registry = SqliteInvoiceRegistry(settings.data_dir / "records.sqlite")
    from extractors import extract  # loaded late: it pulls in the OCR stack

    outcome = _run(CaseInput(found[0].key, region, facts, files), registry, extract, quiet=as_json)
    written = _write_notice(outcome, notice) if notice is not None else False
    if as_json:
        typer.echo(
            json.dumps(result_json(outcome.result, outcome.files), ensure_ascii=False, indent=2)
        )
    else:
        _print_report(outcome)
        if written:
            console.print(f"告知书已写入：{notice}")


def _submission_id(case: CaseInput) -> str:
    """Stable per set of files and item, so re-running a case is not its own duplicate."""
    digest = hashlib.sha256(case.item.encode())
    for path in case.files:
        digest.update(hashlib.sha256(path.read_bytes()).digest())
    return "L" + digest.hexdigest()[:12]


def _run(
    case: CaseInput, registry: SqliteInvoiceRegistry, extract: Any, quiet: bool
) -> SubmissionOutcome:
    pipeline = Pipeline()
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=err,
        disable=quiet,
        transient=True,
    ) as bar:
        task = bar.add_task("读取文件", total=None)
        outcome = process(
            case,
            pipeline=pipeline,
            extract=extract,
            registry=registry,
            submission_id=_submission_id(case),
            submitted_on=case.facts.submitted_on,
            progress=lambda name: bar.update(task, description=f"识别 {name}"),
        )
    return outcome


def _write_notice(outcome: SubmissionOutcome, path: Path) -> bool:
    """Write the notice for the decision; a case sent to review gets none yet."""
    if not write_notice(outcome.result, path):
        err.print("[yellow]决定为“转人工审核”：审核人员作出决定后再出具告知书[/yellow]")
        return False
    return True


def _shown(name: str, value: Any) -> str:
    if value is None:
        return "—"
    text = str(plain(value))
    return mask(text) if "id_number" in name else text


def _print_report(outcome: SubmissionOutcome) -> None:
    result = outcome.result
    style = OUTCOME_STYLE[result.decision.outcome]
    head = [
        f"事项：{result.item.name}（{result.item.key}）"
        + (f"  地区：{result.item.region.name}" if result.item.region else ""),
        f"收件日期：{result.submitted_on}  "
        f"决定：[{style}]{result.decision.outcome.label}[/{style}]",
    ]
    if result.deadline:
        head.append(
            f"办理时限：{result.item.time_limit.text}  办结期限：{result.deadline.date}"
            + ("（节假日安排未公布，按估算）" if result.deadline.estimated else "")
        )
    for fact, why in result.inferred.items():
        head.append(f"[dim]推定 {fact}：{why}[/dim]")
    console.print(Panel("\n".join(head), title="核验结果", expand=False))

    files = Table(title="文件")
    for col in ("文件", "页数", "状态"):
        files.add_column(col)
    for f in outcome.files:
        status = (
            f"[red]{f.error.code} {f.error.message_zh}[/red]"
            if f.error
            else "[green]已读取[/green]"
        )
        files.add_row(f.filename, str(len(f.pages)), status)
    console.print(files)

    docs = Table(title="识别出的材料")
    for col in ("#", "材料", "页", "置信度", "主要字段"):
        docs.add_column(col, overflow="fold")
    for n, d in enumerate(result.documents, 1):
        shown = [
            f"{k}={_shown(k, d.fields[k].value)}" + ("" if d.fields[k].readable else "(?)")
            for k in KEY_FIELDS
            if k in d.fields
        ]
        docs.add_row(
            str(n),
            d.title or d.kind.label,
            ",".join(map(str, d.pages)),
            f"{d.confidence:.2f}",
            "  ".join(shown),
        )
    console.print(docs)

    checklist = Table(title="材料清单")
    for col in ("材料", "状态", "提供"):
        checklist.add_column(col, overflow="fold")
    for s in result.checklist:
        checklist.add_row(s.material.name, s.state.label, "、".join(s.documents) or "—")
    console.print(checklist)

    if result.findings:
        findings = Table(title="核验发现")
        for col in ("级别", "代码", "说明", "依据"):
            findings.add_column(col, overflow="fold")
        for finding in result.findings:
            where = "；".join(
                f"{e.kind.label if e.kind else ''} 第{e.page}页 "
                f"{e.field or ''}={_shown(e.field or '', e.value)}"
                for e in finding.evidence
                if e.page
            )
            style_f = SEVERITY_STYLE[finding.severity]
            findings.add_row(
                f"[{style_f}]{SEVERITY_LABEL[finding.severity]}[/{style_f}]",
                finding.code,
                finding.message,
                where or "—",
            )
        console.print(findings)
    else:
        console.print("[green]未发现问题[/green]")
