"""Content and cross-document rules. Each module registers its rules with `verifier.rules.base`.

Importing this package registers every rule; `all_rules()` lists them in a stable order.
"""

from verifier.rules import (
    amounts,
    dates,
    duplicates,
    identity,
    institutions,
    materials,
    pages,
)
from verifier.rules.base import RULES, Hit, Rule, all_rules, rule

__all__ = [
    "RULES",
    "Hit",
    "Rule",
    "all_rules",
    "amounts",
    "dates",
    "duplicates",
    "identity",
    "institutions",
    "materials",
    "pages",
    "rule",
]
