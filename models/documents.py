"""Submissions, pages, documents, extracted fields with evidence, findings and decisions."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from models.facts import CaseFacts, Channel
from models.kinds import DocumentKind


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class BBox(_Model):
    """An axis-aligned box in page pixels (x0, y0 top-left; x1, y1 bottom-right)."""

    x0: float
    y0: float
    x1: float
    y1: float

    @model_validator(mode="after")
    def _ordered(self) -> BBox:
        if self.x1 < self.x0 or self.y1 < self.y0:
            raise ValueError("a box needs x0 <= x1 and y0 <= y1")
        return self

    @property
    def width(self) -> float:
        return self.x1 - self.x0

    @property
    def height(self) -> float:
        return self.y1 - self.y0

    @classmethod
    def from_polygon(cls, points: list[tuple[float, float]]) -> BBox:
        xs, ys = [p[0] for p in points], [p[1] for p in points]
        return cls(x0=min(xs), y0=min(ys), x1=max(xs), y1=max(ys))


class Quality(StrEnum):
    OK = "ok"
    POOR = "poor"
    UNREADABLE = "unreadable"


class SourceFile(_Model):
    """An original file as received; stored content-addressed before anything else happens."""

    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    filename: str
    media_type: str
    size: int = Field(ge=0)
    received_at: dt.datetime


class PageRef(_Model):
    """Which page of which original."""

    file_sha256: str
    index: int = Field(ge=0, description="0-based page index within the file")


class OcrLine(_Model):
    text: str
    polygon: list[tuple[float, float]]
    confidence: float = Field(ge=0, le=1)

    @property
    def bbox(self) -> BBox:
        return BBox.from_polygon(self.polygon)


class Page(_Model):
    ref: PageRef
    number: int = Field(ge=1, description="1-based page number within the submission")
    width: int
    height: int
    source: Literal["ocr", "text_layer"]
    rotation: int = Field(0, description="degrees applied to upright the page (0/90/180/270)")
    skew: float = 0.0
    quality: Quality = Quality.OK
    quality_measures: dict[str, float] = Field(default_factory=dict)
    quality_issues: list[str] = Field(
        default_factory=list, description="why the page is poor, in Chinese (模糊, 过暗 …)"
    )
    lines: list[OcrLine] = Field(default_factory=list)
    qr_payloads: list[str] = Field(default_factory=list)
    seals: list[BBox] = Field(default_factory=list)


class Evidence(_Model):
    """Where a value was read: the page, the box on it and the text seen there."""

    page: int = Field(ge=1, description="1-based page number within the submission")
    bbox: BBox | None = None
    text: str = ""
    document_id: str | None = None


FieldValue = str | Decimal | dt.date | int | bool | list[Any] | dict[str, Any] | None


class ExtractedField(_Model):
    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    value: FieldValue
    raw: str = Field("", description="the text as read, before normalisation")
    confidence: float = Field(ge=0, le=1)
    page: int | None = Field(None, ge=1)
    bbox: BBox | None = None
    readable: bool = Field(
        True, description="False: present but below its confidence threshold; never guessed"
    )

    @property
    def evidence(self) -> Evidence:
        return Evidence(page=self.page or 1, bbox=self.bbox, text=self.raw)


class Document(_Model):
    """A logical document: one or more pages of one kind (an invoice, a 3-page expense list)."""

    id: str
    kind: DocumentKind
    confidence: float = Field(ge=0, le=1)
    pages: list[int] = Field(min_length=1, description="1-based submission page numbers")
    title: str | None = Field(None, description="for forms and attestations: the title read")
    fields: dict[str, ExtractedField] = Field(default_factory=dict)

    def value(self, name: str) -> FieldValue:
        f = self.fields.get(name)
        return f.value if f is not None and f.readable else None


class Severity(StrEnum):
    REJECT = "reject"  # not eligible: 退回
    BLOCKING = "blocking"  # must be corrected or supplied: goes into the notice
    WARNING = "warning"  # for the reviewer only


class FindingEvidence(_Model):
    document_id: str | None = None
    kind: DocumentKind | None = None
    field: str | None = None
    value: str | None = Field(None, description="the compared value, as text")
    page: int | None = None
    bbox: BBox | None = None


class Finding(_Model):
    code: str = Field(pattern=r"^[A-Z][A-Z0-9_]*$", description="stable finding code")
    severity: Severity
    message: str = Field(description="Chinese, for the applicant or reviewer")
    material: str | None = Field(None, description="the checklist material id it concerns")
    evidence: list[FindingEvidence] = Field(default_factory=list)


class DecisionOutcome(StrEnum):
    ACCEPT = "accept"  # 材料齐全准确 → 受理
    CORRECT = "correct"  # 材料不全或有误 → 一次性告知补正
    REJECT = "reject"  # 不符合办理条件 → 退回
    REVIEW = "review"  # the machine is not sure: a reviewer decides

    @property
    def label(self) -> str:
        return {
            "accept": "受理",
            "correct": "一次性告知补正",
            "reject": "退回",
            "review": "转人工审核",
        }[self.value]


class Decision(_Model):
    outcome: DecisionOutcome
    reasons: list[str] = Field(default_factory=list)
    decided_at: dt.datetime
    deadline: dt.date | None = Field(None, description="the item's time limit from receipt")
    by: str = Field("system", description="system, or the reviewer who set or overrode it")


class SubmissionStatus(StrEnum):
    RECEIVED = "received"
    PROCESSING = "processing"
    DECIDED = "decided"
    FAILED = "failed"


class Submission(_Model):
    id: str
    item_key: str
    region: str | None = None
    channel: Channel = Channel.ONSITE
    facts: CaseFacts = Field(default_factory=CaseFacts)
    received_at: dt.datetime
    status: SubmissionStatus = SubmissionStatus.RECEIVED
    files: list[SourceFile] = Field(default_factory=list)
    pages: list[Page] = Field(default_factory=list)
    documents: list[Document] = Field(default_factory=list)
    findings: list[Finding] = Field(default_factory=list)
    decision: Decision | None = None


Money = Decimal
