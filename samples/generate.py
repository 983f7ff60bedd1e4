"""Build every case of `samples.cases.CASES`: render, degrade, write files and ground truth.

expected.json lists each document with its file, pages, kind, material, title and `fields` (the
printed values); a document whose deciding value was blotted out on an otherwise readable page
also has `unreadable_fields` (field names; their values in `fields` are still the truth), and the
case then expects FIELD_UNREADABLE; a document presented blurred beyond reading on purpose has
`"illegible": true` (its `fields` are what was printed), and the case expects UNREADABLE_PAGE.

Two maps at its end give every page of every file its text ground truth (for the OCR benchmark):
`page_text` (page → the strings printed on it, one per drawing call, in drawing order: labels,
values, headings; not the seals' and stamps' lettering, red ink the pipeline suppresses, nor
signatures) and `page_ops` (page → the degradations applied to the rendered page, `[]` for an
electronic original). A page is keyed `scan_01.jpg` in an image file and `scan_02.pdf#2` in a PDF
(1-based). Text a degradation cut off or blotted out stays in the truth; an ID card copy's page
holds both sides' text, front first.
"""

from __future__ import annotations

import datetime as dt
import random
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path
from typing import Any

from samples.builder import (
    OutFile,
    Part,
    case_rng,
    decision_for,
    dump_json,
    is_original_pdf,
    on_a4,
    page_key,
    scan_ops,
    write_file,
)
from samples.cases import CASES, MINGXI, CaseSpec
from samples.claim import Claim, make_claim
from samples.data import (
    BANKS,
    EMPLOYERS,
    HOSPITALS,
    MATERNITY_HOSPITALS,
    OTHER_PLACES,
    REFERRAL_TARGETS,
    VISITS,
)
from samples.money import q, to_upper
from samples.people import MINGXI as MINGXI_AREA
from samples.people import Person, add_years, corrupt_check_digit, make_person
from samples.render import civil, clinical, forms, id_card, invoice
from samples.render.base import Rendered
from samples.render.expense_list import ExpenseListValues
from samples.render.expense_list import render as render_expense_list

SUBMITTED_BASE = dt.date(2026, 3, 2)


@dataclass
class Built:
    spec: CaseSpec
    files: list[OutFile] = field(default_factory=list)
    findings: list[dict[str, Any]] = field(default_factory=list)
    defects: list[str] = field(default_factory=list)
    submitted: dt.date = SUBMITTED_BASE


# ------------------------------------------------------------------------- presentation

STYLE_OPS: dict[str, list[str]] = {
    "clean": [],
    "degraded": ["skew", "noise:6", "lowres:130"],
    "photo": ["photo"],
    "photocopy": ["photocopy", "fold", "skew:1.5", "lowres:150"],
    "rotated": ["skew:2"],
    "lighting": ["skew", "lighting", "blur:0.8", "lowres:140"],
}


class Presenter:
    """Puts rendered documents into files the way the channel and style suggest."""

    def __init__(self, b: Built, rng: random.Random):
        self.b, self.rng = b, rng
        self.n = 0
        self.ops = STYLE_OPS[b.spec.style]
        self.photo = b.spec.style == "photo"

    def _name(self, ext: str) -> str:
        self.n += 1
        if self.photo and ext == ".jpg":
            t = self.b.submitted - dt.timedelta(days=1)
            mm, ss = self.rng.randint(0, 59), self.rng.randint(0, 59)
            return f"IMG_{t:%Y%m%d}_{9 + self.n:02d}{mm:02d}{ss:02d}.jpg"
        return f"scan_{self.n:02d}{ext}"

    def _quality(self) -> int:
        return {"clean": 72, "photo": 62, "degraded": 50, "photocopy": 55}.get(
            self.b.spec.style, 60
        )

    def add(
        self,
        r: Rendered,
        material: str | None,
        *,
        ops: list[str] | None = None,
        together: list[tuple[Rendered, str | None]] | None = None,
    ) -> None:
        """One file for this document (multi-page: PDF), or several documents in one PDF."""
        ops = list(self.ops if ops is None else ops)
        if r.card:
            self._card(r, material, ops + self._extra(material))
            return
        docs = [(r, material), *(together or [])]
        multi = sum(len(d.pages) for d, _ in docs) > 1
        if r.pdf is not None and not together:
            self.b.files.append(
                OutFile(f"einvoice_{r.fields['invoice_number']}.pdf", [Part(r, material)])
            )
            return
        parts = []
        for i, (d, m) in enumerate(docs):
            page_ops = ops + self._extra(m)
            if self.b.spec.style == "rotated" and (i == 0):
                page_ops.append(f"rotate:{self.rng.choice((90, 180, 270))}")
            pages = [
                p if (self.photo or max(p.size) > 2000) else on_a4(p, self.rng) for p in d.pages
            ]
            parts.append(Part(replace(d, pages=pages), m, page_ops))
        ext = ".pdf" if multi else ".jpg"
        self.b.files.append(OutFile(self._name(ext), parts, self._quality()))

    def _extra(self, material: str | None) -> list[str]:
        return list(self.b.spec.extra_ops.get(material or "", ()))

    def _card(self, r: Rendered, material: str | None, ops: list[str]) -> None:
        if self.photo:
            # each side photographed on the desk
            for side, text in zip(r.pages, r.texts, strict=True):
                rr = replace(r, pages=[side], texts=[text])
                self.b.files.append(
                    OutFile(self._name(".jpg"), [Part(rr, material, ["photo", *ops[1:]])], 62)
                )
            return
        front = r.pages[0]
        back = r.pages[1] if len(r.pages) > 1 else None
        page = on_a4(front, self.rng, both=back) if back is not None else on_a4(front, self.rng)
        copy_ops = (
            ["photocopy", *[o for o in ops if o != "photocopy"]] if self.rng.random() < 0.6 else ops
        )
        rr = replace(r, pages=[page], texts=[[s for side in r.texts for s in side]])
        self.b.files.append(
            OutFile(self._name(".jpg"), [Part(rr, material, copy_ops)], self._quality())
        )


