"""Place names read with a look-alike character (芗城 → 梦城, 三明 → 二明, 梅列 → 梯列), put
right against China's administrative divisions (`models/data/divisions.csv`).

Only a substitution of one character (or a city's first character lost, within the province)
is mended, and only when exactly one division of the right level and parent (a district of
the city just named) is that close: a name that is already a division, or that could be two,
stays as read.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

HOME_PROVINCE = "35"
"""Fujian: of two equally near cities, the one in the service's province."""

_SUFFIX = r"(?:省|自治区|特别行政区|市|自治州|州|地区|盟|区|县|自治县|旗|自治旗)"


@dataclass
class _Divisions:
    provinces: dict[str, str] = field(default_factory=dict)  # name → 2-digit code
    cities: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # prov → [(name, code4)]
    counties: dict[str, list[str]] = field(default_factory=dict)  # code4 → names


@cache
def _divisions() -> _Divisions:
    d = _Divisions()
    text = resources.files("models").joinpath("data/divisions.csv").read_text(encoding="utf-8")
    rows = list(csv.reader(ln for ln in text.splitlines() if not ln.startswith("#")))
    for code, name in rows:
        if code.endswith("0000"):
            d.provinces[name] = code[:2]
        elif code.endswith("00"):
            d.cities.setdefault(code[:2], []).append((name, code[:4]))
        elif name != "市辖区":
            d.counties.setdefault(code[:4], []).append(name)
    return d


def _near(word: str, names: list[str]) -> str | None:
    """The one name in `names` differing from `word` in exactly one character (None when
    `word` is a name itself, or no name or several are that near)."""
    if word in names:
        return None
    near = [
        n
        for n in names
        if len(n) == len(word) and sum(a != b for a, b in zip(n, word, strict=True)) == 1
    ]
    return near[0] if len(near) == 1 else None


def _city(word: str, province: str | None) -> tuple[str, str] | None:
    """(name, code4) of the city `word` is or one character from: in the province when it
    is known, else in the home province, else anywhere (unique in the whole country)."""
    d = _divisions()
    if province:
        pools = [d.cities.get(province, [])]
    else:
        pools = [d.cities.get(HOME_PROVINCE, []), [c for cs in d.cities.values() for c in cs]]
    for cities in pools:
        exact = [c for c in cities if c[0] == word]
        if exact:
            return exact[0]
        fixed = _near(word, [n for n, _ in cities])
        if fixed is not None:
            return next(c for c in cities if c[0] == fixed)
    # its first character lost (南平市 read as 平市): only in the province, when one city fits
    home = d.cities.get(province or HOME_PROVINCE, [])
    cut = [c for c in home if len(c[0]) == len(word) + 1 and c[0].endswith(word)]
    return cut[0] if len(cut) == 1 else None


def _county(word: str, city_code: str) -> str | None:
    """The county-level name `word` is, or one character from, among the city's."""
    names = _divisions().counties.get(city_code, [])
    if word in names:
        return word
    return _near(word, names)


def _stems(city_code: str) -> list[str]:
    """The city's county-level names without their 区/县/市 (a 分局 is named so)."""
    return [re.sub(rf"{_SUFFIX}$", "", n) for n in _divisions().counties.get(city_code, [])]


def mend_address(text: str) -> str:
    """An address's province, city and county (福建省漳州市梦城区… → …芗城区…)."""
    d = _divisions()
    rest, out, province = text, "", None
    m = re.match(r"([\u4e00-\u9fff]{2,7}?)(省|自治区)", rest)
    if m:
        name = m.group(0)
        fixed = name if name in d.provinces else _near(name, list(d.provinces))
        if fixed is not None:
            province = d.provinces[fixed]
            out, rest = fixed, rest[m.end() :]
    m = re.match(r"([\u4e00-\u9fff]{2,4}?)(市|自治州|州|地区|盟)", rest)
    if not m:
        return out + rest
    city = _city(m.group(0), province)
    if city is None:
        return out + rest
    out, rest = out + city[0], rest[m.end() :]
    m = re.match(rf"([\u4e00-\u9fff]{{1,5}}?){_SUFFIX}", rest)
    if m:
        county = _county(m.group(0), city[1])
        if county is not None:
            return out + county + rest[m.end() :]
    return out + rest


def mend_issuer(text: str) -> str:
    """An ID card's 签发机关 (漳州市公安局梦城分局 → …芗城分局, 二明市公安局… → 三明市…)."""
    m = re.fullmatch(r"([\u4e00-\u9fff]{1,4}?市)公安局([\u4e00-\u9fff]{1,4})分局", text)
    if m:
        branch = m.group(2)
        city = _city(m.group(1), None)
        if city is None:
            # the city's head lost (州市: 福州, 泉州, 漳州 …): the one whose district it names
            cut = m.group(1)
            home = _divisions().cities.get(HOME_PROVINCE, [])
            fits = [c for c in home if c[0].endswith(cut) and branch in _stems(c[1])]
            if len(fits) != 1:
                return text
            city = fits[0]
        stems = _stems(city[1])
        stem = branch if branch in stems else _near(branch, list(stems))
        return f"{city[0]}公安局{stem or branch}分局"
    m = re.fullmatch(r"([\u4e00-\u9fff]{1,5}?(?:县|市|区|旗))公安局", text)
    if m:
        d = _divisions()
        word = m.group(1)
        counties = [n for code, ns in d.counties.items() if code[:2] == HOME_PROVINCE for n in ns]
        if any(word in ns for ns in d.counties.values()):
            return text
        fixed = _near(word, counties)
        return f"{fixed}公安局" if fixed else text
    return text
