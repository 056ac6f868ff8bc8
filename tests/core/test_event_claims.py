"""Outbox claims: fenced by a token, kept alive by heartbeats, bounded per account."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from simhive.core.accounts.models import Account
from simhive.core.events import service as events
from simhive.core.events.models import Event, EventAttempt
from simhive.db.uow import Database, UnitOfWork
from simhive.kit.clock import FrozenClock
from tests.fixtures import world
from tests.fixtures.world import Customer

KINDS = ("webhook",)


def record(
    uow: UnitOfWork, *, event_id: int, token: str, attempt: int, **outcome: Any
) -> str | None:
    """One attempt's outcome, as a worker's recorder writes it; the event's new status."""
    (status,) = events.record_attempts(uow, [events.Attempt(event_id, token, attempt, **outcome)])
    return status


def queue(db: Database, who: Customer, count: int) -> list[int]:
    with db.uow() as uow:
        account = uow.session.get(Account, who.id)
        assert account is not None
        account.webhook_url = f"http://127.0.0.1:9/{who.username}"
        queued = [
            events.enqueue_webhook(
                uow, account=account, event_type="incoming_message", fields={"n": str(n)}
            )
            for n in range(count)
        ]
        return [event_id for event_id in queued if event_id is not None]


def claim(db: Database, limit: int = 100) -> list[events.ClaimedEvent]:
    with db.uow() as uow:
        return events.claim_due(uow, limit=limit, kinds=KINDS)


def event(db: Database, event_id: int) -> Event:
    with db.uow(write=False) as uow:
        found = uow.session.get(Event, event_id)
        assert found is not None
        uow.session.expunge(found)
        return found


class TestRecordAttempt:
    def test_stale_attempt_cannot_overwrite_delivered(
        self, db: Database, clock: FrozenClock
    ) -> None:
        (event_id,) = queue(db, world.customer(db), 1)
        (first,) = claim(db)
        # The first worker stalls past its claim; a second one claims and delivers.
        clock.advance(db.settings.worker_claim_s + 1)
        (second,) = claim(db)
        assert second.token != first.token
        with db.uow() as uow:
            status = record(
                uow,
                event_id=event_id,
                token=second.token,
                attempt=second.attempt,
                ok=True,
                status_code=200,
            )
        assert status == "delivered"
        delivered = event(db, event_id)
        clock.advance(5)
        with db.uow() as uow:
            stale = record(
                uow,
                event_id=event_id,
                token=first.token,
                attempt=first.attempt,
                ok=False,
                status_code=500,
                error="HTTP 500",
            )
        assert stale is None
        after = event(db, event_id)
        assert after.status == "delivered"
        assert after.finished_at == delivered.finished_at
        assert after.next_attempt_at == delivered.next_attempt_at
        with db.uow(write=False) as uow:
            log = uow.session.execute(
                select(EventAttempt.attempt, EventAttempt.status_code).order_by(EventAttempt.id)
            ).all()
        assert [tuple(row) for row in log] == [(2, 200), (1, 500)]

    def test_stale_attempt_leaves_the_current_claim_alone(
        self, db: Database, clock: FrozenClock
    ) -> None:
        (event_id,) = queue(db, world.customer(db), 1)
        (first,) = claim(db)
        clock.advance(db.settings.worker_claim_s + 1)
        (second,) = claim(db)
        held = event(db, event_id)
        with db.uow() as uow:
            stale = record(
                uow, event_id=event_id, token=first.token, attempt=first.attempt, ok=True
            )
        assert stale is None
        after = event(db, event_id)
        assert (after.status, after.claim_token, after.claimed_until) == (
            "pending",
            second.token,
            held.claimed_until,
        )

    def test_failure_under_the_current_claim_schedules_a_retry(
        self, db: Database, clock: FrozenClock
    ) -> None:
        (event_id,) = queue(db, world.customer(db), 1)
        (claimed,) = claim(db)
        with db.uow() as uow:
            status = record(uow, event_id=event_id, token=claimed.token, attempt=1, ok=False)
        assert status == "pending"
        after = event(db, event_id)
        assert after.claim_token is None
        assert after.claimed_until is None
        assert (after.next_attempt_at - clock.now()).total_seconds() == 600


class TestExtendClaims:
    def test_heartbeat_keeps_a_claim_past_its_period(
        self, db: Database, clock: FrozenClock
    ) -> None:
        queue(db, world.customer(db), 1)
        (claimed,) = claim(db)
        for _ in range(3):
            clock.advance(db.settings.worker_claim_s - 1)
            with db.uow() as uow:
                assert events.extend_claims(uow, tokens=[claimed.token]) == [claimed.id]
            assert claim(db) == []
        clock.advance(db.settings.worker_claim_s + 1)
        (recovered,) = claim(db)
        assert recovered.attempt == 2

    def test_finished_events_are_not_extended(self, db: Database, clock: FrozenClock) -> None:
        (event_id,) = queue(db, world.customer(db), 1)
        (claimed,) = claim(db)
        with db.uow() as uow:
            record(uow, event_id=event_id, token=claimed.token, attempt=1, ok=True)
            assert events.extend_claims(uow, tokens=[claimed.token]) == []


class TestAccountBound:
    def test_an_account_holds_at_most_its_share_of_claims(
        self, db: Database, clock: FrozenClock
    ) -> None:
        slow = world.customer(db, "slow")
        other = world.customer(db, "other")
        slow_ids = queue(db, slow, 5)
        other_ids = queue(db, other, 3)
        db.settings = db.settings.model_copy(update={"webhook_account_claims": 2})
        first = claim(db)
        assert [e.id for e in first] == slow_ids[:2] + other_ids[:2]
        # While those claims are held, neither account gets another.
        assert claim(db) == []
        with db.uow() as uow:
            record(uow, event_id=first[0].id, token=first[0].token, attempt=1, ok=True)
        # One slot of `slow` is free again: exactly one more of its events.
        assert [e.id for e in claim(db)] == [slow_ids[2]]
        # Claims that lapse free their slots for whoever recovers them.
        clock.advance(db.settings.worker_claim_s + 1)
        recovered = claim(db)
        assert sorted(e.id for e in recovered) == sorted(slow_ids[1:3] + other_ids[:2])

    def test_bound_is_a_setting(self, db: Database, clock: FrozenClock) -> None:
        wide = Database(
            db.engine, clock, db.settings.model_copy(update={"webhook_account_claims": 4})
        )
        ids = queue(db, world.customer(db), 6)
        assert [e.id for e in claim(wide)] == ids[:4]
        assert [e.id for e in claim(wide, limit=1)] == []
