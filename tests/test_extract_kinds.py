"""Extractors on pages built from OcrLine lists (fast; no OCR)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from extractors import extract
from extractors.kinds.common import id_value, money_value
from models.documents import BBox, Document, OcrLine, Page, PageRef
from models.kinds import DocumentKind as K

H = 30.0


def line(text: str, x: float, y: float, conf: float = 0.99, h: float = H) -> OcrLine:
    w = max(len(text), 1) * h * 0.9
    return OcrLine(
        text=text, polygon=[(x, y), (x + w, y), (x + w, y + h), (x, y + h)], confidence=conf
    )


def page(
    number: int,
    lines: list[OcrLine],
    *,
    w: int = 1654,
    h: int = 2339,
    qr: list[str] | None = None,
    seals: list[BBox] | None = None,
) -> Page:
    return Page(
        ref=PageRef(file_sha256="0" * 64, index=number - 1),
        number=number,
        width=w,
        height=h,
        source="ocr",
        lines=lines,
        qr_payloads=qr or [],
        seals=seals or [],
    )


def only(docs: list[Document], kind: K) -> Document:
    found = [d for d in docs if d.kind == kind]
    assert len(found) == 1, [(d.kind, d.pages) for d in docs]
    return found[0]


# ------------------------------------------------------------------ ID card

FRONT = [
    line("姓名", 400, 226),
    line("张桂香", 470, 222),
    line("性别", 400, 268),
    line("女", 470, 268),
    line("民族汉", 530, 268),
    line("出生", 400, 306),
    line("1974年8月10日", 470, 306),
    line("住址", 400, 347),
    line("福建省泉州市晋江市六一", 470, 347),
    line("北路233号24栋406室", 470, 380),
    line("公民身份号码", 400, 451),
    line("350582197408103964", 640, 451),
]
BACK = [
    line("中华人民共和国", 540, 640),
    line("居民身份证", 540, 700, h=45),
    line("签发机关", 460, 818),
    line("晋江市公安局", 590, 818),
    line("有效期限", 460, 857),
    line("2022.03.05-长期", 590, 857),
]


def test_id_card_front_and_back_on_one_page() -> None:
    docs = extract([page(1, FRONT + BACK, w=1240, h=1754)])
    d = only(docs, K.ID_CARD)
    assert d.pages == [1]
    assert d.value("name") == "张桂香"
    assert d.value("sex") == "女"
    assert d.value("ethnicity") == "汉"
    assert d.value("birth_date") == dt.date(1974, 8, 10)
    assert d.value("address") == "福建省泉州市晋江市六一北路233号24栋406室"
    assert d.value("id_number") == "350582197408103964"
    assert d.value("issuing_authority") == "晋江市公安局"
    assert d.value("valid_from") == dt.date(2022, 3, 5)
    assert d.value("valid_until") == "长期"
    f = d.fields["id_number"]
    assert f.page == 1 and f.bbox is not None and f.raw


def test_id_card_front_and_back_as_two_pages_is_one_document() -> None:
    docs = extract([page(1, FRONT, w=1000, h=630), page(2, BACK, w=1000, h=630)])
    d = only(docs, K.ID_CARD)
    assert d.pages == [1, 2]
    assert d.value("issuing_authority") == "晋江市公安局"
    assert d.value("name") == "张桂香"


def test_id_card_low_confidence_number_is_unreadable_not_guessed() -> None:
    lines = [
        ln if "350582" not in ln.text else line("350582197408103964", 640, 451, conf=0.55)
        for ln in FRONT
    ]
    d = only(extract([page(1, lines + BACK)]), K.ID_CARD)
    f = d.fields["id_number"]
    assert f.readable is False and f.value is None
    assert "350582" in f.raw
    assert d.value("id_number") is None


def test_id_card_invalid_number_read_unsurely_is_unreadable() -> None:
    """A number failing its GB 11643 check digit read at 0.91 is likelier misread than printed
    wrong: unreadable. Read clearly, it stands (for ID_NUMBER_INVALID)."""
    bad = "350582197408103965"
    unsure = [ln if "350582" not in ln.text else line(bad, 640, 451, conf=0.91) for ln in FRONT]
    f = _card(unsure).fields["id_number"]
    assert not f.readable and f.raw == bad
    sure = [ln if "350582" not in ln.text else line(bad, 640, 451, conf=0.99) for ln in FRONT]
    assert _card(sure).value("id_number") == bad


def test_id_card_number_with_a_digit_read_as_a_letter_and_no_label() -> None:
    """A dark photocopy: only the number was read, a 6 as G. Put right because the
    check digit then holds; a G that leaves the check digit failing is not a number."""
    card = [line("3505821974081039G4", 640, 451, conf=0.97), *BACK]
    d = only(extract([page(1, card)]), K.ID_CARD)
    assert d.value("id_number") == "350582197408103964"
    assert d.value("birth_date") == dt.date(1974, 8, 10) and d.value("sex") == "女"
    assert d.fields["id_number"].confidence < 0.97  # a fixed reading is less sure
    wrong = [line("3505821974081039G5", 640, 451, conf=0.97), *BACK]
    assert only(extract([page(1, wrong)]), K.ID_CARD).value("id_number") is None


def test_id_card_name_not_read_is_never_a_misread_label() -> None:
    """The name lost in a dark photocopy: 住址 misread as 住域 must not become the name."""
    lines = [ln for ln in FRONT if ln.text != "张桂香"]
    lines = [line("住域", 400, 347) if ln.text == "住址" else ln for ln in lines]
    d = only(extract([page(1, lines + BACK, w=1240, h=1754)]), K.ID_CARD)
    assert d.value("name") is None
    # with its label unread too, the topmost short line right of the labels is the name
    faint = [ln for ln in FRONT if ln.text not in ("姓名", "住址")]
    d = only(extract([page(1, faint + BACK, w=1240, h=1754)]), K.ID_CARD)
    assert d.value("name") == "张桂香"
    # nor is the 性别/民族 row read without its labels (男民汉), even when it comes first
    nameless = [ln for ln in faint if ln.text != "张桂香"] + [line("男民汉", 470, 200)]
    d = only(extract([page(1, nameless + BACK, w=1240, h=1754)]), K.ID_CARD)
    assert d.value("name") is None


def _card(front: list[OcrLine], back: list[OcrLine] = BACK) -> Document:
    return only(extract([page(1, front + back, w=1065, h=1503)]), K.ID_CARD)


def test_id_card_name_with_a_box_glyph_read_before_it() -> None:
    """A checkbox or dash OCR reads into the name line (姓名☑刘丽华) is not part of the name."""
    lines = [line("姓名☑张桂香", 400, 226) if ln.text == "姓名" else ln for ln in FRONT]
    lines = [ln for ln in lines if ln.text != "张桂香"]
    assert _card(lines).value("name") == "张桂香"
    # the label lost too: -张桂香 is the topmost short line
    lines = [line("-张桂香", 470, 222) if ln.text == "张桂香" else ln for ln in FRONT]
    lines = [ln for ln in lines if ln.text != "姓名"]
    assert _card(lines).value("name") == "张桂香"


def test_id_card_name_with_what_was_read_of_its_label() -> None:
    """姓 lost and 名 glued to the name (1名张桂香): the name is 张桂香, not 名张桂香."""
    lines = [ln for ln in FRONT if ln.text not in ("姓名", "张桂香")]
    lines.append(line("1名张桂香", 400, 224, conf=0.55))
    assert _card(lines).value("name") == "张桂香"


def test_id_card_name_with_its_label_misread_as_a_character_and_a_mark() -> None:
    """姓名 read as 注8 or as 姓各 on a dark copy: the label's remnant is not part of the name;
    a name's middle dot is no such mark."""
    base = [ln for ln in FRONT if ln.text not in ("姓名", "张桂香")]
    for read in ("注8张桂香", "生8 张桂香", "姓各张桂香", "外名张桂香"):
        assert _card([*base, line(read, 400, 224, conf=0.8)]).value("name") == "张桂香", read
    assert _card([*base, line("买·买提", 470, 224, conf=0.8)]).value("name") != "买提"


