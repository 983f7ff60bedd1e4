"""Synthetic people: names, Fujian addresses and GB 11643-1999 citizen ID numbers."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, replace

from extractors.normalize.idnumber import check_digit

# (area code, county/district name, city prefix, 公安局 name as printed on the card back)
AREAS: tuple[tuple[str, str, str], ...] = (
    ("350102", "福州市鼓楼区", "福州市公安局鼓楼分局"),
    ("350103", "福州市台江区", "福州市公安局台江分局"),
    ("350104", "福州市仓山区", "福州市公安局仓山分局"),
    ("350121", "福州市闽侯县", "闽侯县公安局"),
    ("350203", "厦门市思明区", "厦门市公安局思明分局"),
    ("350206", "厦门市湖里区", "厦门市公安局湖里分局"),
    ("350302", "莆田市城厢区", "莆田市公安局城厢分局"),
    ("350402", "三明市梅列区", "三明市公安局梅列分局"),
    ("350421", "三明市明溪县", "明溪县公安局"),
    ("350424", "三明市宁化县", "宁化县公安局"),
    ("350503", "泉州市丰泽区", "泉州市公安局丰泽分局"),
    ("350582", "泉州市晋江市", "晋江市公安局"),
    ("350602", "漳州市芗城区", "漳州市公安局芗城分局"),
    ("350702", "南平市延平区", "南平市公安局延平分局"),
    ("350802", "龙岩市新罗区", "龙岩市公安局新罗分局"),
    ("350902", "宁德市蕉城区", "宁德市公安局蕉城分局"),
)
MINGXI = AREAS[8]

SURNAMES = "陈林黄张吴王李郑刘杨蔡许谢郭洪邱曾廖赖周徐苏叶庄吕江何罗高潘朱钟施游詹胡沈余彭连卢傅魏"
GIVEN_MALE = (
    "志明",
    "建华",
    "伟",
    "俊杰",
    "文斌",
    "宇航",
    "思远",
    "家豪",
    "金水",
    "国强",
    "永福",
    "明辉",
    "振华",
    "宏伟",
    "少华",
    "荣华",
    "建新",
    "锦程",
    "凯文",
    "德明",
    "天佑",
    "子轩",
    "炳坤",
    "瑞祥",
    "清泉",
    "立新",
    "晓东",
    "鸿飞",
    "文杰",
    "昌盛",
)
GIVEN_FEMALE = (
    "丽华",
    "秀英",
    "美玲",
    "芳",
    "丽娟",
    "婷婷",
    "晓燕",
    "雅琴",
    "梓涵",
    "欣怡",
    "淑贞",
    "春花",
    "惠珍",
    "秋菊",
    "晨曦",
    "诗涵",
    "海燕",
    "碧霞",
    "丽清",
    "淑芬",
    "雪梅",
    "佳怡",
    "嘉欣",
    "桂香",
    "若曦",
    "玉兰",
    "慧敏",
    "月娥",
    "素琴",
    "燕萍",
)
ETHNICITIES = ("汉",) * 18 + ("畲", "回")
ROADS = (
    "五四路",
    "湖东路",
    "杨桥中路",
    "工业路",
    "六一北路",
    "东街",
    "中山路",
    "解放路",
    "胜利街",
    "建设路",
    "民主路",
    "人民路",
    "府前路",
    "滨江路",
    "新华路",
    "双拥路",
    "团结路",
    "文化路",
)
VILLAGES = ("城关乡", "雪峰镇", "瀚仙镇", "胡坊镇", "夏阳乡", "沙溪乡", "盖洋镇", "枫溪乡")


def add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def corrupt_check_digit(number: str) -> str:
    """The same number with a wrong check character."""
    right = number[17]
    for c in "0123456789X":
        if c != right:
            return number[:17] + c
    raise AssertionError("unreachable")


@dataclass(frozen=True)
class Person:
    name: str
    sex: str  # 男 / 女
    ethnicity: str
    birth_date: dt.date
    area_code: str
    area_name: str
    address: str
    id_number: str
    issuing_authority: str
    valid_from: dt.date
    valid_until: dt.date | None  # None: 长期
    phone: str

    def age_on(self, day: dt.date) -> int:
        b = self.birth_date
        return day.year - b.year - ((day.month, day.day) < (b.month, b.day))

    def with_changes(self, **changes: object) -> Person:
        return replace(self, **changes)  # type: ignore[arg-type]


def make_id_number(rng: random.Random, area: str, birth: dt.date, female: bool) -> str:
    seq = rng.randrange(0, 500) * 2 + (0 if female else 1)
    first17 = f"{area}{birth:%Y%m%d}{seq:03d}"
    return first17 + check_digit(first17)


def _address(rng: random.Random, area_name: str) -> str:
    if area_name.endswith("县"):
        village = rng.choice(VILLAGES)
        return f"福建省{area_name}{village}{rng.choice('东南西北上下')}坑村{rng.randint(1, 89)}号"
    road = rng.choice(ROADS)
    return (
        f"福建省{area_name}{road}{rng.randint(1, 399)}号"
        f"{rng.choice(('', '', '', f'{rng.randint(1, 30)}栋'))}"
        f"{rng.randint(1, 28)}0{rng.randint(1, 6)}室"
    )


def make_person(
    rng: random.Random,
    *,
    female: bool | None = None,
    age_range: tuple[int, int] = (22, 75),
    on: dt.date = dt.date(2026, 3, 1),
    area: tuple[str, str, str] | None = None,
) -> Person:
    female = rng.random() < 0.5 if female is None else female
    code, area_name, authority = area or rng.choice(AREAS)
    age = rng.randint(*age_range)
    birth = add_years(on, -age) - dt.timedelta(days=rng.randint(1, 360))
    name = rng.choice(SURNAMES) + rng.choice(GIVEN_FEMALE if female else GIVEN_MALE)
    # Cards issued for 10 years (age 16-25), 20 years (26-45) or 长期 (46+).
    issued_age = rng.randint(max(16, age - 18), max(16, age - 1))
    valid_from = add_years(birth, issued_age) + dt.timedelta(days=rng.randint(0, 300))
    if valid_from >= on:
        valid_from = on - dt.timedelta(days=rng.randint(200, 1500))
    issue_age = valid_from.year - birth.year
    years = 10 if issue_age < 26 else 20 if issue_age < 46 else None
    valid_until = None if years is None else add_years(valid_from, years)
    if valid_until is not None and valid_until <= on:
        # Renewed: the card in hand is the new one.
        valid_from = valid_until
        valid_until = add_years(valid_from, years or 10)
    return Person(
        name=name,
        sex="女" if female else "男",
        ethnicity=rng.choice(ETHNICITIES),
        birth_date=birth,
        area_code=code,
        area_name=area_name,
        address=_address(rng, area_name),
        id_number=make_id_number(rng, code, birth, female),
        issuing_authority=authority,
        valid_from=valid_from,
        valid_until=valid_until,
        phone=f"1{rng.choice('35789')}{rng.randint(0, 9)}{rng.randint(10000000, 99999999)}",
    )
