"""Time as the command API shows it."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

# The references give `date_time` in the server zone, America/New_York: "2020-09-14 14:42:36 EDT".
NEW_YORK = ZoneInfo("America/New_York")


def as_utc(when: datetime) -> datetime:
    """Attach UTC to a naive datetime read back from SQLite."""
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def new_york_text(when: datetime) -> str:
    """`2020-09-14 14:42:36 EDT`."""
    return as_utc(when).astimezone(NEW_YORK).strftime("%Y-%m-%d %H:%M:%S %Z")


def unix_seconds(when: datetime) -> int:
    """Whole seconds since the epoch."""
    return int(as_utc(when).timestamp())
