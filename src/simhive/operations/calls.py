"""Calls placed for REST requests, as an operator lists them (what each handset saw)."""

from __future__ import annotations

from simhive.core.errors import InvalidParameter
from simhive.core.outbound import calls
from simhive.db.uow import Database

CallInfo = calls.CallView


def list_calls(db: Database, *, to: str | None = None, limit: int = 50) -> list[CallInfo]:
    """Calls newest first; `to` filters by the called number."""
    if not 1 <= limit <= 1000:
        raise InvalidParameter("limit", str(limit), "limit must be between 1 and 1000")
    with db.uow(write=False) as uow:
        return calls.list_calls(uow, to=to, limit=limit)
