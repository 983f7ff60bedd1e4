"""A field read only in part on one document, completed from the submission's others.

The 收款单位 of a paper invoice sits under the hospital's seal, whose ring hides the head of the
name (州市东海人民医院 for 泉州市东海人民医院) or one character inside it (泉州市刺桐幼保健院 for
…刺桐妇幼保健院). The expense list and the discharge summary print
the same hospital in their titles, clear of any seal. A payee that is the tail of the one name
those documents agree on is that name, a little less sure, its raw reading kept as read. The
head is never taken from a gazetteer: 州市 is 福州, 泉州 or 漳州.

An ID card's name sits right after its 姓名 label; on a dark photocopy the label's 名 may be
read as one more character glued to the name (生游桂香 for 游桂香). A card name that is the one
name the medical documents agree on with one character before it is that name.
"""

from __future__ import annotations

from collections import Counter

from models.documents import Document
from models.kinds import DocumentKind as K

HOSPITAL_FIELDS: dict[K, str] = {
    K.EXPENSE_LIST: "hospital",
    K.DISCHARGE_SUMMARY: "hospital",
    K.ADMISSION_RECORD: "hospital",
    K.DIAGNOSIS_CERTIFICATE: "hospital",
    K.OUTPATIENT_RECORD: "hospital",
    K.PRESCRIPTION: "hospital",
}
PATIENT_FIELDS: dict[K, str] = {
    K.MEDICAL_INVOICE: "payer",
    K.EXPENSE_LIST: "patient_name",
    K.DISCHARGE_SUMMARY: "patient_name",
    K.ADMISSION_RECORD: "patient_name",
    K.DIAGNOSIS_CERTIFICATE: "patient_name",
    K.OUTPATIENT_RECORD: "patient_name",
    K.PRESCRIPTION: "patient_name",
}
MAX_CUT = 2
"""Characters a seal's ring may hide at the head of a name."""
AGREEING = 2
"""Documents that must print the full name (one could itself be misread)."""


def complete_cut_payees(docs: list[Document]) -> list[Document]:
    names = _agreed(docs, HOSPITAL_FIELDS)
    out = []
    for d in docs:
        f = d.fields.get("payee")
        cut = f.value if f is not None and f.readable else None
        if d.kind is K.MEDICAL_INVOICE and f is not None and isinstance(cut, str) and len(cut) >= 4:
            fulls = [n for n in names if n != cut and _hidden_in(cut, n)]
            # one candidate, agreed on by enough documents, and no other hospital among them
            if len(fulls) == 1 and names[fulls[0]] >= AGREEING and len(names) == 1:
                done = f.model_copy(
                    update={
                        "value": fulls[0],
                        "confidence": round(min(f.confidence, 0.95) * 0.95, 3),
                    }
                )
                d = d.model_copy(update={"fields": {**d.fields, "payee": done}})
        out.append(d)
    return out


def _hidden_in(read: str, name: str) -> bool:
    """Whether `read` is `name` less at most MAX_CUT characters at its head, or less one
    character inside it (a seal's ring over the 妇 of 刺桐妇幼): the characters read all in
    place, none different."""
    if name.endswith(read) and len(name) - len(read) <= MAX_CUT:
        return True
    return len(name) == len(read) + 1 and any(
        name[:i] + name[i + 1 :] == read for i in range(1, len(name) - 1)
    )


def strip_card_label_remnants(docs: list[Document]) -> list[Document]:
    names = _agreed(docs, PATIENT_FIELDS)
    out = []
    for d in docs:
        f = d.fields.get("name")
        read = f.value if f is not None and f.readable else None
        agreed = isinstance(read, str) and len(names) == 1 and names[read[1:]] >= AGREEING
        if d.kind is K.ID_CARD and f is not None and isinstance(read, str) and agreed:
            done = f.model_copy(
                update={"value": read[1:], "confidence": round(min(f.confidence, 0.95), 3)}
            )
            d = d.model_copy(update={"fields": {**d.fields, "name": done}})
        out.append(d)
    return out


def _agreed(docs: list[Document], fields: dict[K, str]) -> Counter[str]:
    """How many documents print each value of their `fields` (readable values only)."""
    names: Counter[str] = Counter()
    for d in docs:
        field = fields.get(d.kind)
        value = d.value(field) if field else None
        if isinstance(value, str):
            names[value] += 1
    return names
