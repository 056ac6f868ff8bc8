"""The outbox: events written with the change that caused them; claims, attempts, retries."""

from __future__ import annotations

import functools
import json
import uuid
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import (
    BigInteger,
    BindParameter,
    Boolean,
    Executable,
    Integer,
    String,
    bindparam,
    column,
    func,
    insert,
    or_,
    select,
    tuple_,
    update,
)
from sqlalchemy.dialects import postgresql

from simhive.core.accounts.models import Account
from simhive.core.errors import NotFound
from simhive.core.events.models import Event, EventAttempt, EventKind, EventStatus
from simhive.db.types import UtcDateTime, among, fixed
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
    account_id: int | None = None

    @property
    def slot(self) -> str | None:
        """Whose delivery slots the event takes (`slot_of`)."""
        return slot_of(EventKind(self.kind), self.account_id, self.target)


def slot_of(kind: EventKind, account_id: int | None, target: str) -> str | None:
    """The deliveries an event shares a worker's bound with: its account's, whatever URLs
    they go to (a customer who names many URLs must not take every delivery thread);
    an event of no account by its URL; None for a gateway call (unbounded)."""
    if kind == EventKind.GATEWAY:
        return None
    return f"account:{account_id}" if account_id is not None else target


class Handoff(Protocol):
    """A worker in this process that takes events straight after their commit."""

    def takes(self, slot: str | None) -> bool:
        """Whether it has room now for one more event of `slot` (`slot_of`)."""
        ...

    def accept(self, event: ClaimedEvent) -> None:
        """Deliver an event written claimed for it; called after the commit."""
        ...


def _new_event(
    uow: UnitOfWork,
    *,
    kind: EventKind,
    event_type: str,
    target: str,
    payload: dict[str, str],
    account_id: int | None,
    secret: str | None = None,
) -> int:
    """Write an event to the outbox; its id.

    With a worker in this process that has room (`uow.outbox_handoff`), the event is
    written already claimed for it, and handed to it once the transaction commits: no
    claim, no wake-up. A worker stopping by then gives it back at once; should the
    process die before delivering it, the claim lapses and another worker claims it.
    """
    now = uow.clock.now()
    handoff: Handoff | None = uow.outbox_handoff
    token = None
    if handoff is not None and handoff.takes(slot_of(kind, account_id, target)):
        token = uuid.uuid4().hex
    values = {
        "public_id": f"msg_{uuid.uuid4().hex}",
        "kind": kind,
        "event_type": event_type,
        "account_id": account_id,
        "target": target,
        "payload": json.dumps(payload, ensure_ascii=False),
        "status": EventStatus.PENDING,
        "attempts": 0 if token is None else 1,
        "next_attempt_at": now,
        "created_at": now,
        "claimed_until": (
            None if token is None else now + timedelta(seconds=uow.settings.worker_claim_s)
        ),
        "claim_token": token,
    }
    event_id = int(uow.run(_INSERT_EVENT, values).scalar_one())
    if handoff is None or token is None:
        uow.outbox_written()
        return event_id
    claimed = ClaimedEvent(
        id=event_id,
        public_id=str(values["public_id"]),
        kind=kind.value,
        event_type=event_type,
        target=target,
        payload=dict(payload),
        attempt=1,
        secret=secret,
        token=token,
        account_id=account_id,
    )
    uow.on_commit(functools.partial(handoff.accept, claimed))
    return event_id


_INSERT_EVENT = insert(Event).returning(Event.id)


def enqueue_webhook(
    uow: UnitOfWork, *, account: Account, event_type: str, fields: dict[str, str]
) -> int | None:
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
        secret=account.webhook_secret,
    )


def enqueue_inbound(
    uow: UnitOfWork, *, account: Account, event_type: str, fields: dict[str, str]
) -> int | None:
    """Queue an inbound SMS to the account's REST inbound URL, if it has one.

    Re-sent until the URL answers 2xx, for `inbound_sms_retry_window_s` (003: 24 hours).
    """
    if not account.inbound_url:
        return None
    return _new_event(
        uow,
        kind=EventKind.INBOUND,
        event_type=event_type,
        target=account.inbound_url,
        payload=fields,
        account_id=account.id,
        secret=account.webhook_secret,
    )


