"""Label → value extraction driven by tables of (field, label synonyms, type)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from extractors.kinds import common as c
from extractors.layout import Hit, Line, paragraph, value_for
from models.documents import ExtractedField


@dataclass(frozen=True)
class Spec:
    name: str
    labels: tuple[str, ...]
    type: str = "str"  # str, date, money, id, int, sex, code, para, age
    below: bool = False


def stops_for(specs: Sequence[Spec], extra: Sequence[str] = ()) -> list[str]:
    out = [lab for s in specs for lab in s.labels]
    return [*out, *extra]


def build(name: str, type_: str, hit: Hit | None) -> ExtractedField | None:
    if hit is None:
        return None
    if type_ == "date":
        return c.date_field(name, hit)
    if type_ == "money":
        return c.money_field(name, hit)
    if type_ == "id":
        return c.id_field(name, hit)
    if type_ in ("int", "age"):
        return c.int_field(name, hit)
    if type_ == "code":
        return c.code_field(name, hit)
    if type_ == "sex":
        sex = c.sex_value(hit.text)
        if sex is None:
            return c.unreadable(name, hit, hit.conf * 0.5)
        return c.make(name, sex, hit.text, hit.conf, hit.page, hit.bbox)
    return c.str_field(name, hit)


def extract(
    lines: Sequence[Line],
    specs: Sequence[Spec],
    extra_stops: Sequence[str] = (),
    sections: Sequence[str] = (),
) -> c.Fields:
    stops = stops_for(specs, extra_stops)
    fields: c.Fields = {}
    for s in specs:
        if s.type == "para":
            hit = paragraph(lines, s.labels, [*sections, *stops])
        else:
            hit = value_for(lines, s.labels, stops, below=s.below)
        c.put(fields, build(s.name, "str" if s.type == "para" else s.type, hit))
    return fields
