"""The catalog's alternatives and conditions evaluate as the seeds say, for given case facts."""

from __future__ import annotations

from decimal import Decimal

import pytest

from models.catalog import MaterialRequirement
from models.catalog_loader import Catalog, EffectiveItem
from models.facts import CaseFacts
from models.kinds import DocumentKind as K

REGION = "sanming-mingxi"
VALID_ID = {
    K.ID_CARD,
    K.RESIDENCE_PERMIT,
    K.HOUSEHOLD_REGISTER,
    K.PASSPORT,
    K.HK_MACAO_TAIWAN_PERMIT,
    K.HK_MACAO_TAIWAN_RESIDENCE_PERMIT,
    K.FOREIGN_PERMANENT_RESIDENCE_CARD,
}


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return Catalog.load()


def needed(item: EffectiveItem, **facts: object) -> list[MaterialRequirement]:
    """Materials that certainly apply for these facts (the item's own facts filled in)."""
    merged = item.facts(CaseFacts.model_validate(facts))
    return [m for m in item.materials if m.level == "required" and m.applies(merged) is True]


def kinds(material: MaterialRequirement, **facts: object) -> set[K]:
    merged = CaseFacts.model_validate(facts)
    return {a.kind for a in material.accepts if a.accepted(merged) is not False}


def needs_kind(materials: list[MaterialRequirement], kind: K) -> bool:
    return any(kind in {a.kind for a in m.accepts} for m in materials)


def test_identity_is_one_requirement_satisfied_by_any_of_three(catalog: Catalog) -> None:
    item = catalog.effective("002036006002")
    identity = [m for m in item.materials if m.accepts_kind(K.ID_CARD)]
    assert len(identity) == 1
    accepted = kinds(identity[0])
    assert {K.MEDICAL_INSURANCE_E_VOUCHER, K.SOCIAL_SECURITY_CARD} <= accepted
    assert accepted >= VALID_ID  # every valid ID document is listed explicitly
    assert K.MEDICAL_INVOICE not in accepted


def test_valid_id_documents_are_explicit(catalog: Catalog) -> None:
    item = catalog.effective("002036001003")  # 城乡居民参保登记: 参保人有效身份证件
    ids = [m for m in item.materials if m.accepts_kind(K.PASSPORT)]
    assert ids and kinds(ids[0]) == VALID_ID


def test_reimbursement_in_the_county_depends_on_the_visit(catalog: Catalog) -> None:
    inpatient = catalog.effective("002036006002", REGION)
    outpatient = catalog.effective("002036006001", REGION)
    # The item itself settles the visit type.
    assert inpatient.facts(CaseFacts()).visit_type == "inpatient"
    in_needed, out_needed = needed(inpatient), needed(outpatient)
    assert needs_kind(in_needed, K.DISCHARGE_SUMMARY) and not needs_kind(in_needed, K.PRESCRIPTION)
    assert needs_kind(out_needed, K.PRESCRIPTION) and not needs_kind(
        out_needed, K.DISCHARGE_SUMMARY
    )
    for materials in (in_needed, out_needed):
        assert needs_kind(materials, K.MEDICAL_INVOICE) and needs_kind(materials, K.EXPENSE_LIST)
        forms = [a.title for m in materials for a in m.accepts if a.kind == K.APPLICATION_FORM]
        assert "费用报销申请表" in forms
    lists = [m for m in in_needed if m.accepts_kind(K.EXPENSE_LIST)]
    assert all(m.per_invoice for m in lists)


def test_a_region_cannot_drop_a_province_material(catalog: Catalog) -> None:
    # The county guide's 17/18 list names no identity document; the province list does.
    item = catalog.effective("002036006002", REGION)
    assert needs_kind(needed(item), K.ID_CARD)
    assert len([m for m in item.materials if m.accepts_kind(K.MEDICAL_INVOICE)]) == 1


