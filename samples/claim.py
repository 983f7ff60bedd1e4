"""A coherent medical visit: who, where, when, what was billed and how it was paid.

Every document of a case is derived from one `Claim`, so values agree across documents unless a
recipe injects a defect afterwards.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from decimal import Decimal

from samples.data import (
    BILLABLES,
    CATEGORIES,
    HOSPITALS,
    MATERNITY_HOSPITALS,
    PHYSICIANS,
    VISITS,
    Hospital,
)
from samples.money import q
from samples.people import Person


@dataclass
class Item:
    name: str
    spec: str
    unit: str
    quantity: Decimal
    unit_price: Decimal
    amount: Decimal
    insurance_class: str
    category: str
    day: dt.date

    def as_json(self) -> dict[str, str]:
        return {
            "name": self.name,
            "spec": self.spec,
            "unit": self.unit,
            "quantity": f"{self.quantity:g}",
            "unit_price": f"{self.unit_price:.2f}",
            "amount": f"{self.amount:.2f}",
            "insurance_class": self.insurance_class,
            "category": self.category,
        }


@dataclass
class Payments:
    fund: Decimal = Decimal("0.00")
    other: Decimal = Decimal("0.00")
    account: Decimal = Decimal("0.00")
    cash: Decimal = Decimal("0.00")
    self_pay: Decimal = Decimal("0.00")
    self_expense: Decimal = Decimal("0.00")


@dataclass
class Claim:
    person: Person
    hospital: Hospital
    visit_key: str
    inpatient: bool
    department: str
    admission_diagnosis: str
    discharge_diagnosis: str
    start: dt.date  # visit day or admission
    end: dt.date  # visit day or discharge
    issue_date: dt.date  # invoice date
    record_number: str  # 门诊号 / 住院号
    invoice_code: str
    invoice_number: str
    check_code: str
    physician: str
    items: list[Item]
    payments: Payments = field(default_factory=Payments)
    course: str = ""
    advice: str = ""
    trauma: bool = False

    @property
    def stay_days(self) -> int:
        return (self.end - self.start).days

    @property
    def total(self) -> Decimal:
        return q(sum((i.amount for i in self.items), Decimal(0)))

    def category_amounts(self) -> dict[str, Decimal]:
        out: dict[str, Decimal] = {}
        for cat in CATEGORIES:
            s = sum((i.amount for i in self.items if i.category == cat), Decimal(0))
            if s:
                out[cat] = q(s)
        return out


def make_claim(
    rng: random.Random,
    person: Person,
    visit_key: str,
    *,
    end: dt.date,
    hospital: Hospital | None = None,
    settled: bool = False,
    electronic: bool = False,
) -> Claim:
    v = VISITS[visit_key]
    if hospital is None:
        hospital = rng.choice(MATERNITY_HOSPITALS if v.maternity else HOSPITALS)
    days = rng.randint(*v.stay) if v.inpatient else 0
    start = end - dt.timedelta(days=days)
    items: list[Item] = []
    for line in v.lines:
        b = BILLABLES[line.name]
        reps = days if line.per_day and days else 1
        if line.per_day and days:
            # one row per day, as hospital systems print them
            for d in range(reps):
                qty = Decimal(rng.randint(*line.qty))
                items.append(
                    Item(
                        b.name,
                        b.spec,
                        b.unit,
                        qty,
                        b.price,
                        q(qty * b.price),
                        b.cls,
                        b.category,
                        start + dt.timedelta(days=d),
                    )
                )
        else:
            qty = Decimal(rng.randint(*line.qty))
            if b.unit == "克":
                qty = Decimal(rng.randint(60, 150))
            day = start + dt.timedelta(days=rng.randint(0, max(0, days - 1)))
            items.append(
                Item(b.name, b.spec, b.unit, qty, b.price, q(qty * b.price), b.cls, b.category, day)
            )
    items.sort(key=lambda i: (CATEGORIES.index(i.category), i.day, i.name))
    prefix = "ZY" if v.inpatient else "MZ"
    area = hospital.invoice_area
    claim = Claim(
        person=person,
        hospital=hospital,
        visit_key=visit_key,
        inpatient=v.inpatient,
        department=v.department,
        admission_diagnosis=v.admission_diagnosis,
        discharge_diagnosis=v.discharge_diagnosis,
        start=start,
        end=end,
        issue_date=end,
        record_number=f"{prefix}{end:%y}{rng.randint(100000, 999999)}"
        if rng.random() < 0.5
        else f"{rng.randint(10, 99)}{rng.randint(100000, 999999)}",
        invoice_code=f"35{area}{'25' if electronic else '21'}",
        invoice_number=f"{rng.randint(0, 99999999):010d}",
        check_code=f"{rng.randint(0, 0xFFFFFF):06x}",
        physician=rng.choice(PHYSICIANS),
        items=items,
        course=v.course,
        advice=v.advice,
        trauma=v.trauma,
    )
    claim.payments = payments_for(rng, claim.total, claim.items, settled=settled)
    return claim


def payments_for(
    rng: random.Random, total: Decimal, items: list[Item], *, settled: bool
) -> Payments:
    """Unsettled (零星报销): everything paid in cash (some from the personal account).
    Settled at the hospital: the fund paid its share."""
    if not settled:
        account = q(total * Decimal(rng.choice((0, 0, 0, 20, 35)) / 100))
        return Payments(account=account, cash=total - account)
    self_expense = q(sum((i.amount for i in items if i.insurance_class == "丙"), Decimal(0)))
    covered = total - self_expense
    fund = q(covered * Decimal(rng.randint(55, 80)) / 100)
    other = q(covered * Decimal(rng.choice((0, 0, 5))) / 100)
    personal = total - fund - other
    account = q(personal * Decimal(rng.choice((0, 30, 50))) / 100)
    return Payments(
        fund=fund,
        other=other,
        account=account,
        cash=personal - account,
        self_pay=personal - self_expense,
        self_expense=self_expense,
    )
