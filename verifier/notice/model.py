"""The notice to the applicant, built from a verification result.

One model feeds every renderer (HTML, PDF, DOCX), so the wording is decided here, once: the
renderers only lay out the sentences and the table this module produces.

Which notice a result gets follows its decision:

- 一次性告知补正 (``correct``): every blocking finding, grouped by the material it concerns;
- 退回告知 (``reject``): the reject findings, and that the applicant may apply again;
- 受理通知 (``accept``): that the application is accepted, with the deadline.

A result still in 人工审核 (``review``) gets no applicant notice: `build_notice` raises
`NoticeNotIssuableError` until a reviewer records an accept, correct or reject decision (by
replacing ``result.decision``). Warnings are for reviewers and never reach a notice.

The applicant's ID number is masked (350102********123X) when read, and any full ID number in a
finding's message is masked too: no notice, and so no rendering of one, holds a full number.
"""

from __future__ import annotations

import datetime as dt
import re
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from extractors.normalize.dates import format_date
from extractors.normalize.idnumber import mask
from models.catalog import COPY_FORM_LABELS, Duration, MaterialRequirement
from models.documents import DecisionOutcome, Document, Finding, Severity
from models.facts import CaseFacts, Channel
from models.kinds import DocumentKind
from verifier.deadline import Deadline
from verifier.engine import VerificationResult
from verifier.rules.identity import ID_FIELDS, NAME_FIELDS, REFERENCE_KINDS

DEFAULT_OFFICE = "福建省医疗保障经办机构"
DEFAULT_CONTACT = "12345"
# 文号 prefixes by region: the region's abbreviation + 医保. Regions not listed use 闽医保.
NUMBER_PREFIXES: dict[str, str] = {"sanming-mingxi": "明医保"}
DEFAULT_NUMBER_PREFIX = "闽医保"
UNREADABLE_FORM = "清晰扫描件"

# A full 18-character ID number (or a 15-digit first-generation one) anywhere in a text.
_ID_NUMBER_RE = re.compile(r"(?<![0-9A-Za-z])(?:\d{17}[\dXx]|\d{15})(?![0-9A-Za-z])")


class NoticeKind(StrEnum):
    CORRECTION = "correction"  # 一次性告知补正
    REJECTION = "rejection"  # 退回告知
    ACCEPTANCE = "acceptance"  # 受理通知

    @property
    def label(self) -> str:
        return NOTICE_LABELS[self]

    @property
    def heading(self) -> str:
        """The notice's title: 医疗保障经办业务一次性告知书 …"""
        return NOTICE_TITLES[self]


NOTICE_LABELS: dict[NoticeKind, str] = {
    NoticeKind.CORRECTION: "一次性告知补正",
    NoticeKind.REJECTION: "退回告知",
    NoticeKind.ACCEPTANCE: "受理通知",
}
NOTICE_TITLES: dict[NoticeKind, str] = {
    NoticeKind.CORRECTION: "医疗保障经办业务一次性告知书",
    NoticeKind.REJECTION: "医疗保障经办业务退回告知书",
    NoticeKind.ACCEPTANCE: "医疗保障经办业务受理通知书",
}
# The character of the 文号 that tells the kinds apart: 明医保告〔2026〕第0001号.
_NUMBER_KIND: dict[NoticeKind, str] = {
    NoticeKind.CORRECTION: "告",
    NoticeKind.REJECTION: "退",
    NoticeKind.ACCEPTANCE: "受",
}
_KIND_FOR_OUTCOME: dict[DecisionOutcome, NoticeKind] = {
    DecisionOutcome.CORRECT: NoticeKind.CORRECTION,
    DecisionOutcome.REJECT: NoticeKind.REJECTION,
    DecisionOutcome.ACCEPT: NoticeKind.ACCEPTANCE,
}
CHANNEL_SHORT_LABELS: dict[Channel, str] = {
    Channel.ONSITE: "现场",
    Channel.MAIL: "邮寄",
    Channel.ONLINE: "网上",
    Channel.AUTOMATIC: "自动办理",
}
_CHANNEL_ORDER = (Channel.ONSITE, Channel.MAIL, Channel.ONLINE)
# "您于2026年9月25日{…}提交的": how the application came in.
_RECEIVED_BY: dict[Channel, str] = {
    Channel.ONSITE: "现场",
    Channel.MAIL: "通过邮寄方式",
    Channel.ONLINE: "通过网上渠道",
}