def test_county_reimbursement_conditions(catalog: Catalog) -> None:
    item = catalog.effective("002036006002", REGION)
    base = needed(item)
    assert not needs_kind(base, K.REFERRAL_CERTIFICATE)
    assert needs_kind(needed(item, referral=True), K.REFERRAL_CERTIFICATE)

    emergency = [m for m in needed(item, emergency_away=True) if m not in base]
    assert any({K.CRITICAL_ILLNESS_NOTICE, K.ADMISSION_RECORD} <= kinds(m) for m in emergency)
    assert needs_kind(emergency, K.DISCHARGE_SUMMARY) and needs_kind(emergency, K.OUTPATIENT_RECORD)
    assert len(emergency) == 3

    trauma = [m for m in needed(item, trauma=True) if m not in base]
    titles = {a.title for m in trauma for a in m.accepts if a.kind == K.COMMITMENT_LETTER}
    assert any("外伤费用承诺书" in (t or "") for t in titles)
    for kind in (K.ADMISSION_RECORD, K.DISCHARGE_SUMMARY, K.OUTPATIENT_RECORD):
        assert needs_kind(trauma, kind), kind

    # the same guide on the 门诊 item: an outpatient trauma has no hospital stay to document
    outpatient = catalog.effective("002036006001", REGION)
    trauma = [m for m in needed(outpatient, trauma=True) if m not in needed(outpatient)]
    assert needs_kind(trauma, K.COMMITMENT_LETTER) and needs_kind(trauma, K.OUTPATIENT_RECORD)
    assert not needs_kind(trauma, K.ADMISSION_RECORD)
    assert not needs_kind(trauma, K.DISCHARGE_SUMMARY)


def test_county_maternity_conditions(catalog: Catalog) -> None:
    item = catalog.effective("002036006002", REGION)
    resident = needed(item, insured_type="resident", maternity_event="delivery")
    assert needs_kind(resident, K.MARRIAGE_CERTIFICATE)
    assert not needs_kind(needed(item, insured_type="employee"), K.MARRIAGE_CERTIFICATE)
    flexible = needed(item, insured_type="flexible", maternity_event="delivery")
    assert needs_kind(flexible, K.MARRIAGE_CERTIFICATE)
    assert needs_kind(flexible, K.BIRTH_SERVICE_REGISTRATION)
    miscarriage = [
        m
        for m in needed(item, insured_type="flexible", maternity_event="miscarriage")
        if m.accepts_kind(K.MARRIAGE_CERTIFICATE) or m.accepts_kind(K.BIRTH_SERVICE_REGISTRATION)
    ]
    # 流产提供结婚证或《生育服务登记表》: one requirement, either document.
    assert any(
        {K.MARRIAGE_CERTIFICATE, K.BIRTH_SERVICE_REGISTRATION} <= kinds(m) for m in miscarriage
    )


def test_birth_registration_may_be_replaced_by_marriage_certificate_only_for_miscarriage(
    catalog: Catalog,
) -> None:
    item = catalog.effective("002036007002", REGION)  # 生育医疗费支付
    [registration] = [m for m in needed(item) if m.accepts_kind(K.BIRTH_SERVICE_REGISTRATION)]
    assert K.MARRIAGE_CERTIFICATE not in kinds(registration, maternity_event="delivery")
    assert K.MARRIAGE_CERTIFICATE in kinds(registration, maternity_event="miscarriage")


@pytest.mark.parametrize(
    ("reason", "kind"),
    [
        ("death", K.DEATH_CERTIFICATE),
        ("emigration", K.SUPPORTING_DOCUMENT),
        ("transfer", K.SUPPORTING_DOCUMENT),
    ],
)
def test_account_withdrawal_by_reason(catalog: Catalog, reason: str, kind: K) -> None:
    for region in (None, REGION):
        item = catalog.effective("002036002003", region)
        with_reason = needed(item, reason=reason)
        without = needed(item)
        extra = [m for m in with_reason if m not in without]
        if region == REGION or reason != "transfer":  # 转保健 is in the county guide only
            assert extra, (region, reason)
        if region == REGION:
            assert needs_kind(extra, kind)
    county = catalog.effective("002036002003", REGION)
    titles = {a.title for m in needed(county, reason="transfer") for a in m.accepts if a.title}
    assert any("保健证" in t for t in titles)


