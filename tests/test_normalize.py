"""Normalisers: property-tested round trips and the edge cases seen on real documents."""

from __future__ import annotations

import contextlib
import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from extractors.normalize import bankcard, idnumber
from extractors.normalize.dates import DateParseError, format_date, parse_date
from extractors.normalize.money import MoneyParseError, parse_amount, parse_upper, to_upper
from extractors.normalize.names import NameMatch, compare_institution, compare_person

money = st.decimals(min_value=0, max_value=Decimal("9999999999999.99"), places=2)


@given(money)
def test_upper_case_money_round_trips(amount: Decimal) -> None:
    assert parse_upper(to_upper(amount)) == amount


@given(money)
def test_upper_case_money_uses_only_money_characters(amount: Decimal) -> None:
    assert set(to_upper(amount)) <= set("零壹贰叁肆伍陆柒捌玖拾佰仟万亿元角分整")


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        ("7617.28", "柒仟陆佰壹拾柒元贰角捌分"),
        ("0.00", "零元整"),
        ("0.05", "伍分"),
        ("0.50", "伍角"),
        ("10.00", "壹拾元整"),
        ("1005.00", "壹仟零伍元整"),
        ("1050.00", "壹仟零伍拾元整"),
        ("1020.05", "壹仟零贰拾元零伍分"),
        ("100000.00", "壹拾万元整"),
        ("1000010.00", "壹佰万零壹拾元整"),
        ("10010000.00", "壹仟零壹万元整"),
        ("100010001.01", "壹亿零壹万零壹元零壹分"),
    ],
)
def test_upper_case_money_follows_the_writing_rules(amount: str, words: str) -> None:
    assert to_upper(Decimal(amount)) == words
    assert parse_upper(words) == Decimal(amount)


@pytest.mark.parametrize(
    ("words", "amount"),
    [
        ("人民币壹仟零贰拾元零伍角整", "1020.50"),  # optional 零 after 元, trailing 整
        ("壹拾万零叁佰元正", "100300"),
        ("（大写）叁佰圆整", "300"),
        ("拾元整", "10"),
        ("贰万零伍元", "20005"),
        ("壹佰元伍角", "100.5"),
    ],
)
def test_upper_case_money_variants(words: str, amount: str) -> None:
    assert parse_upper(words) == Decimal(amount)


@pytest.mark.parametrize(
    "bad", ["", "整", "壹贰元", "伍拾佰元", "壹仟零佰元", "壹万万元", "五角X分", "hello"]
)
def test_upper_case_money_rejects_what_it_cannot_read_exactly(bad: str) -> None:
    with pytest.raises(MoneyParseError):
        parse_upper(bad)


def test_to_upper_refuses_fractions_of_a_cent() -> None:
    with pytest.raises(ValueError, match="two decimal places"):
        to_upper(Decimal("1.005"))


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("¥1,234.56", "1234.56"),
        ("1234.56元", "1234.56"),
        ("￥ 12,345,678.90", "12345678.90"),
        ("l234.5O", "1234.50"),
        ("-12.00", "-12.00"),
        ("1234,5", "1234.5"),
    ],
)
def test_amount_figures(text: str, amount: str) -> None:
    assert parse_amount(text) == Decimal(amount)


@pytest.mark.parametrize("bad", ["", "元", "12,34,56", "1.2.3", "abc", "12a"])
def test_amount_figures_reject_garbage(bad: str) -> None:
    with pytest.raises(MoneyParseError):
        parse_amount(bad)


@given(money)
def test_amount_with_thousands_separators_round_trips(amount: Decimal) -> None:
    assert parse_amount(f"¥{amount:,}") == amount


@pytest.mark.parametrize(
    "text",
    [
        "2026年3月5日",
        "2026年03月05日",
        "2026 年 3 月 5 日",
        "2026-03-05",
        "2026.03.05",
        "2026/3/5",
        "20260305",
        "开票日期：2026-03-05",
        "二〇二六年三月五日",
        "2O26-O3-O5",
    ],
)
def test_dates_in_every_form(text: str) -> None:
    assert parse_date(text) == dt.date(2026, 3, 5)


