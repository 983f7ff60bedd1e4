"""Resident identity card (居民身份证): front and back, one or two pages.

The card's layout is fixed: on the front the values stand in one column right of the labels
(姓名, 性别 民族, 出生, 住址 over up to three lines, 公民身份号码), on the back 签发机关 and
有效期限. Photocopies lose labels or read them with a character wrong, so labels are matched
loosely at the start of a line and, where a label is lost, the value is found by its place
and its form (the address between the birth row and the ID number, the validity range by its
dates, the issuing authority by 公安局).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable

from extractors.kinds import common as c
from extractors.layout import Hit, Line, PageView, same_row, union, value_for
from extractors.normalize import idnumber
from extractors.normalize.places import mend_address, mend_issuer

LABELS = ("姓名", "性别", "民族", "出生", "住址", "公民身份号码", "签发机关", "有效期限")
_STOPS = (*LABELS, "中华人民共和国", "居民身份证")

# The 56 nationalities as printed on the card (民族 row), longest first for matching.
_ETHNICITY_NAMES = (
    "汉 蒙古 回 藏 维吾尔 苗 彝 壮 布依 朝鲜 满 侗 瑶 白 土家 哈尼 哈萨克 傣 黎 傈僳 佤 畲 高山 "
    "拉祜 水 东乡 纳西 景颇 柯尔克孜 土 达斡尔 仫佬 羌 布朗 撒拉 毛南 仡佬 锡伯 阿昌 普米 塔吉克 "
    "怒 乌孜别克 俄罗斯 鄂温克 德昂 保安 裕固 京 塔塔尔 独龙 鄂伦春 赫哲 门巴 珞巴 基诺"
)
ETHNICITIES = tuple(sorted(_ETHNICITY_NAMES.split(" "), key=len, reverse=True))
# Traditional or variant forms OCR models trained on mixed text return for a printed character.
_VARIANTS = str.maketrans({"漢": "汉", "滿": "满", "維": "维", "爾": "尔", "鮮": "鲜", "烏": "乌"})
# Characters OCR reads for the administrative suffix right before 公安局 (明溪且公安局).
_SUFFIX_SLIPS = {"且": "县", "目": "县", "巿": "市", "币": "市"}
_ID_RX = re.compile(r"\d{17}[\dXx]")
_VALIDITY_YEARS = (5, 10, 20)


def _distance(a: str, b: str) -> int:
    """Edit distance (insertions, deletions, substitutions)."""
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def label_end(n: str, label: str) -> int:
    """End of `label` at the start of `n`, allowing a character or two misread or lost in long
    labels (公民身份写码, 有效限, 发机关 for 签发机关); -1 when the line does not start with it."""
    if n.startswith(label):
        return len(label)
    slips = len(label) // 3
    if slips == 0:
        return -1
    best, end = slips + 1, -1
    for j in (len(label), len(label) - 1, len(label) + 1):
        if 2 <= j <= len(n):
            d = _distance(n[:j], label)
            if d < best:
                best, end = d, j
    return end


def _labelled(lines: list[Line], label: str) -> tuple[Line, str] | None:
    """The first line starting with the label (loosely) and the text after it."""
    for ln in lines:
        end = label_end(ln.n, label)
        if end >= 0:
            return ln, ln.n[end:].lstrip(":")
    return None


def _value(lines: list[Line], label: str, stops: tuple[str, ...] = _STOPS) -> Hit | None:
    """The value after a label: on its line, else the nearest line right of it on its row."""
    found = _labelled(lines, label)
    if found is None:
        return None
    ln, rest = found
    rest = _cut(rest, [s for s in stops if s != label])
    if rest:
        return Hit(rest, (ln,), ln.part_bbox(len(ln.n) - len(rest)), ln)
    right = sorted(
        (
            o
            for o in lines
            if o is not ln
            and o.page == ln.page
            and same_row(ln, o)
            and o.x0 >= ln.x1 - ln.h
            and o.cx > ln.x1
        ),
        key=lambda o: o.x0,
    )
    for o in right[:1]:
        if any(label_end(o.n, s) == 0 or o.n.startswith(s) for s in stops):
            return None
        txt = _cut(o.n, stops).lstrip(":")
        if txt:
            return Hit(txt, (o,), o.bbox, ln)
    return None


def _cut(text: str, stops: list[str] | tuple[str, ...]) -> str:
    end = len(text)
    for s in stops:
        i = text.find(s, 1)
        if 0 < i < end:
            end = i
    return text[:end]


def _letters(text: str) -> str:
    """A name is letters and the middle dot: a box, tick or dash OCR read beside it (☑刘丽华,
    -刘宏伟) is not part of it."""
    return "".join(
        ch for ch in text if ch == "·" or unicodedata.category(ch).startswith("L")
    ).strip()


def _name(lines: list[Line]) -> c.ExtractedField | None:
    hit = value_for(lines, ("姓名",), _STOPS)
    if hit is None:
        hit = _name_after_broken_label(lines)
    if hit is None:
        return None
    name = _letters(hit.text)
    if not name or re.search(r"[A-Za-z0-9]", name):
        return c.unreadable("name", hit, hit.conf * 0.5)
    return c.str_field("name", Hit(name, hit.lines, hit.bbox, hit.label_line))


def _name_after_broken_label(lines: list[Line]) -> Hit | None:
    """The top line 姓s刘宏伟: the label's 名 read as a letter or mark, then the name."""
    for ln in sorted(lines, key=lambda o: (o.page, o.cy)):
        if "民族" in ln.n or "性别" in ln.n:
            continue
        m = re.fullmatch(r"姓[^\u4e00-\u9fff]([\u4e00-\u9fff]{2,4})", ln.n)
        if m:
            return Hit(m.group(1), (ln,), ln.part_bbox(m.start(1), m.end(1)), ln)
    return None