def test_id_card_label_misread_as_two_characters_is_never_the_name() -> None:
    """The name lost on a dark copy: 住址 read 在加 with the address right of it on its row, or
    姓名 read 批剂 alone in the labels' column (where 公民身份号码 starts), is no name."""
    nameless = [ln for ln in FRONT if ln.text not in ("姓名", "张桂香", "住址")]
    d = _card([*nameless, line("在加", 400, 347)])
    assert d.value("name") is None
    d = _card([*nameless, line("批剂", 401, 224)])
    assert d.value("name") is None
    # nor is the address's second line read alone (…下坑村18号 → 多村号)
    d = _card([*nameless, line("多村号", 470, 224)])
    assert d.value("name") is None
    # the name itself, in the values' column with nothing after it, is still found, less
    # sure than a labelled one: found by its place alone
    f = _card([*nameless, line("王芳", 470, 224)]).fields["name"]
    assert f.value == "王芳" and f.confidence == pytest.approx(0.99 * 0.8)


def test_id_card_number_read_as_two_boxes() -> None:
    """The detector split the number (350582 | 197408103964): the boxes on the label's row
    are joined; boxes that do not make 18 characters are not."""
    lines = [ln for ln in FRONT if ln.text != "350582197408103964"]
    split = [*lines, line("350582", 640, 451), line("197408103964", 760, 451)]
    assert _card(split).value("id_number") == "350582197408103964"
    overlapping = [*lines, line("3505821", 640, 451), line("197408103964", 760, 451)]
    assert _card(overlapping).value("id_number") == "350582197408103964"
    short = [*lines, line("350582", 640, 451), line("1974081039", 760, 451)]
    assert _card(short).value("id_number") is None


def test_id_card_address_read_with_its_label_continues_on_the_next_line() -> None:
    """住址 read together with the first address line: the second line starts under the value,
    left of where the label line ends, and still belongs to the address."""
    lines = [ln for ln in FRONT if ln.text not in ("住址", "福建省泉州市晋江市六一")]
    lines.append(line("住址福建省泉州市晋江市六一", 400, 347))
    d = _card(lines)
    assert d.value("address") == "福建省泉州市晋江市六一北路233号24栋406室"


def test_id_card_address_stops_at_the_id_number_row_even_with_its_label_misread() -> None:
    lines = [line("公民身册号网", 400, 451) if ln.text == "公民身份号码" else ln for ln in FRONT]
    # the number read on the row just below the address, left in the value column
    lines = [
        line("350582197408103964", 470, 420) if ln.text.startswith("3505") else ln for ln in lines
    ]
    d = _card(lines)
    assert d.value("address") == "福建省泉州市晋江市六一北路233号24栋406室"
    assert d.value("id_number") == "350582197408103964"


def test_id_card_address_without_its_label() -> None:
    """The 住址 label lost: the address is the line opening with the province and the lines
    below it down to the ID number."""
    lines = [ln for ln in FRONT if ln.text not in ("住址", "出生")]
    lines = [line("E zr HOr 5 1974", 470, 306) if "1974年" in ln.text else ln for ln in lines]
    d = _card(lines)
    assert d.value("address") == "福建省泉州市晋江市六一北路233号24栋406室"


def test_id_card_ethnicity_is_one_of_the_56_in_its_simplified_form() -> None:
    lines = [line("民族漢", 530, 268) if ln.text == "民族汉" else ln for ln in FRONT]
    assert _card(lines).value("ethnicity") == "汉"
    lines = [line("民族X", 530, 268) if ln.text == "民族汉" else ln for ln in FRONT]
    f = _card(lines).fields["ethnicity"]
    assert f.readable is False and f.value is None


def test_id_card_sex_and_ethnicity_row_read_without_labels() -> None:
    lines = [ln for ln in FRONT if ln.text not in ("性别", "女", "民族汉")]
    lines.append(line("女民故汉", 470, 268, conf=0.71))
    d = _card(lines)
    assert d.value("sex") == "女"
    assert d.value("ethnicity") == "汉"
    assert d.value("name") == "张桂香"


def test_id_card_sex_and_ethnicity_row_with_both_labels_misread() -> None:
    """The dark row of a photocopied card: head label and 民族 both misread (杜别女民质汉,
    七领女长发汉), or the sex lost too (口们另民成汉: the nationality alone)."""
    base = [ln for ln in FRONT if ln.text not in ("性别", "女", "民族汉")]
    for row, sex in (("杜别女民质汉", "女"), ("七领女长发汉", "女"), ("口们另民成汉", None)):
        d = _card([*base, line(row, 400, 268, conf=0.57)])
        assert d.value("ethnicity") == "汉", row
        if sex is not None:
            assert d.value("sex") == sex, row
        else:  # not read from the row: the valid ID number's 17th digit gives it
            assert d.fields["sex"].raw == "" and d.value("sex") == "女"


def _back(issuer: list[OcrLine], validity: list[OcrLine]) -> list[OcrLine]:
    return [
        line("中华人民共和国", 540, 640),
        line("居民身份证", 540, 700, h=45),
        *issuer,
        *validity,
    ]


def test_id_card_validity_with_its_label_misread() -> None:
    issuer = [line("签发机关晋江市公安局", 460, 818)]
    for validity in (
        [line("有效限2020.04.29-2030.04.29", 460, 857)],  # a character lost
        [line("有效期品", 460, 857, conf=0.63), line("2020.04.29-2030.04.29", 590, 857)],
        [line("89k=20200429.2030.04.29", 460, 857, conf=0.85)],  # the label unreadable
        [line("行效期限2020.04.29=2030.04.29", 460, 857)],
    ):
        d = _card(FRONT, _back(issuer, validity))
        assert d.value("valid_from") == dt.date(2020, 4, 29), validity
        assert d.value("valid_until") == dt.date(2030, 4, 29), validity
    d = _card(FRONT, _back(issuer, [line("有期段2010.12:19.长期", 460, 857, conf=0.9)]))
    assert d.value("valid_from") == dt.date(2010, 12, 19)
    assert d.value("valid_until") == "长期"


def test_id_card_validity_not_5_10_or_20_years_is_unreadable() -> None:
    """A card is valid 5, 10 or 20 years to the day: 2017.11.26-2027.11.28 was misread."""
    issuer = [line("签发机关晋江市公安局", 460, 818)]
    d = _card(FRONT, _back(issuer, [line("WHpw2017.11.26-202711 28", 460, 857, conf=0.82)]))
    for name in ("valid_from", "valid_until"):
        f = d.fields[name]
        assert f.readable is False and f.value is None and "2017" in f.raw


def test_id_card_validity_start_misread_beyond_a_date_is_the_end_less_its_term() -> None:
    """`59mm7015 06242035.06.24`: the start's year 7015 is no date, one digit away from
    2035 - 20 = 2015 to the day (and from no other term): 2015.06.24. Two digits away it
    stays unreadable; so does a start that is a date of its own (the test above)."""
    issuer = [line("签发机关晋江市公安局", 460, 818)]
    d = _card(FRONT, _back(issuer, [line("59mm7015 06242035.06.24", 460, 857, conf=0.79)]))
    assert d.value("valid_from") == dt.date(2015, 6, 24)
    assert d.value("valid_until") == dt.date(2035, 6, 24)
    assert d.fields["valid_from"].confidence <= 0.9
    for unsure in ("59mm7715 06242035.06.24", "有效期限7015 06252035.06.24"):
        d = _card(FRONT, _back(issuer, [line(unsure, 460, 857, conf=0.79)]))
        assert d.value("valid_from") is None, unsure