def test_unknown_facts_leave_conditional_materials_undetermined(catalog: Catalog) -> None:
    item = catalog.effective("002036006002", REGION)
    trauma_only = [
        m for m in item.materials if m.when is not None and m.when.facts_used() == {"trauma"}
    ]
    assert trauma_only
    assert all(m.applies(item.facts(CaseFacts())) is None for m in trauma_only)
    assert all(m.applies(item.facts(CaseFacts(trauma=False))) is False for m in trauma_only)


def test_employee_registration_needs_a_sealed_form_flexible_does_not(catalog: Catalog) -> None:
    item = catalog.effective("002036001002-3.1")
    employee = needed(item, insured_type="employee")
    flexible = needed(item, insured_type="flexible")
    assert any(m.seal_required for m in employee if m.accepts_kind(K.APPLICATION_FORM))
    assert not any(m.seal_required for m in flexible if m.accepts_kind(K.APPLICATION_FORM))
    assert needs_kind(flexible, K.MEDICAL_INSURANCE_E_VOUCHER)


def test_conditional_seal(catalog: Catalog) -> None:
    item = catalog.effective("002036001005")  # 职工参保信息变更登记
    [form] = [m for m in item.materials if m.seal_required]
    assert form.needs_seal(CaseFacts(key_info_change=True)) is True
    assert form.needs_seal(CaseFacts(key_info_change=False)) is False


def test_parole_needs_both_documents(catalog: Catalog) -> None:
    item = catalog.effective("002036001002-3.1", REGION)
    flexible = needed(item, insured_type="flexible")
    prisoner = needed(item, insured_type="flexible", released_prisoner=True)
    [proof] = [m for m in prisoner if m not in flexible]
    bundles = [a for a in proof.accepts if a.together_with]
    assert len(proof.accepts) == 2 and len(bundles) == 1


def test_exemption_flag_and_on_request(catalog: Catalog) -> None:
    item = catalog.effective("002036001001-1.1")
    assert any(m.exempt_if_shared for m in item.materials)
    outpatient = catalog.effective("002036006001")
    assert any(m.level == "on_request" for m in outpatient.materials)


def test_time_limits_are_structured_with_exceptions(catalog: Catalog) -> None:
    item = catalog.effective("002036006002")
    limit = item.time_limit
    assert limit.limit is not None and (limit.limit.unit, limit.limit.value) == ("working_days", 15)
    big = limit.for_facts(CaseFacts(claim_amount=Decimal("50000.01")))
    small = limit.for_facts(CaseFacts(claim_amount=Decimal("50000.00")))
    assert big is not None and big.value == 30
    assert small is not None and small.value == 15
    employees = catalog.effective("002036001002-3.1").time_limit
    assert employees.limit is not None and employees.limit.unit == "immediate"
    many = employees.for_facts(CaseFacts(headcount=50))
    assert many is not None and (many.unit, many.value) == ("working_days", 3)
    assert catalog.effective("002036009001", REGION).time_limit.limit is not None
    months = catalog.effective("002036009001", REGION).time_limit.limit
    assert months is not None and (months.unit, months.value) == ("months", 3)
    natural = catalog.effective("002036009001").time_limit.limit
    assert natural is not None and (natural.unit, natural.value) == ("natural_days", 35)


def test_legal_basis_is_a_list_of_citations(catalog: Catalog) -> None:
    item = catalog.effective("002036001001-1.1")
    first = item.legal_basis[0]
    assert first.title == "中华人民共和国社会保险法"
    assert first.number == "主席令第35号"
    assert first.articles == ["第五十七条", "第五十八条"]