def ethnicity_value(text: str) -> str | None:
    """The nationality in a read 民族 value (汉, 汉族, 漢), None when it is none of the 56."""
    t = text.translate(_VARIANTS).rstrip("族")
    if t in ETHNICITIES:
        return t
    return None


def _sex_ethnicity_row(lines: list[Line], id_line: Line | None) -> tuple[Line, str, str] | None:
    """The 性别/民族 row read without its labels, or with them misread (男民汉, 女主汉, 男民故汉,
    民汉, 性男民执汉, 杜别女民质汉, 七领男长发汉): the head label's two characters at most, the
    sex, the 民族 label's one to three, the nationality last. A row whose sex is not 男 or 女
    but whose 民 survived (口们另民成汉) gives the nationality alone."""
    for ln in lines:
        if id_line is not None and (ln.page != id_line.page or ln.cy >= id_line.cy):
            continue
        t = ln.n.translate(_VARIANTS)
        if len(t) > 7 or not re.fullmatch(r"[\u4e00-\u9fff]+", t):
            continue
        eth = next((e for e in ETHNICITIES if t.endswith(e)), None)
        if eth is None:
            continue
        head = t[: -len(eth)]
        m = re.fullmatch(r"(?:性别?|[^男女民]{1,2})?([男女]).{0,3}", head)
        if m is not None:
            return ln, m.group(1), eth
        if head in ("民", "民族") or re.fullmatch(r"[^男女民]{0,3}民.?", head):
            return ln, "", eth
    return None


def _id_row(lines: list[Line]) -> Line | None:
    """The ID number row of the front (the number, or its label when the number was lost)."""
    for ln in lines:
        if _ID_RX.search(ln.n):
            return ln
    for ln in lines:
        if label_end(ln.n, "公民身份号码") >= 0:
            return ln
    return None


