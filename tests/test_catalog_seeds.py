"""Walk the two seed documents beside the catalog so that a dropped item or material fails."""

from __future__ import annotations

import os

import pytest

from models.catalog import MaterialRequirement, RegionalItem
from models.catalog_loader import Catalog
from tests.seeds import COUNTY_SEED, PROVINCE_SEED, CountySection, county_sections, norm
from tests.seeds import province_rows as _province_rows

SEEDS_MISSING = not PROVINCE_SEED.exists() or not COUNTY_SEED.exists()
if SEEDS_MISSING and (os.environ.get("CI") or os.environ.get("YIBAO_REQUIRE_SERVICES") == "1"):
    raise RuntimeError(f"CI needs the seed documents beside the repository: {PROVINCE_SEED.parent}")
pytestmark = pytest.mark.skipif(
    SEEDS_MISSING,
    reason=f"seed documents not found beside the repository ({PROVINCE_SEED.parent})",
)

REGION = "sanming-mingxi"
REGION_ONLY = {
    "sanming-mingxi-4.2": "缴费基数申报",
    "sanming-mingxi-10": "出具《参保凭证》",
    "sanming-mingxi-11.1": "转出手续办理",
    "sanming-mingxi-11.2": "转入手续办理",
    "sanming-mingxi-prenatal": "产前登记",
}


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return Catalog.load()


def province_rows() -> list:  # type: ignore[type-arg]
    return _province_rows() if PROVINCE_SEED.exists() else []


def _key(row) -> str:  # type: ignore[no-untyped-def]
    return f"{row.code}-{row.seq}" if "." in row.seq else row.code


def _material_text(materials: list[MaterialRequirement], extra: list[str] = ()) -> str:  # type: ignore[assignment]
    parts = [m.source for m in materials] + [m.when_text or "" for m in materials] + list(extra)
    return norm("".join(parts))


def test_province_counts(catalog: Catalog) -> None:
    rows = province_rows()
    assert len(catalog.main_items) == 10
    sub_seqs = {row.seq.split(".")[0] for row in rows}
    assert sub_seqs == {str(n) for n in range(1, 29)}
    grandchildren = sorted(row.seq for row in rows if "." in row.seq)
    assert grandchildren == ["1.1", "1.2", "3.1", "3.2", "3.3"]
    province = catalog.province_items()
    assert len(province) == len(rows) == 31
    assert {g.seq for g in catalog.groups.values()} == {"1", "3"}


@pytest.mark.parametrize("row", province_rows(), ids=lambda r: f"province-{r.seq}")
def test_province_item_present_with_code_and_name(catalog: Catalog, row) -> None:  # type: ignore[no-untyped-def]
    item = catalog.items.get(_key(row))
    assert item is not None, f"item {row.seq} {row.name} ({_key(row)}) missing from the catalog"
    assert item.code == row.code
    assert item.seq == row.seq
    assert norm(item.name) == norm(row.name)
    if "." in row.seq:
        assert item.level == "grandchild" and item.parent == row.code
    else:
        assert item.level == "sub"


@pytest.mark.parametrize("row", province_rows(), ids=lambda r: f"province-{r.seq}")
def test_province_materials_notes_and_basis_covered(catalog: Catalog, row) -> None:  # type: ignore[no-untyped-def]
    item = catalog.items[_key(row)]
    materials = _material_text(item.materials)
    dropped = [f for f in row.materials if norm(f) not in materials]
    assert not dropped, f"{row.seq} {row.name}: materials not in the catalog: {dropped}"
    if row.seal_all:
        assert all(m.seal_required for m in item.materials), "以上办理资料均需加盖单位公章"
    notes = norm("".join(item.notes))
    dropped = [f for f in row.notes if norm(f) not in notes]
    assert not dropped, f"{row.seq} {row.name}: notes not in the catalog: {dropped}"
    basis = norm("".join(c.text for c in item.legal_basis))
    dropped = [f for f in row.citations if norm(f) not in basis]
    assert not dropped, f"{row.seq} {row.name}: legal basis not in the catalog: {dropped}"
    assert item.legal_basis, f"{row.seq} {row.name}: no legal basis"


def _overlays(catalog: Catalog, section: CountySection) -> list[RegionalItem]:
    region = catalog.region(REGION)
    return [
        r
        for r in region.items
        if r.local_seq.removesuffix(".0") == section.seq or norm(r.local_name) == norm(section.name)
    ]


@pytest.mark.parametrize(
    "section",
    county_sections() if COUNTY_SEED.exists() else [],
    ids=lambda s: f"county-{s.seq}",
)
def test_county_section_overlaid_and_materials_covered(catalog: Catalog, section) -> None:  # type: ignore[no-untyped-def]
    overlays = _overlays(catalog, section)
    assert overlays, f"county section {section.seq} {section.name} has no overlay item"
    for overlay in overlays:
        text = _material_text(overlay.materials, overlay.notes)
        dropped = [f for f in section.material_lines if norm(f) not in text]
        assert not dropped, (
            f"{section.seq} → {overlay.key}: materials not in the overlay: {dropped}"
        )


def test_region_only_items(catalog: Catalog) -> None:
    region = catalog.region(REGION)
    assert {i.key: i.name for i in region.region_only} == REGION_ONLY
    for key in REGION_ONLY:
        effective = catalog.effective(key, REGION)
        assert effective.regional is not None, f"{key} has no scope/channels entry"
        assert effective.channels
        with pytest.raises(KeyError):
            catalog.effective(key)


def test_every_overlay_has_channels_and_time_limit(catalog: Catalog) -> None:
    for overlay in catalog.region(REGION).items:
        assert overlay.channels, overlay.key
        assert overlay.time_limit.text, overlay.key