class NoticeNotIssuableError(ValueError):
    """The result cannot give an applicant notice (in review, or nothing to list)."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class NoticeEntry(_Model):
    """One row of the notice's table: a material and everything wrong with it."""

    number: int = Field(ge=1, description="序号")
    material_id: str | None = Field(None, description="the checklist material id, if known")
    material: str = Field(description="材料名称")
    problems: list[str] = Field(min_length=1, description="存在问题: the findings' messages")
    requirement: str = Field(description="补正要求: the form the material must take")
    codes: list[str] = Field(default_factory=list, description="the findings' codes")


class Notice(_Model):
    kind: NoticeKind
    title: str
    notice_no: str = Field(description="文号, e.g. 明医保告〔2026〕第0001号")
    office: str = Field(description="the handling office (受理单位)")
    submission_id: str
    applicant_name: str | None = None
    applicant_id_masked: str | None = Field(None, description="never the full number")
    addressee: str = Field(description="林建国（身份证号 350102********123X）：")
    item_name: str
    item_code: str
    received_on: dt.date
    channel: Channel | None = None
    channel_label: str | None = Field(None, description="现场/邮寄/网上")
    intro: str = Field(description="the opening paragraph")
    entries: list[NoticeEntry] = Field(
        default_factory=list, description="correction: the materials to supplement or correct"
    )
    reasons: list[str] = Field(default_factory=list, description="rejection: why")
    resubmission: str | None = Field(None, description="how and where to resubmit")
    time_limit_text: str | None = Field(None, description="the item's time limit as stated")
    deadline: dt.date | None = None
    deadline_estimated: bool = False
    time_limit: str | None = Field(None, description="the time-limit paragraph")
    legal_basis: list[str] = Field(default_factory=list, description="citations as stated")
    contact: str = DEFAULT_CONTACT
    contact_text: str
    issued_on: dt.date
    issued_on_text: str = Field(description="2026年3月5日")
    closing: str = Field(description="特此告知。/ 特此通知。")
    signature_line: bool = Field(False, description="show the applicant's 签收 line (onsite)")

    @property
    def legal_basis_text(self) -> str:
        return "；".join(self.legal_basis)

    def paragraphs(self) -> list[str]:
        """The body after the table, in order (the renderers lay these out)."""
        return [p for p in (self.resubmission, self.time_limit) if p]

    def text(self) -> str:
        """Every word of the notice as plain text (for tests, logs and plain-text channels)."""
        lines = [self.title, self.notice_no, self.addressee, self.intro]
        for entry in self.entries:
            lines.append(
                f"{entry.number}. {entry.material}：{'；'.join(entry.problems)}"
                f"（补正要求：{entry.requirement}）"
            )
        lines.extend(f"{n}. {sentence(r)}" for n, r in enumerate(self.reasons, 1))
        lines.extend(self.paragraphs())
        if self.legal_basis:
            lines.append(f"办理依据：{self.legal_basis_text}")
        lines += [
            self.contact_text,
            self.closing,
            self.office,
            "（业务专用章）",
            self.issued_on_text,
        ]
        return "\n".join(lines)