def test_id_card_issuing_authority_with_its_label_misread_or_lost() -> None:
    validity = [line("有效期限2022.03.05-长期", 460, 857)]
    for issuer in (
        [line("发机关", 480, 818), line("晋江市公安局", 590, 818)],
        [line("益发机关晋江市公安局", 460, 818)],
        [line("晋江市公安局", 590, 818)],
        [line("否支机果晋江市公安局", 460, 818, conf=0.82)],
        [line("发私关晋江市公安局", 470, 818, conf=0.82)],  # 签 lost, 机 misread, 关 kept
    ):
        d = _card(FRONT, _back(issuer, validity))
        assert d.value("issuing_authority") == "晋江市公安局", issuer
    d = _card(FRONT, _back([line("签发机关明溪且公安局", 460, 818)], validity))
    assert d.value("issuing_authority") == "明溪县公安局"


def test_two_whole_cards_of_two_people_are_two_documents() -> None:
    """Each page shows a whole card (front and back): two cards, even when the second's labels
    were poorly read, never one card made of both."""
    other_front = [
        line("苏洁泉", 470, 222, conf=0.87),
        line("出生 1974 牛 4 月 29 日", 400, 306, conf=0.86),
        line("江建省泉圳市丰泽区洪江", 470, 347, conf=0.77),
        line("路259号1905室", 470, 380),
        line("公民版号9", 400, 451, conf=0.68),
        line("35050319740429805X", 640, 451),
    ]
    other_back = [
        line("中华人民共和国", 540, 640),
        line("居民身份证", 540, 700, h=45),
        line("签发机关", 460, 818),
        line("泉州市公安局丰泽分局", 590, 818),
        line("效限2014.11.26-2034.11.26", 460, 857),
    ]
    docs = extract([page(1, FRONT + BACK), page(2, other_front + other_back)])
    cards = [d for d in docs if d.kind == K.ID_CARD]
    assert [d.pages for d in cards] == [[1], [2]]
    assert cards[0].value("id_number") == "350582197408103964"
    assert cards[1].value("id_number") == "35050319740429805X"
    assert cards[1].value("issuing_authority") == "泉州市公安局丰泽分局"
    assert cards[1].value("valid_until") == dt.date(2034, 11, 26)


def test_id_card_number_failing_its_check_and_the_birth_date_is_unreadable() -> None:
    """One digit misread in the birth part: the check digit fails and the number disagrees
    with the printed birth date. A number printed with a wrong check digit alone stays read
    (the verifier reports it invalid)."""
    misread = [
        line("350582197408183964", 640, 451) if ln.text.startswith("3505") else ln for ln in FRONT
    ]
    f = _card(misread).fields["id_number"]
    assert f.readable is False and f.value is None and f.raw == "350582197408183964"
    printed_wrong = [
        line("350582197408103965", 640, 451) if ln.text.startswith("3505") else ln for ln in FRONT
    ]
    assert _card(printed_wrong).value("id_number") == "350582197408103965"


def test_vertical_text_page_is_turned_back() -> None:
    """A page uprighted a quarter turn too far (text runs vertically) still reads."""
    upright = page(1, FRONT + BACK, w=1240, h=1754)
    width = upright.width
    turned = []
    for ln in upright.lines:
        b = ln.bbox
        # inverse of (u, v) = (y, width - x): x = width - v, y = u
        x0, x1 = width - b.y1, width - b.y0
        y0, y1 = b.x0, b.x1
        turned.append(
            OcrLine(text=ln.text, polygon=[(x0, y0), (x1, y0), (x1, y1), (x0, y1)], confidence=0.99)
        )
    docs = extract([page(1, turned, w=1754, h=1240)])
    d = only(docs, K.ID_CARD)
    assert d.value("id_number") == "350582197408103964"
    assert d.value("issuing_authority") == "晋江市公安局"


# ------------------------------------------------------------------ invoice

INVOICE = [
    line("财政部监制", 784, 143),
    line("福建省医疗门诊收费票据", 574, 194, h=50),
    line("票据代码：35030221", 99, 279),
    line("票据号码：0089498008", 1171, 280),
    line("交款人：张桂香", 93, 381),
    line("开票日期:2026年02月16日", 1159, 384),
    line("门诊号:MZ26193745", 95, 438),
    line("医疗机构类型：", 883, 438),
    line("综合医院", 1100, 442),
    line("项目名称", 192, 496),
    line("金额（元）", 433, 495),
    line("项目名称", 940, 496),
    line("金额（元）", 1181, 495),
    line("诊察费", 101, 545),
    line("10.00", 509, 547),
    line("西药费", 940, 545),
    line("36.80", 1200, 547),
    line("金额合计（大写）", 98, 768),
    line("肆拾陆元捌角整", 560, 772),
    line("(小写)", 1106, 767),
    line("¥46.80", 1290, 771),
    line("医保统筹基金支付：", 101, 825),
    line("0.00", 501, 831),
    line("其他支付：", 595, 822),
    line("0.00", 1000, 829),
    line("个人账户支付：", 1094, 821),
    line("6.80", 1484, 831),
    line("个人现金支付：", 97, 878),
    line("40.00", 489, 886),
    line("个人自付：", 613, 875),
    line("0.00", 1000, 885),
    line("个人自费:", 1092, 875),
    line("0.00", 1498, 885),
    line("收款单位（章）：", 96, 957),
    line("莆田市壶山人民医院", 560, 959),
]


def test_invoice_fields() -> None:
    d = only(extract([page(1, INVOICE, h=1200)]), K.MEDICAL_INVOICE)
    assert d.value("invoice_type") == "outpatient"
    assert d.value("electronic") is False
    assert d.value("invoice_code") == "35030221"
    assert d.value("invoice_number") == "0089498008"
    assert d.value("payer") == "张桂香"
    assert d.value("issue_date") == dt.date(2026, 2, 16)
    assert d.value("outpatient_number") == "MZ26193745"
    assert d.value("institution_type") == "综合医院"
    assert d.value("category_amounts") == {"诊察费": Decimal("10.00"), "西药费": Decimal("36.80")}
    assert d.value("total_words") == "肆拾陆元捌角整"
    assert d.value("total") == Decimal("46.80")
    assert d.value("account_payment") == Decimal("6.80")
    assert d.value("cash_payment") == Decimal("40.00")
    assert d.value("payee") == "莆田市壶山人民医院"


def _swap(lines: list[OcrLine], x: float, y: float, new: OcrLine | None) -> list[OcrLine]:
    """The fixture with the line at (x, y) replaced (or removed)."""
    at = [i for i, ln in enumerate(lines) if ln.polygon[0] == (x, y)]
    assert len(at) == 1, (x, y)
    out = list(lines)
    if new is None:
        del out[at[0]]
    else:
        out[at[0]] = new
    return out


def _invoice(lines: list[OcrLine]) -> Document:
    return only(extract([page(1, lines, h=1200)]), K.MEDICAL_INVOICE)


def test_invoice_low_confidence_amount_is_unreadable() -> None:
    """40.00 read with little confidence, and the breakdown cannot confirm it (the 个人账户
    figures were not read): unreadable, never guessed."""
    lines = _swap(INVOICE, 489, 886, line("40.00", 489, 886, conf=0.5))
    lines = _swap(lines, 1484, 831, None)
    d = _invoice(lines)
    f = d.fields["cash_payment"]
    assert not f.readable and f.value is None and f.raw == "40.00"
    assert not d.fields["account_payment"].readable


def test_invoice_low_confidence_amount_confirmed_by_the_breakdown() -> None:
    """The same poorly read 40.00 is what 合计 (confirmed by its 大写) less the other payments
    leaves: the figures read and the arithmetic agree, so the amount is readable."""
    d = _invoice(_swap(INVOICE, 489, 886, line("40.00", 489, 886, conf=0.5)))
    f = d.fields["cash_payment"]
    assert f.readable and f.value == Decimal("40.00") and f.raw == "40.00"


