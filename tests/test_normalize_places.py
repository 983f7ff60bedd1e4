"""Place names read with a look-alike character, put right against the divisions list."""

from __future__ import annotations

import pytest

from extractors.normalize.places import mend_address, mend_issuer


@pytest.mark.parametrize(
    ("read", "meant"),
    [
        ("漳州市公安局梦城分局", "漳州市公安局芗城分局"),  # a district one character off
        ("漳州市公安局萝城分局", "漳州市公安局芗城分局"),
        ("二明市公安局梯列分局", "三明市公安局梅列分局"),  # city and district
        ("平市公安局动平分局", "南平市公安局延平分局"),  # the city's head lost
        ("州市公安局丰泽分局", "泉州市公安局丰泽分局"),  # 福州/泉州/漳州: 丰泽 is 泉州's
        ("明漠县公安局", "明溪县公安局"),
    ],
)
def test_issuer_mended(read: str, meant: str) -> None:
    assert mend_issuer(read) == meant


@pytest.mark.parametrize(
    "text",
    [
        "厦门市公安局思明分局",  # right as read
        "深圳市公安局南山分局",  # outside Fujian, right as read
        "州市公安局梦城分局",  # head lost and district wrong: too far to say
        "福州市公安局高新分局",  # not a county's name: left alone
        "某某单位",
    ],
)
def test_issuer_left_alone(text: str) -> None:
    assert mend_issuer(text) == text


def test_address_mended_level_by_level() -> None:
    assert mend_address("福建省漳州市梦城区民主路93号906室") == "福建省漳州市芗城区民主路93号906室"
    assert mend_address("项建省南平市矿平区文化359号") == "福建省南平市延平区文化359号"
    # the street is not a division: never touched
    assert mend_address("福建省三明市梅列区区经路235号") == "福建省三明市梅列区区经路235号"
    assert mend_address("广东省深圳市南山区粤海街道") == "广东省深圳市南山区粤海街道"
    # a district name that fits two districts of the city equally stays as read
    assert mend_address("福建省福州市闽江县") == "福建省福州市闽江县"  # 闽侯, 闽清, 连江