def build_notice(
    result: VerificationResult,
    *,
    notice_no: str | None = None,
    issued_on: dt.date | None = None,
    office: str | None = None,
) -> Notice:
    """The applicant notice for a decided result.

    Raises NoticeNotIssuableError for a result in 人工审核, for a correction without a blocking
    finding, and for a rejection without a reason.
    """
    outcome = result.decision.outcome
    if outcome not in _KIND_FOR_OUTCOME:
        raise NoticeNotIssuableError(
            "转人工审核的申请不出具告知书：请审核人员作出受理、补正或退回决定后再生成"
            f"（申请 {result.submission_id}）"
        )
    kind = _KIND_FOR_OUTCOME[outcome]
    item = result.item
    region = item.region
    issued = issued_on or dt.date.today()
    handling_office = office or (region.office if region else DEFAULT_OFFICE)
    contact = (region.contact if region else "") or DEFAULT_CONTACT
    channel = _channel(result.facts)
    name, id_masked = applicant(result.documents, result.facts)
    code = item.item.code or item.key

    entries: list[NoticeEntry] = []
    reasons: list[str] = []
    if kind is NoticeKind.CORRECTION:
        entries = correction_entries(result)
        if not entries:
            raise NoticeNotIssuableError(
                "补正告知需要至少一项须补正的问题（阻断性发现），本申请没有：请审核人员确认决定"
            )
    elif kind is NoticeKind.REJECTION:
        reasons = _dedupe(
            [_scrub(f.message) for f in result.findings if f.severity is Severity.REJECT]
        ) or [_scrub(r) for r in result.decision.reasons]
        if not reasons:
            raise NoticeNotIssuableError("退回告知需要写明退回原因，本申请没有：请审核人员补充")

    limit = item.time_limit.for_facts(result.facts)
    time_limit = (
        None
        if kind is NoticeKind.REJECTION
        else _time_limit_paragraph(kind, item.time_limit.text, limit, result)
    )
    return Notice(
        kind=kind,
        title=kind.heading,
        notice_no=notice_no or default_notice_no(result, kind, issued),
        office=handling_office,
        submission_id=result.submission_id,
        applicant_name=name,
        applicant_id_masked=id_masked,
        addressee=_addressee(name, id_masked),
        item_name=item.name,
        item_code=code,
        received_on=result.submitted_on,
        channel=channel,
        channel_label=CHANNEL_SHORT_LABELS[channel] if channel else None,
        intro=_intro(kind, result.submitted_on, channel, item.name, code),
        entries=entries,
        reasons=reasons,
        resubmission=(
            resubmission_text(channel, handling_office, item.channels)
            if kind is NoticeKind.CORRECTION
            else _reapply_text(channel, handling_office)
            if kind is NoticeKind.REJECTION
            else None
        ),
        time_limit_text=_clean(item.time_limit.text),
        deadline=result.deadline.date if result.deadline else None,
        deadline_estimated=bool(result.deadline and result.deadline.estimated),
        time_limit=time_limit,
        legal_basis=[c.text for c in item.legal_basis],
        contact=contact,
        contact_text=f"如有疑问，请拨打咨询电话{contact}。",
        issued_on=issued,
        issued_on_text=format_date(issued),
        closing="特此通知。" if kind is NoticeKind.ACCEPTANCE else "特此告知。",
        signature_line=channel in (None, Channel.ONSITE),
    )


# --- the applicant ------------------------------------------------------------------------


def applicant(documents: list[Document], facts: CaseFacts) -> tuple[str | None, str | None]:
    """The applicant's name and masked ID number, read as the identity rules read them.

    For a deceased person's account (reason: death) the applicant is the heir who signed the
    application form, so the form comes first there.
    """
    kinds: tuple[DocumentKind, ...] = REFERENCE_KINDS
    if facts.reason == "death":
        kinds = (DocumentKind.APPLICATION_FORM,)
    name = _first_value(documents, kinds, NAME_FIELDS)
    number = _first_value(documents, kinds, ID_FIELDS)
    return name, mask(number) if number else None


def _first_value(
    documents: list[Document], kinds: tuple[DocumentKind, ...], fields: dict[DocumentKind, str]
) -> str | None:
    for kind in kinds:
        for doc in documents:
            if doc.kind != kind:
                continue
            value = doc.value(fields[kind])
            if isinstance(value, str) and value.strip():
                return value.strip()
    return None