def test_invoice_total_figure_found_by_its_currency_sign_when_the_label_is_lost() -> None:
    """（小写） not read at all: the ¥ figure on the 金额合计 row is the total, with its box."""
    d = _invoice(_swap(INVOICE, 1106, 767, None))
    f = d.fields["total"]
    assert f.readable and f.value == Decimal("46.80") and f.raw == "¥46.80"
    assert f.bbox is not None and f.bbox.x0 >= 1290


def test_invoice_total_figure_covered_is_unreadable_though_the_words_give_the_sum() -> None:
    """（小写） read and nothing beside it (an ink blot): the 大写 and the categories agree on
    46.80, but the printed figure itself could not be read, so it goes to a reviewer; the
    evidence points at the label."""
    d = _invoice(_swap(INVOICE, 1290, 771, None))
    f = d.fields["total"]
    assert not f.readable and f.value is None and f.raw == "(小写)"
    assert d.value("total_words") == "肆拾陆元捌角整"


def test_invoice_payment_cell_never_takes_the_next_cells_figures() -> None:
    """个人现金支付 whose figures were not read (under the seal), next to a label read without
    its first character (人自付:) and that cell's 0.00: the cash payment is unreadable, not
    0.00 — nor filled in from the other payments."""
    lines = _swap(INVOICE, 489, 886, None)
    lines = _swap(lines, 613, 875, line("人自付:", 640, 875, conf=0.91))
    d = _invoice(lines)
    f = d.fields["cash_payment"]
    assert not f.readable and f.value is None
    assert d.value("self_pay") == Decimal("0.00")


def test_invoice_payment_cells_pass_over_seal_characters() -> None:
    """Seal characters between a label and its figures (县城关, a tall box) are not a label:
    the figures after them are the value."""
    lines = _swap(INVOICE, 489, 886, line("40.00", 489, 886))
    lines.append(line("县城关", 300, 860, h=90))
    d = _invoice(lines)
    assert d.value("cash_payment") == Decimal("40.00")


def test_e_invoice_text_layer_cells_share_lines() -> None:
    """E-invoice text layers join a cell's figures with the next label: 0.00 其他支付："""
    pay = {
        "医保统筹基金支付：",
        "其他支付：",
        "个人账户支付：",
        "个人现金支付：",
        "个人自付：",
        "个人自费:",
    }
    lines = [
        ln
        for ln in INVOICE
        if ln.text not in pay and not (ln.polygon[0][1] > 800 and ln.polygon[0][1] < 900)
    ]
    lines += [
        line("医保统筹基金支付：", 91, 825),
        line("0.00 其他支付：", 505, 825),
        line("0.00 个人账户支付：", 1004, 825),
        line("6.80", 1503, 825),
        line("个人现金支付：", 91, 880),
        line("40.00 个人自付：", 477, 880),
        line("0.00 个人自费：", 1004, 880),
        line("0.00", 1503, 880),
    ]
    d = _invoice(lines)
    assert d.value("fund_payment") == Decimal("0.00")
    assert d.value("other_payment") == Decimal("0.00")
    assert d.value("account_payment") == Decimal("6.80")
    assert d.value("cash_payment") == Decimal("40.00")
    assert d.value("self_pay") == Decimal("0.00")
    assert d.value("self_expense") == Decimal("0.00")


def test_invoice_words_are_not_the_seal_text_crossing_them() -> None:
    """The seal's ring text (州市司, a tall box starting left of the 大写) is not the 大写."""
    lines = [*INVOICE, line("州市司", 540, 740, conf=0.58, h=200)]
    d = _invoice(lines)
    assert d.value("total_words") == "肆拾陆元捌角整"


def test_invoice_damaged_figures_repaired_only_when_the_breakdown_proves_them() -> None:
    """A lost decimal point (4000) or a stray digit (40.003, with 统筹 read as 00) is repaired
    when exactly one reading makes 统筹+其他+账户+现金 equal the confirmed 合计."""
    d = _invoice(_swap(INVOICE, 489, 886, line("4000", 489, 886, conf=0.97)))
    f = d.fields["cash_payment"]
    assert f.readable and f.value == Decimal("40.00") and f.raw == "4000"
    assert 0.8 <= f.confidence < 0.97  # repaired: readable, but less sure than read cleanly
    lines = _swap(INVOICE, 489, 886, line("40.003", 489, 886, conf=0.82))
    lines = _swap(lines, 501, 831, line("00", 501, 831, conf=0.63))
    d = _invoice(lines)
    assert d.value("cash_payment") == Decimal("40.00")
    assert d.value("fund_payment") == Decimal("0.00")
    lines = _swap(INVOICE, 501, 831, line("0:00", 501, 831, conf=0.88))
    assert _invoice(lines).value("fund_payment") == Decimal("0.00")


def test_invoice_damaged_figures_stay_unreadable_when_unproven() -> None:
    # digits lost (4100 is no reading of 40.00): unreadable
    d = _invoice(_swap(INVOICE, 489, 886, line("4100", 489, 886, conf=0.68)))
    assert not d.fields["cash_payment"].readable
    # two payments unknown, one without any figures read: nothing is implied
    lines = _swap(INVOICE, 489, 886, line("4000", 489, 886, conf=0.97))
    lines = _swap(lines, 501, 831, None)
    d = _invoice(lines)
    assert not d.fields["cash_payment"].readable and not d.fields["fund_payment"].readable
    # the total confirmed by neither its 大写 nor the categories proves nothing
    lines = _swap(INVOICE, 489, 886, line("4000", 489, 886, conf=0.97))
    lines = [ln for ln in lines if ln.text not in ("诊察费", "西药费", "肆拾陆元捌角整")]
    d = _invoice(lines)
    assert d.value("total") == Decimal("46.80")
    assert not d.fields["cash_payment"].readable


def test_invoice_labels_read_with_one_character_wrong() -> None:
    """开票日购 / 其驰支付 (one character misread) are still the labels they are."""
    lines = _swap(INVOICE, 1159, 384, line("开票日购：2026年02月16日", 1159, 384))
    lines = _swap(lines, 595, 822, line("其驰支付：", 595, 822, conf=0.94))
    d = _invoice(lines)
    assert d.value("issue_date") == dt.date(2026, 2, 16)
    assert d.value("other_payment") == Decimal("0.00")
    # 个人自费 is a label of its own, not 个人自付 misread
    assert d.value("self_expense") == Decimal("0.00") and d.value("self_pay") == Decimal("0.00")


def test_invoice_payee_cut_short_under_the_seal() -> None:
    """收款单位 read as 泉州市东海人民医 (院 hidden by the seal): completed, less sure."""
    lines = _swap(INVOICE, 560, 959, line("泉州市东海人民医", 300, 959))
    f = _invoice(lines).fields["payee"]
    assert f.value == "泉州市东海人民医院" and f.raw == "泉州市东海人民医" and f.confidence < 0.99


def test_e_invoice_qr_cross_check() -> None:
    lines = [ln for ln in INVOICE if "福建省医疗" not in ln.text]
    lines.append(line("医疗门诊收费票据（电子）", 574, 194, h=50))
    qr = "35030221,0089498009,0d8cf9,20260216,46.80"
    d = only(extract([page(1, lines, h=1200, qr=[qr])]), K.MEDICAL_INVOICE)
    assert d.value("electronic") is True
    assert d.value("qr_payload") == qr
    assert d.value("invoice_code") == "35030221"
    bad = d.fields["invoice_number"]  # printed 0089498008, QR 0089498009
    assert bad.readable is False and "QR" in bad.raw
    assert d.value("check_code") == "0d8cf9"  # only in the QR