def _address(lines: list[Line], id_line: Line | None) -> Hit | None:
    """住址: its first line (after the label, or the first line naming a province or city in
    the value column when the label was lost) and the lines below it in the same column, down
    to the ID number row."""
    label: Line | None = None
    first: Line | None = None
    first_text = ""
    value_x0 = 0.0
    for ln in lines:
        if ln.n.startswith("住址") or ln.n.startswith("址") or _like_label(ln.n[:2]) == "住址":
            label = ln
            skip = 1 if ln.n.startswith("址") else 2
            rest = ln.n[skip:].lstrip(":")
            if rest:
                first, first_text = ln, rest
                value_x0 = ln.part_bbox(len(ln.n) - len(rest)).x0
            break
    if label is not None and first is None:
        right = sorted(
            (
                o
                for o in lines
                if o is not label
                and o.page == label.page
                and same_row(label, o, 0.3)
                and o.x0 >= label.x1 - label.h
            ),
            key=lambda o: o.x0,
        )
        if right:
            first, first_text, value_x0 = right[0], right[0].n, right[0].x0
    if first is None and id_line is not None:
        # the label lost: the address opens with a province, region or city
        for ln in lines:
            if ln.page != id_line.page or ln.cy >= id_line.cy or "公安" in ln.n:
                continue
            if re.search(r"^[\u4e00-\u9fff]{1,4}(省|自治区)|^[\u4e00-\u9fff]{2,3}市", ln.n):
                first, first_text, value_x0 = ln, ln.n, ln.x0
                break
    if first is None:
        return None
    h = first.h
    bottom = (
        id_line.y0
        if id_line is not None and id_line.page == first.page and id_line.y0 > first.y1
        else first.y1 + 3 * h
    )
    parts: list[tuple[Line, str]] = [(first, first_text)]
    last = first
    for ln in lines:
        if ln is first or ln is label or ln.page != first.page:
            continue
        if not (last.cy + 0.5 * h < ln.cy and ln.y1 <= bottom + 0.2 * h):
            continue
        if ln.y0 - last.y1 > 1.2 * h or not (value_x0 - 1.5 * h <= ln.x0 <= value_x0 + 2 * h):
            continue
        if any(label_end(ln.n, lab) >= 0 for lab in LABELS if len(lab) > 2) or _ID_RX.search(ln.n):
            break
        parts.append((ln, ln.n))
        last = ln
    text = "".join(t for _, t in parts)
    text = _ID_RX.sub("", text)  # the number printed below, read into the last address line
    if not re.search(r"[\u4e00-\u9fff]", text):
        return None
    box = union(p.bbox for p, _ in parts)
    assert box is not None
    return Hit(text, tuple(p for p, _ in parts), box, label or first)


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


def _mended(f: c.ExtractedField | None, mend: Callable[[str], str]) -> c.ExtractedField | None:
    """The field with its place names put right (the raw text stays as read)."""
    if f is None or not f.readable or not isinstance(f.value, str):
        return f
    value = mend(f.value)
    return f if value == f.value else f.model_copy(update={"value": value})


def _issuer(lines: list[Line]) -> c.ExtractedField | None:
    """签发机关: the value after its label, else the back's line naming a 公安局; the
    administrative suffix before 公安局 read as a look-alike (明溪且公安局) is put right."""
    hit = _value(lines, "签发机关")
    if hit is None or "公安" not in hit.text:
        for ln in lines:
            if re.search(r"公安(分)?局", ln.n) and not re.search(r"\d|省|路|号", ln.n):
                i = ln.n.find("机关")
                text = ln.n[i + 2 :] if i >= 0 else ln.n
                if i < 0 and sum(a == b for a, b in zip(text[:4], "签发机关", strict=False)):
                    text = text[4:]  # the label read beyond recognition (否支机果)
                elif i < 0 and (cut := re.match(r"[^关]{1,3}关(?=.{2,}公安)", text)):
                    text = text[cut.end() :]  # the label's head lost, its 关 kept (发私关)
                hit = Hit(text.lstrip(":"), (ln,), ln.bbox, ln)
                break
    if hit is None:
        return None
    text = hit.text
    m = re.search(r"(.)公安局", text)
    if m and m.group(1) in _SUFFIX_SLIPS:
        text = text[: m.start(1)] + _SUFFIX_SLIPS[m.group(1)] + text[m.end(1) :]
    f = c.str_field("issuing_authority", Hit(text, hit.lines, hit.bbox, hit.label_line))
    return _mended(f, mend_issuer)


_RANGE = re.compile(
    r"(?<!\d)((?:19|20)\d{2})\D{0,2}?([01]\d)\D{0,2}?([0-3]\d)\D{0,3}?"
    r"(?:((?:19|20)\d{2})\D{0,2}?([01]\d)\D{0,2}?([0-3]\d)(?!\d)|(长期|长))"
)


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _date(y: str, m: str, d: str) -> dt.date | None:
    try:
        return dt.date(int(y), int(m), int(d))
    except ValueError:
        return None


