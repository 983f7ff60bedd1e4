"""Comparing person and institution names read by OCR.

Person names: an exact match is the same name; names that differ only in characters OCR is known
to confuse (己/已, 王/玉 …) are an `ocr_variant` — possibly the same person, for a reviewer to look
at, never silently equal; anything else is a different name.

Institution names: the same after dropping spacing, punctuation and seal words, or one name
contained in the other when the shorter is specific enough (福建医科大学附属协和医院 ⊃ 协和医院
is too short to count: several hospitals are called 协和医院).
"""

from __future__ import annotations

import re
import unicodedata
from enum import StrEnum

# Groups of characters printed-text OCR confuses with each other.
_CONFUSABLE_GROUPS = (
    "己已巳",
    "未末",
    "士土",
    "日曰",
    "人入八",
    "戊戌戍",
    "王玉主",
    "大太犬",
    "刀力",
    "千干于",
    "天夫",
    "白自",
    "贝见",
    "休体",
    "晴睛",
    "拔拨",
    "辩辨辫",
    "折拆",
    "候侯",
    "汩汨",
    "崇祟",
    "荼茶",
    "杨扬汤",
    "陈阵",
    "免兔",
    "鸟乌",
    "今令",
    "兵乒乓",
    "失矢",
    "甲申由",
    "田由",
    "凤风",
    "冶治",
    "洁浩",
    "晶品",
    "子孑",
    "丰主",
    "雪雷",
    "莉利",
    "婷停",
    "琳淋",
    "娟捐",
    "峰蜂",
    "院阮",
    "医匡",
    "锋峰",
    "建健",
    "华平",
    "芳方",
    "明朋",
    "辉晖",
    "清青",
    "静净",
    "敏每",
)
_CONFUSABLE: dict[str, frozenset[str]] = {}
for _group in _CONFUSABLE_GROUPS:
    for _ch in _group:
        _CONFUSABLE[_ch] = _CONFUSABLE.get(_ch, frozenset()) | frozenset(_group)

_SEAL_WORDS = re.compile(r"(收费|财务|门诊收费|住院收费|结算)?专用章|公章|\(章\)|（章）")


class NameMatch(StrEnum):
    SAME = "same"
    OCR_VARIANT = "ocr_variant"  # differs only in characters OCR confuses: a reviewer decides
    DIFFERENT = "different"


def normalise_person(name: str) -> str:
    t = unicodedata.normalize("NFKC", name)
    t = re.sub(r"[\s\u3000]", "", t)
    return re.sub(r"[•・･●.]", "·", t)  # ethnic-minority names use a middle dot


def _letters(name: str) -> str:
    """A name is letters and the middle dot: a box, tick or bullet the OCR read beside it
    (☑刘丽华) is not part of it."""
    return "".join(ch for ch in name if ch == "·" or unicodedata.category(ch).startswith("L"))


def compare_person(a: str, b: str) -> NameMatch:
    x, y = normalise_person(a), normalise_person(b)
    if not x or not y:
        return NameMatch.DIFFERENT
    if x == y:
        return NameMatch.SAME
    x, y = _letters(x) or x, _letters(y) or y
    if x == y:
        return NameMatch.SAME
    if len(x) != len(y):
        return NameMatch.DIFFERENT
    diffs = [(c, d) for c, d in zip(x, y, strict=True) if c != d]
    # One confusable character in a short name; at most two in a long minority name.
    allowed = 1 if len(x) <= 4 else 2
    if len(diffs) <= allowed and all(d in _CONFUSABLE.get(c, frozenset()) for c, d in diffs):
        return NameMatch.OCR_VARIANT
    return NameMatch.DIFFERENT


def normalise_institution(name: str) -> str:
    t = unicodedata.normalize("NFKC", name)
    t = _SEAL_WORDS.sub("", t)
    return re.sub(r"[\s\u3000()（）·,，.。:：、\-—]", "", t)


def compare_institution(a: str, b: str, min_contained: int = 8) -> NameMatch:
    x, y = normalise_institution(a), normalise_institution(b)
    if not x or not y:
        return NameMatch.DIFFERENT
    if x == y:
        return NameMatch.SAME
    short, long_ = sorted((x, y), key=len)
    if len(short) >= min_contained and short in long_:
        return NameMatch.SAME
    # Only confusable characters may differ: 第一/第二 or 总/中 name another hospital.
    if len(x) == len(y) and compare_person(x, y) is NameMatch.OCR_VARIANT:
        return NameMatch.OCR_VARIANT
    # One character lost or misread in a long name (a seal over it, a fold, 市 read as 吏):
    # OCR, for a reviewer to confirm — unless the character is part of an ordinal (第十二 vs
    # 第二, 第一 vs 第二 are other hospitals).
    if len(short) >= min_contained and len(long_) == len(short) + 1:
        for i, ch in enumerate(long_):
            if long_[:i] + long_[i + 1 :] == short:
                return NameMatch.DIFFERENT if ch in _ORDINALS else NameMatch.OCR_VARIANT
    if len(short) >= min_contained and len(x) == len(y):
        diffs = [(c, d) for c, d in zip(x, y, strict=True) if c != d]
        if len(diffs) == 1 and not _ORDINALS.intersection(diffs[0]):
            return NameMatch.OCR_VARIANT
    return NameMatch.DIFFERENT


_ORDINALS = frozenset("第一二三四五六七八九十百零〇0123456789")