def test_e_invoice_without_text_is_still_an_invoice() -> None:
    qr = "35010125,0074505875,0d8cf9,20260203,184.40"
    d = only(extract([page(1, [], w=1654, h=1102, qr=[qr])]), K.MEDICAL_INVOICE)
    assert d.value("invoice_number") == "0074505875"
    assert d.value("total") == Decimal("184.40")
    assert d.value("issue_date") == dt.date(2026, 2, 3)


# ------------------------------------------------------------------ expense list

HEAD_Y = 383


def _el_header(p: int, of: int, rows: list[tuple[str, ...]], total: str | None) -> list[OcrLine]:
    out = [
        line("莆田市壶山人民医院", 636, 116, h=45),
        line("住院费用明细清单", 713, 190, h=42),
        line("姓名：张桂香", 89, 278),
        line("住院号：ZY26193745", 822, 278),
        line("费用期间:2026-02-10至2026-02-16", 90, 325),
        line("序号", 102, HEAD_Y),
        line("项目名称", 164, HEAD_Y),
        line("规格", 628, HEAD_Y),
        line("单位", 849, HEAD_Y),
        line("数量", 972, HEAD_Y),
        line("单价", 1131, HEAD_Y),
        line("金额", 1305, HEAD_Y),
        line("医保类别", 1408, HEAD_Y),
    ]
    y = 433.0
    for r in rows:
        if r[0] == "sub":
            out += [line(f"【{r[1]}】小计", 189, y), line(r[2], 1293, y)]
        else:
            seq, name, spec, unit, qty, price, amount, cls = r
            out += [line(seq, 122, y), line(name, 177, y)]
            if spec:
                out.append(line(spec, 629, y))
            out += [
                line(unit, 862, y),
                line(qty, 1013, y),
                line(price, 1124, y),
                line(amount, 1295, y),
                line(cls, 1446, y),
            ]
        y += 45
    if total:
        out += [line("合计：3项", 89, y + 20), line(f"总计金额：{total}", 1132, y + 20)]
    out.append(line(f"第{p}页共{of}页", 741, 2231))
    return out


def test_expense_list_spanning_pages_is_one_document() -> None:
    p1 = _el_header(
        1,
        2,
        [
            ("1", "普通病房床位费", "", "床日", "2", "35.00", "70.00", "甲"),
            ("sub", "床位费", "70.00"),
            ("2", "阿莫西林胶囊", "0.25g*24粒", "盒", "2", "12.80", "25.60", "甲"),
        ],
        None,
    )
    p2 = _el_header(
        2,
        2,
        [
            ("3", "布洛芬缓释胶囊", "0.3g*20粒", "盒", "1", "11.20", "11.20", "乙"),
            ("sub", "西药费", "36.80"),
        ],
        "106.80",
    )
    docs = extract([page(1, INVOICE, h=1200), page(2, p1), page(3, p2)])
    assert [d.kind for d in docs] == [K.MEDICAL_INVOICE, K.EXPENSE_LIST]
    d = only(docs, K.EXPENSE_LIST)
    assert d.pages == [2, 3]
    assert d.value("patient_name") == "张桂香"
    assert d.value("inpatient_number") == "ZY26193745"
    assert d.value("hospital") == "莆田市壶山人民医院"
    assert d.value("period_start") == dt.date(2026, 2, 10)
    assert d.value("period_end") == dt.date(2026, 2, 16)
    items = d.value("items")
    assert isinstance(items, list) and len(items) == 3
    assert d.value("item_count") == 3  # 合计：3项, against which missed rows show
    assert items[0]["category"] == "床位费" and items[0]["amount"] == Decimal("70.00")
    assert items[1] == {
        "name": "阿莫西林胶囊",
        "spec": "0.25g*24粒",
        "unit": "盒",
        "quantity": Decimal("2"),
        "unit_price": Decimal("12.80"),
        "amount": Decimal("25.60"),
        "category": "西药费",
        "insurance_class": "甲",
        "page": 2,
    }
    assert items[2]["page"] == 3 and items[2]["insurance_class"] == "乙"
    assert d.value("subtotals") == {"床位费": Decimal("70.00"), "西药费": Decimal("36.80")}
    assert d.value("total") == Decimal("106.80")


# ------------------------------------------------------------------ clinical

DISCHARGE = [
    line("漳州市九龙江医院", 560, 120, h=50),
    line("出院小结", 700, 200, h=45),
    line("住院号：15780419", 1300, 260),
    line("姓名：游玉兰", 110, 320),
    line("性别：女", 470, 320),
    line("年龄：29岁", 700, 320),
    line("科室：呼吸内科", 1020, 320),
    line("入院日期：2026-02-17", 110, 380),
    line("出院日期：2026-02-24", 590, 380),
    line("住院天数：7天", 1100, 380),
    line("入院诊断：", 110, 460),
    line("社区获得性肺炎", 315, 460),
    line("出院诊断：", 110, 520),
    line("社区获得性肺炎（非重症）", 315, 520),
    line("诊疗经过：", 110, 580),
    line("入院后完善相关检查，予抗感染治疗，", 315, 580),
    line("准予出院。", 315, 615),
    line("出院医嘱：", 110, 680),
    line("注意休息。", 315, 680),
    line("医师签名：", 950, 800),
    line("陈美华", 1120, 795),
]


def test_discharge_summary() -> None:
    d = only(extract([page(1, DISCHARGE)]), K.DISCHARGE_SUMMARY)
    assert d.value("hospital") == "漳州市九龙江医院"
    assert d.value("patient_name") == "游玉兰"
    assert d.value("sex") == "女"
    assert d.value("age") == 29
    assert d.value("department") == "呼吸内科"
    assert d.value("inpatient_number") == "15780419"
    assert d.value("admission_date") == dt.date(2026, 2, 17)
    assert d.value("discharge_date") == dt.date(2026, 2, 24)
    assert d.value("stay_days") == 7
    assert d.value("admission_diagnosis") == "社区获得性肺炎"
    assert d.value("discharge_diagnosis") == "社区获得性肺炎(非重症)"  # NFKC
    assert d.value("treatment_course") == "入院后完善相关检查,予抗感染治疗,准予出院。"
    assert d.value("discharge_advice") == "注意休息。"
    assert d.value("physician") == "陈美华"


def test_prescription() -> None:
    lines = [
        line("莆田市壶山人民医院", 400, 80, h=45),
        line("处 方 笺", 520, 150, h=45),
        line("姓名：张桂香", 80, 260),
        line("性别：女", 400, 260),
        line("年龄：51岁", 620, 260),
        line("门诊号：MZ26193745", 80, 310),
        line("科别：呼吸内科", 620, 310),
        line("临床诊断：急性上呼吸道感染", 80, 360),
        line("日期：2026-02-16", 620, 400),
        line("Rp.", 80, 460, h=50),
        line("医师：", 80, 1400),
        line("刘振宇", 190, 1395),
    ]
    d = only(extract([page(1, lines, w=1240, h=1754)]), K.PRESCRIPTION)
    assert d.value("diagnosis") == "急性上呼吸道感染"
    assert d.value("date") == dt.date(2026, 2, 16)
    assert d.value("outpatient_number") == "MZ26193745"
    assert d.value("physician") == "刘振宇"


# ------------------------------------------------------------------ forms, bank card, other


def test_application_form_title_signature_and_seal() -> None:
    lines = [
        line("费用报销申请表", 600, 180, h=60),
        line("姓名", 150, 300),
        line("吴思远", 420, 300),
        line("身份证号码", 130, 380),
        line("350421200009189250", 420, 380),
        line("开户银行", 150, 460),
        line("兴业银行", 420, 460),
        line("银行账号", 900, 460),
        line("6229098852676007772", 1150, 460),
        line("申请人（签字）：", 900, 1650),
        line("吴思远", 1200, 1640),
        line("2026年3月4日", 900, 1740),
    ]
    seal = BBox(x0=150, y0=1600, x1=400, y1=1850)
    d = only(extract([page(1, lines, seals=[seal])]), K.APPLICATION_FORM)
    assert d.title == "费用报销申请表"
    assert d.value("form_title") == "费用报销申请表"
    assert d.value("applicant_name") == "吴思远"
    assert d.value("id_number") == "350421200009189250"
    assert d.value("bank_name") == "兴业银行"
    assert d.value("bank_account") == "6229098852676007772"
    assert d.value("date") == dt.date(2026, 3, 4)
    assert d.value("signature_present") is True
    assert d.value("seal_present") is True


