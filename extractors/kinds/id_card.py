"""Resident identity card (居民身份证): front and back, one or two pages."""

from __future__ import annotations

import re

from extractors.kinds import common as c
from extractors.kinds.labelled import Spec, build
from extractors.layout import Hit, Line, PageView, same_row, union, value_for
from extractors.normalize import idnumber

LABELS = ("姓名", "性别", "民族", "出生", "住址", "公民身份号码", "签发机关", "有效期限")

FRONT = [
    Spec("name", ("姓名",)),
    Spec("sex", ("性别",), "sex"),
    Spec("ethnicity", ("民族",)),
    Spec("issuing_authority", ("签发机关",)),
]


def _address(lines: list[Line]) -> Hit | None:
    label = next((ln for ln in lines if ln.n.startswith("住址")), None)
    if label is None:
        return None
    stop_y = min(
        (ln.y0 for ln in lines if "公民身份号码" in ln.n and ln.y0 > label.y0),
        default=label.y1 + 6 * label.h,
    )
    parts: list[Line] = []
    rest = label.n[2:].lstrip(":")
    if rest:
        parts.append(label)
    for ln in lines:
        if ln is label or ln.page != label.page:
            continue
        if (
            label.y0 - 0.3 * label.h <= ln.y0
            and ln.y1 <= stop_y + 0.2 * label.h
            and label.x1 - 0.5 * label.h <= ln.x0 < label.x1 + 12 * label.h
            and not any(ln.n.startswith(lab) for lab in LABELS)
        ):
            parts.append(ln)
    if not parts:
        return None
    parts.sort(key=lambda a: (a.y0, a.x0))
    text = "".join(rest if p is label else p.n for p in parts)
    box = union(p.bbox for p in parts)
    assert box is not None
    return Hit(text, tuple(parts), box, label)


def _id_number(lines: list[Line]) -> Hit | None:
    hit = value_for(lines, ("公民身份号码", "身份号码"), LABELS)
    if hit is not None and c.id_value(hit.text)[0] is not None:
        return hit
    for ln in lines:
        if re.search(r"\d{17}[\dXx]", ln.n):
            return Hit(ln.n, (ln,), ln.bbox, ln)
    return hit


def _birth(lines: list[Line]) -> Hit | None:
    label = next((ln for ln in lines if ln.n.startswith("出生")), None)
    if label is None:
        return None
    rest = label.n[2:]
    row = [ln for ln in lines if ln is not label and same_row(ln, label) and ln.x0 > label.x0]
    row.sort(key=lambda a: a.x0)
    parts = [label] if rest else []
    parts += row
    text = rest + "".join(ln.n for ln in row)
    if not parts:
        return None
    box = union(p.bbox for p in parts)
    assert box is not None
    return Hit(text, tuple(parts), box, label)


def _validity(lines: list[Line]) -> tuple[c.ExtractedField | None, c.ExtractedField | None]:
    hit = value_for(lines, ("有效期限", "有效期"), LABELS)
    if hit is None:
        return None, None
    t = hit.text.replace("至", "-").replace("—", "-").replace("一", "-").replace("~", "-")
    parts = re.split(r"-(?=\d{4}|长期)", t, maxsplit=1)
    start = c.date_value(parts[0])
    vf = (
        c.make("valid_from", start, hit.text, hit.conf, hit.page, hit.bbox)
        if start is not None and hit.conf >= c.THRESHOLDS["date"]
        else c.unreadable("valid_from", hit, hit.conf)
    )
    vu: c.ExtractedField | None = None
    if len(parts) > 1:
        end_text = parts[1]
        if "长期" in end_text or "长" in end_text:
            vu = c.make("valid_until", "长期", hit.text, hit.conf, hit.page, hit.bbox)
        else:
            end = c.date_value(end_text)
            vu = (
                c.make("valid_until", end, hit.text, hit.conf, hit.page, hit.bbox)
                if end is not None and hit.conf >= c.THRESHOLDS["date"]
                else c.unreadable("valid_until", hit, hit.conf)
            )
    elif "长期" in t:
        vu = c.make("valid_until", "长期", hit.text, hit.conf, hit.page, hit.bbox)
    return vf, vu


