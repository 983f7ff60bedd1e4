"""Money: Chinese upper-case amounts (大写) to Decimal and back, and figures with OCR noise.

Rules follow the 支付结算办法 conventions: 壹拾 for ten, one 零 for a run of zeros inside the
number, 整 when there are no 角/分, and 零 before 分 when 角 is zero. The parser also accepts the
common variants (圆/元, 正/整, 千/仟 …, with or without the optional 零 after 元 or 万).
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

DIGITS = "零壹贰叁肆伍陆柒捌玖"
_DIGIT_VALUE = {c: i for i, c in enumerate(DIGITS)}
_DIGIT_VALUE.update(
    {"〇": 0, "○": 0, "貮": 2, "贰": 2, "弍": 2, "两": 2, "叁": 3, "参": 3, "陸": 6}
)
# Lower-case numerals sometimes appear on hand-filled forms.
_DIGIT_VALUE.update({c: i for i, c in enumerate("〇一二三四五六七八九")})
_SMALL_UNITS = {"拾": 10, "什": 10, "十": 10, "佰": 100, "百": 100, "仟": 1000, "千": 1000}
_BIG_UNITS = {"万": 10**4, "萬": 10**4, "亿": 10**8, "億": 10**8}
_YUAN = "元圆圓"


class MoneyParseError(ValueError):
    """The text is not an amount this parser can read exactly."""


def to_upper(amount: Decimal) -> str:
    """Decimal (yuan, at most 2 places) → 大写, e.g. 7617.28 → 柒仟陆佰壹拾柒元贰角捌分."""
    if amount != amount.quantize(Decimal("0.01")):
        raise ValueError(f"amount {amount} has more than two decimal places")
    sign = "负" if amount < 0 else ""
    cents = int((abs(amount) * 100).to_integral_value())
    yuan, jiao, fen = cents // 100, cents // 10 % 10, cents % 10
    if cents == 0:
        return "零元整"
    out = _integer_upper(yuan) + "元" if yuan else ""
    if jiao == 0 and fen == 0:
        return sign + out + "整"
    if jiao:
        out += DIGITS[jiao] + "角"
    elif yuan:
        out += "零"
    if fen:
        out += DIGITS[fen] + "分"
    return sign + out


def _integer_upper(n: int) -> str:
    # A lower part that starts below its leading place gets one 零 (壹亿零壹万, 壹万零伍拾).
    for unit, size in (("亿", 10**8), ("万", 10**4)):
        if n >= size:
            high, low = divmod(n, size)
            out = _integer_upper(high) + unit
            if low:
                out += ("零" if low < size // 10 else "") + _integer_upper(low)
            return out
    return _group_upper(n)


def _group_upper(n: int) -> str:
    out, zero = "", False
    for value, unit in ((1000, "仟"), (100, "佰"), (10, "拾"), (1, "")):
        digit = n // value % 10
        if digit == 0:
            zero = bool(out)
            continue
        if zero:
            out += "零"
            zero = False
        out += DIGITS[digit] + unit
    return out


_NOISE = re.compile(r"[\s:：¥￥]|人民币|\(?（?大写）?\)?|金额合计")


def parse_upper(text: str) -> Decimal:
    """大写 → Decimal. Raises MoneyParseError for anything it cannot read exactly."""
    t = _NOISE.sub("", text)
    negative = t.startswith("负")
    t = t.removeprefix("负")
    t = re.sub(r"[整正]$", "", t)
    if not t:
        raise MoneyParseError(f"empty amount: {text!r}")
    yuan_at = max(t.rfind(c) for c in _YUAN)
    integer_text, fraction_text = (t[:yuan_at], t[yuan_at + 1 :]) if yuan_at >= 0 else ("", t)
    if yuan_at < 0 and not re.search("[角分]", t):
        raise MoneyParseError(f"no 元, 角 or 分 in {text!r}")
    yuan = _parse_integer(integer_text, text) if integer_text else 0
    cents = _parse_fraction(fraction_text, text)
    value = Decimal(yuan) + Decimal(cents) / 100
    return -value if negative else value


def _parse_integer(t: str, original: str) -> int:
    for unit in ("亿", "億", "万", "萬"):
        at = t.rfind(unit)
        if at >= 0:
            high = _parse_integer(t[:at], original) if t[:at] else 0
            if high == 0:
                raise MoneyParseError(f"{unit} without a number before it in {original!r}")
            low_text = t[at + 1 :].removeprefix("零")
            low = _parse_integer(low_text, original) if low_text else 0
            limit = _BIG_UNITS[unit]
            if low >= limit or (limit == 10**4 and high >= limit):
                raise MoneyParseError(f"misplaced unit in {original!r}")
            return high * limit + low
    return _parse_group(t, original)


def _parse_group(t: str, original: str) -> int:
    total, digit, last_unit = 0, None, 10**4
    for ch in t:
        if ch in _DIGIT_VALUE:
            if digit is not None and digit != 0 and _DIGIT_VALUE[ch] != 0:
                raise MoneyParseError(f"two digits without a unit in {original!r}")
            digit = _DIGIT_VALUE[ch]
        elif ch in _SMALL_UNITS:
            unit = _SMALL_UNITS[ch]
            if unit >= last_unit:
                raise MoneyParseError(f"units out of order in {original!r}")
            if digit == 0:
                raise MoneyParseError(f"零 before a unit in {original!r}")
            total += (1 if digit is None else digit) * unit
            digit, last_unit = None, unit
        else:
            raise MoneyParseError(f"unexpected character {ch!r} in {original!r}")
    if digit:
        if last_unit == 1:
            raise MoneyParseError(f"two digits without a unit in {original!r}")
        total += digit
    return total


def _parse_fraction(t: str, original: str) -> int:
    m = re.fullmatch(r"零?(?:(?P<jiao>[^角分零])角)?零?(?:(?P<fen>[^角分零])分)?", t)
    if m is None:
        raise MoneyParseError(f"cannot read 角/分 in {original!r}")
    cents = 0
    for name, scale in (("jiao", 10), ("fen", 1)):
        ch = m.group(name)
        if ch is not None:
            if ch not in _DIGIT_VALUE:
                raise MoneyParseError(f"unexpected character {ch!r} in {original!r}")
            cents += _DIGIT_VALUE[ch] * scale
    return cents


# Characters OCR commonly returns for digits in printed amounts.
_FIGURE_FIXES = str.maketrans(
    {
        "O": "0",
        "o": "0",
        "〇": "0",
        "D": "0",
        "l": "1",
        "I": "1",
        "|": "1",
        "，": ",",
        "。": ".",
        "．": ".",
        "：": ":",
        "－": "-",
    }
)


def parse_amount(text: str) -> Decimal:
    """Figures → Decimal: '¥1,234.56', '1 234.56元', 'l234.5O' (OCR noise), '-12.00'."""
    t = re.sub(r"[¥￥元\s]|RMB|CNY", "", text.translate(_FIGURE_FIXES))
    if not t or not re.fullmatch(r"-?[\d,]*\.?\d*", t) or not re.search(r"\d", t):
        raise MoneyParseError(f"not an amount: {text!r}")
    if "," in t:
        head = t.partition(".")[0]
        groups = head.lstrip("-").split(",")
        if "." not in t and len(groups) == 2 and len(groups[1]) in (1, 2):
            t = t.replace(",", ".")  # a comma used as the decimal point
        elif all(len(g) == 3 for g in groups[1:]) and 1 <= len(groups[0]) <= 3:
            t = t.replace(",", "")
        else:
            raise MoneyParseError(f"misplaced thousands separator in {text!r}")
    try:
        return Decimal(t)
    except InvalidOperation:
        raise MoneyParseError(f"not an amount: {text!r}") from None