# ------------------------------------------------------------------------- helpers


def _finding(code: str, material: str | None = None) -> dict[str, Any]:
    return {"code": code, "material": material}


def _person(
    rng: random.Random,
    spec: CaseSpec,
    *,
    female: bool | None = None,
    age: tuple[int, int] = (24, 72),
) -> Person:
    area = MINGXI_AREA if spec.region == MINGXI else None
    return make_person(rng, female=female, age_range=age, on=SUBMITTED_BASE, area=area)


def _clinical_values(c: Claim, rng: random.Random) -> clinical.ClinicalValues:
    return clinical.ClinicalValues(
        hospital=c.hospital.name,
        patient_name=c.person.name,
        sex=c.person.sex,
        age=c.person.age_on(c.start),
        department=c.department,
        record_number=c.record_number,
        inpatient=c.inpatient,
        admission_date=c.start,
        discharge_date=c.end,
        stay_days=c.stay_days,
        admission_diagnosis=c.admission_diagnosis,
        discharge_diagnosis=c.discharge_diagnosis,
        treatment_course=c.course,
        discharge_advice=c.advice,
        physician=c.physician,
    )


def _bank(rng: random.Random) -> tuple[str, str]:
    name, bin_ = rng.choice(BANKS)
    return name, bin_ + "".join(str(rng.randint(0, 9)) for _ in range(13))


def _app_form(
    title: str,
    p: Person,
    date: dt.date,
    rng: random.Random,
    *,
    kind: str = "application_form",
    extra_rows: list[tuple[str, str]] | None = None,
    sealed_by: str | None = None,
    employer: str = "",
    bank: tuple[str, str] | None = None,
    id_number: str | None = None,
    body: str = "",
    header: str = "",
) -> Rendered:
    idn = id_number or p.id_number
    rows = [("姓名", p.name), ("性别", p.sex), ("身份证号码", idn), ("联系电话", p.phone)]
    if employer:
        rows.append(("单位名称", employer))
    if bank:
        rows += [("开户银行", bank[0]), ("银行账号", bank[1])]
    rows += extra_rows or []
    rows.append(("联系地址", p.address))
    fields = forms.application_fields(
        title,
        p.name,
        idn,
        date,
        signed=True,
        sealed=sealed_by is not None,
        bank_account=bank[1] if bank else "",
        bank_name=bank[0] if bank else "",
        employer=employer,
    )
    v = forms.FormValues(
        kind=kind,
        title=title,
        rows=rows,
        fields=fields,
        body=body,
        signer=p.name,
        date=date,
        seal_org=sealed_by,
        seal_purpose="",
        header_org=header,
        sign_label="承诺人（签字）：" if kind == "commitment_letter" else "申请人（签字）：",
    )
    return forms.render_form(v, rng)


def _id_card(p: Person, rng: random.Random) -> Rendered:
    return id_card.render(id_card.IdCardValues.from_person(p), rng)


# ------------------------------------------------------------------------- families


