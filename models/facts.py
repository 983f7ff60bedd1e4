"""Case facts: one vocabulary shared by case.json, the CLI, the API and catalog conditions.

Extend with new optional fields; never rename one. Every fact is optional: an unknown fact
makes a condition over it unknown rather than false.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import StrEnum
from typing import Any, Literal, get_args, get_origin

from pydantic import BaseModel, ConfigDict, Field, ValidationError


class Channel(StrEnum):
    ONSITE = "onsite"  # 现场办理
    MAIL = "mail"  # 邮寄办理
    ONLINE = "online"  # 网上办理
    AUTOMATIC = "automatic"  # 经办机构自动办理 / 数据共享

    @property
    def label(self) -> str:
        return CHANNEL_LABELS[self]


CHANNEL_LABELS: dict[Channel, str] = {
    Channel.ONSITE: "现场办理",
    Channel.MAIL: "邮寄办理",
    Channel.ONLINE: "网上办理",
    Channel.AUTOMATIC: "经办机构自动办理",
}


class CaseFacts(BaseModel):
    """Facts about a case, given by the applicant or inferred from the documents."""

    model_config = ConfigDict(extra="forbid", use_enum_values=True)

    channel: Channel | None = Field(None, description="办理渠道")
    visit_type: Literal["outpatient", "inpatient"] | None = Field(None, description="门诊/住院")
    insured_type: Literal["employee", "flexible", "resident"] | None = Field(
        None, description="参保类型：在职职工/灵活就业人员/城乡居民"
    )
    trauma: bool | None = Field(None, description="外伤或意外伤害就医")
    emergency_away: bool | None = Field(None, description="探亲、出差等外出期间急诊住院")
    referral: bool | None = Field(None, description="转外就医（经转诊）")
    reason: Literal["death", "emigration", "transfer", "leave"] | None = Field(
        None, description="支取或减员原因：死亡/出国（定居）/转保健/调出"
    )
    submitted_on: dt.date | None = Field(None, description="收件日期（默认当天）")
    maternity_event: Literal["prenatal", "delivery", "miscarriage", "family_planning"] | None = (
        Field(None, description="生育事项：产前检查/分娩/流产（妊娠意外终止）/计划生育手术")
    )
    spouse_of_male_employee: bool | None = Field(None, description="男职工未就业配偶")
    employer_type: Literal["government", "state_owned", "enterprise"] | None = Field(
        None, description="单位类型：机关事业单位/国有企业/其他企业"
    )
    key_info_change: bool | None = Field(
        None, description="变更名称、姓名、身份证号、法定代表人等关键信息"
    )
    personnel_type_change: bool | None = Field(None, description="变更人员性质")
    retirement_stage: Literal["retire", "suspend"] | None = Field(
        None, description="退休申请/退休暂停申请"
    )
    deemed_contribution: bool | None = Field(None, description="需认定视同缴费年限")
    nationality_group: Literal["mainland", "hk_macao_taiwan", "foreign"] | None = Field(
        None, description="内地居民/港澳台人员/外国人"
    )
    coverage_gap_over_3m: bool | None = Field(None, description="医保断保超过三个月")
    released_prisoner: bool | None = Field(None, description="判刑人员（释放、假释或社区矫正）")
    payout_to_other_account: bool | None = Field(None, description="支取至非死者本人银行账户")
    transfer_scope: Literal["intra_province", "inter_province"] | None = Field(
        None, description="省内转移/省外转移"
    )
    shared_data_available: bool | None = Field(None, description="可通过信息共享渠道获取相关信息")
    assistance_recognized: bool | None = Field(
        None, description="已认定为医疗救助对象（否：符合救助条件但未经认定）"
    )
    retroactive_filing: bool | None = Field(None, description="自费结算之后申请补备案")
    out_of_province_care: bool | None = Field(None, description="参保人省外就医")
    claim_amount: Decimal | None = Field(None, description="单次受理金额（元）")
    headcount: int | None = Field(None, description="单位申报人数")

    def known(self) -> dict[str, Any]:
        """The facts that are set, by name."""
        return {k: v for k, v in self.model_dump().items() if v is not None}


FACT_NAMES: frozenset[str] = frozenset(CaseFacts.model_fields)


def _fact_base(name: str) -> Any:
    """The fact's type without its `| None`."""
    annotation = CaseFacts.model_fields[name].annotation
    return next(a for a in get_args(annotation) if a is not type(None))


def fact_choices(name: str) -> list[tuple[str, str]] | None:
    """A Literal fact's values with their Chinese names (the description's `/`-separated
    words after `：`, when they line up; else the values themselves); None for other facts."""
    base = _fact_base(name)
    if get_origin(base) is not Literal:
        return None
    values = [str(v) for v in get_args(base)]
    desc = CaseFacts.model_fields[name].description or name
    label, _, words = desc.partition("：")
    names = (words or label).split("/")
    return list(zip(values, names if len(names) == len(values) else values, strict=True))


def fact_label(name: str) -> str:
    """The fact's Chinese label: a Literal's description up to `：`, else the description."""
    desc = CaseFacts.model_fields[name].description or name
    return desc.partition("：")[0] if fact_choices(name) is not None else desc


def fact_value_label(name: str, value: Any) -> str:
    """A fact's value in Chinese (是/否, a Literal's word, a channel's name)."""
    if isinstance(value, bool):
        return "是" if value else "否"
    if name in FACT_NAMES and _fact_base(name) is bool:  # a raw 1/0 or true/false
        return "是" if str(value).lower() in ("1", "true", "yes") else "否"
    if name == "channel":
        return Channel(value).label
    choices = dict(fact_choices(name) or [])
    return choices.get(str(value), str(value))


def facts_text(facts: dict[str, Any]) -> str:
    """Known facts in Chinese, e.g. `门诊/住院：住院；外伤或意外伤害就医：是`."""
    return "；".join(f"{fact_label(k)}：{fact_value_label(k, v)}" for k, v in facts.items())


def facts_error_zh(exc: ValidationError) -> str:
    """The first problem of CaseFacts validation, in Chinese with the allowed values."""
    first = exc.errors()[0]
    name = str(first["loc"][0]) if first["loc"] else ""
    if name not in FACT_NAMES:
        return f"未知的案件事实“{name}”"
    choices = fact_choices(name)
    if choices is None and _fact_base(name) is bool:
        choices = [("true", "是"), ("false", "否")]
    allowed = "，可选：" + "、".join(f"{v}（{w}）" for v, w in choices) if choices else ""
    return f"案件事实“{fact_label(name)}”（{name}）的值“{first.get('input')}”无效{allowed}"
