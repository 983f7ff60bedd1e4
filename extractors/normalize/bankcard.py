"""Bank card numbers: normalisation, Luhn check, masking."""

from __future__ import annotations

import re


def normalise(text: str) -> str:
    return re.sub(r"[\s-]", "", text)


def luhn_valid(text: str) -> bool:
    """True for 12–19 digits passing the Luhn check. Some older Chinese debit cards do not use
    Luhn, so a failure is a reason to look, not proof of a wrong number."""
    digits = normalise(text)
    if not re.fullmatch(r"\d{12,19}", digits):
        return False
    total = 0
    for n, ch in enumerate(reversed(digits)):
        d = int(ch)
        if n % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def mask(text: str) -> str:
    digits = normalise(text)
    return digits[:4] + "*" * max(len(digits) - 8, 0) + digits[-4:] if len(digits) > 8 else "****"
