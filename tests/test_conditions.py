from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from pydantic import ValidationError

from models.conditions import Condition
from models.facts import CaseFacts


def cond(data: object) -> Condition:
    return Condition.model_validate(data)


def test_shorthand_equality_and_membership() -> None:
    inpatient = cond({"visit_type": "inpatient"})
    assert inpatient.evaluate(CaseFacts(visit_type="inpatient")) is True
    assert inpatient.evaluate(CaseFacts(visit_type="outpatient")) is False
    reasons = cond({"reason": ["death", "emigration"]})
    assert reasons.evaluate(CaseFacts(reason="emigration")) is True
    assert reasons.evaluate(CaseFacts(reason="transfer")) is False


def test_several_facts_in_one_mapping_must_all_hold() -> None:
    c = cond({"insured_type": "flexible", "maternity_event": "delivery"})
    assert c.evaluate(CaseFacts(insured_type="flexible", maternity_event="delivery")) is True
    assert c.evaluate(CaseFacts(insured_type="flexible", maternity_event="miscarriage")) is False


def test_unknown_facts_make_the_condition_unknown_not_false() -> None:
    c = cond({"trauma": True})
    assert c.evaluate(CaseFacts()) is None
    # Kleene logic: a known False decides an `all`, a known True decides an `any`.
    both = cond({"all": [{"trauma": True}, {"visit_type": "inpatient"}]})
    assert both.evaluate(CaseFacts(visit_type="outpatient")) is False
    assert both.evaluate(CaseFacts(visit_type="inpatient")) is None
    either = cond({"any": [{"trauma": True}, {"referral": True}]})
    assert either.evaluate(CaseFacts(referral=True)) is True
    assert either.evaluate(CaseFacts(referral=False)) is None
    assert cond({"not": {"trauma": True}}).evaluate(CaseFacts()) is None
    assert cond({"not": {"trauma": True}}).evaluate(CaseFacts(trauma=False)) is True


@pytest.mark.parametrize(
    ("spec", "amount", "expected"),
    [
        ({"gt": 50000}, "50000.00", False),
        ({"gt": 50000}, "50000.01", True),
        ({"gte": 50000}, "50000", True),
        ({"lt": 100}, "99.99", True),
        ({"lte": 100}, "100.01", False),
    ],
)
def test_money_comparisons_are_decimal_exact(spec: dict, amount: str, expected: bool) -> None:  # type: ignore[type-arg]
    c = cond({"claim_amount": spec})
    assert c.evaluate(CaseFacts(claim_amount=Decimal(amount))) is expected


def test_headcount_and_dates() -> None:
    assert cond({"headcount": {"gte": 50}}).evaluate(CaseFacts(headcount=50)) is True
    c = cond({"submitted_on": {"lt": "2026-01-01"}})
    assert c.evaluate(CaseFacts(submitted_on=dt.date(2025, 12, 31))) is True


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"visit_typ": "inpatient"}, "unknown case fact 'visit_typ'"),
        ({"visit_type": "hospital"}, "value 'hospital' is not allowed"),
        ({"trauma": {"between": 1}}, "expected one operator"),
        ({"headcount": {"gte": "many"}}, "value 'many' is not allowed"),
        ({"fact": "trauma", "op": "in", "value": True}, "'in' needs a list"),
    ],
)
def test_malformed_conditions_say_what_is_wrong(data: object, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        cond(data)


def test_facts_used() -> None:
    c = cond(
        {"any": [{"trauma": True}, {"all": [{"visit_type": "inpatient"}, {"referral": True}]}]}
    )
    assert c.facts_used() == {"trauma", "visit_type", "referral"}
