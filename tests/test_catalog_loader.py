"""A malformed catalog fails at load with a message naming the file, item and field."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from models.catalog_loader import DATA_DIR, Catalog, CatalogError


def _mutated(
    tmp_path: Path, change: Callable[[dict[str, Any]], None], region: bool = False
) -> Path:
    data = tmp_path / "data"
    shutil.copytree(DATA_DIR, data)
    path = data / "regions" / "sanming-mingxi.yaml" if region else data / "fujian.yaml"
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(raw)
    path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return data


def _item(raw: dict[str, Any], key: str) -> dict[str, Any]:
    return next(i for i in raw["items"] if i["key"] == key)


def _load_error(data: Path) -> str:
    with pytest.raises(CatalogError) as info:
        Catalog.load(data)
    return str(info.value)


def test_the_shipped_catalog_loads() -> None:
    catalog = Catalog.load()
    assert catalog.items and catalog.regions


def test_unknown_document_kind(tmp_path: Path) -> None:
    def change(raw: dict[str, Any]) -> None:
        _item(raw, "002036006001")["materials"][1]["accepts"] = ["medical_receipt"]

    msg = _load_error(_mutated(tmp_path, change))
    assert "fujian.yaml" in msg and "item 002036006001 (门诊费用报销)" in msg
    assert "materials.1.accepts.0.kind" in msg


def test_unknown_fact_in_condition(tmp_path: Path) -> None:
    def change(raw: dict[str, Any]) -> None:
        material = _item(raw, "002036006001")["materials"][0]
        material["when"] = {"hospitalised": True}
        material["when_text"] = "住院"

    msg = _load_error(_mutated(tmp_path, change))
    assert "item 002036006001 (门诊费用报销)" in msg
    assert "materials.0.when" in msg and "unknown case fact 'hospitalised'" in msg


def test_missing_time_limit(tmp_path: Path) -> None:
    msg = _load_error(_mutated(tmp_path, lambda raw: _item(raw, "002036006001").pop("time_limit")))
    assert "item 002036006001 (门诊费用报销): time_limit: Field required" in msg


def test_code_that_is_not_twelve_characters(tmp_path: Path) -> None:
    def change(raw: dict[str, Any]) -> None:
        _item(raw, "002036006001")["code"] = "00203600600"

    msg = _load_error(_mutated(tmp_path, change))
    assert "item 002036006001" in msg and "code" in msg and "12 characters" in msg


def test_titled_kind_without_title(tmp_path: Path) -> None:
    def change(raw: dict[str, Any]) -> None:
        _item(raw, "002036006001")["materials"][0]["accepts"] = [{"kind": "application_form"}]

    msg = _load_error(_mutated(tmp_path, change))
    assert "materials.0.accepts.0" in msg and "needs the title" in msg


def test_conditional_material_without_words(tmp_path: Path) -> None:
    def change(raw: dict[str, Any]) -> None:
        material = _item(raw, "002036006001")["materials"][0]
        material["when"] = {"trauma": True}
        material.pop("when_text", None)

    assert "needs when_text" in _load_error(_mutated(tmp_path, change))


def test_duplicate_material_ids(tmp_path: Path) -> None:
    def change(raw: dict[str, Any]) -> None:
        materials = _item(raw, "002036006001")["materials"]
        materials.append(dict(materials[0]))

    assert "duplicate material ids" in _load_error(_mutated(tmp_path, change))


def test_unknown_kind_group(tmp_path: Path) -> None:
    def change(raw: dict[str, Any]) -> None:
        _item(raw, "002036006001")["materials"][0]["accepts"] = ["@passports"]

    msg = _load_error(_mutated(tmp_path, change))
    assert "unknown kind group '@passports'" in msg and "002036006001" in msg


def test_overlay_of_an_unknown_item(tmp_path: Path) -> None:
    def change(raw: dict[str, Any]) -> None:
        raw["items"][0]["key"] = "002036099999"

    msg = _load_error(_mutated(tmp_path, change, region=True))
    assert (
        "region sanming-mingxi" in msg and "002036099999" in msg and "overlays no known item" in msg
    )


def test_region_field_error_names_the_file_and_item(tmp_path: Path) -> None:
    def change(raw: dict[str, Any]) -> None:
        raw["items"][0]["channels"] = ["fax"]

    msg = _load_error(_mutated(tmp_path, change, region=True))
    assert "sanming-mingxi.yaml" in msg and "channels.0" in msg


def test_invalid_yaml(tmp_path: Path) -> None:
    data = tmp_path / "data"
    shutil.copytree(DATA_DIR, data)
    (data / "fujian.yaml").write_text("items: [unclosed", encoding="utf-8")
    assert "not valid YAML" in _load_error(data)
