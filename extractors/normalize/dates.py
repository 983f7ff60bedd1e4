"""Dates in every form seen on these documents, to `datetime.date`.

2026年3月5日 · 2026-03-05 · 2026.03.05 · 2026/3/5 · 20260305 · 二〇二六年三月五日, with the
spaces and stray characters OCR leaves inside them.
"""

from __future__ import annotations

import datetime as dt
import re

_CN_DIGITS = {c: str(i) for i, c in enumerate("〇一二三四五六七八九")}
_CN_DIGITS.update({"零": "0", "○": "0", "O": "0", "o": "0"})
_OCR_FIXES = str.maketrans(
    {
        "O": "0",
        "o": "0",
        "l": "1",
        "I": "1",
        "|": "1",
        "．": ".",
        "／": "/",
        "－": "-",
        "—": "-",
        "一": "-",
    }
)

_NUMERIC = re.compile(
    r"(?P<y>(?:19|20)\d{2})\s*[-./年]\s*(?P<m>\d{1,2})\s*[-./月]\s*(?P<d>\d{1,2})"
)
_COMPACT = re.compile(r"(?<!\d)(?P<y>(?:19|20)\d{2})(?P<m>[01]\d)(?P<d>[0-3]\d)(?!\d)")


class DateParseError(ValueError):
    """The text holds no date this parser can read exactly."""


def parse_date(text: str) -> dt.date:
    """The first date in `text`. Raises DateParseError when there is none or it is impossible."""
    t = re.sub(r"\s+", "", text)
    if re.search("[〇○零一二三四五六七八九十]年", t):
        t = _chinese_numerals(t)
    else:
        # 一 is also OCR's dash; translate it only outside Chinese-numeral dates.
        t = t.translate(_OCR_FIXES)
    match = _NUMERIC.search(t) or _COMPACT.search(t)
    if match is None:
        raise DateParseError(f"no date in {text!r}")
    try:
        return dt.date(int(match["y"]), int(match["m"]), int(match["d"]))
    except ValueError:
        raise DateParseError(f"impossible date in {text!r}") from None


def _chinese_numerals(t: str) -> str:
    """二〇二六年三月十五日 → 2026年3月15日."""

    def small(number: str) -> str:  # 1–31 written with 十
        if "十" not in number:
            return "".join(_CN_DIGITS.get(c, c) for c in number)
        tens, _, ones = number.partition("十")
        return str(
            int(_CN_DIGITS.get(tens, "1") if tens else "1") * 10
            + int(_CN_DIGITS.get(ones, "0") or 0)
        )

    m = re.search(
        r"([〇○零一二三四五六七八九]{4})年([一二三四五六七八九十]{1,3})月([一二三四五六七八九十]{1,3})日",
        t,
    )
    if m is None:
        return t
    year = "".join(_CN_DIGITS[c] for c in m.group(1))
    return t.replace(m.group(0), f"{year}年{small(m.group(2))}月{small(m.group(3))}日")


def format_date(value: dt.date) -> str:
    """The form notices use: 2026年3月5日."""
    return f"{value.year}年{value.month}月{value.day}日"
