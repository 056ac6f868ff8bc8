"""The order API's rental packages (002): calendar months, priced by the operator."""

from __future__ import annotations

import calendar
from datetime import datetime
from typing import TYPE_CHECKING

from simhive.core.errors import InvalidParameter
from simhive.kit.money import to_cents

if TYPE_CHECKING:
    from simhive.settings import Settings

# Package name → months. 002: "1m (1 Month), 3m (3 Months), 6m (6 Months), 1y (1 Year)";
# its examples run 2026-06-22 → 2026-09-22 for 3m, so a month is a calendar month.
MONTHS = {"1m": 1, "3m": 3, "6m": 6, "1y": 12}


def check(package: str) -> str:
    """A package name as given, or InvalidParameter naming the four there are."""
    if package not in MONTHS:
        raise InvalidParameter("package", package[:16], "package must be 1m, 3m, 6m or 1y")
    return package


def price_cents(settings: Settings, package: str) -> int:
    """The operator's price of a package."""
    prices = {
        "1m": settings.contract_price_1m,
        "3m": settings.contract_price_3m,
        "6m": settings.contract_price_6m,
        "1y": settings.contract_price_1y,
    }
    return to_cents(prices[check(package)])


def end_of(start: datetime, package: str, *, day: int | None = None) -> datetime:
    """When a period of `package` that starts at `start` ends: the same day so many months
    on, or the month's last day when it has no such day (Jan 31 + 1m = Feb 28).

    `day` is the contract's own day of the month, for a period that continues another:
    a contract bought on the 30th runs to the 30th again after a February that ended
    its period on the 28th.
    """
    months = start.month - 1 + MONTHS[check(package)]
    year, month = start.year + months // 12, months % 12 + 1
    wanted = start.day if day is None else day
    return start.replace(
        year=year, month=month, day=min(wanted, calendar.monthrange(year, month)[1])
    )