def _reimburse(spec: CaseSpec, b: Built, rng: random.Random, seed: int) -> None:
    d = set(spec.defects)
    missing = {x.split(":", 1)[1] for x in d if x.startswith("missing:")}
    mingxi = spec.region == MINGXI
    crng = case_rng(seed, spec.same_claim_as or spec.id, "claim")
    v = VISITS[spec.visit]
    female = True if v.maternity else None
    person = _person(
        crng,
        replace(spec, region=None if spec.same_claim_as else spec.region),
        female=female,
        age=(23, 38) if v.maternity else (24, 72),
    )
    base = _submitted_for(spec.same_claim_as) if spec.same_claim_as else b.submitted
    end = base - dt.timedelta(days=crng.randint(6, 40))
    hospital = None
    if mingxi:
        hospital = (
            next(h for h in HOSPITALS if h.name.startswith("明溪")) if crng.random() < 0.5 else None
        )
    claim = make_claim(
        crng,
        person,
        spec.visit,
        end=end,
        hospital=hospital,
        settled="settled" in d,
        electronic=spec.electronic,
    )
    # --- identity
    if "id_invalid" in d:
        person = person.with_changes(id_number=corrupt_check_digit(person.id_number))
        claim.person = person
        b.defects.append("the ID number printed on every document has a wrong GB 11643 check digit")
        b.findings.append(_finding("ID_NUMBER_INVALID", "identity"))
    if "id_expired" in d:
        until = b.submitted - dt.timedelta(days=rng.randint(20, 200))
        person = person.with_changes(valid_from=add_years(until, -20), valid_until=until)
        claim.person = person
        b.defects.append(f"the ID card expired on {until.isoformat()}, before submission")
        b.findings.append(_finding("ID_CARD_EXPIRED", "identity"))
    pres = Presenter(b, rng)
    # 明溪 restates most materials but not the ID: the province's `identity` still applies there
    id_material = "identity"
    card = _id_card(person, rng)
    if "unreadable_id" in d:
        pres.add(replace(card, illegible=True), id_material, ops=["photo", "blur:7", "lowres:60"])
        b.defects.append("the ID card photo is blurred beyond reading")
        b.findings.append(_finding("UNREADABLE_PAGE", id_material))
    else:
        pres.add(card, id_material)
    # --- invoice and expense list
    inv = invoice.InvoiceValues.from_claim(claim, spec.electronic)
    el = ExpenseListValues.from_claim(claim)
    inv_material = "prescription_or_invoice" if spec.item == "002036008002" else "invoice"
    if "settled" in d:
        b.defects.append("the invoice shows 医保统筹基金支付 > 0: already settled at the hospital")
        b.findings.append(_finding("ALREADY_SETTLED", "invoice"))
    if "amount_mismatch" in d:
        delta = q(Decimal(rng.choice((10, 50, 100, 120, 200))) + Decimal(rng.randint(0, 99)) / 100)
        cat = max(inv.category_amounts, key=lambda k: inv.category_amounts[k])
        inv.category_amounts = {**inv.category_amounts, cat: inv.category_amounts[cat] + delta}
        inv.total += delta
        inv.total_words = to_upper(inv.total)
        inv.cash += delta
        b.defects.append(f"invoice total is {delta} more than the expense-list total")
        b.findings.append(_finding("AMOUNT_MISMATCH", "invoice"))
    if "words_mismatch" in d:
        wrong = inv.total + Decimal(rng.choice((100, 1000, 10, 9)))
        inv.total_words = to_upper(wrong)
        b.defects.append(f"invoice 大写 reads {wrong} while 小写 is {inv.total}")
        b.findings.append(_finding("AMOUNT_WORDS_MISMATCH", "invoice"))
    if "payment_breakdown" in d:
        inv.cash += Decimal("100.00")
        b.defects.append(
            "invoice payments (统筹+其他+个人账户+个人现金) exceed the total by 100.00"
        )
        b.findings.append(_finding("PAYMENT_BREAKDOWN_MISMATCH", "invoice"))
    if "name_mismatch" in d:
        other = person.name[0] + ("建华" if person.name[1:] != "建华" else "志明")
        inv.payer = other
        b.defects.append(f"invoice payer is {other}, the ID card says {person.name}")
        b.findings.append(_finding("NAME_MISMATCH", "invoice"))
    if "id_mismatch" in d and spec.electronic:
        wrong_id = make_person(rng, female=person.sex == "女").id_number
        inv.patient_id_number = wrong_id
        b.defects.append("the e-invoice 交款人 ID number differs from the ID card")
        b.findings.append(_finding("ID_NUMBER_MISMATCH", "invoice"))
    if "items_sum" in d:
        i = rng.randrange(len(el.items))
        it = el.items[i]
        bumped = replace(it, amount=it.amount + Decimal("10.00"))
        el.items = [*el.items[:i], bumped, *el.items[i + 1 :]]
        b.defects.append(
            f"expense-list line {i + 1} ({it.name}) is printed 10.00 too high: lines do not add up"
        )
        b.findings.append(_finding("LINE_ITEMS_SUM_MISMATCH", "expense_list"))
    if "smudged_total" in d and not spec.electronic:
        inv.smudged = ("total",)
        b.defects.append(
            "an ink blot covers the invoice's 金额合计（小写） figure; the rest is clear"
        )
        b.findings.append(_finding("FIELD_UNREADABLE", inv_material))
    if "duplicate" in d:
        b.defects.append(
            f"the invoice {inv.invoice_code}/{inv.invoice_number} was already submitted in case "
            f"{spec.same_claim_as}"
        )
        b.findings.append(_finding("DUPLICATE_INVOICE", "invoice"))
    inv_r = (
        invoice.render_electronic(inv, rng) if spec.electronic else invoice.render_paper(inv, rng)
    )
    el_r = render_expense_list(el, rng)
    if "unreadable" in d:
        blurred = ["skew:3", "blur:6", "lowres:70"]
        pres.add(replace(inv_r, illegible=True), inv_material, ops=blurred)
        b.defects.append("the invoice scan is blurred beyond reading")
        b.findings.append(_finding("UNREADABLE_PAGE", "invoice"))
    elif spec.electronic:
        pres.add(inv_r, inv_material)
    elif "expense_list" not in missing and "wrong_document" not in d and spec.style != "photo":
        # invoice and expense list scanned into one PDF, as applicants often do
        pres.add(inv_r, inv_material, together=[(el_r, "expense_list")])
        el_r = Rendered("", {})
    else:
        pres.add(inv_r, inv_material)
    if "wrong_document" in d:
        bank = _bank(rng)
        pres.add(forms.bank_card(bank[0], bank[1], rng), None)
        b.defects.append("a bank card was sent in place of the expense list")
        b.findings += [
            _finding("UNEXPECTED_DOCUMENT", None),
            _finding("MISSING_MATERIAL", "expense_list"),
        ]
    elif "expense_list" in missing:
        b.defects.append("the expense list is missing")
        b.findings.append(_finding("MISSING_MATERIAL", "expense_list"))
    elif el_r.pages:
        pres.add(el_r, "expense_list")
    # --- clinical document
    cv = _clinical_values(claim, rng)
    if spec.item == "002036008002":
        pass
    elif claim.inpatient:
        mat = {
            "002036006002": "discharge_or_diagnosis",
            "002036007002": "discharge_summary",
            "002036007003": "medical_records" if mingxi else "discharge_inpatient",
        }.get(spec.item, "discharge_or_diagnosis")
        if "discharge_after_invoice" in d:
            cv.discharge_date = claim.issue_date + dt.timedelta(days=3)
            cv.stay_days = (cv.discharge_date - cv.admission_date).days
            b.defects.append("discharge date is 3 days after the invoice date")
            b.findings.append(_finding("DATE_INCONSISTENT", mat))
        if "stay_days_wrong" in d:
            cv.stay_days += 3
            b.defects.append("住院天数 on the discharge record is 3 more than its dates")
            b.findings.append(_finding("DATE_INCONSISTENT", mat))
        if "stay_dates_differ" in d:
            cv.admission_date -= dt.timedelta(days=2)
            cv.stay_days = (cv.discharge_date - cv.admission_date).days
            b.defects.append(
                "admission date on the discharge record is 2 days before the invoice's 住院时间"
            )
            b.findings.append(_finding("DATE_INCONSISTENT", mat))
        if "hospital_mismatch" in d:
            cv.hospital = next(
                h.name for h in HOSPITALS + MATERNITY_HOSPITALS if h.name != claim.hospital.name
            )
            b.defects.append(
                f"discharge record is from {cv.hospital}, the invoice from {claim.hospital.name}"
            )
            b.findings.append(_finding("HOSPITAL_MISMATCH", mat))
        if mat in missing:
            b.defects.append("the discharge record is missing")
            b.findings.append(_finding("MISSING_MATERIAL", mat))
        else:
            pres.add(clinical.discharge_summary(cv, rng), mat)
    else:
        if spec.item == "002036007003":
            mat = "medical_records" if mingxi else "diagnosis_outpatient"
            doc = clinical.diagnosis_certificate(cv, rng)
        elif spec.item == "002036007001":
            mat, doc = "diagnosis_or_record", clinical.outpatient_record(cv, rng)
        elif rng.random() < 0.5 or claim.trauma:
            mat, doc = "prescription_or_record", clinical.outpatient_record(cv, rng)
        else:
            drugs = [
                (i.name, i.spec, f"{i.quantity:g}{i.unit}")
                for i in claim.items
                if i.category.endswith("药费")
            ]
            mat, doc = "prescription_or_record", clinical.prescription(cv, drugs[:4], rng)
        if mat in missing:
            b.defects.append("the prescription / outpatient record is missing")
            b.findings.append(_finding("MISSING_MATERIAL", mat))
        else:
            pres.add(doc, mat)
    # --- trauma proof
    if spec.facts.get("trauma"):
        mat = "trauma_commitment" if mingxi else "accident_proof"
        title = "参保人员外伤费用承诺书" if mingxi else "个人承诺书"
        if mat in missing:
            b.defects.append(f"trauma case without the {title}")
            b.findings.append(_finding("MISSING_MATERIAL", mat))
        else:
            body = (
                f"本人{person.name}于{claim.start:%Y年%m月%d日}因意外受伤就医，受伤原因：不慎摔伤，"
                "无第三方责任人，不属于工伤、交通事故等应由第三方负担的情形。以上情况属实，"
                "如有虚假，本人愿承担由此产生的一切法律责任，并退还已报销的医疗费用。"
            )
            pres.add(
                _app_form(
                    title,
                    person,
                    b.submitted - dt.timedelta(days=1),
                    rng,
                    kind="commitment_letter",
                    body=body,
                ),
                mat,
            )
    # --- maternity extras
    if spec.family == "reimburse" and spec.item.startswith("002036007"):
        if spec.facts.get("spouse_of_male_employee"):
            if "spouse_commitment" in missing:
                b.defects.append("男职工未就业配偶承诺书 missing")
                b.findings.append(_finding("MISSING_MATERIAL", "spouse_commitment"))
            else:
                body = (
                    f"本人{person.name}系男职工之配偶，目前未就业，未参加职工基本医疗保险，"
                    "未在其他地方享受生育保险待遇。以上承诺真实有效，如有虚假愿承担相应责任。"
                )
                pres.add(
                    _app_form(
                        "男职工未就业配偶承诺书",
                        person,
                        b.submitted - dt.timedelta(days=2),
                        rng,
                        kind="commitment_letter",
                        body=body,
                    ),
                    "spouse_commitment",
                )
        bank = _bank(rng)
        pres.add(forms.bank_card(bank[0], bank[1], rng), "bank_card")
    # --- 明溪: 《生育服务登记表》 and 结婚证 for maternity costs
    if mingxi:
        _mingxi_maternity(spec, b, pres, claim, rng, missing)
    # --- regional application form
    if mingxi:
        if "application_form" in missing:
            b.defects.append("费用报销申请表 missing")
            b.findings.append(_finding("MISSING_MATERIAL", "application_form"))
        else:
            bank = _bank(rng)
            idn = person.id_number
            if "id_mismatch" in d and not spec.electronic:
                idn = (
                    person.id_number[:10]
                    + f"{(int(person.id_number[10:14]) + 101) % 10000:04d}"
                    + person.id_number[14:]
                )
                from extractors.normalize.idnumber import check_digit

                idn = idn[:17] + check_digit(idn[:17])
                b.defects.append("the ID number on the 费用报销申请表 differs from the ID card")
                b.findings.append(_finding("ID_NUMBER_MISMATCH", "application_form"))
            rows = [
                ("就诊医院", claim.hospital.name),
                ("报销金额", f"{claim.total:.2f}元"),
                ("就诊类型", "住院" if claim.inpatient else "门诊"),
                ("票据张数", "1"),
            ]
            pres.add(
                _app_form(
                    "费用报销申请表",
                    person,
                    b.submitted,
                    rng,
                    extra_rows=rows,
                    bank=bank,
                    id_number=idn,
                    header="三明市医疗保障基金中心明溪管理部",
                ),
                "application_form",
            )


