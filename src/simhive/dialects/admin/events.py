"""Admin API: webhook events (the outbox).

No `from __future__ import annotations` here: FastAPI reads these annotations at run time.
"""

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel

from simhive.core.events.models import EventStatus
from simhive.db.uow import Database
from simhive.dialects.admin.auth import Guard, Scope
from simhive.operations import events as ops


class EventView(BaseModel):
    id: int
    webhook_id: str
    event_type: str
    target: str
    status: str
    attempts: int
    last_error: str | None


def router(db: Database, guard: Guard) -> APIRouter:
    """Routes under /events."""
    routes = APIRouter(
        prefix="/events", tags=["events"], dependencies=[Depends(guard(Scope.EVENTS))]
    )

    @routes.get("")
    def list_events(
        status: EventStatus | None = None, limit: Annotated[int, Query(ge=1, le=1000)] = 50
    ) -> list[EventView]:
        """Webhook events, newest first, with their last error."""
        return [EventView(**e.__dict__) for e in ops.list_events(db, status=status, limit=limit)]

    @routes.post("/{event_id}/retry", status_code=202)
    def retry_event(event_id: Annotated[int, Path(ge=1, le=2**63 - 1)]) -> dict[str, str]:
        ops.retry_event(db, event_id)
        return {"status": "queued"}

    return routes
