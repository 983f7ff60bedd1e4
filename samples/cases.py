"""Case recipes as data: item, region, channel, facts, scenario, presentation style and defects."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

MZ, ZY = "002036006001", "002036006002"
PRENATAL, DELIVERY, FAMILY_PLANNING, ALLOWANCE = (
    "002036007001",
    "002036007002",
    "002036007003",
    "002036007004",
)
ASSISTANCE = "002036008002"
FILING = ("002036004001", "002036004002", "002036004003", "002036004004", "002036004005")
CHRONIC = "002036005000"
WITHDRAWAL = "002036002003"
ENROL = "002036001002-3.1"
MINGXI = "sanming-mingxi"


@dataclass(frozen=True)
class CaseSpec:
    id: str
    item: str
    family: str  # reimburse, allowance, assistance, filing, chronic, withdrawal, enrol
    channel: str = "mail"
    region: str | None = None
    visit: str = ""
    style: str = "clean"  # clean, degraded, photo, photocopy, rotated, lighting
    electronic: bool = False
    facts: dict[str, Any] = field(default_factory=dict)
    defects: tuple[str, ...] = ()
    same_claim_as: str | None = None  # DUPLICATE_INVOICE: regenerate that case's claim
    # Extra degradations for one material's document, after the style's own: material id →
    # ops of samples.degrade ("stamp", "cut:right:0.06"); used to show them on clean cases.
    extra_ops: dict[str, tuple[str, ...]] = field(default_factory=dict)


def _c(n: int, item: str, family: str, **kw: Any) -> CaseSpec:
    return CaseSpec(id=f"c{n:03d}", item=item, family=family, **kw)


OP = {"visit_type": "outpatient", "insured_type": "employee", "trauma": False}
IP = {"visit_type": "inpatient", "insured_type": "employee", "trauma": False}
MX = {"referral": False, "emergency_away": False}
DELIVERY_EMPLOYEE = {
    "maternity_event": "delivery",
    "insured_type": "employee",
    "spouse_of_male_employee": False,
}

CASES: tuple[CaseSpec, ...] = (
    # ---- complete, correct cases
    _c(1, MZ, "reimburse", visit="op_uri", facts=OP),
    _c(2, MZ, "reimburse", region=MINGXI, visit="op_gastro", channel="onsite", facts={**OP, **MX}),
    _c(3, MZ, "reimburse", visit="op_htn", style="degraded", facts=OP),
    _c(
        4,
        MZ,
        "reimburse",
        visit="op_trauma",
        style="photo",
        channel="online",
        facts={**OP, "trauma": True},
    ),
    _c(
        5,
        MZ,
        "reimburse",
        visit="op_dm",
        electronic=True,
        channel="online",
        style="photo",
        facts=OP,
    ),
    _c(6, ZY, "reimburse", visit="ip_pneumonia", facts=IP),
    _c(
        7,
        ZY,
        "reimburse",
        region=MINGXI,
        visit="ip_chole",
        style="photo",
        channel="onsite",
        facts={**IP, **MX},
    ),
    _c(8, ZY, "reimburse", visit="ip_chd", electronic=True, channel="online", facts=IP),
    _c(9, ZY, "reimburse", visit="ip_appendicitis", style="photocopy", facts=IP),
    _c(10, ZY, "reimburse", visit="ip_pneumonia", style="rotated", facts=IP),
    _c(
        11,
        PRENATAL,
        "reimburse",
        visit="op_prenatal",
        facts={
            "maternity_event": "prenatal",
            "insured_type": "employee",
            "spouse_of_male_employee": False,
        },
    ),
    _c(
        12,
        PRENATAL,
        "reimburse",
        visit="op_prenatal",
        style="lighting",
        facts={
            "maternity_event": "prenatal",
            "insured_type": "employee",
            "spouse_of_male_employee": True,
        },
    ),
    _c(
        13,
        DELIVERY,
        "reimburse",
        visit="ip_delivery",
        facts={
            "maternity_event": "delivery",
            "insured_type": "employee",
            "spouse_of_male_employee": False,
        },
    ),
    _c(
        14,
        DELIVERY,
        "reimburse",
        visit="ip_cesarean",
        style="degraded",
        facts={
            "maternity_event": "delivery",
            "insured_type": "employee",
            "spouse_of_male_employee": False,
        },
    ),
    _c(
        15,
        FAMILY_PLANNING,
        "reimburse",
        visit="op_abortion",
        facts={
            "maternity_event": "family_planning",
            "visit_type": "outpatient",
            "insured_type": "employee",
            "spouse_of_male_employee": False,
        },
    ),
    _c(
        16,
        FAMILY_PLANNING,
        "reimburse",
        visit="ip_miscarriage",
        style="photo",
        channel="online",
        facts={
            "maternity_event": "miscarriage",
            "visit_type": "inpatient",
            "insured_type": "employee",
            "spouse_of_male_employee": False,
        },
    ),
    _c(
        17,
        ALLOWANCE,
        "allowance",
        visit="ip_delivery",
        facts={
            "maternity_event": "delivery",
            "visit_type": "inpatient",
            "insured_type": "employee",
        },
    ),
    _c(18, ASSISTANCE, "assistance", visit="ip_pneumonia", facts={"visit_type": "inpatient"}),
    _c(19, FILING[0], "filing", facts={"insured_type": "employee"}),
    _c(20, FILING[1], "filing", style="photo", channel="online"),
    _c(21, FILING[2], "filing"),
    _c(22, FILING[3], "filing", style="degraded", facts={"referral": True}),
    _c(23, FILING[4], "filing", channel="online", style="photo"),
    _c(24, CHRONIC, "chronic"),
    _c(25, CHRONIC, "chronic", style="photocopy"),
    _c(26, WITHDRAWAL, "withdrawal", facts={"reason": "death", "payout_to_other_account": False}),
    _c(27, WITHDRAWAL, "withdrawal", facts={"reason": "emigration"}),
    _c(28, WITHDRAWAL, "withdrawal", style="degraded", facts={"reason": "transfer"}),
    _c(29, WITHDRAWAL, "withdrawal", facts={"reason": "leave"}),
    _c(30, ENROL, "enrol", facts={"insured_type": "employee", "nationality_group": "mainland"}),
    _c(
        31,
        ENROL,
        "enrol",
        style="photo",
        channel="online",
        facts={"insured_type": "flexible", "nationality_group": "mainland"},
    ),
    _c(
        32,
        MZ,
        "reimburse",
        region=MINGXI,
        visit="op_trauma",
        style="lighting",
        facts={**OP, **MX, "trauma": True},
    ),
    _c(33, ZY, "reimburse", visit="ip_fracture", style="degraded", facts={**IP, "trauma": True}),
    _c(
        34,
        ZY,
        "reimburse",
        region=MINGXI,
        visit="ip_appendicitis",
        electronic=True,
        facts={**IP, **MX},
    ),
    # ---- defect cases
    _c(35, MZ, "reimburse", visit="op_uri", facts=OP, defects=("missing:expense_list",)),
    _c(
        36,
        ZY,
        "reimburse",
        visit="ip_chole",
        style="degraded",
        facts=IP,
        defects=("missing:discharge_or_diagnosis",),
    ),
    _c(37, ZY, "reimburse", visit="ip_pneumonia", facts=IP, defects=("amount_mismatch",)),
    _c(
        38,
        MZ,
        "reimburse",
        visit="op_gastro",
        style="photo",
        channel="online",
        facts=OP,
        defects=("amount_mismatch",),
    ),
    _c(39, ZY, "reimburse", visit="ip_chd", facts=IP, defects=("words_mismatch",)),
    _c(40, MZ, "reimburse", visit="op_htn", facts=OP, defects=("words_mismatch",)),
    _c(41, ZY, "reimburse", visit="ip_appendicitis", facts=IP, defects=("items_sum",)),
    _c(
        42,
        ZY,
        "reimburse",
        visit="ip_pneumonia",
        style="lighting",
        facts=IP,
        defects=("payment_breakdown",),
    ),
    _c(43, ZY, "reimburse", visit="ip_chole", facts=IP, defects=("name_mismatch",)),
    _c(
        44,
        MZ,
        "reimburse",
        region=MINGXI,
        visit="op_uri",
        facts={**OP, **MX},
        defects=("id_mismatch",),
    ),
    _c(45, MZ, "reimburse", visit="op_dm", facts=OP, defects=("id_invalid",)),
    _c(46, ZY, "reimburse", visit="ip_pneumonia", facts=IP, defects=("id_expired",)),
    _c(
        47, ZY, "reimburse", visit="ip_appendicitis", facts=IP, defects=("discharge_after_invoice",)
    ),
    _c(
        48,
        ZY,
        "reimburse",
        visit="ip_chd",
        style="degraded",
        facts=IP,
        defects=("stay_days_wrong",),
    ),
    _c(
        49,
        ZY,
        "reimburse",
        visit="ip_fracture",
        facts={**IP, "trauma": True},
        defects=("hospital_mismatch",),
    ),
    _c(
        50,
        ZY,
        "reimburse",
        visit="ip_pneumonia",
        facts=IP,
        same_claim_as="c006",
        defects=("duplicate",),
    ),
    _c(51, ZY, "reimburse", visit="ip_chole", facts=IP, defects=("unreadable",)),
    _c(
        52,
        ENROL,
        "enrol",
        facts={"insured_type": "employee", "nationality_group": "mainland"},
        defects=("seal_missing",),
    ),
    _c(
        53,
        MZ,
        "reimburse",
        visit="op_trauma",
        facts={**OP, "trauma": True},
        defects=("missing:accident_proof",),
    ),
    _c(
        54,
        MZ,
        "reimburse",
        region=MINGXI,
        visit="op_trauma",
        style="photo",
        channel="onsite",
        facts={**OP, **MX, "trauma": True},
        defects=("missing:trauma_commitment",),
    ),
    _c(55, MZ, "reimburse", visit="op_uri", facts=OP, defects=("settled",)),
    _c(
        56,
        ZY,
        "reimburse",
        visit="ip_appendicitis",
        style="degraded",
        facts=IP,
        defects=("settled",),
    ),
    _c(57, MZ, "reimburse", visit="op_gastro", facts=OP, defects=("wrong_document",)),
    _c(
        58,
        ZY,
        "reimburse",
        visit="ip_pneumonia",
        facts=IP,
        defects=("name_mismatch", "amount_mismatch"),
    ),
    _c(
        59,
        MZ,
        "reimburse",
        visit="op_htn",
        style="photo",
        channel="online",
        facts=OP,
        defects=("missing:prescription_or_record", "id_expired"),
    ),
    _c(
        60,
        PRENATAL,
        "reimburse",
        visit="op_prenatal",
        facts={
            "maternity_event": "prenatal",
            "insured_type": "employee",
            "spouse_of_male_employee": True,
        },
        defects=("missing:spouse_commitment",),
    ),
    _c(
        61,
        MZ,
        "reimburse",
        region=MINGXI,
        visit="op_dm",
        facts={**OP, **MX},
        defects=("missing:application_form",),
    ),
    _c(62, FILING[0], "filing", defects=("missing:resettlement_proof",)),
    _c(63, FILING[3], "filing", facts={"referral": True}, defects=("missing:referral",)),
    _c(
        64,
        WITHDRAWAL,
        "withdrawal",
        facts={"reason": "death", "payout_to_other_account": False},
        defects=("missing:heir_bank_account",),
    ),
    _c(65, CHRONIC, "chronic", defects=("missing:application_form",)),
    _c(
        66,
        ASSISTANCE,
        "assistance",
        visit="ip_chd",
        facts={"visit_type": "inpatient"},
        defects=("missing:settlement_statement",),
    ),
    _c(67, ZY, "reimburse", visit="ip_cesarean", facts=IP, defects=("stay_dates_differ",)),
    _c(
        68,
        DELIVERY,
        "reimburse",
        visit="ip_delivery",
        style="degraded",
        facts={
            "maternity_event": "delivery",
            "insured_type": "employee",
            "spouse_of_male_employee": False,
        },
        defects=("amount_mismatch",),
    ),
    _c(
        69,
        MZ,
        "reimburse",
        visit="op_uri",
        electronic=True,
        channel="online",
        facts=OP,
        defects=("id_mismatch",),
    ),
    _c(70, MZ, "reimburse", visit="op_gastro", facts=OP, defects=("unreadable_id",)),
    _c(
        71,
        ZY,
        "reimburse",
        visit="ip_appendicitis",
        facts=IP,
        defects=("items_sum", "words_mismatch", "hospital_mismatch"),
    ),
    # ---- 明溪 maternity: 《生育服务登记表》 (county items 19-21 and 17/18 for flexible workers)
    _c(
        72,
        DELIVERY,
        "reimburse",
        region=MINGXI,
        visit="ip_delivery",
        channel="onsite",
        facts=DELIVERY_EMPLOYEE,
    ),
    _c(
        73,
        PRENATAL,
        "reimburse",
        region=MINGXI,
        visit="op_prenatal",
        channel="online",
        style="photo",
        facts={
            "maternity_event": "prenatal",
            "insured_type": "employee",
            "spouse_of_male_employee": False,
        },
    ),
    _c(
        74,
        ZY,
        "reimburse",
        region=MINGXI,
        visit="ip_cesarean",
        facts={**IP, **MX, "insured_type": "flexible", "maternity_event": "delivery"},
    ),
    _c(
        75,
        DELIVERY,
        "reimburse",
        region=MINGXI,
        visit="ip_delivery",
        channel="onsite",
        style="degraded",
        facts=DELIVERY_EMPLOYEE,
        defects=("missing:birth_service_registration",),
    ),
    # ---- clean cases showing the remaining degradations
    _c(
        76,
        ZY,
        "reimburse",
        visit="ip_chd",
        facts=IP,
        extra_ops={"discharge_or_diagnosis": ("stamp:与原件核对无误",)},
    ),
    _c(
        77,
        MZ,
        "reimburse",
        visit="op_gastro",
        facts=OP,
        extra_ops={"expense_list": ("cut:right:0.06",), "identity": ("cut:bottom",)},
    ),
    # ---- one deciding field blotted out on an otherwise readable page
    _c(78, ZY, "reimburse", visit="ip_pneumonia", facts=IP, defects=("smudged_total",)),
)