def _township(p: Person, rng: random.Random) -> str:
    """The 乡镇人民政府 / 街道办事处 of the person's 户籍地 (where births are registered)."""
    county = p.area_name[3:]
    m = re.search(r"县(.{1,3}?[乡镇])", p.address)
    if m:
        return f"{county}{m.group(1)}人民政府"
    return f"{county}{rng.choice(('东街', '城东', '南街', '西湖'))}街道办事处"


@dataclass
class Family:
    """The couple behind a maternity claim: who married whom, when, and their children so far."""

    mother: Person
    father: Person
    married: dt.date
    marriage_number: str
    children: list[tuple[str, str, dt.date]]

    @property
    def marriage_office(self) -> str:
        return self.mother.area_name[3:] + "民政局"

    def marriage_certificate(self, rng: random.Random) -> Rendered:
        m, f = self.mother, self.father
        return forms.marriage_certificate(
            (m.name, m.sex, m.id_number, m.birth_date),
            (f.name, f.sex, f.id_number, f.birth_date),
            self.married,
            self.marriage_office,
            self.marriage_number,
            rng,
        )


def _family(mother: Person, before: dt.date, rng: random.Random) -> Family:
    age = mother.age_on(SUBMITTED_BASE)
    area = (mother.area_code, mother.area_name, mother.issuing_authority)
    father = make_person(
        rng,
        female=False,
        age_range=(age - 1, age + 6),
        on=SUBMITTED_BASE,
        area=area if rng.random() < 0.7 else None,
    )
    adult = add_years(max(mother.birth_date, father.birth_date), 22)
    married = before - dt.timedelta(days=rng.randint(300, 2400))
    married = max(married, min(adult, before - dt.timedelta(days=300)))
    number = f"J{mother.area_code}-{married.year}-{rng.randint(1, 1999):06d}"
    children: list[tuple[str, str, dt.date]] = []
    room = (before - married).days - 700
    if room > 0 and rng.random() < 0.35:
        sex = rng.choice(("男", "女"))
        given = rng.choice(("子轩", "梓涵", "宇航", "欣怡", "思远", "诗涵"))
        children.append(
            (father.name[0] + given, sex, married + dt.timedelta(days=300 + rng.randint(0, room)))
        )
    return Family(mother, father, married, number, children)


