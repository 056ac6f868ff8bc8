"""The outbox: events written with the change that caused them; claims, attempts, retries."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, or_, select, update

from simhive.core.accounts.models import Account
from simhive.core.errors import NotFound
from simhive.core.events.models import Event, EventAttempt, EventKind, EventStatus
from simhive.db.uow import UnitOfWork

# The webhook events core emits: domain facts, worded by each dialect when delivered.
ACTIVATION_COMPLETED = "activation.completed"
BID_WON = "bid.won"


@dataclass(frozen=True, slots=True)
class ClaimedEvent:
    """An event a worker owns until `claimed_until`; delivered outside any transaction."""

    id: int
    public_id: str
    kind: str
    event_type: str
    target: str
    payload: dict[str, str]
    attempt: int
    secret: str | None


def _new_event(
    uow: UnitOfWork,
    *,
    kind: EventKind,
    event_type: str,
    target: str,
    payload: dict[str, str],
    account_id: int | None,
) -> Event:
    now = uow.clock.now()
    event = Event(
        public_id=f"msg_{uuid.uuid4().hex}",
        kind=kind,
        event_type=event_type,
        account_id=account_id,
        target=target,
        payload=json.dumps(payload, ensure_ascii=False),
        status=EventStatus.PENDING,
        attempts=0,
        next_attempt_at=now,
        created_at=now,
    )
    uow.session.add(event)
    uow.session.flush()
    uow.outbox_written()
    return event


def enqueue_webhook(
    uow: UnitOfWork, *, account: Account, event_type: str, fields: dict[str, str]
) -> Event | None:
    """Queue a webhook to the account's URL, if it has one (same transaction as the change)."""
    if not account.webhook_url:
        return None
    return _new_event(
        uow,
        kind=EventKind.WEBHOOK,
        event_type=event_type,
        target=account.webhook_url,
        payload=fields,
        account_id=account.id,
    )


def enqueue_gateway(
    uow: UnitOfWork, *, gateway: str, event_type: str, payload: dict[str, str]
) -> Event:
    """Queue a call to a gateway (for example: tell the simulator a number was reserved)."""
    return _new_event(
        uow,
        kind=EventKind.GATEWAY,
        event_type=event_type,
        target=gateway,
        payload=payload,
        account_id=None,
    )


def claim_due(uow: UnitOfWork, *, limit: int, kinds: tuple[str, ...]) -> list[ClaimedEvent]:
    """Claim due events; a claim that outlives `worker_claim_s` is taken over by another worker."""
    now = uow.clock.now()
    query = (
        select(Event, Account.webhook_secret)
        .outerjoin(Account, Account.id == Event.account_id)
        .where(
            Event.status == EventStatus.PENDING,
            Event.next_attempt_at <= now,
            Event.kind.in_(kinds),
            or_(Event.claimed_until.is_(None), Event.claimed_until < now),
        )
        .order_by(Event.next_attempt_at, Event.id)
        .limit(limit)
    )
    if uow.dialect == "postgresql":
        query = query.with_for_update(skip_locked=True, of=Event)
    rows = uow.session.execute(query).all()
    if not rows:
        return []
    # One UPDATE for the whole batch, not one per event.
    uow.session.execute(
        update(Event)
        .where(Event.id.in_([event.id for event, _ in rows]))
        .values(
            claimed_until=now + timedelta(seconds=uow.settings.worker_claim_s),
            attempts=Event.attempts + 1,
        )
        .execution_options(synchronize_session=False)
    )
    return [
        ClaimedEvent(
            id=event.id,
            public_id=event.public_id,
            kind=event.kind,
            event_type=event.event_type,
            target=event.target,
            payload=json.loads(event.payload),
            attempt=event.attempts + 1,
            secret=secret,
        )
        for event, secret in rows
    ]


def record_attempt(
    uow: UnitOfWork,
    *,
    event_id: int,
    attempt: int,
    ok: bool,
    status_code: int | None = None,
    error: str | None = None,
    duration_ms: int = 0,
) -> str:
    """Log one attempt and decide what happens next; returns the event's new status."""
    now = uow.clock.now()
    uow.session.add(
        EventAttempt(
            event_id=event_id,
            attempt=attempt,
            attempted_at=now,
            status_code=status_code,
            error=(error or "")[:500] or None,
            duration_ms=duration_ms,
        )
    )
    event = uow.session.get(Event, event_id)
    assert event is not None
    if ok:
        event.status = EventStatus.DELIVERED
        event.finished_at = now
    elif event.attempts > uow.settings.webhook_max_retries:
        # 000: "five more times at 10-minute intervals and then stop the attempts".
        event.status = EventStatus.FAILED
        event.finished_at = now
    else:
        event.next_attempt_at = now + timedelta(seconds=uow.settings.webhook_retry_interval_s)
    event.claimed_until = None
    uow.session.flush()
    return event.status


def backlog(uow: UnitOfWork) -> int:
    """Events still waiting to be delivered."""
    return int(
        uow.session.scalar(select(func.count(Event.id)).where(Event.status == EventStatus.PENDING))
        or 0
    )


def next_due(uow: UnitOfWork) -> object:
    return uow.session.scalar(
        select(func.min(Event.next_attempt_at)).where(Event.status == EventStatus.PENDING)
    )


def retry_now(uow: UnitOfWork, *, event_id: int) -> None:
    """Operator action: make a failed or waiting event due again."""
    result = uow.session.execute(
        update(Event)
        .where(Event.id == event_id)
        .values(status=EventStatus.PENDING, next_attempt_at=uow.clock.now(), claimed_until=None)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise NotFound(f"no event {event_id}")