def _addressee(name: str | None, id_masked: str | None) -> str:
    who = name or "申请人"
    return f"{who}（身份证号 {id_masked}）：" if id_masked else f"{who}："


def _scrub(text: str) -> str:
    """The text with any full ID number in it masked."""
    return _ID_NUMBER_RE.sub(lambda m: mask(m.group(0)), text)


# --- the list of materials --------------------------------------------------------------


def correction_entries(result: VerificationResult) -> list[NoticeEntry]:
    """One entry per material with blocking findings, in the catalog's order of materials;
    findings about no known material come last, one entry per kind of document."""
    blocking = [f for f in result.findings if f.severity is Severity.BLOCKING]
    materials = {m.id: m for m in result.item.materials}
    order = {m.id: n for n, m in enumerate(result.item.materials)}
    groups: dict[str, list[Finding]] = {}
    for finding in blocking:
        groups.setdefault(_group_key(finding, materials), []).append(finding)

    def sort_key(key: str) -> tuple[int, int]:
        if key in order:
            return (0, order[key])
        return (1, list(groups).index(key))

    entries = []
    for number, key in enumerate(sorted(groups, key=sort_key), 1):
        findings = groups[key]
        material = materials.get(key)
        codes = _dedupe([f.code for f in findings])
        unreadable = "UNREADABLE_PAGE" in codes
        entries.append(
            NoticeEntry(
                number=number,
                material_id=material.id if material else None,
                material=material.name if material else _unknown_material_name(findings),
                problems=_dedupe([_scrub(f.message) for f in findings]),
                requirement=(
                    requirement_text(material, result.facts, unreadable=unreadable)
                    if material
                    else UNREADABLE_FORM
                    if unreadable
                    else COPY_FORM_LABELS["any"]
                ),
                codes=codes,
            )
        )
    return entries


def _group_key(finding: Finding, materials: dict[str, MaterialRequirement]) -> str:
    if finding.material and finding.material in materials:
        return finding.material
    kind = next((e.kind for e in finding.evidence if e.kind is not None), None)
    return f"kind:{kind.value}" if kind is not None else "other"


def _unknown_material_name(findings: list[Finding]) -> str:
    kind = next((e.kind for f in findings for e in f.evidence if e.kind is not None), None)
    return kind.label if kind is not None and kind != DocumentKind.OTHER else "其他材料"


def requirement_text(
    material: MaterialRequirement, facts: CaseFacts, *, unreadable: bool = False
) -> str:
    """补正要求 from the catalog: 原件/复印件 …, 加盖单位公章, 申请人签名; 清晰扫描件 for a page
    that could not be read."""
    form = COPY_FORM_LABELS[material.copy_form]
    if unreadable:
        form = UNREADABLE_FORM if material.copy_form in ("any", "copy") else f"{form}（须清晰完整）"
    parts = [form]
    seal = material.needs_seal(facts)
    if seal is True:
        parts.append("加盖单位公章")
    elif seal is None:
        parts.append("按规定加盖单位公章")
    if material.signature_required:
        parts.append("申请人签名")
    return "，".join(parts)


def _dedupe(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))


# --- the paragraphs ---------------------------------------------------------------------


def _channel(facts: CaseFacts) -> Channel | None:
    return Channel(facts.channel) if facts.channel else None


def _intro(
    kind: NoticeKind, received: dt.date, channel: Channel | None, item_name: str, code: str
) -> str:
    how = _RECEIVED_BY.get(channel, "") if channel else ""
    what = f"您于{format_date(received)}{how}提交的“{item_name}”（事项编码：{code}）申请材料"
    if kind is NoticeKind.CORRECTION:
        return (
            f"{what}，经审查，存在材料不齐全或不符合要求的情形。"
            "现将需要补充或更正的全部材料一次性告知如下："
        )
    if kind is NoticeKind.REJECTION:
        return f"{what}，经审查，不符合办理条件，本机构不予受理，现将申请材料退回。退回原因如下："
    return f"{what}，经审查，材料齐全、符合要求，本机构决定予以受理。"