def test_commitment_letter_unsigned() -> None:
    lines = [
        line("个人承诺书", 650, 180, h=60),
        line("姓名", 150, 300),
        line("赖志明", 420, 300),
        line("承诺人（签字）：", 900, 1650),
    ]
    d = only(extract([page(1, lines)]), K.COMMITMENT_LETTER)
    assert d.title == "个人承诺书"
    assert d.value("signature_present") is False
    assert d.value("seal_present") is False


def test_bank_card() -> None:
    lines = [
        line("中国银行", 40, 40),
        line("借记卡 DEBIT CARD", 40, 90),
        line("6216 6165 2760 7832 440", 50, 250),
    ]
    d = only(extract([page(1, lines, w=1000, h=630)]), K.BANK_CARD)
    assert d.value("bank_name") == "中国银行"
    assert d.value("card_number") == "6216616527607832440"


def test_application_form_applicant_is_the_named_person_not_the_insured() -> None:
    """An heir drawing a deceased parent's account: 姓名 names the applicant, 参保人姓名 the
    insured."""
    lines = [
        line("基本医疗保险个人账户一次性支取申请表", 320, 121, h=38),
        line("姓名", 147, 228),
        line("苏清泉", 270, 229),
        line("身份证号码", 118, 297),
        line("35050319740429805X", 273, 301),
        line("支取原因", 127, 426),
        line("死亡", 270, 425),
        line("参保人姓名", 650, 425),
        line("苏若曦", 803, 424),
        line("参保人身份证号", 105, 492),
        line("350602195706233104", 274, 496),
        line("申请人（签字）_", 647, 1157),
    ]
    d = only(extract([page(1, lines, w=1240, h=1754)]), K.APPLICATION_FORM)
    assert d.value("applicant_name") == "苏清泉"
    assert d.value("id_number") == "35050319740429805X"


def test_residence_permit_front_and_back() -> None:
    """The back (签发机关, 签发日期, the table of 签注) is the permit's, joined to its front; the
    issue date is 签发日期, never the holder's birth date."""
    front = [
        line("浙江省居住证", 364, 34, h=55),
        line("姓名", 46, 153, h=48),
        line("郑振华", 179, 143, h=57),
        line("性别男", 46, 223, h=50),
        line("民族汉", 347, 221, h=52),
        line("出生", 51, 300, h=41),
        line("1985年01月13日", 184, 298, h=41),
        line("居住地址", 51, 373, h=40),
        line("浙江省杭州市西湖区滨江路203号", 179, 369, h=44),
        line("公民身份号码", 55, 579, h=37),
        line("350902198501136976", 283, 568, h=50),
    ]
    back = [
        line("签发机关", 231, 89, h=43),
        line("杭州市公安局西湖区分局", 394, 90, h=38),
        line("签发日期", 233, 156, h=42),
        line("2023.12.23", 394, 158, h=36),
        line("签注记录", 439, 241, h=42),
        line("签注日期", 155, 311, h=41),
        line("有效期至", 456, 312, h=40),
        line("签注机关", 762, 311, h=42),
        line("2023.12.23", 144, 376, h=34),
        line("2024.12.22", 442, 376, h=35),
        line("文新派出所", 757, 376, h=36),
        line("本证在签注有效期内有效，持证人应按规定办理签注", 242, 586, h=29),
    ]
    docs = extract([page(1, front, w=1022, h=660), page(2, back, w=1043, h=652)])
    d = only(docs, K.RESIDENCE_PERMIT)
    assert d.pages == [1, 2]
    assert d.value("holder_name") == "郑振华"
    assert d.value("id_number") == "350902198501136976"
    assert d.value("issuer") == "杭州市公安局西湖区分局"
    assert d.value("issue_date") == dt.date(2023, 12, 23)


def test_household_register_number_label_over_two_lines_and_registration_date() -> None:
    lines = [
        line("常住人口登记卡", 511, 109, h=37),
        line("姓名", 359, 181, h=25),
        line("刘宏伟", 446, 179, h=29),
        line("户主或与户", 634, 170, h=27),
        line("主关系", 649, 190, h=25),
        line("户主", 728, 177, h=34),
        line("出生日期", 642, 317, h=25),
        line("1956年02月17日", 732, 318, h=24),
        line("公民身份证", 635, 406, h=24),
        line("350103195602175156", 731, 416, h=22),
        line("件编号", 649, 424, h=25),
        line("住址", 359, 761, h=25),
        line("广东省深圳市南山区长寿路290号", 448, 761, h=26),
        line("承办人签章:", 344, 825, h=27),
        line("登记日期：2025年02月13日", 691, 826, h=27),
    ]
    d = only(extract([page(1, lines, w=1240, h=1754)]), K.HOUSEHOLD_REGISTER)
    assert d.value("holder_name") == "刘宏伟"
    assert d.value("id_number") == "350103195602175156"
    assert d.value("issue_date") == dt.date(2025, 2, 13)


def test_birth_service_registration_issuer_under_the_seal_label() -> None:
    """登记机关意见 is a row title, not the issuer: the issuer is the body under 登记机关（盖章）;
    the date is 登记日期, not 结婚登记日期 nor a birth date."""
    lines = [
        line("福建省生育服务登记表", 432, 107, h=39),
        line("姓名", 136, 286, h=41),
        line("郭月娥", 265, 286, h=40),
        line("廖昌盛", 708, 287, h=40),
        line("出生日期", 128, 341, h=38),
        line("1999年03月24日", 268, 343, h=33),
        line("公民身份号码", 111, 450, h=31),
        line("350421199903248440", 270, 452, h=27),
        line("结婚登记日期", 110, 806, h=31),
        line("2024年02月15日", 268, 805, h=33),
        line("经审核，符合生育登记条件，予以登记。", 287, 1251, h=26),
        line("登记机关意见", 110, 1350, h=30),
        line("登记机关（盖章）", 815, 1375, h=35),
        line("明溪县夏阳乡人民政府", 816, 1420, h=33),
        line("登记日期:2025年09月25日", 819, 1468, h=27),
    ]
    d = only(extract([page(1, lines, w=1240, h=1754)]), K.BIRTH_SERVICE_REGISTRATION)
    assert d.value("holder_name") == "郭月娥"
    assert d.value("issuer") == "明溪县夏阳乡人民政府"
    assert d.value("issue_date") == dt.date(2025, 9, 25)


def test_marriage_certificate_holder_spouse_and_issuer() -> None:
    lines = [
        line("持证人郭月娥", 147, 134, h=32),
        line("登记日期2024年02月15日", 149, 194, h=30),
        line("结婚证字号 J350421-2024-000364", 148, 253, h=29),
        line("姓名廖昌盛", 145, 406, h=31),
        line("性别男", 428, 406, h=32),
        line("出生日期 1996年09月05日", 149, 455, h=27),
        line("身份证件号 350402199609054013", 550, 454, h=29),
        line("姓名郭月娥", 147, 533, h=31),
        line("性别女", 430, 533, h=32),
        line("出生日期 1999年03月24日", 149, 584, h=27),
        line("身份证件号350421199903248440", 551, 583, h=29),
        line("明溪县民政局", 784, 700, h=33),
    ]
    d = only(extract([page(1, lines, w=1240, h=1754)]), K.MARRIAGE_CERTIFICATE)
    assert d.value("holder_name") == "郭月娥"
    assert d.value("id_number") == "350421199903248440"
    assert d.value("spouse_name") == "廖昌盛"
    assert d.value("spouse_id_number") == "350402199609054013"
    assert d.value("issuer") == "明溪县民政局"
    assert d.value("issue_date") == dt.date(2024, 2, 15)