def enqueue_callback(
    uow: UnitOfWork, *, account: Account, url: str, event_type: str, fields: dict[str, str]
) -> int:
    """Queue a callback to a URL the request named (REST `callbackUrl`), signed with the
    account's secret and retried like its webhooks."""
    return _new_event(
        uow,
        kind=EventKind.WEBHOOK,
        event_type=event_type,
        target=url,
        payload=fields,
        account_id=account.id,
        secret=account.webhook_secret,
    )


def enqueue_gateway(
    uow: UnitOfWork, *, gateway: str, event_type: str, payload: dict[str, str]
) -> int:
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

    Two statements whatever the backlog: the claims each account holds now (few: at
    most the bound per account), then due events in order, skipping accounts at their
    bound. An account with a long backlog fills its free places and leaves the rest of
    the batch to the others; its next events are claimed as its deliveries finish.
    """
    now = uow.clock.now()
    bound = uow.settings.webhook_account_claims
    query, claim = _claim_statements(uow.dialect)
    params = {"now": now, "bound": bound, "kinds": list(kinds), "limit": limit}
    room: dict[int, int] = {}
    rows = []
    for row in uow.run(query, params).all():
        if row.account_id is not None:
            left = room.setdefault(row.account_id, bound - int(row.held))
            if left <= 0:
                continue
            room[row.account_id] = left - 1
        rows.append(row)
    if not rows:
        return []
    token = uuid.uuid4().hex
    # One UPDATE for the whole batch, not one per event.
    uow.run(
        claim,
        {
            "ids": [row.id for row in rows],
            "until": now + timedelta(seconds=uow.settings.worker_claim_s),
            "token": token,
        },
    )
    return [
        ClaimedEvent(
            id=row.id,
            public_id=row.public_id,
            kind=row.kind,
            event_type=row.event_type,
            target=row.target,
            payload=json.loads(row.payload),
            attempt=row.attempts + 1,
            secret=row.secret,
            token=token,
            account_id=row.account_id,
        )
        for row in rows
    ]


@functools.cache
def _claim_statements(dialect: str) -> tuple[Executable, Executable]:
    """The due events in order, with their accounts' secrets and the claims each account
    holds already; and the claim of the chosen ones. Built once per dialect; the worker
    runs the first several times a second, mostly to find nothing due.
    """
    now: BindParameter[datetime] = bindparam("now")
    pending = fixed(EventStatus.PENDING)
    held = (
        select(Event.account_id, func.count().label("held"))
        .where(
            Event.status == pending,
            Event.claimed_until.is_not(None),
            Event.claimed_until >= now,
            Event.account_id.is_not(None),
        )
        .group_by(Event.account_id)
        .cte("held")
        .prefix_with("MATERIALIZED", dialect="postgresql")
    )
    query = (
        select(
            Event.id,
            Event.public_id,
            Event.kind,
            Event.event_type,
            Event.target,
            Event.payload,
            Event.attempts,
            Event.account_id,
            Account.webhook_secret.label("secret"),
            func.coalesce(held.c.held, 0).label("held"),
        )
        .outerjoin(held, held.c.account_id == Event.account_id)
        .outerjoin(Account, Account.id == Event.account_id)
        .where(
            Event.status == pending,
            Event.next_attempt_at <= now,
            among(Event.kind, "kinds", dialect),
            or_(Event.claimed_until.is_(None), Event.claimed_until < now),
            func.coalesce(held.c.held, 0) < bindparam("bound"),
        )
        .order_by(Event.next_attempt_at, Event.id)
        .limit(bindparam("limit"))
    )
    if dialect == "postgresql":
        # PostgreSQL re-checks the conditions on a row another worker claimed while
        # this query waited, and then skips it.
        query = query.with_for_update(skip_locked=True, of=Event.__table__)
    claim = (
        update(Event)
        .where(among(Event.id, "ids", dialect))
        .values(
            claimed_until=bindparam("until"),
            claim_token=bindparam("token"),
            attempts=Event.attempts + 1,
        )
    )
    return query, claim


def extend_claims(uow: UnitOfWork, *, tokens: Collection[str]) -> list[int]:
    """Heartbeat: push back the deadline of claims still held under these tokens; the
    ids of the events still held (one another worker recovered is not among them)."""
    if not tokens:
        return []
    result = uow.session.execute(
        update(Event)
        .where(Event.claim_token.in_(list(tokens)), Event.status == fixed(EventStatus.PENDING))
        .values(claimed_until=uow.clock.now() + timedelta(seconds=uow.settings.worker_claim_s))
        .returning(Event.id)
        .execution_options(synchronize_session=False)
    )
    return list(result.scalars())


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


@dataclass(frozen=True, slots=True)
class Attempt:
    """One delivery attempt of a claimed event, as its worker saw it."""

    event_id: int
    token: str
    attempt: int
    ok: bool
    status_code: int | None = None
    error: str | None = None
    duration_ms: int = 0


_INSERT_ATTEMPT = insert(EventAttempt)
_DELIVERED = (
    update(Event)
    .where(
        tuple_(Event.id, Event.claim_token).in_(bindparam("held", expanding=True)),
        Event.status == EventStatus.PENDING,
    )
    .values(
        status=EventStatus.DELIVERED,
        finished_at=bindparam("now"),
        claimed_until=None,
        claim_token=None,
    )
    .returning(Event.id)
)


@functools.cache
def _record_statement() -> Executable:
    """PostgreSQL: attempts logged and the delivered ones settled, in one statement.

    The attempts come as one array per field, unnested into rows (`made`): the log's
    insert reads them in a data-modifying WITH, and the UPDATE settles the successful
    ones whose claim is still the one they were made under. The parameters are not named
    after columns of events (SQLAlchemy would add those to the SET).
    """
    made = (
        func.unnest(
            bindparam("m_ids", type_=postgresql.ARRAY(BigInteger)),
            bindparam("m_attempts", type_=postgresql.ARRAY(Integer)),
            bindparam("m_codes", type_=postgresql.ARRAY(Integer)),
            bindparam("m_errors", type_=postgresql.ARRAY(String)),
            bindparam("m_durations", type_=postgresql.ARRAY(Integer)),
            bindparam("m_tokens", type_=postgresql.ARRAY(String)),
            bindparam("m_oks", type_=postgresql.ARRAY(Boolean)),
        )
        .table_valued(
            column("event_id", BigInteger),
            column("attempt", Integer),
            column("status_code", Integer),
            column("error", String),
            column("duration_ms", Integer),
            column("token", String),
            column("ok", Boolean),
        )
        .render_derived(name="made")
    )
    now: BindParameter[datetime] = bindparam("now", type_=UtcDateTime)
    logged = (
        insert(EventAttempt)
        .from_select(
            ["event_id", "attempt", "attempted_at", "status_code", "error", "duration_ms"],
            select(
                made.c.event_id,
                made.c.attempt,
                now,
                made.c.status_code,
                made.c.error,
                made.c.duration_ms,
            ),
        )
        .cte("logged")
    )
    return (
        update(Event)
        .where(
            Event.id == made.c.event_id,
            Event.claim_token == made.c.token,
            made.c.ok,
            Event.status == fixed(EventStatus.PENDING),
        )
        .values(
            status=fixed(EventStatus.DELIVERED),
            finished_at=now,
            claimed_until=None,
            claim_token=None,
        )
        .returning(Event.id)
        .add_cte(logged)
    )


def _error(attempt: Attempt) -> str | None:
    return (attempt.error or "")[:500] or None


def record_attempts(uow: UnitOfWork, attempts: Sequence[Attempt]) -> list[str | None]:
    """Log attempts and decide what happens next to each event; their new statuses.

    Only the holder of an event's current claim decides: an attempt made under a
    claim that was lost (another worker claimed the event since) is logged and
    changes nothing, so it never overwrites a delivered outcome; its status is None.
    At most three statements for any number of attempts (each event once per call):
    the log, the delivered ones, the failed ones; on PostgreSQL the first two are one.
    """
    ids = [a.event_id for a in attempts]
    if len(set(ids)) != len(ids):
        raise ValueError("one attempt per event in a call")
    if not attempts:
        return []
    now = uow.clock.now()
    delivered: Iterable[int] = ()
    if uow.dialect == "postgresql":
        # The log and the delivered ones in one statement, of one text for any count.
        delivered = uow.run(
            _record_statement(),
            {
                "now": now,
                "m_ids": ids,
                "m_attempts": [a.attempt for a in attempts],
                "m_codes": [a.status_code for a in attempts],
                "m_errors": [_error(a) for a in attempts],
                "m_durations": [a.duration_ms for a in attempts],
                "m_tokens": [a.token for a in attempts],
                "m_oks": [a.ok for a in attempts],
            },
        ).scalars()
    else:
        uow.run(
            _INSERT_ATTEMPT,
            [
                {
                    "event_id": a.event_id,
                    "attempt": a.attempt,
                    "attempted_at": now,
                    "status_code": a.status_code,
                    "error": _error(a),
                    "duration_ms": a.duration_ms,
                }
                for a in attempts
            ],
        )
        held = [(a.event_id, a.token) for a in attempts if a.ok]
        if held:
            delivered = uow.run(_DELIVERED, {"held": held, "now": now}).scalars()
    decided: dict[int, str] = dict.fromkeys(delivered, EventStatus.DELIVERED)
    failed = [a for a in attempts if not a.ok]
    if failed:
        # Failures are few: each event's next try depends on its kind and history.
        rows = uow.session.execute(
            select(Event.id, Event.attempts, Event.kind, Event.created_at).where(
                Event.id.in_([a.event_id for a in failed])
            )
        ).all()
        known = {row.id: row for row in rows}
        for a in failed:
            row = known.get(a.event_id)
            if row is None:
                raise NotFound(f"no event {a.event_id}")
            retry_at = _retry_at(
                uow, kind=row.kind, attempts=row.attempts, created_at=row.created_at
            )
            values: dict[str, object] = {"claimed_until": None, "claim_token": None}
            if retry_at is None:
                values.update(status=EventStatus.FAILED, finished_at=now)
            else:
                values.update(next_attempt_at=retry_at)
            result = uow.session.execute(
                update(Event)
                .where(
                    Event.id == a.event_id,
                    Event.claim_token == a.token,
                    Event.status == EventStatus.PENDING,
                )
                .values(**values)
                .execution_options(synchronize_session=False)
            )
            if result.rowcount == 1:  # type: ignore[attr-defined]
                decided[a.event_id] = (
                    EventStatus.FAILED if retry_at is None else EventStatus.PENDING
                )
    return [decided.get(a.event_id) for a in attempts]


def _retry_at(
    uow: UnitOfWork, *, kind: str, attempts: int, created_at: datetime
) -> datetime | None:
    """When a failed event is tried again; None when it is given up."""
    settings = uow.settings
    now = uow.clock.now()
    if kind == EventKind.INBOUND:
        # 003: "our API will resend the inbound message during next 24 hours", backing
        # off from `inbound_sms_retry_first_s`; the last attempt falls at the deadline.
        deadline = created_at + timedelta(seconds=settings.inbound_sms_retry_window_s)
        if now >= deadline:
            return None
        wait = settings.inbound_sms_retry_first_s * 2 ** min(max(attempts - 1, 0), 30)
        return min(now + timedelta(seconds=min(wait, settings.inbound_sms_retry_max_s)), deadline)
    if attempts > settings.webhook_max_retries:
        # 000: "five more times at 10-minute intervals and then stop the attempts".
        return None
    return now + timedelta(seconds=settings.webhook_retry_interval_s)


def backlog(uow: UnitOfWork) -> int:
    """Events still waiting to be delivered."""
    return int(
        uow.session.scalar(
            select(func.count(Event.id)).where(Event.status == fixed(EventStatus.PENDING))
        )
        or 0
    )


def next_due(uow: UnitOfWork) -> object:
    return uow.session.scalar(
        select(func.min(Event.next_attempt_at)).where(Event.status == fixed(EventStatus.PENDING))
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