def extract_id_card(views: list[PageView]) -> c.Fields:
    lines = [ln for v in views for ln in v.lines]
    fields: c.Fields = {}
    stops = [*LABELS, "中华人民共和国", "居民身份证"]
    for s in FRONT:
        c.put(fields, build(s.name, s.type, value_for(lines, s.labels, stops)))
    # 民族 sometimes read glued to its value or with the value on the next box
    eth = fields.get("ethnicity")
    if eth is not None and isinstance(eth.value, str):
        fields["ethnicity"] = eth.model_copy(update={"value": eth.value.rstrip("族")})
    c.put(fields, c.str_field("address", _address(lines)))
    if "name" not in fields:
        c.put(fields, _unlabelled_name(lines))
    c.put(fields, c.id_field("id_number", _id_number(lines)))
    birth = _birth(lines)
    if birth is not None:
        c.put(fields, c.date_field("birth_date", birth))
    vf, vu = _validity(lines)
    c.put(fields, vf)
    c.put(fields, vu)
    _cross_check(fields)
    return fields


def _cross_check(fields: c.Fields) -> None:
    """The ID number encodes birth date and sex: agreement raises confidence, a missing value
    is derived from a valid number (marked by its lower confidence)."""
    idf = fields.get("id_number")
    if idf is None or not idf.readable or not isinstance(idf.value, str):
        return
    try:
        parsed = idnumber.parse_id_number(idf.value)
    except Exception:
        return
    birth = getattr(parsed, "birth_date", None)
    sex = getattr(parsed, "sex", None)
    bf = fields.get("birth_date")
    if birth is not None:
        if bf is None or not bf.readable:
            fields["birth_date"] = c.make(
                "birth_date",
                birth,
                bf.raw if bf else "",
                idf.confidence * 0.9,
                idf.page,
                bf.bbox if bf else None,
            )
        elif bf.value == birth:
            fields["birth_date"] = bf.model_copy(update={"confidence": max(bf.confidence, 0.99)})
        else:
            fields["birth_date"] = bf.model_copy(update={"confidence": bf.confidence * 0.6})
    sf = fields.get("sex")
    if isinstance(sex, str) and sex in "男女" and (sf is None or not sf.readable):
        fields["sex"] = c.make(
            "sex", sex, sf.raw if sf else "", idf.confidence * 0.9, idf.page, None
        )


_NOT_NAMES = ("中华人民共和国", "居民身份证", "签发机关", "有效期限", "公民身份号码")


def _like_label(text: str) -> bool:
    """A two-character label read with one character wrong (住域 for 住址, 姓石 for 姓名)."""
    return len(text) == 2 and any(
        len(lab) == 2 and sum(a == b for a, b in zip(text, lab, strict=True)) == 1 for lab in LABELS
    )


def _unlabelled_name(lines: list[Line]) -> c.ExtractedField | None:
    """Labels printed faintly may not be read: the name is then the topmost short line of
    2–4 Chinese characters on the card front (above the ID number)."""
    id_line = next((ln for ln in lines if re.search(r"\d{17}[\dXx]", ln.n)), None)
    # when the 姓名 label was read, the name stands right of the label column: a line starting
    # in that column is another label, perhaps misread (住址 → 住域), never the name
    label = next((ln for ln in lines if ln.n.startswith("姓名")), None)
    cands = [
        ln
        for ln in lines
        if re.fullmatch(r"[\u4e00-\u9fff]{2,4}", ln.n)
        and ln.n not in _NOT_NAMES
        and not any(ln.n.startswith(x) for x in LABELS)
        and not _like_label(ln.n)
        and ln.n[0] not in "男女"  # the 性别/民族 row with its labels unread (男民汉)
        and (label is None or (ln.page == label.page and ln.x0 > label.x1 - 0.2 * label.h))
        and (id_line is None or (ln.page == id_line.page and ln.cy < id_line.cy))
    ]
    if not cands:
        return None
    ln = min(cands, key=lambda a: a.cy)
    return c.make("name", ln.n, ln.text, ln.conf * 0.9, ln.page, ln.bbox)