def test_supporting_document_issuer_under_the_seal_label() -> None:
    lines = [
        line("参保地工作单位派出凭证", 436, 121, h=39),
        line(
            "兹派我单位职工施佳怡（身份证号:350203196409058740)常驻上海市浦东新区工作，派驻期限",
            115,
            235,
            h=30,
        ),
        line("自2026年03月03日起两年。特此证明。", 116, 281, h=30),
        line("单位(盖章)", 114, 1157, h=31),
        line("明溪县城南食品有限公司", 114, 1228, h=30),
        line("2026年3月3日", 645, 1228, h=30),
    ]
    d = only(extract([page(1, lines, w=1240, h=1754)]), K.SUPPORTING_DOCUMENT)
    assert d.value("holder_name") == "施佳怡"
    assert d.value("id_number") == "350203196409058740"
    assert d.value("issuer") == "明溪县城南食品有限公司"
    assert d.value("issue_date") == dt.date(2026, 3, 3)


def test_unknown_page_is_other_not_a_guess() -> None:
    docs = extract([page(1, [line("天气晴朗", 100, 100), line("欢迎光临", 100, 200)])])
    assert [d.kind for d in docs] == [K.OTHER]
    assert docs[0].fields == {}


def test_mixed_pdf_becomes_three_documents() -> None:
    p1 = _el_header(1, 1, [("1", "阿莫西林胶囊", "", "盒", "1", "12.80", "12.80", "甲")], "12.80")
    docs = extract([page(1, INVOICE, h=1200), page(2, p1), page(3, DISCHARGE)])
    assert [d.kind for d in docs] == [K.MEDICAL_INVOICE, K.EXPENSE_LIST, K.DISCHARGE_SUMMARY]
    assert [d.pages for d in docs] == [[1], [2], [3]]


# ------------------------------------------------------------------ value helpers


def test_id_value_fixes_ocr_letters_and_flags_check_digit() -> None:
    assert id_value("35058219740810396X")[0] == "35058219740810396X"
    value, factor = id_value("3505821974O8103964")
    assert value == "350582197408103964" and factor < 1
    value, factor = id_value("350582197408103965")  # wrong check digit: kept, less sure
    assert value == "350582197408103965" and factor < 1
    assert id_value("no number here") == (None, 0.0)


def test_money_value() -> None:
    assert money_value("¥1,234.56") == Decimal("1234.56")
    assert money_value("90.20元") == Decimal("90.20")
    assert money_value("abc") is None


def test_expense_list_amount_survives_a_poorly_read_quantity() -> None:
    """A quantity read as 'I' with little confidence must not blank a clearly printed amount:
    the quantity is implied by amount ÷ price, and the sums stay whole."""
    rows = [
        ("1", "住院诊察费", "", "日", "1", "12.00", "12.00", "甲"),
        ("2", "住院诊察费", "", "日", "1", "12.00", "12.00", "甲"),
        ("sub", "诊察费", "24.00"),
    ]
    lines = _el_header(1, 1, rows, "24.00")
    qty = next(i for i, ln in enumerate(lines) if ln.text == "1" and ln.polygon[0][0] == 1013)
    poly = lines[qty].polygon
    lines[qty] = OcrLine(text="I", polygon=poly, confidence=0.59)
    d = only(extract([page(1, lines)]), K.EXPENSE_LIST)
    items = d.value("items")
    assert isinstance(items, list) and len(items) == 2
    assert items[0]["amount"] == Decimal("12.00") and items[0]["quantity"] == Decimal("1")
    assert d.value("total") == Decimal("24.00")


def test_maternity_hospital_heads_clinical_pages_and_lists() -> None:
    """妇幼保健院 is a hospital: the header names the issuer of a discharge summary and of an
    expense list (it was missed when only 医院/卫生院/… endings were known)."""
    head = line("泉州市刺桐妇幼保健院", 616, 118, h=44)
    discharge = [head if ln.text == "漳州市九龙江医院" else ln for ln in DISCHARGE]
    d = only(extract([page(1, discharge)]), K.DISCHARGE_SUMMARY)
    assert d.value("hospital") == "泉州市刺桐妇幼保健院"
    rows = [
        ("1", "普通门诊诊察费", "", "次", "1", "10.00", "10.00", "甲"),
        ("sub", "诊察费", "10.00"),
    ]
    listing = [head if "壶山" in ln.text else ln for ln in _el_header(1, 1, rows, "10.00")]
    d = only(extract([page(1, listing)]), K.EXPENSE_LIST)
    assert d.value("hospital") == "泉州市刺桐妇幼保健院"


def test_diagnosis_certificate_title_is_not_the_diagnosis() -> None:
    """诊断证明书 contains the label 诊断: the diagnosis is the value after 诊断:, not 证明书."""
    lines = [
        line("泉州市刺桐妇幼保健院", 463, 127, h=36),
        line("诊断证明书", 531, 185, h=40),
        line("姓名：谢淑贞", 80, 269),
        line("性别: 女", 341, 268),
        line("科别：妇科", 693, 265),
        line("门诊号：16223119", 81, 318),
        line("诊断:", 77, 373, conf=0.86),
        line("早孕人工流产术后", 235, 376),
        line("医嘱：", 79, 432),
        line("建议休息3天，门诊随诊。", 233, 430),
        line("医师：", 646, 758),
        line("许雅婷", 769, 745),
        line("2026年03月01日", 647, 816),
    ]
    d = only(extract([page(1, lines, w=1240, h=1754)]), K.DIAGNOSIS_CERTIFICATE)
    assert d.value("diagnosis") == "早孕人工流产术后"
    assert d.value("hospital") == "泉州市刺桐妇幼保健院"
    assert d.value("date") == dt.date(2026, 3, 1)


def test_expense_list_class_read_as_a_figure() -> None:
    """The 医保类别 column holds 甲/乙/丙 only: 乙 read as 2 is 乙."""
    rows = [("1", "一次性使用静脉留置针", "22G", "支", "1", "18.50", "18.50", "2")]
    d = only(extract([page(1, _el_header(1, 1, rows, "18.50"))]), K.EXPENSE_LIST)
    items = d.value("items")
    assert isinstance(items, list) and items[0]["insurance_class"] == "乙"


def test_invoice_figures_against_words_and_categories_are_unreadable() -> None:
    """¥45.80 read where the 大写 and the categories both make 46.80: the figures are not
    trusted: reported unreadable with what was read, never a confident wrong total."""
    lines = _swap(INVOICE, 1290, 771, line("¥45.80", 1290, 771))
    d = _invoice(lines)
    f = d.fields["total"]
    assert not f.readable and f.value is None and f.raw == "¥45.80" and f.confidence < 0.8


def test_signature_read_with_characters_missing_is_unreadable() -> None:
    """A signature box wide enough for three characters read as one (美 for 陈美华): the
    name read is not the name signed, so it is reported unreadable, not as 美."""
    box = [(1120.0, 790.0), (1255.0, 790.0), (1255.0, 845.0), (1120.0, 845.0)]
    lines = [
        OcrLine(text="美", polygon=box, confidence=0.97) if ln.text == "陈美华" else ln
        for ln in DISCHARGE
    ]
    d = only(extract([page(1, lines)]), K.DISCHARGE_SUMMARY)
    f = d.fields["physician"]
    assert not f.readable and f.value is None and f.raw == "美"
    # the same box holding the three characters is a name
    full = [
        OcrLine(text="陈美华", polygon=box, confidence=0.97) if ln.text == "美" else ln
        for ln in lines
    ]
    assert only(extract([page(1, full)]), K.DISCHARGE_SUMMARY).value("physician") == "陈美华"