def resubmission_text(channel: Channel | None, office: str, channels: list[Channel]) -> str:
    """How and where to send the corrected materials, for the channel the application came by
    (every channel the item offers when that is not known)."""
    ways = {
        Channel.ONSITE: f"携带补正材料到{office}窗口办理",
        Channel.MAIL: f"将补正材料连同本告知书复印件邮寄至{office}",
        Channel.ONLINE: "在原申报渠道上传清晰的补正材料",
    }
    if channel in ways:
        return f"请您{ways[channel]}。补正材料齐全后，本机构将依规办理。"
    offered = [c for c in _CHANNEL_ORDER if c in channels] or [Channel.ONSITE]
    return f"请您{'，或'.join(ways[c] for c in offered)}。补正材料齐全后，本机构将依规办理。"


def _reapply_text(channel: Channel | None, office: str) -> str:
    where = "通过原申报渠道" if channel is Channel.ONLINE else f"向{office}"
    return f"如您今后符合办理条件，可{where}重新提出申请。"


def _time_limit_paragraph(
    kind: NoticeKind, stated: str, limit: Duration | None, result: VerificationResult
) -> str:
    text = f"本事项办理时限：{_clean(stated)}"
    text = text if text.endswith("。") else text + "。"
    deadline = result.deadline
    if limit is None or deadline is None:
        return text
    if limit.unit in ("immediate", "same_day"):
        return text if kind is NoticeKind.ACCEPTANCE else f"{text}补正材料齐全后{limit.label}。"
    received = format_date(result.submitted_on)
    due = format_date(deadline.date)
    text += _counting(limit)
    if kind is NoticeKind.ACCEPTANCE:
        text += f"本申请材料于{received}齐全，办结期限为{due}。"
    else:
        text += (
            f"按本次收件日期（{received}）计，办结期限为{due}；"
            "补正材料后，自补正材料齐全之日起重新计算。"
        )
    return text + _estimate_note(deadline)


def _counting(limit: Duration) -> str:
    unit = {
        "working_days": "按工作日计算（法定节假日及调休日不计）",
        "natural_days": "按自然日计算",
    }
    return f"办理时限自申请材料齐全之日起{unit.get(limit.unit, '计算')}。"


def _estimate_note(deadline: Deadline) -> str:
    if not deadline.estimated:
        return ""
    return (
        f"（{deadline.date.year}年法定节假日安排尚未公布，上述日期按周末及固定节假日估算，"
        "如有调整以实际公布的安排为准。）"
    )


def sentence(text: str) -> str:
    """The text ending in a full stop (finding messages are clauses without one)."""
    text = text.rstrip()
    return text if text.endswith(("。", "！", "？")) else f"{text}。"


def _clean(text: str) -> str:
    """A catalog sentence tidied for print: no stray spaces after Chinese punctuation."""
    return re.sub(r"(?<=[，。；：、])\s+", "", text.strip())


def default_notice_no(result: VerificationResult, kind: NoticeKind, issued: dt.date) -> str:
    """明医保告〔2026〕第0001号 from the digits ending the submission id; with none, the number is
    left blank to be filled in from the office's register (callers that keep a register pass
    `notice_no`)."""
    region = result.item.region
    prefix = NUMBER_PREFIXES.get(region.id, DEFAULT_NUMBER_PREFIX) if region else None
    prefix = prefix or DEFAULT_NUMBER_PREFIX
    digits = re.search(r"(\d+)$", result.submission_id)
    serial = f"{int(digits.group(1)):04d}" if digits else "　　　　"
    return f"{prefix}{_NUMBER_KIND[kind]}〔{issued.year}〕第{serial}号"
