"""Resident ID numbers (公民身份号码) per GB 11643-1999: check digit, birth date, sex."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from enum import StrEnum

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_OCR_DIGITS = str.maketrans(
    {"O": "0", "o": "0", "D": "0", "l": "1", "I": "1", "|": "1", "x": "X", "×": "X", "Ⅹ": "X"}
)


class IdProblem(StrEnum):
    LENGTH = "length"
    CHARACTERS = "characters"
    BIRTH_DATE = "birth_date"
    CHECK_DIGIT = "check_digit"


class IdNumberError(ValueError):
    def __init__(self, problem: IdProblem, message: str) -> None:
        super().__init__(message)
        self.problem = problem


@dataclass(frozen=True)
class IdNumber:
    value: str
    region_code: str
    birth_date: dt.date
    sex: str  # 男 / 女

    @property
    def masked(self) -> str:
        return mask(self.value)


def check_digit(first17: str) -> str:
    if not re.fullmatch(r"\d{17}", first17):
        raise ValueError("the check digit is computed over 17 digits")
    return _CHECK[sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True)) % 11]


def normalise(text: str) -> str:
    """Spaces dropped, lower-case x and OCR look-alikes of digits fixed."""
    return re.sub(r"[\s-]", "", text).translate(_OCR_DIGITS)


def parse_id_number(text: str, today: dt.date | None = None) -> IdNumber:
    """Validate an 18-character ID number. Raises IdNumberError naming the problem."""
    value = normalise(text)
    if len(value) != 18:
        raise IdNumberError(IdProblem.LENGTH, f"身份证号码应为18位，实为{len(value)}位")
    if not re.fullmatch(r"\d{17}[\dX]", value):
        raise IdNumberError(IdProblem.CHARACTERS, "身份证号码含有非法字符")
    try:
        birth = dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        raise IdNumberError(IdProblem.BIRTH_DATE, "身份证号码中的出生日期不存在") from None
    if birth.year < 1900 or birth > (today or dt.date.today()):
        raise IdNumberError(IdProblem.BIRTH_DATE, "身份证号码中的出生日期不合理")
    if check_digit(value[:17]) != value[17]:
        raise IdNumberError(IdProblem.CHECK_DIGIT, "身份证号码校验码错误")
    return IdNumber(value, value[:6], birth, "男" if int(value[16]) % 2 else "女")


def is_valid(text: str) -> bool:
    try:
        parse_id_number(text)
    except IdNumberError:
        return False
    return True


def mask(value: str) -> str:
    """350102********123X: region and last four kept, the birth date hidden."""
    v = normalise(value)
    return v[:6] + "*" * (len(v) - 10) + v[-4:] if len(v) > 10 else "*" * len(v)
