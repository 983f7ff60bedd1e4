"""Label → value lookup on lines laid out as OCR boxes them."""

from __future__ import annotations

from extractors.layout import Line, norm, value_for


def box(text: str, x0: float, x1: float, y: float = 557.0, conf: float = 0.99) -> Line:
    return Line(text, norm(text), x0, y, x1, y + 38, conf, 1)


def test_value_boxed_over_the_end_of_its_labels_line_is_read_from_its_own_box() -> None:
    """`住院号：2` (0.84) with `ZY26862725` boxed over its end (c036): the 2 is the value's Z
    read a second time; the value is the second box's reading."""
    lines = [box("住院号：2", 359, 459, conf=0.84), box("ZY26862725", 442, 587)]
    hit = value_for(lines, ["住院号"])
    assert hit is not None and hit.text == "ZY26862725"


def test_short_value_on_its_labels_line_stays_when_nothing_overlaps_it() -> None:
    lines = [box("住院天数：6", 1437, 1571), box("医保类型：职工", 1600, 1800)]
    hit = value_for(lines, ["住院天数"], stops=["医保类型"])
    assert hit is not None and hit.text == "6"
    # a box over the end that is the next label is not the value
    lines = [box("性别：男", 100, 200), box("民族汉", 190, 300)]
    hit = value_for(lines, ["性别"], stops=["民族"])
    assert hit is not None and hit.text == "男"
