"""The service-item catalog schema: items, material requirements, time limits, legal basis.

The data lives in `models/data/*.yaml` and is validated against these models at load
(`models.catalog_loader`). Materials carry their semantics: alternatives (`accepts`), conditions
over case facts (`when`), form requirements (original/copy, seal, signature), the shared-data
exemption, and per-invoice counts.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from models.conditions import Condition
from models.facts import CaseFacts, Channel
from models.kinds import TITLED_KINDS, DocumentKind

CODE_RE = re.compile(r"^\d{11}[\dY]$")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Acceptable(_Strict):
    """One alternative that satisfies a requirement: a document, possibly with companions."""

    kind: DocumentKind
    title: str | None = Field(
        None, description="form or attestation title, e.g. 《费用报销申请表》"
    )
    aliases: list[str] = Field(default_factory=list, description="other titles also accepted")
    together_with: list[Acceptable] = Field(
        default_factory=list,
        description="documents needed with this one for the alternative to count "
        "(假释证明 + 社区矫正证明)",
    )
    when: Condition | None = Field(
        None, description="the alternative is accepted only in these cases (结婚证 for 流产)"
    )
    when_text: str | None = None

    @model_validator(mode="after")
    def _titled_kinds_name_a_title(self) -> Acceptable:
        if self.kind in TITLED_KINDS and not self.title:
            raise ValueError(f"kind {self.kind.value!r} needs the title of the document it expects")
        return self

    @property
    def label(self) -> str:
        own = self.title or self.kind.label
        label = "＋".join([own, *(a.label for a in self.together_with)])
        return f"{label}（限{self.when_text}）" if self.when_text else label

    def accepted(self, facts: CaseFacts) -> bool | None:
        return True if self.when is None else self.when.evaluate(facts)


CopyForm = Literal["original", "copy", "original_and_copy", "any"]
COPY_FORM_LABELS: dict[str, str] = {
    "original": "原件",
    "copy": "复印件",
    "original_and_copy": "原件及复印件",
    "any": "原件或清晰复印件/扫描件",
}


class MaterialRequirement(_Strict):
    """One line of a checklist: satisfied by any one of `accepts`."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str = Field(min_length=1, description="short Chinese name used in notices")
    source: str = Field(min_length=1, description="the material's text as the seed states it")
    accepts: list[Acceptable] = Field(min_length=1)
    when: Condition | None = None
    when_text: str | None = Field(None, description="the condition in the seed's words")
    level: Literal["required", "on_request"] = Field(
        "required", description="on_request: the office may ask for it (可要求提供); never missing"
    )
    copy_form: CopyForm = "any"
    seal_required: bool = False
    seal_when: Condition | None = Field(
        None, description="the seal is required only in these cases (职工需加盖单位章)"
    )
    signature_required: bool = False
    exempt_if_shared: bool = Field(False, description="可通过信息共享渠道获取的，无需提供")
    per_invoice: bool = Field(False, description="one is needed for each medical invoice")
    note: str | None = None

    @model_validator(mode="after")
    def _condition_has_words(self) -> MaterialRequirement:
        if self.when is not None and not self.when_text:
            raise ValueError("a conditional material needs when_text (the condition in Chinese)")
        if self.seal_when is not None and not self.seal_required:
            raise ValueError("seal_when needs seal_required: true")
        for n, alternative in enumerate(self.accepts):
            if alternative.when is not None and not alternative.when_text:
                raise ValueError(f"accepts[{n}]: a conditional alternative needs when_text")
        return self

    def needs_seal(self, facts: CaseFacts) -> bool | None:
        if not self.seal_required:
            return False
        return True if self.seal_when is None else self.seal_when.evaluate(facts)

    def applies(self, facts: CaseFacts) -> bool | None:
        """Whether the material is needed for these facts (None: depends on unknown facts)."""
        return True if self.when is None else self.when.evaluate(facts)

    def accepts_kind(self, kind: DocumentKind) -> bool:
        return any(a.kind == kind for a in self.accepts)


DurationUnit = Literal["immediate", "same_day", "working_days", "natural_days", "months"]
_NO_VALUE_UNITS = frozenset({"immediate", "same_day"})


class Duration(_Strict):
    unit: DurationUnit
    value: int | None = Field(None, ge=1)
    starts: str | None = Field(None, description="when the clock starts if not at receipt")

    @model_validator(mode="after")
    def _value_matches_unit(self) -> Duration:
        if (self.unit in _NO_VALUE_UNITS) != (self.value is None):
            raise ValueError("'immediate' and 'same_day' take no value; every other unit needs one")
        return self

    @property
    def label(self) -> str:
        return self.phrase("办结")

    def phrase(self, verb: str) -> str:
        """e.g. 15个工作日内办结, 业务办结后5个工作日内拨付, 即时办结."""
        unit = {"working_days": "个工作日", "natural_days": "个自然日", "months": "个月"}
        if self.unit == "immediate":
            body = f"即时{verb}"
        elif self.unit == "same_day":
            body = f"当日{verb}"
        else:
            body = f"{self.value}{unit[self.unit]}内{verb}"
        return f"{self.starts}{body}" if self.starts else body


class TimeLimitException(_Strict):
    text: str = Field(min_length=1)
    when: Condition | None = Field(None, description="None: decided by the office, not by facts")
    limit: Duration


