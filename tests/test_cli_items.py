from __future__ import annotations

import json

from typer.testing import CliRunner

from api.cli import app
from models.catalog_loader import Catalog

runner = CliRunner()


def test_items_lists_every_province_item() -> None:
    result = runner.invoke(app, ["items", "--json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    keys = {r["key"] for r in rows}
    assert keys == {i.key for i in Catalog.load().province_items()}
    assert not any(k.startswith("sanming-mingxi-") for k in keys)


def test_items_in_a_region_add_its_own_items_and_channels() -> None:
    result = runner.invoke(app, ["items", "--region", "sanming-mingxi", "--json"])
    assert result.exit_code == 0, result.output
    rows = {r["key"]: r for r in json.loads(result.output)}
    assert "sanming-mingxi-4.2" in rows
    assert rows["002036006002"]["channels"] == ["onsite", "mail"]


def test_items_table_is_human_readable() -> None:
    result = runner.invoke(app, ["items"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "住院费用报销" in result.output and "002036006002" in result.output


def test_show_prints_the_checklist_with_alternatives_conditions_and_basis() -> None:
    result = runner.invoke(
        app, ["items", "show", "002036006002", "--region", "sanming-mingxi"], env={"COLUMNS": "200"}
    )
    assert result.exit_code == 0, result.output
    out = result.output
    for text in ("住院费用报销", "办理材料", "费用报销申请表", "办理时限", "设定依据", "现场办理"):
        assert text in out, text


def test_show_json_is_stable_and_complete() -> None:
    result = runner.invoke(app, ["items", "show", "18", "--json"])
    assert result.exit_code == 0, result.output
    item = json.loads(result.output)
    assert item["key"] == "002036006002"
    assert set(item) >= {"materials", "time_limit", "steps", "notes", "legal_basis", "channels"}
    assert all({"id", "name", "source", "accepts"} <= set(m) for m in item["materials"])


def test_show_a_sub_item_code_lists_its_grandchildren() -> None:
    result = runner.invoke(app, ["items", "show", "002036001001", "--json"])
    assert result.exit_code == 0, result.output
    items = json.loads(result.output)
    assert [i["seq"] for i in items] == ["1.1", "1.2"]


def test_unknown_item_and_region_are_clear_errors() -> None:
    result = runner.invoke(app, ["items", "show", "999"])
    assert result.exit_code == 1 and "未找到事项" in result.output
    result = runner.invoke(app, ["items", "--region", "atlantis"])
    assert result.exit_code == 2 and "未知地区" in result.output
