"""Money helpers: Decimal only. The 大写 conversion is the extractors' normaliser, so what the
generator prints and what the reader parses follow one set of rules."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from extractors.normalize.money import to_upper as upper

CENT = Decimal("0.01")


def q(value: Decimal | int | str) -> Decimal:
    """Round to cents."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def fmt(value: Decimal) -> str:
    """'1234.50' — the ground-truth form of a money value."""
    return f"{q(value):.2f}"


def fmt_thousands(value: Decimal) -> str:
    return f"{q(value):,.2f}"


def to_upper(value: Decimal) -> str:
    """The 大写 amount printed on invoices, e.g. 柒仟陆佰壹拾柒元贰角捌分."""
    return upper(q(value))
