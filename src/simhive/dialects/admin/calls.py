"""Admin API: calls placed for REST requests.

No `from __future__ import annotations` here: FastAPI reads these annotations at run time.
"""

from dataclasses import asdict
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel

from simhive.db.uow import Database
from simhive.dialects.admin.auth import Guard, Scope
from simhive.dialects.admin.fields import Mdn
from simhive.operations import calls as ops


class CallView(BaseModel):
    id: int
    account: str
    kind: str
    caller_id: str
    to: str
    script: str | None
    status: str
    sip_status: int | None
    billable: bool
    duration_s: int
    created_at: datetime
    ended_at: datetime | None


def router(db: Database, guard: Guard) -> APIRouter:
    """Routes under /calls."""
    routes = APIRouter(prefix="/calls", tags=["calls"], dependencies=[Depends(guard(Scope.SMS))])

    @routes.get("")
    def list_calls(
        to: Annotated[Mdn | None, Query(description="The called number.")] = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 50,
    ) -> list[CallView]:
        """Calls newest first, with the caller id each handset saw and how the call ended."""
        return [CallView(**asdict(c)) for c in ops.list_calls(db, to=to, limit=limit)]

    return routes