def _validity(lines: list[Line]) -> tuple[c.ExtractedField | None, c.ExtractedField | None]:
    """有效期限 `2018.06.11-2028.06.11` or `2021.02.09-长期`, found after its label or, the label
    misread, by its form. A card is valid for 5, 10 or 20 years to the day (or 长期): two dates
    that do not keep to that were misread, and both are reported unreadable."""
    hit = _value(lines, "有效期限", ())
    cands: list[tuple[str, tuple[Line, ...]]] = []
    if hit is not None:
        cands.append((hit.text, hit.lines))
        right = [
            o
            for o in lines
            if o is not hit.lines[0]
            and o.page == hit.page
            and same_row(o, hit.label_line)
            and o.x0 > hit.label_line.x1 - hit.label_line.h
        ]
        cands += [(o.n, (o,)) for o in sorted(right, key=lambda o: o.x0)]
    cands += [(ln.n, (ln,)) for ln in lines if not _ID_RX.search(ln.n)]
    for text, parts in cands:
        m = _RANGE.search(text)
        if m is None:
            continue
        start = _date(m.group(1), m.group(2), m.group(3))
        if start is None or start.year < 1984:
            continue
        conf = min(p.conf for p in parts)
        box = union(p.bbox for p in parts)
        raw = text
        if m.group(7):
            ok = conf >= c.THRESHOLDS["date"]
            vf = c.make("valid_from", start, raw, conf, parts[0].page, box, readable=ok)
            vu = c.make("valid_until", "长期", raw, conf, parts[0].page, box, readable=ok)
            return vf, vu
        end = _date(m.group(4), m.group(5), m.group(6))
        consistent = end is not None and any(
            end in (_add_years(start, n), _add_years(start, n) + dt.timedelta(days=1))
            for n in _VALIDITY_YEARS
        )
        ok = consistent and conf >= c.THRESHOLDS["date"]
        conf = conf if consistent else conf * 0.5
        vf = c.make("valid_from", start, raw, conf, parts[0].page, box, readable=ok)
        vu = c.make("valid_until", end, raw, conf, parts[0].page, box, readable=ok)
        return vf, vu
    for text, parts in cands:
        found = _range_with_start_misread(text)
        if found is not None:
            start, end = found
            conf = min(min(p.conf for p in parts), 0.9)  # the start is inferred
            box = union(p.bbox for p in parts)
            ok = conf >= c.THRESHOLDS["date"]
            vf = c.make("valid_from", start, text, conf, parts[0].page, box, readable=ok)
            vu = c.make("valid_until", end, text, conf, parts[0].page, box, readable=ok)
            return vf, vu
    if hit is not None:
        return c.unreadable("valid_from", hit, hit.conf * 0.5), None
    return None, None


_END = re.compile(r"((?:19|20)\d{2})\D{0,2}?([01]\d)\D{0,2}?([0-3]\d)\s*$")


def _range_with_start_misread(text: str) -> tuple[dt.date, dt.date] | None:
    """`59mm7015 06242035.06.24`: the end date read, the start's eight digits not a date (a
    year 7015) but one digit away from exactly one of end − 5, 10 or 20 years to the day, which
    it then is. Two dates that are both dates but disagree (2017.11.26-2027.11.28) stay
    unreadable: either may be the misread one."""
    m = _END.search(text)
    end = _date(m.group(1), m.group(2), m.group(3)) if m else None
    if m is None or end is None:
        return None
    digits = re.sub(r"\D", "", text[: m.start()])[-8:]
    read = _date(digits[:4], digits[4:6], digits[6:]) if len(digits) == 8 else None
    if len(digits) < 8 or (read is not None and 1984 <= read.year <= end.year):
        return None
    starts = [_add_years(end, -n) for n in _VALIDITY_YEARS]
    near = [d for d in starts if _differ(f"{d:%Y%m%d}", digits) <= 1]
    return (near[0], end) if len(near) == 1 else None


