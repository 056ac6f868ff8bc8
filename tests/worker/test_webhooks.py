"""Webhooks through the outbox: delivery, signatures, the retry schedule, refusals."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest
from sqlalchemy import select
from standardwebhooks.webhooks import Webhook

from simhive.core.accounts.models import Account
from simhive.core.activations import service as activations
from simhive.core.events.models import Event, EventAttempt
from simhive.db.uow import Database
from simhive.gateways.base import InboundSMS
from simhive.kit.clock import FrozenClock
from simhive.worker.inbound import receive
from simhive.worker.runner import Worker
from tests.fixtures import world
from tests.fixtures.servers import WebhookReceiver, webhook_receiver
from tests.fixtures.world import Customer


@pytest.fixture
def hook() -> Iterator[WebhookReceiver]:
    with webhook_receiver() as receiver:
        yield receiver


@pytest.fixture
def worker(db: Database) -> Iterator[Worker]:
    w = Worker(db)
    yield w
    w.stop()


def subscribe(db: Database, who: Customer, url: str) -> str:
    with db.uow() as uow:
        account = uow.session.get(Account, who.id)
        assert account is not None
        account.webhook_url = url
        return account.webhook_secret


def reserve_and_receive(db: Database, who: Customer, clock: FrozenClock) -> tuple[str, str]:
    world.service(db, "Google", "1.20")
    (mdn,) = world.numbers(db, 1)
    with db.uow() as uow:
        account = uow.session.get(Account, who.id)
        (view,) = activations.request_number(
            uow,
            account=account,
            request=activations.NumberRequest(services=("Google",)),  # type: ignore[arg-type]
        )
    receive(
        db,
        InboundSMS(mdn, "22000", "G-804036 is your Google verification code.", clock.now(), "r1"),
        gateway="test",
    )
    return str(view.id), mdn


def attempts(db: Database) -> list[EventAttempt]:
    with db.uow(write=False) as uow:
        return list(uow.session.scalars(select(EventAttempt).order_by(EventAttempt.id)))


class TestIncomingMessageWebhook:
    def test_delivered_form_encoded_and_signed(
        self, db: Database, clock: FrozenClock, hook: WebhookReceiver, worker: Worker
    ) -> None:
        alice = world.customer(db)
        secret = subscribe(db, alice, hook.url)
        rid, mdn = reserve_and_receive(db, alice, clock)
        result = worker.run_pending()
        assert result.delivered == 1
        (got,) = hook.wait_for(1)
        assert got.headers["content-type"] == "application/x-www-form-urlencoded"
        assert got.form == {
            "event": "incoming_message",
            "id": rid,
            "timestamp": str(int(clock.now().timestamp())),
            "date_time": "2026-01-15 07:00:00 EST",
            "from": "22000",
            "to": mdn,
            "service": "Google",
            "reply": "G-804036 is your Google verification code.",
            "pin": "G-804036",
            "price": "1.20",
        }
        assert got.headers["webhook-id"].startswith("msg_")
        assert got.headers["webhook-timestamp"] == str(int(clock.now().timestamp()))
        expected = Webhook(secret).sign(got.headers["webhook-id"], clock.now(), got.body.decode())
        assert got.headers["webhook-signature"] == expected
        assert world.balance(db, alice) == Decimal("8.80")

    def test_failures_retry_five_more_times_at_ten_minutes(
        self, db: Database, clock: FrozenClock, hook: WebhookReceiver, worker: Worker
    ) -> None:
        alice = world.customer(db)
        subscribe(db, alice, hook.url)
        hook.status = 500
        reserve_and_receive(db, alice, clock)
        worker.run_pending()
        for _ in range(5):
            clock.advance(599)
            assert worker.run_pending().failed == 0
            clock.advance(1)
            assert worker.run_pending().failed == 1
        clock.advance(3600)
        assert worker.run_pending().failed == 0
        log = attempts(db)
        assert [a.status_code for a in log] == [500] * 6
        assert [a.attempt for a in log] == [1, 2, 3, 4, 5, 6]
        gaps = {
            (b.attempted_at - a.attempted_at).total_seconds()
            for a, b in zip(log, log[1:], strict=False)
        }
        assert gaps == {600.0}
        ids = {r.headers["webhook-id"] for r in hook.wait_for(6)}
        assert len(ids) == 1
        with db.uow(write=False) as uow:
            assert uow.session.scalar(select(Event.status)) == "failed"

    def test_success_after_a_failure_stops_the_retries(
        self, db: Database, clock: FrozenClock, hook: WebhookReceiver, worker: Worker
    ) -> None:
        alice = world.customer(db)
        subscribe(db, alice, hook.url)
        hook.status = 503
        reserve_and_receive(db, alice, clock)
        worker.run_pending()
        hook.status = 200
        clock.advance(600)
        assert worker.run_pending().delivered == 1
        clock.advance(3600)
        worker.run_pending()
        assert [a.status_code for a in attempts(db)] == [503, 200]

    def test_redirects_are_failures_and_not_followed(
        self, db: Database, clock: FrozenClock, hook: WebhookReceiver, worker: Worker
    ) -> None:
        alice = world.customer(db)
        subscribe(db, alice, hook.url)
        hook.redirect_to = hook.url.replace("/hook", "/elsewhere")
        reserve_and_receive(db, alice, clock)
        worker.run_pending()
        assert [r.path for r in hook.wait_for(1)] == ["/hook"]
        assert [a.status_code for a in attempts(db)] == [302]

    def test_private_targets_are_refused_unless_allowed(
        self, db: Database, clock: FrozenClock, hook: WebhookReceiver
    ) -> None:
        strict = Database(
            db.engine, clock, db.settings.model_copy(update={"webhook_allow_private": False})
        )
        worker = Worker(strict)
        try:
            alice = world.customer(db)
            subscribe(db, alice, hook.url)
            reserve_and_receive(db, alice, clock)
            assert worker.run_pending().failed == 1
        finally:
            worker.stop()
        assert hook.received == []
        (attempt,) = attempts(db)
        assert attempt.status_code is None
        assert "non-public address (127.0.0.1)" in (attempt.error or "")

    def test_no_webhook_url_queues_nothing(
        self, db: Database, clock: FrozenClock, worker: Worker
    ) -> None:
        alice = world.customer(db)
        reserve_and_receive(db, alice, clock)
        with db.uow(write=False) as uow:
            assert uow.session.scalars(select(Event)).all() == []


class TestPriorityRequestWebhook:
    def test_won_bid_is_announced(
        self, db: Database, clock: FrozenClock, hook: WebhookReceiver, worker: Worker
    ) -> None:
        world.service(db, "Google", "1.00")
        alice = world.customer(db)
        subscribe(db, alice, hook.url)
        with db.uow() as uow:
            account = uow.session.get(Account, alice.id)
            (bid,) = activations.request_number(
                uow,
                account=account,  # type: ignore[arg-type]
                request=activations.NumberRequest(services=("Google",), markup=35),
            )
        (mdn,) = world.numbers(db, 1)
        worker.run_pending()
        (got,) = hook.wait_for(1)
        assert got.form == {
            "event": "priority_request",
            "status": "ok",
            "id": str(bid.id),
            "mdn": mdn,
            "service": "Google",
            "price": "1.35",
        }
        assert world.available(db, alice) == Decimal("8.65")
