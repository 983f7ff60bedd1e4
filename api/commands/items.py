"""`yibao items`: browse the service-item catalog and each item's material checklist."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.console import Console
from rich.panel import Panel
from rich.table import Table

from models.catalog import COPY_FORM_LABELS, MaterialRequirement, TimeLimit
from models.catalog_loader import Catalog, EffectiveItem
from models.facts import CaseFacts

app = typer.Typer(
    help="Browse the service-item catalog (事项清单) and material checklists.",
    invoke_without_command=True,
    no_args_is_help=False,
)
console = Console()

RegionOpt = Annotated[
    str | None, typer.Option("--region", "-r", help="regional overlay, e.g. sanming-mingxi")
]
JsonOpt = Annotated[bool, typer.Option("--json", help="print stable JSON instead of tables")]


def _catalog_items(region: str | None) -> list[EffectiveItem]:
    try:
        return Catalog.load().applicable_items(region)
    except KeyError as exc:
        console.print(f"[red]{exc.args[0]}[/red]")
        raise typer.Exit(2) from None


@app.callback()
def list_items(ctx: typer.Context, region: RegionOpt = None, as_json: JsonOpt = False) -> None:
    """List every item (with --region, as that region handles it)."""
    if ctx.invoked_subcommand is not None:
        return
    items = _catalog_items(region)
    if as_json:
        rows = [
            {
                "key": e.key,
                "code": e.item.code,
                "seq": e.item.seq,
                "name": e.name,
                "main": e.item.main,
                "region": e.region.id if e.region else None,
                "channels": [c.value for c in e.channels],
                "materials": len(e.materials),
                "time_limit": e.time_limit.text,
            }
            for e in items
        ]
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    catalog = Catalog.load()
    table = Table(title=catalog.title + (f"（{region} 地区）" if region else ""), show_lines=False)
    table.add_column("序号", justify="right", no_wrap=True)
    table.add_column("事项编码", no_wrap=True)
    table.add_column("事项名称", min_width=10, overflow="fold")
    table.add_column("主项", overflow="fold", max_width=16)
    if region:
        table.add_column("办理渠道")
    table.add_column("材料", justify="right")
    table.add_column("办理时限", overflow="fold")
    for e in items:
        main = catalog.main_items[e.item.main]
        row = [e.item.seq, e.key, e.name, f"{main.seq}、{main.name}"]
        if region:
            row.append("、".join(c.label for c in e.channels) or "—")
        row += [str(len(e.materials)), _limit_summary(e.time_limit)]
        table.add_row(*row)
    console.print(table)
    console.print(f"共 {len(items)} 项。查看清单：yibao items show <事项编码>")


@app.command("show")
def show_item(
    query: Annotated[str, typer.Argument(help="item key, 12-character code, number or name")],
    region: RegionOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Print an item's full checklist: alternatives, conditions, time limit, legal basis."""
    catalog = Catalog.load()
    try:
        found = catalog.find(query, region)
    except KeyError as exc:
        console.print(f"[red]{exc.args[0]}[/red]")
        raise typer.Exit(2) from None
    if not found:
        console.print(f"[red]未找到事项：{query}[/red]（可用 yibao items 查看全部事项）")
        raise typer.Exit(1)
    if as_json:
        payload = [e.as_json() for e in found]
        typer.echo(
            json.dumps(payload if len(payload) > 1 else payload[0], ensure_ascii=False, indent=2)
        )
        return
    for effective in found:
        _print_item(catalog, effective)


def _print_item(catalog: Catalog, e: EffectiveItem) -> None:
    main = catalog.main_items[e.item.main]
    header = [f"[bold]{e.name}[/bold]", f"事项编码：{e.key}    主项：{main.seq}、{main.name}"]
    if e.regional is not None and e.region is not None:
        header.append(f"地区：{e.region.office}（办事指南第 {e.regional.local_seq} 项）")
        if e.regional.scope:
            header.append("适用范围：" + "；".join(e.regional.scope))
        header.append("办理渠道：" + ("、".join(c.label for c in e.channels) or "—"))
    console.print(Panel("\n".join(header), expand=False))

    table = Table(title="办理材料", show_lines=True)
    table.add_column("#", justify="right")
    for title in ("材料", "可用以下任一材料", "适用情形", "要求"):
        table.add_column(title, overflow="fold")
    # Facts the item itself settles (住院费用报销 is inpatient) rule some merged lines out.
    own_facts = e.facts(CaseFacts())
    for n, m in enumerate(e.materials, 1):
        condition = _condition(m)
        if m.applies(own_facts) is False:
            condition = f"[dim]{condition}（本事项不适用）[/dim]"
        table.add_row(str(n), f"{m.name}\n[dim]{m.id}[/dim]", _alternatives(m), condition, _form(m))
    console.print(table)
    console.print(f"[bold]办理时限[/bold]：{e.time_limit.text}")
    console.print(f"  结构化：{_limit_summary(e.time_limit)}")
    for exc in e.time_limit.exceptions:
        console.print(f"  例外：{exc.text} → {exc.limit.label}")
    if e.time_limit.payout is not None:
        console.print(f"  拨付：{e.time_limit.payout.phrase('拨付')}")
    console.print(f"[bold]办理环节[/bold]：{'—'.join(e.steps)}")
    if e.notes:
        console.print("[bold]备注[/bold]：")
        for n, note in enumerate(e.notes, 1):
            console.print(f"  {n}. {note}")
    if e.legal_basis:
        console.print("[bold]设定依据[/bold]：")
        for n, c in enumerate(e.legal_basis, 1):
            console.print(f"  {n}. {c.text}")
        if e.item.legal_basis_note:
            console.print(f"  [dim]（{e.item.legal_basis_note}）[/dim]")
    console.print()


def _alternatives(m: MaterialRequirement) -> str:
    """Alternatives, with the seven valid ID documents shown as one entry."""
    valid_id = Catalog.load().kind_groups.get("valid_id", frozenset())
    plain_kinds = {a.kind.value for a in m.accepts if not a.title and not a.together_with}
    labels, shown_ids = [], False
    for a in m.accepts:
        if valid_id and valid_id <= plain_kinds and a.kind.value in valid_id and not a.title:
            if not shown_ids:
                labels.append(
                    "有效身份证件（身份证、居住证、户口簿、护照、港澳台通行证或居住证、外国人永久居留证）"
                )
                shown_ids = True
            continue
        labels.append(a.label)
    return " / ".join(labels)


def _condition(m: MaterialRequirement) -> str:
    if m.level == "on_request":
        return "经办机构可要求提供"
    return m.when_text or "所有情形"


def _form(m: MaterialRequirement) -> str:
    parts = [COPY_FORM_LABELS[m.copy_form]] if m.copy_form != "any" else []
    if m.seal_required:
        parts.append("加盖单位公章")
    if m.signature_required:
        parts.append("本人签名")
    if m.per_invoice:
        parts.append("每张票据一份")
    if m.exempt_if_shared:
        parts.append("可通过信息共享获取的无需提供")
    if m.note:
        parts.append(m.note)
    return "；".join(parts) or "—"


def _limit_summary(t: TimeLimit) -> str:
    base = t.limit.label if t.limit else "经办机构自动办理"
    if t.acceptance == "immediate":
        base = "即时受理，" + base
    elif t.acceptance == "same_day":
        base = "当场受理，" + base
    return base + (f"（另有 {len(t.exceptions)} 种例外）" if t.exceptions else "")
