"""Webhook events (the outbox), as an operator watches and retries them."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from simhive.core.errors import NotFound
from simhive.core.events import service as events
from simhive.core.events.models import Event, EventAttempt
from simhive.db.uow import Database


@dataclass(frozen=True)
class EventInfo:
    id: int
    webhook_id: str
    event_type: str
    target: str
    status: str
    attempts: int
    last_error: str | None


def list_events(db: Database, *, status: str | None = None, limit: int = 50) -> list[EventInfo]:
    """Events newest first, each with the error of its last attempt."""
    with db.uow(write=False) as uow:
        query = select(Event).order_by(Event.id.desc()).limit(limit)
        if status:
            query = query.where(Event.status == status)
        found = []
        for event in uow.session.scalars(query):
            last = uow.session.scalar(
                select(EventAttempt.error)
                .where(EventAttempt.event_id == event.id)
                .order_by(EventAttempt.id.desc())
                .limit(1)
            )
            found.append(
                EventInfo(
                    event.id,
                    event.public_id,
                    event.event_type,
                    event.target,
                    event.status,
                    event.attempts,
                    last,
                )
            )
        return found


def retry_event(db: Database, event_id: int) -> None:
    """Make an event due now (a failed one included)."""
    with db.uow() as uow:
        if uow.session.get(Event, event_id) is None:
            raise NotFound(f"no event {event_id}")
        events.retry_now(uow, event_id=event_id)
