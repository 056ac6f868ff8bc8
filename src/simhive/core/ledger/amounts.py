"""What counts as an amount of money an operator may write: finite, whole cents, bounded."""

from __future__ import annotations

from decimal import Decimal

from simhive.core.errors import InvalidParameter
from simhive.kit.money import CENT

# Far above any real price or credit, and far below BIGINT cents (9.2e16), so that even
# many such entries summed into a balance stay exact on every database.
MAX_AMOUNT = Decimal("1000000000")


def checked_amount(name: str, value: Decimal, *, signed: bool = False) -> Decimal:
    """`value` as two-place Decimal, or InvalidParameter saying what an amount may be."""
    rule = (
        f"an amount in whole cents, at most {MAX_AMOUNT:,} either way"
        if signed
        else f"an amount in whole cents from 0 to {MAX_AMOUNT:,}"
    )
    # Magnitude first: quantizing 1E+999999999 would be slow or fail.
    if not value.is_finite() or value.copy_abs() > MAX_AMOUNT:
        raise InvalidParameter(name, str(value), f"{name} must be {rule}")
    if value != value.quantize(CENT) or (value < 0 and not signed):
        raise InvalidParameter(name, str(value), f"{name} must be {rule}")
    return value.quantize(CENT)
