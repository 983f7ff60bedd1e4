"""Conditions over case facts, written as data in the catalog.

Forms accepted in YAML (all equivalent to a `Condition`):

    {visit_type: inpatient}                      # every named fact equals the value
    {reason: [death, emigration]}                # the fact is one of the values
    {claim_amount: {gt: 50000}}                  # comparison
    {any: [{trauma: true}, {referral: true}]}    # or / and / not combinators
    {all: [...]}, {not: {...}}

Evaluation is three-valued: a condition over a fact nobody knows is `None` (unknown), so the
verifier can ask a reviewer instead of silently requiring or waiving a material.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, model_validator

from models.facts import FACT_NAMES, CaseFacts

Scalar = bool | int | Decimal | str | dt.date
Op = Literal["eq", "in", "gt", "gte", "lt", "lte"]
_OPS: frozenset[str] = frozenset({"eq", "in", "gt", "gte", "lt", "lte"})
_COMBINATORS: frozenset[str] = frozenset({"all", "any", "not"})


class Condition(BaseModel):
    """One node of a condition tree: either a fact test or a combinator."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)

    fact: str | None = None
    op: Op = "eq"
    value: Scalar | list[Scalar] | None = None
    all_: list[Condition] | None = Field(None, alias="all")
    any_: list[Condition] | None = Field(None, alias="any")
    not_: Condition | None = Field(None, alias="not")

    @model_validator(mode="before")
    @classmethod
    def _expand_shorthand(cls, data: Any) -> Any:
        if not isinstance(data, dict) or "fact" in data or "op" in data:
            return data
        combinators = {k: v for k, v in data.items() if k in _COMBINATORS}
        tests = [_fact_test(k, v) for k, v in data.items() if k not in _COMBINATORS]
        if not tests and len(combinators) == 1:
            return combinators
        if len(tests) == 1 and not combinators:
            return tests[0]
        return {"all": tests + [{k: v} for k, v in combinators.items()]}

    @model_validator(mode="after")
    def _check(self) -> Condition:
        forms = [self.fact is not None, self.all_ is not None, self.any_ is not None]
        forms.append(self.not_ is not None)
        if sum(forms) != 1:
            raise ValueError("a condition is exactly one of: a fact test, all, any, not")
        if self.fact is not None:
            # Store values as the fact's own type, so dates compare as dates, money as Decimal.
            typed = _typed_value(self.fact, self.op, self.value)
            return self.model_copy(update={"value": typed})
        return self

    def evaluate(self, facts: CaseFacts) -> bool | None:
        """True, False, or None when the facts needed are unknown (Kleene logic)."""
        if self.all_ is not None:
            results = [c.evaluate(facts) for c in self.all_]
            if False in results:
                return False
            return None if None in results else True
        if self.any_ is not None:
            results = [c.evaluate(facts) for c in self.any_]
            if True in results:
                return True
            return None if None in results else False
        if self.not_ is not None:
            inner = self.not_.evaluate(facts)
            return None if inner is None else not inner
        assert self.fact is not None
        actual = getattr(facts, self.fact)
        if actual is None:
            return None
        return _compare(actual, self.op, self.value)

    def facts_used(self) -> set[str]:
        if self.fact is not None:
            return {self.fact}
        children = (self.all_ or []) + (self.any_ or []) + ([self.not_] if self.not_ else [])
        return set().union(*(c.facts_used() for c in children)) if children else set()


def _fact_test(name: str, spec: Any) -> dict[str, Any]:
    if isinstance(spec, dict):
        if len(spec) != 1 or next(iter(spec)) not in _OPS:
            raise ValueError(f"fact {name!r}: expected one operator of {sorted(_OPS)}, got {spec}")
        op, value = next(iter(spec.items()))
        return {"fact": name, "op": op, "value": value}
    if isinstance(spec, list):
        return {"fact": name, "op": "in", "value": spec}
    return {"fact": name, "op": "eq", "value": spec}


def _typed_value(fact: str, op: str, value: Any) -> Any:
    if fact not in FACT_NAMES:
        raise ValueError(
            f"unknown case fact {fact!r}; known facts: {', '.join(sorted(FACT_NAMES))}"
        )
    annotation: Any = CaseFacts.model_fields[fact].annotation
    field_adapter: TypeAdapter[Any] = TypeAdapter(annotation)
    values = value if op == "in" else [value]
    if op == "in" and not isinstance(value, list):
        raise ValueError(f"fact {fact!r}: 'in' needs a list of values")
    typed: list[Any] = []
    for v in values:
        if v is None:
            raise ValueError(f"fact {fact!r}: a value is required")
        try:
            typed.append(field_adapter.validate_python(v))
        except ValidationError as exc:
            raise ValueError(
                f"fact {fact!r}: value {v!r} is not allowed ({exc.errors()[0]['msg']})"
            ) from None
    return typed if op == "in" else typed[0]


def _compare(actual: Any, op: str, expected: Any) -> bool:
    if op == "in":
        return bool(actual in expected)
    if op == "eq":
        return bool(actual == expected)
    a, e = (
        (Decimal(str(actual)), Decimal(str(expected)))
        if isinstance(actual, (int, Decimal))
        else (
            actual,
            expected,
        )
    )
    if op == "gt":
        return bool(a > e)
    if op == "gte":
        return bool(a >= e)
    if op == "lt":
        return bool(a < e)
    return bool(a <= e)
