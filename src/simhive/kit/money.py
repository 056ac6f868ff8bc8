"""Money: exact decimals in Python, integer cents in the database."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")


def to_cents(amount: Decimal) -> int:
    """Convert an exact amount to integer cents; refuse fractions of a cent."""
    cents = amount * 100
    if cents != cents.to_integral_value():
        raise ValueError(f"amount {amount} has a fraction of a cent")
    return int(cents)


def from_cents(cents: int) -> Decimal:
    """Integer cents to a two-place Decimal."""
    return (Decimal(cents) / 100).quantize(CENT)


MAX_AMOUNT = Decimal(10) ** 15


def parse_amount(raw: str) -> Decimal:
    """Parse user input like `10`, `10.5`, `0.25` into a two-place Decimal."""
    try:
        value = Decimal(raw.strip())
    except (InvalidOperation, AttributeError) as exc:
        raise ValueError(f"not an amount: {raw!r}") from exc
    # Past 10^15 no amount is meant (and quantizing to cents would overflow the context).
    if not value.is_finite() or abs(value) >= MAX_AMOUNT:
        raise ValueError(f"not an amount: {raw!r}")
    if value != value.quantize(CENT, rounding=ROUND_HALF_UP):
        raise ValueError(f"amount {raw} has a fraction of a cent")
    return value.quantize(CENT)


def format_amount(amount: Decimal) -> str:
    """Two decimals, as the references show prices and balances (`10.00`)."""
    return str(amount.quantize(CENT, rounding=ROUND_HALF_UP))
