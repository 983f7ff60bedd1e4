"""The cover sheet's QR payload, shared by the printer (verifier) and the scan splitter (ingest).

Compact and versioned so that a small QR code (version 3-6, error correction M) survives a
cheap scan: ``YBCS1|<ref>|<item key>|<region or ->|<channel>``, e.g.
``YBCS1|YJ20261205-3F9A2C|002036006002|sanming-mingxi|mail``; a sheet that carries case facts
is ``YBCS2|…|<channel>|<facts>`` with the facts as ``code=value`` pairs joined by ``,`` (two
letter codes from FACT_CODES, booleans as 1/0), e.g. ``…|mail|tr=1,vt=inpatient``. A sheet
without facts is still printed as YBCS1, and YBCS1 sheets keep parsing.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from models.facts import CaseFacts, Channel

PREFIX = "YBCS1"
PREFIX_FACTS = "YBCS2"
_REF = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$")
_VALUE = re.compile(r"^[A-Za-z0-9._-]{1,24}$")
_NO_REGION = "-"
MAX_PAYLOAD_BYTES = 122
"""QR version 7 at error correction M: on the dense sheet's 30 mm code the largest that still
decodes from a skewed 100 dpi JPEG scan (tests/test_batch.py); 134 bytes (version 8) did not."""

FACT_CODES: dict[str, str] = {
    "visit_type": "vt",
    "insured_type": "it",
    "trauma": "tr",
    "emergency_away": "ea",
    "referral": "rf",
    "reason": "rs",
    "submitted_on": "so",
    "maternity_event": "me",
    "spouse_of_male_employee": "sp",
    "employer_type": "et",
    "key_info_change": "kc",
    "personnel_type_change": "pc",
    "retirement_stage": "st",
    "deemed_contribution": "dc",
    "nationality_group": "ng",
    "coverage_gap_over_3m": "cg",
    "released_prisoner": "pr",
    "payout_to_other_account": "po",
    "transfer_scope": "ts",
    "shared_data_available": "sd",
    "assistance_recognized": "ar",
    "retroactive_filing": "rb",
    "out_of_province_care": "oc",
    "claim_amount": "ca",
    "headcount": "hc",
}
"""Every case fact but the channel (the payload has its own field): its code in a YBCS2
payload. Printed sheets keep their codes for ever: add codes, never change one."""
_FACT_OF_CODE = {code: name for name, code in FACT_CODES.items()}


class CoverSheetPayloadError(ValueError):
    """A payload that starts like a cover sheet's but does not parse."""


@dataclass(frozen=True)
class CoverSheetRef:
    """What a cover sheet says about the envelope that follows it."""

    ref: str
    item: str
    region: str | None = None
    channel: Channel = Channel.MAIL
    facts: tuple[tuple[str, str], ...] = ()
    """Case facts for the envelope, (name, value) sorted by name, values as in the payload
    (booleans 1/0); see cover_facts()."""

    def __post_init__(self) -> None:
        if not _REF.match(self.ref):
            raise CoverSheetPayloadError(f"bad submission reference {self.ref!r}")
        if not self.item or "|" in self.item:
            raise CoverSheetPayloadError(f"bad item key {self.item!r}")
        if self.region is not None and (not self.region or "|" in self.region):
            raise CoverSheetPayloadError(f"bad region {self.region!r}")
        names = [name for name, _ in self.facts]
        if names != sorted(set(names)):
            raise CoverSheetPayloadError("facts must be sorted by name, each once")
        for name, value in self.facts:
            if name not in FACT_CODES or not _VALUE.match(value):
                raise CoverSheetPayloadError(f"bad fact {name}={value!r}")

    def payload(self) -> str:
        region = self.region or _NO_REGION
        head = (self.ref, self.item, region, self.channel.value)
        if not self.facts:
            return "|".join((PREFIX, *head))
        pairs = ",".join(f"{FACT_CODES[name]}={value}" for name, value in self.facts)
        return "|".join((PREFIX_FACTS, *head, pairs))

    def case_facts(self) -> dict[str, Any]:
        """The sheet's facts as raw case facts (CaseFacts validates them), by name."""
        return dict(self.facts)


def cover_facts(facts: CaseFacts) -> tuple[tuple[str, str], ...]:
    """The known facts, bar the channel, in a cover sheet's form (CoverSheetRef.facts)."""
    known = facts.model_dump(mode="json", exclude_none=True)
    known.pop("channel", None)
    out = []
    for name, value in sorted(known.items()):
        text = ("1" if value else "0") if isinstance(value, bool) else str(value)
        if not _VALUE.match(text):
            raise CoverSheetPayloadError(f"fact {name} does not fit on a cover sheet")
        out.append((name, text))
    return tuple(out)


def is_cover_payload(text: str) -> bool:
    return text.startswith((PREFIX + "|", PREFIX_FACTS + "|"))


def parse_payload(text: str) -> CoverSheetRef:
    """The reference a cover sheet's QR code carries; CoverSheetPayloadError if malformed."""
    parts = text.strip().split("|")
    if not (
        (parts[0] == PREFIX and len(parts) == 5) or (parts[0] == PREFIX_FACTS and len(parts) == 6)
    ):
        raise CoverSheetPayloadError(f"not a {PREFIX} or {PREFIX_FACTS} payload")
    ref, item, region, channel = parts[1:5]
    try:
        ch = Channel(channel)
    except ValueError:
        raise CoverSheetPayloadError(f"unknown channel {channel!r}") from None
    facts: tuple[tuple[str, str], ...] = ()
    if parts[0] == PREFIX_FACTS:
        facts = _parse_facts(parts[5])
    return CoverSheetRef(ref, item, None if region == _NO_REGION else region, ch, facts)


def _parse_facts(text: str) -> tuple[tuple[str, str], ...]:
    raw: dict[str, str] = {}
    for pair in text.split(","):
        code, sep, value = pair.partition("=")
        name = _FACT_OF_CODE.get(code)
        if not sep or name is None or name in raw:
            raise CoverSheetPayloadError(f"bad fact {pair!r}")
        raw[name] = value
    try:
        facts = CaseFacts.model_validate(raw)
    except ValidationError as exc:
        raise CoverSheetPayloadError(f"bad facts: {exc.errors()[0]['msg']}") from None
    return cover_facts(facts)


def new_reference(today: dt.date | None = None) -> str:
    """A fresh submission reference: 寄件 prefix, date and random hex (unguessable, unique)."""
    day = (today or dt.date.today()).strftime("%Y%m%d")
    return f"YJ{day}-{secrets.token_hex(3).upper()}"


def references(ref: str | None, count: int, today: dt.date | None = None) -> list[str]:
    """`count` references: fresh ones, or `ref` (numbered -01, -02 … when more than one)."""
    if count < 1:
        raise ValueError("count must be at least 1")
    if ref is None:
        return [new_reference(today) for _ in range(count)]
    if count == 1:
        return [ref]
    return [f"{ref}-{n:02d}" for n in range(1, count + 1)]
