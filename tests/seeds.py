"""Parse the two seed documents into (item, material fragments) so tests can walk them."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

SEEDS_DIR = Path(os.environ.get("YIBAO_SEEDS_DIR", Path(__file__).parents[2] / "shared" / "seeds"))
PROVINCE_SEED = SEEDS_DIR / "000_3b2fe4f47d9f5bfc.txt"
COUNTY_SEED = SEEDS_DIR / "001_030da7515609b98e.txt"

_WIDTH = str.maketrans(
    {
        "（": "(",
        "）": ")",
        "，": ",",
        "；": ";",
        "：": ":",
        "。": ".",
        "、": ",",
        "〔": "[",
        "〕": "]",
        "［": "[",
        "］": "]",
        "—": "-",
        "－": "-",
        "．": ".",
    }
)


def norm(text: str) -> str:
    """Whitespace removed, full- and half-width punctuation unified, trailing separators cut."""
    return re.sub(r"\s+", "", text).translate(_WIDTH).strip(";,.")


@dataclass
class ProvinceRow:
    seq: str
    code: str
    name: str
    materials: list[str]
    notes: list[str]
    citations: list[str]
    seal_all: bool = False


@dataclass
class CountySection:
    seq: str
    name: str
    material_lines: list[str] = field(default_factory=list)


_NUMBERED = re.compile(r"(?:(?:^|(?<=\s)|(?<=[；;。]))\d{1,2}[.．、]|[①-⑩])\s*")
_SEAL_ALL = re.compile(r"[(（]以上办理资料均需加盖单位公章[)）]")


def split_numbered(cell: str) -> list[str]:
    parts = [p.strip() for p in _NUMBERED.split(cell)]
    return [p for p in parts if norm(p) and not norm(p).endswith(":")]


def province_rows() -> list[ProvinceRow]:
    rows: list[ProvinceRow] = []
    current_code = ""
    for line in PROVINCE_SEED.read_text(encoding="utf-8").splitlines():
        f = line.split("\t")
        if len(f) < 12 or f[0].startswith("主项"):
            continue
        if "." in f[2]:  # the 3.2 row has its columns shifted left by one
            seq, name, cells = f[2].strip(), f[5], f[6:11]
        else:
            code = re.sub(r"\s", "", f[4])
            current_code = code or current_code
            seq = f[5].strip() or f[2].strip()
            name = f[6] if f[5].strip() else f[3]
            cells = f[7:12]
        materials_cell, _time, _steps, notes_cell, basis_cell = cells
        seal_all = bool(_SEAL_ALL.search(materials_cell))
        materials_cell = _SEAL_ALL.sub("", materials_cell)
        rows.append(
            ProvinceRow(
                seq=seq,
                code=current_code,
                name=re.sub(r"\s", "", name),
                materials=split_numbered(materials_cell),
                notes=split_numbered(notes_cell),
                citations=split_numbered(basis_cell),
                seal_all=seal_all,
            )
        )
    return rows


_SECTION = re.compile(r"^(\d+(?:/\d+)?)\.(\d)\.(\d)\s*(?:事项名称|业务名称)")
_MATERIALS = re.compile(r"^(?:(\d+(?:/\d+)?)\.(\d)\.5)?\s*办理材料\s*$")
# The 办理时限 heading ends a material list (section 24 numbers it 24.0.7 by mistake).
_END = re.compile(r"^(?:\d+(?:/\d+)?\.\d\.[67])?\s*(?:办理时限|\S*流程图)")
_CLAUSE = re.compile(r"[（(]\d[）)]")


def county_sections() -> list[CountySection]:
    """The guide's item sections with their 办理材料 lines (up to the flowcharts)."""
    lines = [ln.strip() for ln in COUNTY_SEED.read_text(encoding="utf-8").splitlines()]
    sections: list[CountySection] = []
    current: CountySection | None = None
    in_materials = False
    for n, line in enumerate(lines):
        if line.startswith("受理单位："):
            break
        head = _SECTION.match(line)
        if head or line == "业务名称":
            name = next(ln for ln in lines[n + 1 :] if ln) if line == "业务名称" else ""
            if head and not name:
                name = re.sub(r"^.*?(?:事项名称|业务名称)", "", line) or next(
                    ln for ln in lines[n + 1 :] if ln
                )
            seq = f"{head.group(1)}.{head.group(2)}" if head else "产前登记"
            name = re.split(r"\d+(?:/\d+)?\.\d\.\d", name)[0].strip()
            current = CountySection(seq=seq.removesuffix(".0"), name=name)
            sections.append(current)
            in_materials = False
            continue
        if current is None:
            continue
        if _MATERIALS.match(line):
            in_materials = True
            continue
        if _END.match(line):
            in_materials = False
            continue
        if in_materials and line:
            # A material line can run into the next heading ("…证件。10.0.6办理时限").
            head_of_next = re.search(r"\d+(?:/\d+)?\.\d\.6", line)
            if head_of_next:
                line, in_materials = line[: head_of_next.start()], False
            current.material_lines.extend(_county_fragments(line))
    return sections


def _county_fragments(line: str) -> list[str]:
    body = re.sub(r"^(?:\d{1,2}[.．、]|[（(]\d[）)])\s*", "", line.strip())
    body = re.sub(r"^备注[:：]", "", body)
    parts = list(_CLAUSE.split(body)) if _CLAUSE.search(body) else [body]
    return [p.strip() for p in parts if norm(p) and not norm(p).endswith(":")]