def _birth_registration(
    fam: Family, due: dt.date, registered: dt.date, rng: random.Random, *, flexible: bool = False
) -> Rendered:
    mother = fam.mother
    v = civil.BirthRegistrationValues(
        number=f"{mother.area_code}{registered.year}{rng.randint(1, 2999):06d}",
        mother=mother,
        father=fam.father,
        mother_employer="灵活就业" if flexible else rng.choice(EMPLOYERS),
        father_employer=rng.choice((*EMPLOYERS, "个体经营")),
        marriage_date=fam.married,
        marriage_place="福建省" + mother.area_name,
        children=fam.children,
        due_date=due,
        issuer=_township(mother, rng),
        registered_on=registered,
        clerk=make_person(rng).name,
    )
    return civil.birth_service_registration(v, rng)


def _mingxi_maternity(
    spec: CaseSpec,
    b: Built,
    pres: Presenter,
    claim: Claim,
    rng: random.Random,
    missing: set[str],
) -> None:
    """明溪 items 19-21 want the 《生育服务登记表》 (a 结婚证 instead for a miscarriage or family
    planning); items 17/18 want 结婚证 and 登记表 from flexible workers' deliveries."""
    event = spec.facts.get("maternity_event")
    flexible = spec.facts.get("insured_type") == "flexible"
    needs: list[tuple[str, str]] = []  # (material, what)
    if spec.item.startswith("002036007") and spec.item != "002036007004":
        if event in ("miscarriage", "family_planning"):
            needs.append(("birth_service_registration", "marriage"))
        else:
            needs.append(("birth_service_registration", "registration"))
    elif spec.item.startswith("002036006") and flexible and event == "delivery":
        needs += [
            ("flexible_delivery_marriage_certificate", "marriage"),
            ("flexible_delivery_birth_registration", "registration"),
        ]
    if not needs:
        return
    if event == "prenatal":
        due = claim.end + dt.timedelta(days=rng.randint(60, 200))
        registered = claim.start - dt.timedelta(days=rng.randint(15, 60))
    else:
        due = claim.start + dt.timedelta(days=rng.randint(-6, 8))
        registered = due - dt.timedelta(days=rng.randint(90, 200))
    fam = _family(claim.person, registered, rng)
    for material, what in needs:
        if material in missing:
            b.defects.append(f"{'结婚证' if what == 'marriage' else '生育服务登记表'} missing")
            b.findings.append(_finding("MISSING_MATERIAL", material))
        elif what == "marriage":
            pres.add(fam.marriage_certificate(rng), material)
        else:
            pres.add(_birth_registration(fam, due, registered, rng, flexible=flexible), material)