def test_invoice_one_unsure_figure_that_breaks_the_breakdown_is_unreadable() -> None:
    """统筹 0.00 half under the seal read as 5.00 with little confidence: with it the payments
    exceed the confirmed 合计 while every other figure is clear, so it is not trusted (never a
    refusal for a fund payment nobody printed). Read clearly, a figure stands: a real
    breakdown defect is the verifier's to report."""
    d = _invoice(_swap(INVOICE, 501, 831, line("5.00", 501, 831, conf=0.87)))
    f = d.fields["fund_payment"]
    assert not f.readable and f.value is None and f.raw == "5.00"
    d = _invoice(_swap(INVOICE, 501, 831, line("10.00", 501, 831, conf=0.99)))
    assert d.value("fund_payment") == Decimal("10.00")


def test_invoice_one_tall_box_across_two_payment_rows_is_one_cells_value() -> None:
    """A box with a seal character in it (美10.00) sits on the 统筹 and the 现金 rows: it is
    the value of the row it is centred on only; the other cell was not read."""
    lines = _swap(INVOICE, 501, 831, None)
    tall = OcrLine(
        text="美10.00", polygon=[(470, 826), (580, 826), (580, 896), (470, 896)], confidence=0.96
    )
    lines = _swap(lines, 489, 886, tall)
    d = _invoice(lines)
    assert d.value("fund_payment") == Decimal("10.00")
    f = d.fields["cash_payment"]
    assert not f.readable and f.value is None


def test_invoice_tall_box_reaching_into_the_next_row_leaves_that_rows_figures() -> None:
    """The tall 美10.00 box (a seal character over the 统筹 cell) also reaches the 现金 row,
    whose own figures 40.00 were read beside it: they are the 现金 (c073: 184.28 was lost).
    The breakdown confirmed by the 大写 leaves 0.00 for 统筹, one of the readings of 10.00
    with the seal's stroke read as a leading 1."""
    tall = OcrLine(
        text="美10.00", polygon=[(380, 800), (560, 800), (560, 890), (380, 890)], confidence=0.948
    )
    d = _invoice(_swap(INVOICE, 501, 831, tall))
    assert d.value("cash_payment") == Decimal("40.00")
    f = d.fields["fund_payment"]
    assert f.value == Decimal("0.00") and f.raw == "美10.00" and f.confidence < 0.95
    # a stray leading digit is a reading only where the arithmetic asks for it
    d = _invoice(_swap(INVOICE, 489, 886, line("140.00", 489, 886, conf=0.9)))
    assert d.value("cash_payment") == Decimal("40.00")
    d = _invoice(_swap(INVOICE, 489, 886, line("150.00", 489, 886, conf=0.9)))
    assert not d.fields["cash_payment"].readable


def test_invoice_unsure_payment_not_confirmed_by_the_breakdown_is_unreadable() -> None:
    """现金 read at 0.93 while 统筹 was not read: nothing confirms it (184.28 read as 184.25
    looks the same), so it is unreadable rather than possibly wrong; read at 0.99 it stands."""
    lines = _swap(INVOICE, 501, 831, None)
    d = _invoice(_swap(lines, 489, 886, line("40.00", 489, 886, conf=0.93)))
    assert not d.fields["cash_payment"].readable
    d = _invoice(_swap(lines, 489, 886, line("40.00", 489, 886, conf=0.99)))
    assert d.value("cash_payment") == Decimal("40.00")


def test_invoice_payment_labels_and_zeros_read_damaged() -> None:
    """个人自付 read as 人付 (two characters lost), 0.00 read as 000 (its point lost: zero
    wherever the point went), 收款单位 read as 收款单立 before its (章)."""
    lines = _swap(INVOICE, 613, 875, line("人付：", 613, 875))
    lines = _swap(lines, 1000, 885, line("000", 1000, 885))
    lines = _swap(lines, 96, 957, line("收款单立（章）", 96, 957, conf=0.79))
    d = _invoice(lines)
    assert d.value("self_pay") == Decimal("0.00")
    assert d.value("payee") == "莆田市壶山人民医院"
    # 0.00 read a place off (00.0) is three zeros too
    assert _invoice(_swap(INVOICE, 1000, 885, line("00.0", 1000, 885))).value("self_pay") == 0
    # figures without their point that are not all zeros stay unreadable
    d = _invoice(_swap(INVOICE, 1000, 885, line("100", 1000, 885)))
    assert not d.fields["self_pay"].readable
    for damaged in ("10.0", "00.00.0", "0.0"):
        d = _invoice(_swap(INVOICE, 1000, 885, line(damaged, 1000, 885)))
        assert not d.fields["self_pay"].readable, damaged


def test_invoice_payment_read_in_part_is_completed_only_by_the_breakdown() -> None:
    """现金 40.00 read as 00 (its head under the seal) ends what the confirmed total leaves
    for it (46.80 - 0.00 - 0.00 - 6.80): 40.00, a little less sure. Digits that do not end
    it, or a total not confirmed, leave it unreadable."""
    d = _invoice(_swap(INVOICE, 489, 886, line("00", 489, 886)))
    f = d.fields["cash_payment"]
    assert f.value == Decimal("40.00") and f.raw == "00" and f.confidence < 0.95
    d = _invoice(_swap(INVOICE, 489, 886, line("50", 489, 886)))
    assert not d.fields["cash_payment"].readable
    unconfirmed = _swap(INVOICE, 560, 772, line("肆拾柒元捌角整", 560, 772))
    unconfirmed = _swap(unconfirmed, 509, 547, line("11.00", 509, 547))
    d = _invoice(_swap(unconfirmed, 489, 886, line("00", 489, 886)))
    assert not d.fields["cash_payment"].readable


def test_id_card_name_behind_a_label_read_with_a_letter() -> None:
    """姓名 read as 姓s on the name's own line (c019): the name is what follows; the 性别 row
    read as 姓制男民族汉 is no name."""
    lines = [ln for ln in FRONT if ln.text not in ("姓名", "张桂香", "性别", "女", "民族汉")]
    lines += [line("姓s张桂香", 400, 226, conf=0.82), line("姓制女民族汉", 400, 268, conf=0.79)]
    d = _card(lines)
    assert d.value("name") == "张桂香"
    f = d.fields["name"]
    assert f.raw == "张桂香" and f.bbox is not None and f.bbox.x0 > 400


def test_id_card_place_names_put_right() -> None:
    """芗城 read as 梦城 in the address and the 签发机关: put right, the raw text as read."""
    lines = [ln for ln in FRONT if not ln.text.startswith(("福建省", "北路"))]
    lines.append(line("福建省漳州市梦城区民主路93号906室", 470, 347))
    back = [ln for ln in BACK if ln.text != "晋江市公安局"]
    back.append(line("漳州市公安局梦城分局", 590, 818))
    d = only(extract([page(1, lines + back, w=1240, h=1754)]), K.ID_CARD)
    assert d.value("address") == "福建省漳州市芗城区民主路93号906室"
    assert d.value("issuing_authority") == "漳州市公安局芗城分局"
    assert d.fields["issuing_authority"].raw == "漳州市公安局梦城分局"


def test_id_card_sex_and_ethnicity_row_read_with_its_labels_misread() -> None:
    """性男国族汉, 性别女民体汉: the head label read, the 民族 label misread — the sex right of
    性(别), the nationality last; a last character that is no nationality (女民故文) gives none."""
    row = [ln for ln in FRONT if ln.text not in ("性别", "女", "民族汉")]
    for text, sex in (("性男国族汉", "男"), ("性别女民体汉", "女")):
        card = _card([*row, line(text, 400, 268, conf=0.82)])
        assert (card.value("sex"), card.value("ethnicity")) == (sex, "汉")
    assert _card([*row, line("女民故文", 400, 268, conf=0.82)]).value("ethnicity") is None
