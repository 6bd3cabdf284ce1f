"""Money as the HIS document writes it: decimal strings in yuan, handled as `Decimal`, never float."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

# CONTRACT.md SEM-1..4 compare sums "within 0.01": rounding of per-line amounts is allowed.
AMOUNT_TOLERANCE = Decimal("0.01")

# fullmatch, not `$`: in Python `$` also matches before a trailing newline.
_DECIMAL = re.compile(r"[0-9]+(\.[0-9]+)?")
_CENT = Decimal("0.01")


def parse_amount(text: object) -> Decimal | None:
    """Return the non-negative decimal written in `text`, or None when it is not one.

    Only plain ASCII digits with an optional fraction are accepted: no sign, no exponent, no
    thousands separator, no Unicode digits (Python's `Decimal` would take all of those).
    """
    if not isinstance(text, str) or not _DECIMAL.fullmatch(text):
        return None
    return Decimal(text)


def format_amount(value: Decimal) -> str:
    """Write an amount with exactly two decimals, rounding half up as cashiers do."""
    return str(value.quantize(_CENT, rounding=ROUND_HALF_UP))


def within_tolerance(left: Decimal, right: Decimal) -> bool:
    """True when two amounts differ by at most one cent."""
    return abs(left - right) <= AMOUNT_TOLERANCE
