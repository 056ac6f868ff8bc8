"""A worker in the writing process takes new events straight after the commit.

They are written already claimed for it, so it runs no claim for them and is not woken.
A worker that stopped before the commit gives them back at once; if it never delivers
them (the process died), their claim lapses and any worker claims them as it would any
other.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event, select

from simhive.core.accounts.models import Account
from simhive.core.events import service as events
from simhive.core.events.models import Event, EventAttempt
from simhive.db.uow import Database
from simhive.kit.clock import FrozenClock
from simhive.worker.runner import Worker
from tests.fixtures import world
from tests.fixtures.servers import webhook_receiver
from tests.fixtures.world import Customer


def queue(db: Database, who: Customer, url: str, n: int) -> int:
    with db.uow() as uow:
        account = uow.session.get(Account, who.id)
        assert account is not None
        account.webhook_url = url
        event_id = events.enqueue_webhook(
            uow, account=account, event_type="incoming_message", fields={"n": str(n)}
        )
    assert event_id is not None
    return event_id


@contextmanager
def events_written(db: Database) -> Iterator[list[dict[str, object]]]:
    """The rows of `events` as their INSERTs wrote them."""
    rows: list[dict[str, object]] = []

    def before(
        _conn: object, _cursor: object, statement: str, params: Any, context: Any, _many: bool
    ) -> None:
        # A statement run straight on psycopg has no engine context: its parameters
        # are the ones sent, by name (`simhive.db.direct`).
        if statement.startswith("INSERT INTO events "):
            rows.extend(context.compiled_parameters if context is not None else [params])

    event.listen(db.engine, "before_cursor_execute", before)
    try:
        yield rows
    finally:
        event.remove(db.engine, "before_cursor_execute", before)


def test_events_go_to_the_local_worker_without_a_claim(db: Database) -> None:
    alice = world.customer(db)
    slow = Database(db.engine, db.clock, db.settings.model_copy(update={"worker_poll_s": 60.0}))
    worker = Worker(slow)
    slow.outbox_hook = worker.wake
    slow.outbox_handoff = worker
    with webhook_receiver() as receiver, events_written(db) as written:
        worker.start()
        try:
            # As many as the target has delivery slots: each goes straight to the worker.
            ids = [queue(slow, alice, receiver.url, n) for n in range(3)]
            got = receiver.wait_for(3, timeout=10)
            assert sorted(item.form["n"] for item in got) == ["0", "1", "2"]
        finally:
            worker.stop()
    # Written claimed for the worker (its first attempt counted), so no claim took them.
    assert len(written) == 3
    assert all(row["claim_token"] and row["attempts"] == 1 for row in written), written
    with db.uow(write=False) as uow:
        rows = uow.session.execute(
            select(Event.status, Event.attempts, Event.claim_token).where(Event.id.in_(ids))
        ).all()
        attempts = uow.session.scalars(
            select(EventAttempt.attempt).where(EventAttempt.event_id.in_(ids))
        ).all()
    assert sorted(rows) == [("delivered", 1, None)] * 3
    assert sorted(attempts) == [1] * 3


class StopsBetween:
    """The worker takes the event while it runs, and has stopped when the commit comes."""

    def __init__(self, worker: Worker) -> None:
        self.worker = worker

    def takes(self, slot: str | None) -> bool:
        return self.worker.takes(slot)

    def accept(self, event: events.ClaimedEvent) -> None:
        self.worker.stop()  # after the commit, as a shutdown may come
        self.worker.accept(event)


def test_an_event_handed_to_a_stopping_worker_is_given_back_at_once(db: Database) -> None:
    alice = world.customer(db)
    worker = Worker(db)
    worker.start()
    db.outbox_handoff = StopsBetween(worker)
    event_id = queue(db, alice, "https://hooks.example.com/simhive", 1)
    db.outbox_handoff = None
    with db.uow(write=False) as uow:
        row = uow.session.execute(
            select(Event.attempts, Event.claimed_until).where(Event.id == event_id)
        ).one()
    assert tuple(row) == (0, None)  # due for any worker, no attempt counted
    with db.uow() as uow:
        (claimed,) = events.claim_due(uow, limit=10, kinds=("webhook",))
    assert claimed.id == event_id
    assert claimed.attempt == 1


class Gone:
    """A worker that took events and stopped before delivering them."""

    def takes(self, slot: str | None) -> bool:
        return True

    def accept(self, event: events.ClaimedEvent) -> None:
        pass


def test_an_event_its_worker_never_delivered_is_claimed_once_the_claim_lapses(
    db: Database, clock: FrozenClock
) -> None:
    alice = world.customer(db)
    db.outbox_handoff = Gone()
    event_id = queue(db, alice, "https://hooks.example.com/simhive", 1)
    db.outbox_handoff = None

    def claim() -> list[events.ClaimedEvent]:
        with db.uow() as uow:
            return events.claim_due(uow, limit=10, kinds=("webhook",))

    assert claim() == []  # held by the worker that took it
    clock.advance(db.settings.worker_claim_s - 1)
    assert claim() == []
    clock.advance(2)
    (claimed,) = claim()
    assert claimed.id == event_id
    assert claimed.payload == {"n": "1"}