def test_chinese_numeral_dates_with_tens() -> None:
    assert parse_date("二〇二五年十二月三十一日") == dt.date(2025, 12, 31)
    assert parse_date("二〇二六年十月十日") == dt.date(2026, 10, 10)


@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2099, 12, 31)))
def test_dates_round_trip(value: dt.date) -> None:
    assert parse_date(format_date(value)) == value
    assert parse_date(value.strftime("%Y%m%d")) == value
    assert parse_date(value.isoformat()) == value


@pytest.mark.parametrize("bad", ["", "2026年2月30日", "2026-13-01", "住院号123456", "3月5日"])
def test_dates_reject_impossible_or_missing(bad: str) -> None:
    with pytest.raises(DateParseError):
        parse_date(bad)


first17 = st.builds(
    lambda region, birth, seq: f"{region}{birth:%Y%m%d}{seq:03d}",
    st.sampled_from(["350102", "350203", "350421", "350403", "110101"]),
    st.dates(min_value=dt.date(1930, 1, 1), max_value=dt.date(2020, 12, 31)),
    st.integers(min_value=0, max_value=999),
)


@given(first17)
def test_id_numbers_with_their_check_digit_are_valid(prefix: str) -> None:
    number = prefix + idnumber.check_digit(prefix)
    parsed = idnumber.parse_id_number(number)
    assert parsed.birth_date.strftime("%Y%m%d") == prefix[6:14]
    assert parsed.sex == ("男" if int(prefix[16]) % 2 else "女")


@given(first17, st.integers(min_value=0, max_value=10))
def test_any_other_check_digit_is_refused(prefix: str, wrong: int) -> None:
    right = idnumber.check_digit(prefix)
    digit = "0123456789X"[wrong]
    if digit != right:
        with pytest.raises(idnumber.IdNumberError) as info:
            idnumber.parse_id_number(prefix + digit)
        assert info.value.problem is idnumber.IdProblem.CHECK_DIGIT


def test_id_number_known_value_and_problems() -> None:
    # GB 11643 worked example.
    assert idnumber.check_digit("11010519491231002") == "X"
    assert idnumber.parse_id_number("11010519491231002x").sex == "女"
    assert idnumber.parse_id_number("1101 0519 4912 3100 2X").value == "11010519491231002X"
    problems = {
        "1101051949123100": idnumber.IdProblem.LENGTH,
        "11010519491231002Y": idnumber.IdProblem.CHARACTERS,
        "110105194902300024": idnumber.IdProblem.BIRTH_DATE,
        "110105194912310021": idnumber.IdProblem.CHECK_DIGIT,
    }
    for value, problem in problems.items():
        with pytest.raises(idnumber.IdNumberError) as info:
            idnumber.parse_id_number(value)
        assert info.value.problem is problem, value
    assert idnumber.mask("11010519491231002X") == "110105********002X"


def test_bank_cards() -> None:
    assert bankcard.luhn_valid("4111 1111 1111 1111") is True
    assert bankcard.luhn_valid("4111 1111 1111 1112") is False
    assert bankcard.luhn_valid("1234") is False
    assert bankcard.mask("6222021234567890128") == "6222***********0128"
    assert bankcard.luhn_valid("6222-0212-abcd") is False