def _allowance(spec: CaseSpec, b: Built, rng: random.Random, seed: int) -> None:
    person = _person(rng, spec, female=True, age=(24, 38))
    claim = make_claim(
        rng, person, spec.visit, end=b.submitted - dt.timedelta(days=rng.randint(20, 60))
    )
    pres = Presenter(b, rng)
    pres.add(_id_card(person, rng), "identity")
    pres.add(clinical.discharge_summary(_clinical_values(claim, rng), rng), "discharge_inpatient")
    bank = _bank(rng)
    pres.add(forms.bank_card(bank[0], bank[1], rng), "bank_card")


def _assistance(spec: CaseSpec, b: Built, rng: random.Random, seed: int) -> None:
    d = set(spec.defects)
    person = _person(rng, spec, age=(45, 80))
    claim = make_claim(
        rng,
        person,
        spec.visit,
        end=b.submitted - dt.timedelta(days=rng.randint(10, 40)),
        settled=True,
    )
    pres = Presenter(b, rng)
    rows = [
        ("救助对象类别", rng.choice(("低保对象", "特困人员", "低保边缘家庭成员"))),
        ("就诊医院", claim.hospital.name),
        ("医疗费总额", f"{claim.total:.2f}元"),
    ]
    bank = _bank(rng)
    pres.add(
        _app_form("医疗救助申请表", person, b.submitted, rng, extra_rows=rows, bank=bank),
        "application_form",
    )
    inv = invoice.InvoiceValues.from_claim(claim, False)
    pres.add(invoice.render_paper(inv, rng), "prescription_or_invoice")
    if "missing:settlement_statement" in d:
        b.defects.append("结算单 missing")
        b.findings.append(_finding("MISSING_MATERIAL", "settlement_statement"))
    else:
        p = claim.payments
        critical = q((p.cash + p.account) * Decimal("0.3"))
        sv = forms.SettlementValues(
            claim.hospital.name,
            person.name,
            person.id_number,
            claim.issue_date,
            f"{claim.total:.2f}",
            f"{p.fund:.2f}",
            f"{critical:.2f}",
            f"{p.cash + p.account - critical:.2f}",
        )
        pres.add(forms.settlement_statement(sv, rng), "settlement_statement")


