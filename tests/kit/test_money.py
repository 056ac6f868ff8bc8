"""Amounts typed by operators: exact cents, or a one-line refusal."""

from __future__ import annotations

from decimal import Decimal

import pytest

from simhive.kit.money import parse_amount


@pytest.mark.parametrize(
    ("raw", "amount"), [("10", "10.00"), (" 10.5 ", "10.50"), ("-0.25", "-0.25")]
)
def test_amounts(raw: str, amount: str) -> None:
    assert parse_amount(raw) == Decimal(amount)


@pytest.mark.parametrize("raw", ["1e30", "1e400", "-1e30", "NaN", "inf", "", "ten", "0.001"])
def test_what_is_no_amount_is_a_value_error(raw: str) -> None:
    # 1e30 used to escape as decimal.InvalidOperation: a traceback in the CLI.
    with pytest.raises(ValueError):
        parse_amount(raw)