def extract_id_card(views: list[PageView]) -> c.Fields:
    lines = [ln for v in views for ln in v.lines]
    fields: c.Fields = {}
    id_line = _id_row(lines)
    c.put(fields, _name(lines))
    sex = value_for(lines, ("性别",), _STOPS)
    if sex is not None:
        s = c.sex_value(sex.text)
        c.put(
            fields,
            c.make("sex", s, sex.text, sex.conf, sex.page, sex.bbox)
            if s is not None
            else c.unreadable("sex", sex, sex.conf * 0.5),
        )
    eth = value_for(lines, ("民族",), _STOPS)
    if eth is not None:
        e = ethnicity_value(eth.text)
        c.put(
            fields,
            c.str_field("ethnicity", Hit(e, eth.lines, eth.bbox, eth.label_line))
            if e is not None
            else c.unreadable("ethnicity", eth, eth.conf * 0.5),
        )
    row = _sex_ethnicity_row(lines, id_line)
    if row is not None:
        ln, s, e = row
        if s:
            c.put(fields, c.make("sex", s, ln.text, ln.conf, ln.page, ln.bbox))
        c.put(fields, c.make("ethnicity", e, ln.text, ln.conf, ln.page, ln.bbox))
    c.put(fields, _issuer(lines))
    c.put(fields, _mended(c.str_field("address", _address(lines, id_line)), mend_address))
    if "name" not in fields or not fields["name"].readable:
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


def _id_number(lines: list[Line]) -> Hit | None:
    hit = _value(lines, "公民身份号码")
    if hit is not None and c.id_value(hit.text)[0] is not None:
        return hit
    for ln in lines:
        if _ID_RX.search(ln.n):
            return Hit(ln.n, (ln,), ln.bbox, ln)
    for ln in lines:
        if c.looks_like_id_number(ln.n):
            return Hit(ln.n, (ln,), ln.bbox, ln)
    if hit is not None and (joined := _joined_number(lines, hit)) is not None:
        return joined
    return hit


def _joined_number(lines: list[Line], hit: Hit) -> Hit | None:
    """The number read as two or three boxes side by side (3507021 | 196110127030, the shared
    1 read by both overlapping boxes): joined when the digit boxes right of the label, left
    to right, make exactly 18 characters."""
    label = hit.label_line
    glued = hit.lines[0] is label  # digits read on the label's own line come first
    if glued and not re.fullmatch(r"[\dXx]+", hit.text):
        return None
    pieces = sorted(
        (
            o
            for o in lines
            if o is not label
            and o.page == label.page
            and same_row(label, o)
            and o.x0 >= label.x1 - label.h
            and re.fullmatch(r"[\dXx]+", o.n)
        ),
        key=lambda o: o.x0,
    )
    text = hit.text if glued else ""
    parts: list[Line] = [label] if glued else []
    for o in pieces:
        if parts and o.x0 - parts[-1].x1 > 2 * o.h:
            break  # a gap wider than two characters: not the same number
        piece = o.n
        if parts and o.x0 < parts[-1].x1 and text and piece[0] == text[-1]:
            piece = piece[1:]  # overlapping boxes both read the digit they share
        text += piece
        parts.append(o)
        if len(text) >= 18:
            break
    if len(parts) < 2 or not _ID_RX.fullmatch(text):
        return None
    box = union(p.bbox for p in parts)
    assert box is not None
    return Hit(text, tuple(parts), box, label)


def _cross_check(fields: c.Fields) -> None:
    """The ID number encodes birth date and sex: agreement raises confidence, a missing value
    is derived from a valid number (marked by its lower confidence). A number that fails its
    check digit *and* disagrees with the printed birth date was misread: unreadable."""
    idf = fields.get("id_number")
    if idf is None or not idf.readable or not isinstance(idf.value, str):
        return
    bf = fields.get("birth_date")
    if not idnumber.is_valid(idf.value):
        printed = bf.value if bf is not None and bf.readable else None
        if isinstance(printed, dt.date) and idf.value[6:14] != printed.strftime("%Y%m%d"):
            fields["id_number"] = idf.model_copy(
                update={"value": None, "readable": False, "confidence": idf.confidence * 0.5}
            )
        return
    parsed = idnumber.parse_id_number(idf.value)
    birth = parsed.birth_date
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
    if sf is None or not sf.readable:
        fields["sex"] = c.make(
            "sex", parsed.sex, sf.raw if sf else "", idf.confidence * 0.9, idf.page, None
        )


_NOT_NAMES = ("中华人民共和国", "居民身份证", "签发机关", "有效期限", "公民身份号码")