def _filing(spec: CaseSpec, b: Built, rng: random.Random, seed: int) -> None:
    d = set(spec.defects)
    idx = int(spec.item[-1])
    person = _person(rng, spec, age=(55, 78) if idx == 1 else (25, 70))
    pres = Presenter(b, rng)
    pres.add(_id_card(person, rng), "identity")
    place = rng.choice(
        ("上海市浦东新区", "广东省深圳市南山区", "浙江省杭州市西湖区", "江西省南昌市东湖区")
    )
    kinds = {
        1: "异地安置退休人员",
        2: "异地长期居住人员",
        3: "常驻异地工作人员",
        4: "异地转诊人员",
        5: "其他临时外出就医人员",
    }
    rows = [
        ("备案类型", kinds[idx]),
        ("就医地", place),
        ("参保地", "福建省" + person.area_name[:3]),
        ("备案开始日期", f"{b.submitted:%Y-%m-%d}"),
    ]
    pres.add(
        _app_form(
            "异地就医登记备案表",
            person,
            b.submitted,
            rng,
            extra_rows=rows,
            header="国家医疗保障局制",
        ),
        "filing_form",
    )
    if idx == 1:
        if "missing:resettlement_proof" in d:
            b.defects.append("异地安置认定材料（户口簿或个人承诺书） missing")
            b.findings.append(_finding("MISSING_MATERIAL", "resettlement_proof"))
        else:
            _, bureau, station = OTHER_PLACES[place]
            moved = b.submitted - dt.timedelta(days=rng.randint(200, 2000))
            hv = civil.HukouValues(
                person=person,
                relation="户主",
                address=place + "长寿路" + str(rng.randint(1, 300)) + "号",
                birthplace="福建省" + person.area_name[:3],
                native_place="福建省" + person.area_name[:3],
                education=rng.choice(("初中", "高中", "中专", "大学专科", "大学本科")),
                marital="已婚",
                occupation="离退休人员",
                employer="",
                moved_in=f"{moved:%Y年%m月%d日} 从福建省{person.area_name}迁来",
                registered_on=moved,
                station=bureau + station,
                clerk=make_person(rng).name,
            )
            pres.add(civil.household_register_page(hv, rng), "resettlement_proof")
    elif idx == 2:
        province, bureau, station = OTHER_PLACES[place]
        issued = b.submitted - dt.timedelta(days=rng.randint(400, 1400))
        endorsements: list[tuple[dt.date, dt.date]] = []
        start = issued
        while not endorsements or endorsements[-1][1] < b.submitted:
            until = add_years(issued, len(endorsements) + 1) - dt.timedelta(days=1)
            endorsements.append((start, until))
            start = until - dt.timedelta(days=rng.randint(3, 25))
        rv = civil.ResidencePermitValues(
            person=person,
            province=province,
            address=place + "滨江路" + str(rng.randint(1, 300)) + "号",
            issuer=bureau,
            station=station,
            issued_on=issued,
            endorsements=endorsements[-3:],
        )
        pres.add(civil.residence_permit(rv, rng), "residence_proof")
    elif idx == 3:
        employer = rng.choice(EMPLOYERS)
        body = (
            f"兹派我单位职工{person.name}（身份证号：{person.id_number}）常驻{place}工作，"
            f"派驻期限自{b.submitted:%Y年%m月%d日}起两年。特此证明。"
        )
        sd = forms.FormValues(
            kind="supporting_document",
            title="参保地工作单位派出凭证",
            rows=[],
            fields=forms.person_fields(person.name, person.id_number, employer, b.submitted),
            body=body,
            date=b.submitted,
            seal_org=employer,
            seal_purpose="",
            sign_label="",
        )
        pres.add(forms.render_form(sd, rng), "work_proof")
    elif idx == 4:
        if "missing:referral" in d:
            b.defects.append("转诊转院材料 missing")
            b.findings.append(_finding("MISSING_MATERIAL", "referral"))
        else:
            claim = make_claim(rng, person, "op_htn", end=b.submitted - dt.timedelta(days=3))
            cv = _clinical_values(claim, rng)
            cv.id_number = person.id_number
            cv.referral_to = rng.choice(REFERRAL_TARGETS)
            pres.add(clinical.referral_certificate(cv, rng), "referral")


def _chronic(spec: CaseSpec, b: Built, rng: random.Random, seed: int) -> None:
    d = set(spec.defects)
    person = _person(rng, spec, age=(45, 80))
    pres = Presenter(b, rng)
    pres.add(_id_card(person, rng), "identity")
    disease = rng.choice(
        ("高血压病（高危组）", "2型糖尿病（合并并发症）", "慢性阻塞性肺疾病", "冠心病")
    )
    hospital = rng.choice(HOSPITALS)
    if "missing:application_form" in d:
        b.defects.append("门诊慢特病病种待遇认定申请表 missing")
        b.findings.append(_finding("MISSING_MATERIAL", "application_form"))
    else:
        rows = [
            ("申请病种", disease),
            ("定点医疗机构", hospital.name),
            ("诊断依据", "病史、检查报告"),
        ]
        pres.add(
            _app_form("门诊慢特病病种待遇认定申请表", person, b.submitted, rng, extra_rows=rows),
            "application_form",
        )


def _withdrawal(spec: CaseSpec, b: Built, rng: random.Random, seed: int) -> None:
    d = set(spec.defects)
    reason = spec.facts["reason"]
    person = _person(rng, spec, age=(30, 85) if reason == "death" else (25, 58))
    pres = Presenter(b, rng)
    labels = {"death": "死亡", "emigration": "出国（定居）", "transfer": "转保健", "leave": "调出"}
    title = "基本医疗保险个人账户一次性支取申请表"
    if reason == "death":
        heir = _person(rng, spec, age=(25, 60))
        heir = heir.with_changes(name=person.name[0] + heir.name[1:])
        bank = _bank(rng)
        rows = [
            ("支取原因", labels[reason]),
            ("参保人姓名", person.name),
            ("参保人身份证号", person.id_number),
            ("继承人", heir.name),
        ]
        pres.add(
            _app_form(title, heir, b.submitted, rng, extra_rows=rows, bank=bank), "application_form"
        )
        pres.add(_id_card(person, rng), "identity")
        pres.add(_id_card(heir, rng), "heir_id_card")
        if "missing:heir_bank_account" in d:
            b.defects.append("继承人银行卡 missing")
            b.findings.append(_finding("MISSING_MATERIAL", "heir_bank_account"))
        else:
            pres.add(forms.bank_card(bank[0], bank[1], rng), "heir_bank_account")
        return
    bank = _bank(rng)
    rows = [("支取原因", labels[reason])]
    pres.add(
        _app_form(title, person, b.submitted, rng, extra_rows=rows, bank=bank), "application_form"
    )
    pres.add(_id_card(person, rng), "identity")
    if reason == "emigration":
        body = (
            f"本人{person.name}（身份证号：{person.id_number}）因出国定居，自愿放弃参加职工基本医疗保险，"
            "申请一次性支取医保个人账户余额。特此说明。"
        )
        sd = forms.FormValues(
            kind="supporting_document",
            title="主动放弃基本医疗保险的情况说明",
            rows=[],
            fields=forms.person_fields(person.name, person.id_number),
            body=body,
            signer=person.name,
            date=b.submitted,
            sign_label="说明人（签字）：",
        )
        pres.add(forms.render_form(sd, rng), "waiver_statement")


