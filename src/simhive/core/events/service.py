"""The outbox: events written with the change that caused them; claims, attempts, retries."""

from __future__ import annotations

import json
import uuid
from collections.abc import Collection
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import CTE, and_, case, func, or_, select, update

from simhive.core.accounts.models import Account
from simhive.core.errors import NotFound
from simhive.core.events.models import Event, EventAttempt, EventKind, EventStatus
from simhive.db.uow import UnitOfWork

# The webhook events core emits: domain facts, worded by each dialect when delivered.
ACTIVATION_COMPLETED = "activation.completed"
BID_WON = "bid.won"
RENTAL_MESSAGE = "rental.message"
RENTAL_RENEWED = "rental.renewed"
RENTAL_NOT_RENEWED = "rental.not_renewed"


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
    token: str


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


def enqueue_callback(
    uow: UnitOfWork, *, account: Account, url: str, event_type: str, fields: dict[str, str]
) -> Event:
    """Queue a callback to a URL the request named (REST `callbackUrl`), signed with the
    account's secret and retried like its webhooks."""
    return _new_event(
        uow,
        kind=EventKind.WEBHOOK,
        event_type=event_type,
        target=url,
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
    """Claim due events, at most `webhook_account_claims` held per account at a time.

    A claim lasts `worker_claim_s` and its holder extends it (`extend_claims`) while
    the delivery runs; a claim that lapses is recovered by any worker. Each claim
    writes a new token, and only the holder of the current token records the outcome.
    """
    now = uow.clock.now()
    pick = _due_within_account_bound(uow, kinds=kinds)
    query = (
        select(Event, Account.webhook_secret)
        .join(pick, pick.c.id == Event.id)
        .outerjoin(Account, Account.id == Event.account_id)
        # Repeated on the row itself: PostgreSQL re-checks these on a row another
        # worker claimed while this query waited, and then skips it.
        .where(
            Event.status == EventStatus.PENDING,
            Event.next_attempt_at <= now,
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
    token = uuid.uuid4().hex
    # One UPDATE for the whole batch, not one per event.
    uow.session.execute(
        update(Event)
        .where(Event.id.in_([event.id for event, _ in rows]))
        .values(
            claimed_until=now + timedelta(seconds=uow.settings.worker_claim_s),
            claim_token=token,
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
            token=token,
        )
        for event, secret in rows
    ]


def _due_within_account_bound(uow: UnitOfWork, *, kinds: tuple[str, ...]) -> CTE:
    """Ids of due events that fit in their account's free delivery slots.

    Within each account the live claims take the first places and due events
    follow in order; a due event is picked when its place is within
    `webhook_account_claims`, so one account's backlog never fills a worker's batch
    (the worker then runs at most `webhook_account_concurrency` of them at once).
    Materialized on PostgreSQL, so it is computed once however few rows a planner
    without statistics expects (as a plain subquery the window ran once per due row).
    """
    now = uow.clock.now()
    held = Event.claimed_until >= now
    due = and_(
        Event.next_attempt_at <= now,
        Event.kind.in_(kinds),
        or_(Event.claimed_until.is_(None), Event.claimed_until < now),
    )
    ranked = (
        select(
            Event.id,
            Event.account_id,
            case((held, 0), else_=1).label("waiting"),
            func.row_number()
            .over(
                partition_by=Event.account_id,
                order_by=(case((held, 0), else_=1), Event.next_attempt_at, Event.id),
            )
            .label("place"),
        )
        .where(Event.status == EventStatus.PENDING, or_(held, due))
        .subquery()
    )
    return (
        select(ranked.c.id)
        .where(
            ranked.c.waiting == 1,
            or_(
                ranked.c.account_id.is_(None),
                ranked.c.place <= uow.settings.webhook_account_claims,
            ),
        )
        .cte("pick")
        .prefix_with("MATERIALIZED", dialect="postgresql")
    )


def extend_claims(uow: UnitOfWork, *, tokens: Collection[str]) -> int:
    """Heartbeat: push back the deadline of claims still held under these tokens."""
    if not tokens:
        return 0
    result = uow.session.execute(
        update(Event)
        .where(Event.claim_token.in_(list(tokens)), Event.status == EventStatus.PENDING)
        .values(claimed_until=uow.clock.now() + timedelta(seconds=uow.settings.worker_claim_s))
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


def unclaim(uow: UnitOfWork, *, claims: Collection[tuple[int, str]]) -> int:
    """Give back claims never attempted (a worker stopping): due again for any worker."""
    released = 0
    for event_id, token in claims:
        result = uow.session.execute(
            update(Event)
            .where(
                Event.id == event_id,
                Event.claim_token == token,
                Event.status == EventStatus.PENDING,
            )
            .values(claimed_until=None, attempts=Event.attempts - 1)
            .execution_options(synchronize_session=False)
        )
        released += int(result.rowcount)  # type: ignore[attr-defined]
    return released


def record_attempt(
    uow: UnitOfWork,
    *,
    event_id: int,
    token: str,
    attempt: int,
    ok: bool,
    status_code: int | None = None,
    error: str | None = None,
    duration_ms: int = 0,
) -> str | None:
    """Log one attempt and decide what happens next; returns the event's new status.

    Only the holder of the event's current claim decides: an attempt made under a
    claim that was lost (another worker claimed the event since) is logged and
    changes nothing, so it never overwrites a delivered outcome; then None is returned.
    """
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
    attempts = uow.session.scalar(select(Event.attempts).where(Event.id == event_id))
    if attempts is None:
        raise NotFound(f"no event {event_id}")
    values: dict[str, object] = {"claimed_until": None, "claim_token": None}
    if ok:
        status = EventStatus.DELIVERED
        values.update(status=status, finished_at=now)
    elif attempts > uow.settings.webhook_max_retries:
        # 000: "five more times at 10-minute intervals and then stop the attempts".
        status = EventStatus.FAILED
        values.update(status=status, finished_at=now)
    else:
        status = EventStatus.PENDING
        values.update(
            next_attempt_at=now + timedelta(seconds=uow.settings.webhook_retry_interval_s)
        )
    result = uow.session.execute(
        update(Event)
        .where(
            Event.id == event_id,
            Event.claim_token == token,
            Event.status == EventStatus.PENDING,
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    uow.session.flush()
    return status if result.rowcount == 1 else None  # type: ignore[attr-defined]


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
        # A claim still held is left alone: the delivery in flight records its outcome.
        .values(status=EventStatus.PENDING, next_attempt_at=uow.clock.now())
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise NotFound(f"no event {event_id}")
