"""The benchmark's reading-order independent CER (bench/cer.py)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bench.cer import _align, _Haystack, cer, edit_distance, score_page, substring_distance

TRUTH = ["福建省医疗住院收费票据", "交款人：", "林晓梅", "金额合计（小写）", "¥9799.20"]
OCR = ["福建省医疗住院收费票据", "交款人：林晓梅", "金额合计（小写）¥9799.20"]


def test_exact_reading_scores_zero() -> None:
    s = score_page(TRUTH, OCR)
    assert s.errors == 0 and s.cer == 0.0
    # full-width forms and spaces are normalised away
    assert score_page(["金额（元）：1 234"], ["金额(元):1234"]).cer == 0.0


def test_one_substitution_costs_one() -> None:
    s = score_page(TRUTH, ["福建省医疗住院收费票据", "交款人：林晓海", "金额合计（小写）¥9799.20"])
    assert s.errors == 1
    assert s.cer == 1 / s.truth_chars
    assert s.worst_lines() == [("林晓梅", 1)]


def test_reordered_lines_cost_nothing() -> None:
    assert score_page(TRUTH, list(reversed(OCR))).errors == 0
    # a table read column by column instead of row by row
    truth = ["项目名称", "金额", "床位费", "520.00", "检查费", "1386.50"]
    ocr = ["项目名称床位费检查费", "金额520.001386.50"]
    assert score_page(truth, ocr).cer == 0.0
    # whereas the plain CER counts the order as errors
    assert cer("".join(truth), "".join(ocr)) > 0.3


def test_missing_line_costs_its_length() -> None:
    s = score_page(TRUTH, ["福建省医疗住院收费票据", "交款人：林晓梅"])
    assert s.errors == len("金额合计(小写)") + len("¥9799.20")
    assert score_page(["居民身份证"], []).cer == 1.0
    # even when a few of its characters occur elsewhere on the page
    assert score_page(["姓名：张三", "性别：男"], ["性别：男"]).errors == 5
    # whereas a line read with few errors costs those errors
    assert score_page(["住院号：ZY26197720"], ["住院号：ZY2619772O"]).errors == 1


def test_a_repeated_string_needs_its_own_reading() -> None:
    # 甲类 on three rows, read once: two are missing
    assert score_page(["甲类", "甲类", "甲类"], ["甲类"]).errors == 4
    assert score_page(["甲类", "甲类", "甲类"], ["甲类甲类", "甲类"]).errors == 0
    # a lone 年 cannot borrow the one inside a longer string already matched
    assert score_page(["1974年", "年"], ["1974年"]).errors == 1
    # a poor match (more than half wrong) is no reading: it costs the string's length and
    # takes nothing, so 交款人 still finds its reading
    s = score_page(["林晓梅交款", "交款人"], ["交款人"])
    assert s.lines == [("林晓梅交款", 5), ("交款人", 0)]


def test_extra_text_is_not_penalised_but_lowers_precision() -> None:
    s = score_page(["林晓梅"], ["收费专用章", "林晓梅"])
    assert s.cer == 0.0
    assert s.precision == 3 / 8
    assert score_page(["林晓梅"], ["林晓梅"]).precision == 1.0


def test_empty_truth_strings_are_ignored() -> None:
    s = score_page(["", "  ", "门诊号"], ["门诊号"])
    assert s.truth_chars == 3 and s.cer == 0.0 and len(s.lines) == 1


def _brute(needle: str, hay: str) -> int:
    subs = {hay[i:j] for i in range(len(hay) + 1) for j in range(i, len(hay) + 1)}
    return min(edit_distance(needle, s) for s in subs)


@settings(max_examples=200, deadline=None)
@given(st.text("abc元1", max_size=7), st.text("abc元1", max_size=12))
def test_substring_distance_is_the_best_substring_edit_distance(needle: str, hay: str) -> None:
    d = substring_distance(needle, hay)
    assert d == _brute(needle, hay)
    # and the span found is one where that distance is reached
    _, start, end = _align(needle, _Haystack(hay))
    assert 0 <= start <= end <= len(hay)
    assert edit_distance(needle, hay[start:end]) == d


@settings(max_examples=100, deadline=None)
@given(st.lists(st.text("ab元", min_size=1, max_size=4), max_size=5), st.text("ab元", max_size=12))
def test_exclusive_matching_never_costs_less(truth: list[str], hay: str) -> None:
    s = score_page(truth, [hay])
    free = sum(_brute(t, hay) for t in truth)
    assert free <= s.errors <= s.truth_chars