def _enrol(spec: CaseSpec, b: Built, rng: random.Random, seed: int) -> None:
    d = set(spec.defects)
    person = _person(rng, spec, age=(20, 55))
    pres = Presenter(b, rng)
    employee = spec.facts.get("insured_type") == "employee"
    title = "职工基本医疗保险参保登记表"
    employer = rng.choice(EMPLOYERS) if employee else ""
    rows = [
        ("参保类型", "在职职工" if employee else "灵活就业人员"),
        ("参保日期", f"{b.submitted:%Y-%m-01}"),
        ("月缴费工资", f"{rng.randint(40, 90) * 100}元"),
    ]
    sealed = employer if employee and "seal_missing" not in d else None
    form = _app_form(
        title, person, b.submitted, rng, extra_rows=rows, employer=employer, sealed_by=sealed
    )
    if "seal_missing" in d:
        b.defects.append("参保登记表 without the employer's seal")
        b.findings.append(_finding("SEAL_MISSING", "employee_registration_form"))
    pres.add(form, "employee_registration_form" if employee else "flexible_registration_form")
    pres.add(_id_card(person, rng), "employee_id_copy" if employee else "flexible_identity")


FAMILIES: dict[str, Callable[[CaseSpec, Built, random.Random, int], None]] = {
    "reimburse": _reimburse,
    "allowance": _allowance,
    "assistance": _assistance,
    "filing": _filing,
    "chronic": _chronic,
    "withdrawal": _withdrawal,
    "enrol": _enrol,
}


# ------------------------------------------------------------------------- driver


def _submitted_for(case_id: str) -> dt.date:
    return SUBMITTED_BASE + dt.timedelta(days=int(case_id[1:]) % 20)


def build_case(spec: CaseSpec, out_root: Path, seed: int) -> dict[str, Any]:
    """Generate one case folder; returns its expected.json content."""
    rng = case_rng(seed, spec.id)
    b = Built(spec, submitted=_submitted_for(spec.id))
    FAMILIES[spec.family](spec, b, rng, seed)
    out = out_root / spec.id
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    docs: list[dict[str, Any]] = []
    page_text: dict[str, list[str]] = {}
    page_ops: dict[str, list[str]] = {}
    wrng = case_rng(seed, spec.id, "write")
    for f in b.files:
        counts = write_file(f, out, wrng)
        page = 1
        for part, n in zip(f.parts, counts, strict=True):
            texts = part.rendered.texts
            assert len(texts) == n == len(part.rendered.pages), (f.name, part.rendered.kind)
            for i, text in enumerate(texts):
                page_text[page_key(f, page + i)] = list(text)
                page_ops[page_key(f, page + i)] = [] if is_original_pdf(f) else scan_ops(part.ops)
            entry: dict[str, Any] = {
                "file": f.name,
                "pages": list(range(page, page + n)),
                "kind": part.rendered.kind,
                "material": part.material,
            }
            if part.rendered.title:
                entry["title"] = part.rendered.title
            entry["fields"] = part.rendered.fields
            if part.rendered.unreadable:
                # printed, but blotted out on the page: `fields` keeps the true value
                entry["unreadable_fields"] = list(part.rendered.unreadable)
            if part.rendered.illegible:
                entry["illegible"] = True  # blurred beyond reading: `fields` is what was printed
            docs.append(entry)
            page += n
    facts = {**spec.facts, "submitted_on": b.submitted.isoformat()}
    case = {"item": spec.item, "region": spec.region, "channel": spec.channel, "facts": facts}
    (out / "case.json").write_text(dump_json(case), encoding="utf-8")
    expected = {
        "case_id": spec.id,
        "item": spec.item,
        "region": spec.region,
        "decision": decision_for(b.findings),
        "findings": b.findings,
        "documents": docs,
        "defects": b.defects,
        "page_text": page_text,
        "page_ops": page_ops,
    }
    (out / "expected.json").write_text(dump_json(expected), encoding="utf-8")
    return expected


def generate(
    out_root: Path,
    seed: int = 0,
    count: int | None = None,
    only: list[str] | None = None,
    progress: Callable[[CaseSpec, dict[str, Any]], None] | None = None,
) -> list[dict[str, Any]]:
    specs = [c for c in CASES if only is None or c.id in only]
    if count is not None:
        specs = specs[:count]
    out_root.mkdir(parents=True, exist_ok=True)
    results = []
    for spec in specs:
        exp = build_case(spec, out_root, seed)
        results.append(exp)
        if progress:
            progress(spec, exp)
    return results