def _like_label(text: str) -> str | None:
    """The two-character label a text is, read with one character wrong (住域 for 住址, 姓石
    for 姓名)."""
    if len(text) != 2:
        return None
    return next(
        (
            lab
            for lab in LABELS
            if len(lab) == 2 and sum(a == b for a, b in zip(text, lab, strict=True)) == 1
        ),
        None,
    )


_LABEL_AS_MARK = re.compile(r"[\u4e00-\u9fff][^\u4e00-\u9fff\s·]\s*([\u4e00-\u9fff]{2,4})")
"""A name line headed by its 姓名 label misread as one character and a mark (注8); no name holds
a digit or a mark between its characters. A label read as two marks (28) is not taken: on the
sample copies the name after it was misread three times in four."""


UNLABELLED_NAME = 0.8
"""Confidence factor for a name found by its place on the card, its label unread."""
_ADDRESS_CHARS = frozenset("号室栋省县镇村")
"""Characters of addresses that no name holds."""


def _is_label_cell(ln: Line, lines: list[Line], id_line: Line | None) -> bool:
    """A two-character line that is a label misread (住址 → 在加, 姓名 → 批剂): its row goes on
    to its right (the value), or it starts where the 公民身份号码 label starts."""
    if any(
        o is not ln and o.page == ln.page and same_row(ln, o) and 0 <= o.x0 - ln.x1 < 2 * ln.h
        for o in lines
    ):
        return True
    if id_line is None:
        return False
    id_label = [
        o
        for o in lines
        if o.page == id_line.page and same_row(o, id_line) and o.x1 <= id_line.x0 + id_line.h
    ]
    return any(abs(o.x0 - ln.x0) < 0.5 * ln.h for o in id_label)


def _unlabelled_name(lines: list[Line]) -> c.ExtractedField | None:
    """Labels printed faintly may not be read: the name is then the topmost short line of
    2–4 Chinese characters on the card front (above the ID number)."""
    id_line = next((ln for ln in lines if _ID_RX.search(ln.n)), None)
    # when the 姓名 label was read, the name stands right of the label column: a line starting
    # in that column is another label, perhaps misread (住址 → 住域), never the name
    label = next((ln for ln in lines if ln.n.startswith("姓名")), None)
    cands: list[tuple[Line, str]] = []
    for ln in lines:
        letters = name = _letters(ln.n)
        noise = len(ln.n) - len(letters)  # marks read among the characters
        if re.fullmatch(r"姓[^名][\u4e00-\u9fff]{3}", name):
            name = name[2:]  # 姓各洪立新: the label's 名 misread, then a three-character name
        elif re.fullmatch(r"(姓名|[姓名])[\u4e00-\u9fff]{2,4}", name):
            # what was read of the label glued on (1名沈秋菊: 姓 lost, 名 kept)
            name = re.sub(r"^(姓名|[姓名])", "", name)
        elif re.fullmatch(r"[\u4e00-\u9fff]名[\u4e00-\u9fff]{3}", name):
            name = name[2:]  # 外名游桂香: the label's 姓 misread, then a three-character name
        elif m := _LABEL_AS_MARK.fullmatch(ln.n):
            # 注8叶清泉: the label read as a character and a mark (名 → 8)
            name, noise = m.group(1), 0
        if (
            re.fullmatch(r"[\u4e00-\u9fff]{2,4}", name)
            and noise <= 1
            and name not in _NOT_NAMES
            and not any(name.startswith(x) for x in LABELS)
            and _like_label(name) is None
            and name[0] not in "男女"  # the 性别/民族 row with its labels unread (男民汉)
            and not set(name) & _ADDRESS_CHARS  # the address's second line (…村18号 → 多村号)
            and (label is None or (ln.page == label.page and ln.x0 > label.x1 - 0.2 * label.h))
            and (id_line is None or (ln.page == id_line.page and ln.cy < id_line.cy))
            and not (len(ln.n) == 2 and _is_label_cell(ln, lines, id_line))
        ):
            cands.append((ln, name))
    if not cands:
        return None
    ln, name = min(cands, key=lambda a: a[0].cy)
    # found by its place alone, not by its label: never sure enough to block a case by itself
    return c.make("name", name, ln.text, ln.conf * UNLABELLED_NAME, ln.page, ln.bbox)


def _differ(a: str, b: str) -> int:
    """Characters that differ between two strings of one length."""
    return sum(x != y for x, y in zip(a, b, strict=True))
