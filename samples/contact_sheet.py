"""A contact sheet: one rendered page per document kind, plus a few degraded presentations."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

from PIL import Image, ImageDraw

from samples import degrade
from samples.claim import make_claim
from samples.data import BANKS
from samples.fonts import Face, pil_font
from samples.people import MINGXI, make_person
from samples.render import civil, clinical, forms, id_card, invoice
from samples.render.expense_list import ExpenseListValues
from samples.render.expense_list import render as render_expense_list


def pages(seed: int = 7) -> list[tuple[str, Image.Image]]:
    rng = random.Random(seed)
    p = make_person(rng, female=True, age_range=(28, 36))
    ip = make_claim(rng, p, "ip_pneumonia", end=dt.date(2026, 2, 20))
    op = make_claim(rng, p, "op_uri", end=dt.date(2026, 2, 10), electronic=True)
    card = id_card.render(id_card.IdCardValues.from_person(p), rng)
    cv = clinical.ClinicalValues(
        ip.hospital.name,
        p.name,
        p.sex,
        p.age_on(ip.start),
        ip.department,
        ip.record_number,
        True,
        ip.start,
        ip.end,
        ip.stay_days,
        ip.admission_diagnosis,
        ip.discharge_diagnosis,
        ip.course,
        ip.advice,
        ip.physician,
        p.id_number,
        "上海市浦江第一人民医院",
    )
    ocv = clinical.ClinicalValues(
        op.hospital.name,
        p.name,
        p.sex,
        p.age_on(op.start),
        op.department,
        op.record_number,
        False,
        op.start,
        op.end,
        0,
        op.admission_diagnosis,
        op.discharge_diagnosis,
        "",
        "",
        op.physician,
        p.id_number,
        "上海市浦江第一人民医院",
    )
    paper = invoice.render_paper(invoice.InvoiceValues.from_claim(ip, False), rng).pages[0]
    blotted_values = invoice.InvoiceValues.from_claim(ip, False)
    blotted_values.smudged = ("total",)
    blotted = invoice.render_paper(blotted_values, rng).pages[0]
    elec = invoice.render_electronic(invoice.InvoiceValues.from_claim(op, True), rng).pages[0]
    el = render_expense_list(ExpenseListValues.from_claim(ip), rng).pages[0]
    bank = BANKS[0][0], BANKS[0][1] + "0123456789012"
    fields = forms.application_fields("费用报销申请表", p.name, p.id_number, dt.date(2026, 3, 1))
    app = forms.render_form(
        forms.FormValues(
            "application_form",
            "职工基本医疗保险参保登记表",
            [
                ("姓名", p.name),
                ("性别", p.sex),
                ("身份证号码", p.id_number),
                ("联系电话", p.phone),
                ("单位名称", "明溪县城南食品有限公司"),
                ("参保类型", "在职职工"),
                ("联系地址", p.address),
            ],
            fields,
            signer=p.name,
            date=dt.date(2026, 3, 1),
            seal_org="明溪县城南食品有限公司",
        ),
        rng,
    ).pages[0]
    letter = forms.render_form(
        forms.FormValues(
            "commitment_letter",
            "参保人员外伤费用承诺书",
            [("姓名", p.name), ("身份证号码", p.id_number)],
            fields,
            body="本人于2026年02月08日因意外受伤就医，无第三方责任人。以上情况属实，如有虚假愿承担法律责任。",
            signer=p.name,
            date=dt.date(2026, 3, 1),
            sign_label="承诺人（签字）：",
        ),
        rng,
    ).pages[0]
    spouse = make_person(rng, female=False, age_range=(28, 38))
    marriage = forms.marriage_certificate(
        (p.name, p.sex, p.id_number, p.birth_date),
        (spouse.name, spouse.sex, spouse.id_number, spouse.birth_date),
        dt.date(2021, 5, 20),
        "明溪县民政局",
        "J350421-2021-000318",
        rng,
    ).pages[0]
    settle = forms.settlement_statement(
        forms.SettlementValues(
            ip.hospital.name,
            p.name,
            p.id_number,
            ip.end,
            f"{ip.total:.2f}",
            "0.00",
            "0.00",
            f"{ip.total:.2f}",
        ),
        rng,
    ).pages[0]
    mother = make_person(rng, female=True, age_range=(26, 32), area=MINGXI)
    father = make_person(rng, female=False, age_range=(27, 35), area=MINGXI)
    bsr = civil.birth_service_registration(
        civil.BirthRegistrationValues(
            number="350421202500318",
            mother=mother,
            father=father,
            mother_employer="明溪县城南食品有限公司",
            father_employer="个体经营",
            marriage_date=dt.date(2021, 5, 20),
            marriage_place="福建省三明市明溪县",
            children=[],
            due_date=dt.date(2026, 1, 10),
            issuer="明溪县雪峰镇人民政府",
            registered_on=dt.date(2025, 7, 2),
            clerk="陈丽清",
        ),
        rng,
    ).pages[0]
    hukou = civil.household_register_page(
        civil.HukouValues(
            person=p,
            relation="户主",
            address="广东省深圳市南山区长寿路51号",
            birthplace="福建省" + p.area_name[:3],
            native_place="福建省" + p.area_name[:3],
            education="大学本科",
            marital="已婚",
            occupation="其他从业人员",
            employer="",
            moved_in=f"2019年04月12日 从福建省{p.area_name}迁来",
            registered_on=dt.date(2019, 4, 12),
            station="深圳市公安局南山分局粤海派出所",
            clerk="王丽娟",
        ),
        rng,
    ).pages[0]
    permit = civil.residence_permit(
        civil.ResidencePermitValues(
            person=p,
            province="广东省",
            address="广东省深圳市南山区滨江路12号",
            issuer="深圳市公安局南山分局",
            station="粤海派出所",
            issued_on=dt.date(2024, 8, 12),
            endorsements=[(dt.date(2024, 8, 12), dt.date(2025, 8, 11))],
        ),
        rng,
    )
    out = [
        ("id_card 人像面", card.pages[0]),
        ("id_card 国徽面", card.pages[1]),
        ("medical_invoice 纸质", paper),
        ("medical_invoice 电子(PDF)", elec),
        ("expense_list", el),
        ("discharge_summary", clinical.discharge_summary(cv, rng).pages[0]),
        ("diagnosis_certificate", clinical.diagnosis_certificate(cv, rng).pages[0]),
        ("outpatient_record", clinical.outpatient_record(ocv, rng).pages[0]),
        (
            "prescription",
            clinical.prescription(ocv, [("阿莫西林胶囊", "0.25g*24粒", "2盒")], rng).pages[0],
        ),
        ("referral_certificate", clinical.referral_certificate(cv, rng).pages[0]),
        ("application_form (盖章)", app),
        ("commitment_letter", letter),
        ("bank_card", forms.bank_card(bank[0], bank[1], rng).pages[0]),
        ("marriage_certificate", marriage),
        ("settlement_statement", settle),
        ("birth_service_registration", bsr),
        ("household_register 常住人口登记卡", hukou),
        ("residence_permit 正面", permit.pages[0]),
        ("residence_permit 背面", permit.pages[1]),
        ("degraded: phone photo", degrade.apply(paper, ["photo"], rng)),
        ("degraded: photocopy+fold", degrade.apply(el, ["photocopy", "fold", "skew:3"], rng)),
        (
            "degraded: skew+light+blur",
            degrade.apply(paper, ["skew:-6", "lighting", "blur:1.2", "stamp"], rng),
        ),
        ("degraded: rotated+cut", degrade.apply(el, ["rotate:90", "cut:right", "noise:8"], rng)),
        ("unreadable: blurred", degrade.apply(paper, ["blur:6", "lowres:70"], rng)),
        ("FIELD_UNREADABLE: 小写 blotted", blotted),
        (
            "stamp over text + cut",
            degrade.apply(
                clinical.discharge_summary(cv, rng).pages[0],
                ["stamp:与原件核对无误", "cut:right:0.06"],
                rng,
            ),
        ),
    ]
    return out


def build(path: Path, cols: int = 5, cell: tuple[int, int] = (420, 420)) -> None:
    items = pages()
    rows = (len(items) + cols - 1) // cols
    sheet = Image.new("RGB", (cols * cell[0], rows * (cell[1] + 30)), (90, 90, 90))
    d = ImageDraw.Draw(sheet)
    font = pil_font(Face.SANS, 18)
    for i, (label, img) in enumerate(items):
        img = degrade.flatten(img, (90, 90, 90))
        img.thumbnail((cell[0] - 10, cell[1] - 10))
        r, c = divmod(i, cols)
        x = c * cell[0] + (cell[0] - img.width) // 2
        y = r * (cell[1] + 30) + (cell[1] - img.height) // 2
        sheet.paste(img, (x, y))
        d.text(
            (c * cell[0] + cell[0] // 2, r * (cell[1] + 30) + cell[1] + 14),
            label,
            font=font,
            fill=(255, 255, 255),
            anchor="mm",
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(path, "PNG", optimize=True)