@given(st.text(alphabet="0123456789", min_size=15, max_size=18))
def test_luhn_detects_every_single_digit_error(number: str) -> None:
    # Make a valid number, then change one digit: Luhn must notice.
    body = number[:-1]
    check = next(str(d) for d in range(10) if bankcard.luhn_valid(body + str(d)))
    valid = body + check
    changed = ("1" if valid[0] != "1" else "2") + valid[1:]
    assert bankcard.luhn_valid(valid) and not bankcard.luhn_valid(changed)


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("张建国", "张建国", NameMatch.SAME),
        ("张 建国", "张建国", NameMatch.SAME),
        ("阿依古丽•买买提", "阿依古丽·买买提", NameMatch.SAME),
        ("☑刘丽华", "刘丽华", NameMatch.SAME),  # a tick box read beside the name
        ("王己明", "王已明", NameMatch.OCR_VARIANT),
        ("张玉", "张王", NameMatch.OCR_VARIANT),
        ("张建国", "张建军", NameMatch.DIFFERENT),
        ("张建国", "李建国", NameMatch.DIFFERENT),
        ("张建国", "张建", NameMatch.DIFFERENT),
        ("王己明", "玉已明", NameMatch.DIFFERENT),  # two confusions in a short name: not tolerated
        ("", "张建国", NameMatch.DIFFERENT),
    ],
)
def test_person_names(a: str, b: str, expected: NameMatch) -> None:
    assert compare_person(a, b) is expected
    assert compare_person(b, a) is expected


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("福建医科大学附属协和医院", "福建医科大学附属协和医院（收费专用章）", NameMatch.SAME),
        ("福建医科大学附属协和医院", "福建医科大学 附属协和医院", NameMatch.SAME),
        ("三明市第一医院", "三明市第一医院门诊收费专用章", NameMatch.SAME),
        ("福建省立医院", "福建省立医院", NameMatch.SAME),
        ("福建医科大学附属协和医院", "协和医院", NameMatch.DIFFERENT),
        ("福州市第一医院", "厦门市第一医院", NameMatch.DIFFERENT),
        ("明溪县总医院", "明溪县中医院", NameMatch.DIFFERENT),
        ("福建医科大学附属第一医院", "福建医科大学附属第二医院", NameMatch.DIFFERENT),
        ("福建医科大学附属协和医院", "福建医科大学附属协和医阮", NameMatch.OCR_VARIANT),
        ("福州闽江中西医结合医院", "福州闽江中西医合医院", NameMatch.OCR_VARIANT),  # 结 lost
        ("福州市第十二医院", "福州市第二医院", NameMatch.DIFFERENT),
        ("龙岩市新罗中心医院", "龙岩吏新罗中心医院", NameMatch.OCR_VARIANT),  # 市 read as 吏
        ("龙岩市新罗中心医院", "龙岩市永定中心医院", NameMatch.DIFFERENT),  # two characters
        ("三明市第一医院", "三明市一医院", NameMatch.DIFFERENT),  # too short to guess
    ],
)
def test_institution_names(a: str, b: str, expected: NameMatch) -> None:
    assert compare_institution(a, b) is expected


@given(st.text(min_size=1, max_size=6))
def test_a_name_always_matches_itself(name: str) -> None:
    expected = NameMatch.SAME if name.strip() else NameMatch.DIFFERENT
    assert compare_person(name, name) in (expected, NameMatch.SAME)


# -- any text at all: a value or the parser's own error, nothing else -------------------------

ocr_text = st.text(
    alphabet=st.one_of(
        st.sampled_from("0123456789.,，-/年月日元角分整零壹贰叁肆伍陆柒捌玖拾佰仟万亿Xx ¥￥"),
        st.characters(),
    ),
    max_size=40,
)


@given(ocr_text)
def test_text_parsers_raise_only_their_own_errors(text: str) -> None:
    for parse, error in (
        (parse_amount, MoneyParseError),
        (parse_upper, MoneyParseError),
        (parse_date, DateParseError),
        (idnumber.parse_id_number, idnumber.IdNumberError),
    ):
        with contextlib.suppress(error):
            parse(text)


@given(ocr_text, ocr_text)
def test_checks_and_masks_never_raise(a: str, b: str) -> None:
    assert isinstance(bankcard.luhn_valid(a), bool)
    assert isinstance(idnumber.is_valid(a), bool)
    masked = bankcard.mask(a)
    digits = bankcard.normalise(a)
    assert len(digits) <= 8 or digits not in masked
    assert compare_person(a, b) in set(NameMatch)
    assert compare_institution(a, b) in set(NameMatch)
