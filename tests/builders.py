"""Build documents directly (no OCR) for verifier tests: a clean inpatient case to mutate."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from extractors.normalize.idnumber import check_digit
from extractors.normalize.money import to_upper
from models.documents import BBox, Document, ExtractedField
from models.kinds import DocumentKind as K

ID17 = "35010219800312123"
ID_NUMBER = ID17 + check_digit(ID17)
NAME = "林建国"
HOSPITAL = "福建医科大学附属协和医院"


def doc(
    kind: K, doc_id: str, pages: list[int], title: str | None = None, **fields: Any
) -> Document:
    page = pages[0]
    return Document(
        id=doc_id,
        kind=kind,
        confidence=0.99,
        pages=pages,
        title=title,
        fields={
            name: ExtractedField(
                name=name,
                value=value,
                raw=str(value),
                confidence=0.98,
                page=page,
                bbox=BBox(x0=10, y0=10 * n, x1=200, y1=10 * n + 8),
            )
            for n, (name, value) in enumerate(fields.items(), 1)
        },
    )


def items(*rows: tuple[str, str, str, str]) -> list[dict[str, Any]]:
    """(name, quantity, unit price, category) → rows with amounts that add up."""
    out = []
    for name, quantity, price, category in rows:
        amount = (Decimal(quantity) * Decimal(price)).quantize(Decimal("0.01"))
        out.append(
            {
                "name": name,
                "quantity": Decimal(quantity),
                "unit_price": Decimal(price),
                "amount": amount,
                "category": category,
            }
        )
    return out


def inpatient_case() -> list[Document]:
    rows = items(
        ("头孢曲松钠注射液", "6", "35.50", "西药费"),
        ("床位费", "5", "40.00", "床位费"),
        ("血常规", "2", "20.00", "检验费"),
    )
    total = sum((r["amount"] for r in rows), Decimal(0))
    subtotals: dict[str, Decimal] = {}
    for r in rows:
        subtotals[r["category"]] = subtotals.get(r["category"], Decimal(0)) + r["amount"]
    admitted, discharged = dt.date(2026, 3, 1), dt.date(2026, 3, 6)
    return [
        doc(
            K.ID_CARD,
            "d1",
            [1],
            name=NAME,
            sex="男",
            id_number=ID_NUMBER,
            valid_until=dt.date(2030, 5, 1),
        ),
        doc(
            K.MEDICAL_INVOICE,
            "d2",
            [2],
            invoice_type="inpatient",
            invoice_code="35060126",
            invoice_number="00012345",
            payer=NAME,
            issue_date=discharged,
            inpatient_number="ZY2026001",
            stay_start=admitted,
            stay_end=discharged,
            total=total,
            total_words=to_upper(total),
            fund_payment=Decimal(0),
            other_payment=Decimal(0),
            account_payment=Decimal(0),
            cash_payment=total,
            payee=HOSPITAL,
            category_amounts=subtotals,
        ),
        doc(
            K.EXPENSE_LIST,
            "d3",
            [3, 4],
            patient_name=NAME,
            inpatient_number="ZY2026001",
            hospital=HOSPITAL,
            items=rows,
            subtotals=subtotals,
            total=total,
        ),
        doc(
            K.DISCHARGE_SUMMARY,
            "d4",
            [5],
            hospital=HOSPITAL,
            patient_name=NAME,
            inpatient_number="ZY2026001",
            admission_date=admitted,
            discharge_date=discharged,
            stay_days=5,
            discharge_diagnosis="社区获得性肺炎",
        ),
        doc(
            K.APPLICATION_FORM,
            "d5",
            [6],
            title="费用报销申请表",
            applicant_name=NAME,
            id_number=ID_NUMBER,
            signature_present=True,
        ),
    ]


def set_field(documents: list[Document], doc_id: str, **values: Any) -> list[Document]:
    """A copy of the documents with some fields of one document changed."""
    out = []
    for d in documents:
        if d.id == doc_id:
            fields = dict(d.fields)
            for name, value in values.items():
                base = fields.get(name) or ExtractedField(
                    name=name, value=None, confidence=0.98, page=d.pages[0]
                )
                fields[name] = base.model_copy(update={"value": value, "raw": str(value)})
            d = d.model_copy(update={"fields": fields})
        out.append(d)
    return out