class TimeLimit(_Strict):
    text: str = Field(min_length=1, description="the time limit as the seed states it")
    acceptance: Literal["immediate", "same_day"] | None = Field(
        None, description="即时受理/当场受理"
    )
    limit: Duration | None = Field(None, description="None: no applicant-facing limit (自动办理)")
    exceptions: list[TimeLimitException] = Field(default_factory=list)
    payout: Duration | None = Field(
        None, description="拨付 after the decision, e.g. 业务办结后5个工作日内拨付"
    )

    def for_facts(self, facts: CaseFacts) -> Duration | None:
        """The limit that applies: the longest exception whose condition holds, else the base."""
        chosen = self.limit
        for exc in self.exceptions:
            if exc.when is not None and exc.when.evaluate(facts):
                chosen = exc.limit
        return chosen


class Citation(_Strict):
    text: str = Field(min_length=1, description="the citation as the seed states it")
    title: str = Field(min_length=1, description="the instrument's name, without 《》")
    number: str | None = Field(None, description="文号, e.g. 主席令第35号")
    articles: list[str] = Field(default_factory=list, description="e.g. 第五十七条")


class MainItem(_Strict):
    code: str
    seq: str = Field(description="一 … 十")
    name: str

    @field_validator("code")
    @classmethod
    def _code_shape(cls, v: str) -> str:
        if not CODE_RE.match(v):
            raise ValueError(f"main item code {v!r} is not 12 characters of digits (last may be Y)")
        return v


class SubItemGroup(_Strict):
    """A sub-item (子项) whose applications are made for one of its 孙项 (e.g. 1 单位参保登记)."""

    code: str
    seq: str
    name: str
    main: str

    @field_validator("code")
    @classmethod
    def _code_shape(cls, v: str) -> str:
        if not CODE_RE.match(v):
            raise ValueError(f"sub-item code {v!r} is not 12 characters of digits (last may be Y)")
        return v


class ServiceItem(_Strict):
    """A sub-item (子项) or grandchild item (孙项) that a submission can be made for."""

    key: str = Field(description="unique: the code, or code-seq for a 孙项")
    code: str | None = Field(None, description="the 12-character 子项编码 (None: region-only item)")
    seq: str = Field(description="子项序号 or 孙项序号, e.g. 17 or 3.1")
    level: Literal["sub", "grandchild"]
    name: str
    main: str = Field(description="main item (主项) code")
    parent: str | None = Field(None, description="the sub-item key of a 孙项")
    materials: list[MaterialRequirement] = Field(default_factory=list)
    time_limit: TimeLimit
    steps: list[str] = Field(min_length=1)
    notes: list[str] = Field(default_factory=list)
    legal_basis: list[Citation] = Field(default_factory=list)
    legal_basis_note: str | None = Field(
        None, description="where the basis comes from when the seed's cell was merged or split"
    )
    region: str | None = Field(None, description="set for items only a regional guide has")
    refines: str | None = Field(
        None, description="a region-only item: the province item it is a part of (11.1 → 10)"
    )
    implied_facts: dict[str, Any] = Field(
        default_factory=dict,
        description="facts the item itself settles, e.g. 住院费用报销 → visit_type: inpatient",
    )

    @field_validator("implied_facts")
    @classmethod
    def _facts_are_known(cls, v: dict[str, Any]) -> dict[str, Any]:
        return CaseFacts.model_validate(v).known()

    @field_validator("code")
    @classmethod
    def _code_shape(cls, v: str | None) -> str | None:
        if v is not None and not CODE_RE.match(v):
            raise ValueError(f"item code {v!r} is not 12 characters of digits (last may be Y)")
        return v

    @model_validator(mode="after")
    def _unique_material_ids(self) -> ServiceItem:
        ids = [m.id for m in self.materials]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"duplicate material ids: {dupes}")
        return self

    def material(self, material_id: str) -> MaterialRequirement:
        for m in self.materials:
            if m.id == material_id:
                return m
        raise KeyError(material_id)


class RegionalItem(_Strict):
    """A regional guide's version of an item: its scope, channels and wording of materials."""

    key: str = Field(description="the province item key it overlays, or a region-only key")
    local_seq: str = Field(description="the guide's own number, e.g. 17/18 or 4.2")
    local_name: str
    scope: list[str] = Field(default_factory=list, description="适用范围")
    channels: list[Channel] = Field(default_factory=list)
    channels_text: str = Field(description="办理渠道 as the guide states it")
    steps: list[str] = Field(default_factory=list)
    materials: list[MaterialRequirement] = Field(default_factory=list)
    time_limit: TimeLimit
    notes: list[str] = Field(default_factory=list)

    @model_validator(mode="after")
    def _unique_material_ids(self) -> RegionalItem:
        ids = [m.id for m in self.materials]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"duplicate material ids: {dupes}")
        return self


class RegionOverlay(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9-]*$")
    name: str
    office: str = Field(description="受理单位")
    contact: str = Field(description="查询/监督电话")
    source: str = Field(description="the seed file it is derived from")
    items: list[RegionalItem]
    region_only: list[ServiceItem] = Field(
        default_factory=list, description="items only this region's guide has"
    )
