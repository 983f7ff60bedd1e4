"""The cover sheet's QR payload, shared by the printer (verifier) and the scan splitter (ingest).

Compact and versioned so that a small QR code (version 3-4, error correction M) survives a
cheap scan: ``YBCS1|<ref>|<item key>|<region or ->|<channel>``, e.g.
``YBCS1|YJ20261205-3F9A2C|002036006002|sanming-mingxi|mail``.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from dataclasses import dataclass

from models.facts import Channel

PREFIX = "YBCS1"
_REF = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$")
_NO_REGION = "-"


class CoverSheetPayloadError(ValueError):
    """A payload that starts like a cover sheet's but does not parse."""


@dataclass(frozen=True)
class CoverSheetRef:
    """What a cover sheet says about the envelope that follows it."""

    ref: str
    item: str
    region: str | None = None
    channel: Channel = Channel.MAIL

    def __post_init__(self) -> None:
        if not _REF.match(self.ref):
            raise CoverSheetPayloadError(f"bad submission reference {self.ref!r}")
        if not self.item or "|" in self.item:
            raise CoverSheetPayloadError(f"bad item key {self.item!r}")
        if self.region is not None and (not self.region or "|" in self.region):
            raise CoverSheetPayloadError(f"bad region {self.region!r}")

    def payload(self) -> str:
        region = self.region or _NO_REGION
        return "|".join((PREFIX, self.ref, self.item, region, self.channel.value))


def is_cover_payload(text: str) -> bool:
    return text.startswith(PREFIX + "|")


def parse_payload(text: str) -> CoverSheetRef:
    """The reference a cover sheet's QR code carries; CoverSheetPayloadError if malformed."""
    parts = text.strip().split("|")
    if len(parts) != 5 or parts[0] != PREFIX:
        raise CoverSheetPayloadError(f"not a {PREFIX} payload")
    _, ref, item, region, channel = parts
    try:
        ch = Channel(channel)
    except ValueError:
        raise CoverSheetPayloadError(f"unknown channel {channel!r}") from None
    return CoverSheetRef(ref, item, None if region == _NO_REGION else region, ch)


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
