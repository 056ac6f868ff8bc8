"""Ids as clients send them: ASCII digits only, within a signed 64-bit key."""

from __future__ import annotations

import re

__all__ = ["MAX_ID", "parse_id"]

MAX_ID = 2**63 - 1

# `int()` also takes "١٢", "１２", "1_2", " 12 " and "+12"; an id on the wire is none of those.
_DIGITS = re.compile(r"[0-9]{1,19}")


def parse_id(raw: str) -> int | None:
    """The id written in `raw` (ASCII digits, 1..2**63-1), or None."""
    if not _DIGITS.fullmatch(raw):
        return None
    value = int(raw)
    return value if 0 < value <= MAX_ID else None
