"""Typed field builders: parse, score confidence, report unreadable values as such."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from decimal import Decimal

from extractors.layout import Hit, Line, value_for
from extractors.normalize import idnumber
from extractors.normalize.dates import DateParseError, parse_date
from extractors.normalize.money import MoneyParseError, parse_amount
from models.documents import BBox, ExtractedField, FieldValue

__all__ = ["ExtractedField", "Fields"]

# Below these OCR confidences a value is reported unreadable rather than guessed.
THRESHOLDS: dict[str, float] = {
    "money": 0.80,
    "id": 0.80,
    "date": 0.70,
    "int": 0.70,
    "str": 0.50,
    "code": 0.75,
}

Fields = dict[str, ExtractedField]

# The name of a medical institution as printed in page headers and on the 收款单位 line
# (妇幼保健院 included: maternity and child-care hospitals issue many maternity claims).
INSTITUTION_RX = re.compile(
    r"[\u4e00-\u9fff()（）]{3,40}"
    r"(?:医院|卫生院|保健院|保健所|卫生服务中心|卫生服务站|医疗中心|医学中心|卫生室|诊所|门诊部|疗养院)"
)


def make(
    name: str,
    value: FieldValue,
    raw: str,
    conf: float,
    page: int | None,
    bbox: BBox | None,
    *,
    readable: bool = True,
) -> ExtractedField:
    conf = round(max(0.0, min(1.0, conf)), 3)
    return ExtractedField(
        name=name,
        value=value if readable else None,
        raw=raw,
        confidence=conf,
        page=page,
        bbox=bbox,
        readable=readable,
    )


def unreadable(name: str, hit: Hit | None, conf: float = 0.0) -> ExtractedField:
    if hit is None:
        return make(name, None, "", conf, None, None, readable=False)
    return make(name, None, hit.text, conf, hit.page, hit.bbox, readable=False)


def str_field(name: str, hit: Hit | None, *, clean: bool = True) -> ExtractedField | None:
    if hit is None:
        return None
    text = hit.text.strip(" ,，;；")
    if clean:
        for a, b in (("(", ")"), ("（", "）")):
            if text.startswith(a) and b not in text:
                text = text[1:]
            if text.endswith(b) and a not in text:
                text = text[:-1]
    if not text:
        return None
    conf = hit.conf
    if conf < THRESHOLDS["str"]:
        return unreadable(name, hit, conf)
    return make(name, text, hit.text, conf, hit.page, hit.bbox)


_MONEY_RX = re.compile(r"[-¥￥Y]?\s*[\dOoIlSB,，.]+")


def money_value(text: str) -> Decimal | None:
    t = text.replace("元", "").replace("¥", "").replace("￥", "").strip()
    m = re.search(r"-?\d[\d,，]*(?:[.．]\d+)?", t)
    if not m:
        try:
            return parse_amount(t)
        except (MoneyParseError, ValueError, ArithmeticError):
            return None
    try:
        return parse_amount(m.group(0))
    except (MoneyParseError, ValueError, ArithmeticError):
        return None


_ZERO = r"[¥￥]?(?:0[.．,:：\s]?00|00[.．,:：]0)"


def money_field(name: str, hit: Hit | None, *, conf_boost: float = 0.0) -> ExtractedField | None:
    if hit is None:
        return None
    value = money_value(hit.text)
    conf = min(1.0, hit.conf + conf_boost)
    if value is None:
        return unreadable(name, hit, conf * 0.5)
    # amounts are printed with two decimals: without them a point was lost or a digit
    # misread, and the value is not trusted; unless it is 0.00 with its point lost, misread or
    # read a place off (000, 0:00, 00.0): three zeros and nothing else
    if not re.search(r"\d[.．,]\d{2}(?!\d)", hit.text):
        if re.fullmatch(_ZERO, hit.text.strip()) and conf >= THRESHOLDS["money"]:
            # below a payment's sure level: in the breakdown it stands only if it balances
            return make(name, Decimal("0.00"), hit.text, min(conf, 0.9), hit.page, hit.bbox)
        return unreadable(name, hit, conf * 0.5)
    if conf < THRESHOLDS["money"]:
        return unreadable(name, hit, conf)
    return make(name, value, hit.text, conf, hit.page, hit.bbox)


def date_value(text: str) -> dt.date | None:
    t = text.strip()
    m = re.search(
        r"\d{4}\s*[年./\-]\s*\d{1,2}\s*[月./\-]\s*\d{1,2}\s*日?|\d{8}|[〇零一二三四五六七八九十○]{4}年.{1,3}月.{1,4}日",
        t,
    )
    if m:
        t = m.group(0)
    try:
        return parse_date(t)
    except (DateParseError, ValueError):
        return None


def date_field(name: str, hit: Hit | None) -> ExtractedField | None:
    if hit is None:
        return None
    value = date_value(hit.text)
    if value is None:
        return unreadable(name, hit, hit.conf * 0.5)
    if hit.conf < THRESHOLDS["date"]:
        return unreadable(name, hit, hit.conf)
    return make(name, value, hit.text, hit.conf, hit.page, hit.bbox)


_ID_RX = re.compile(r"[0-9OoIlZSBGb]{17}[0-9XxOoIlZSBGb×]")
_ID_FIX = str.maketrans(
    {"O": "0", "o": "0", "I": "1", "l": "1", "Z": "2", "S": "5", "G": "6", "b": "6", "B": "8"}
)


def looks_like_id_number(text: str) -> bool:
    """18 characters that are an ID number passing GB 11643 once letters OCR reads for digits
    (35020319620409395G) are put right: the check digit is what makes the fix safe."""
    m = _ID_RX.search(text.replace(" ", ""))
    return m is not None and idnumber.is_valid(id_value(m.group(0))[0] or "")


def id_value(text: str) -> tuple[str | None, float]:
    """An 18-character ID number in the text, and a factor on confidence: 1.0 valid, lower
    when characters had to be fixed or the check digit fails (printed wrong or misread)."""
    t = text.replace(" ", "")
    m = re.search(r"\d{17}[\dXx×]", t)
    factor = 1.0
    if m is None:
        m = _ID_RX.search(t)
        if m is None:
            return None, 0.0
        factor = 0.85
    raw = m.group(0)
    fixed = raw[:17].translate(_ID_FIX) + raw[17].upper().replace("×", "X").translate(_ID_FIX)
    try:
        value = idnumber.normalise(fixed)
    except Exception:
        value = fixed
    if not idnumber.is_valid(value):
        factor *= 0.9
    return value, factor


def id_field(name: str, hit: Hit | None) -> ExtractedField | None:
    if hit is None:
        return None
    value, factor = id_value(hit.text)
    conf = hit.conf * factor
    if value is None:
        return unreadable(name, hit, hit.conf * 0.5)
    if conf < THRESHOLDS["id"]:
        return unreadable(name, hit, conf)
    if hit.conf < SURE_INVALID_ID and not idnumber.is_valid(value):
        # an invalid number read unsurely is far likelier misread than printed wrong: never
        # the ground for telling an applicant their number is invalid
        return unreadable(name, hit, conf)
    return make(name, value, hit.text, conf, hit.page, hit.bbox)


SURE_INVALID_ID = 0.95
"""Reading confidence from which a number failing GB 11643 is taken as printed so."""


def int_field(name: str, hit: Hit | None) -> ExtractedField | None:
    if hit is None:
        return None
    m = re.search(r"\d+", hit.text)
    if m is None:
        return unreadable(name, hit, hit.conf * 0.5)
    if hit.conf < THRESHOLDS["int"]:
        return unreadable(name, hit, hit.conf)
    return make(name, int(m.group(0)), hit.text, hit.conf, hit.page, hit.bbox)


def code_field(
    name: str, hit: Hit | None, rx: str = r"[A-Za-z]*\d[\dA-Za-z\-]*"
) -> ExtractedField | None:
    if hit is None:
        return None
    m = re.search(rx, hit.text.replace(" ", ""))
    if m is None:
        return unreadable(name, hit, hit.conf * 0.5)
    value = m.group(0)
    if hit.conf < THRESHOLDS["code"]:
        return unreadable(name, hit, hit.conf)
    return make(name, value, hit.text, hit.conf, hit.page, hit.bbox)


def put(fields: Fields, f: ExtractedField | None) -> None:
    if f is not None and (f.name not in fields or not fields[f.name].readable):
        fields[f.name] = f


def lookup(
    lines: Sequence[Line],
    labels: Sequence[str],
    stops: Sequence[str],
    **kw: object,
) -> Hit | None:
    return value_for(lines, labels, stops, **kw)  # type: ignore[arg-type]


def sex_value(text: str) -> str | None:
    for ch in text:
        if ch in "男女":
            return ch
    return None
