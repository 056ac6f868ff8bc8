"""003 "Inbound SMS": SMS to rented numbers posted as JSON to the account's inbound URL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select
from standardwebhooks.webhooks import Webhook

from simhive.core.accounts import service as accounts
from simhive.core.accounts.models import Account
from simhive.core.catalog import service as catalog
from simhive.core.errors import InvalidWebhookUrl
from simhive.core.events.models import Event, EventKind
from simhive.core.rentals import service as rentals
from simhive.db.uow import Database
from simhive.gateways.base import InboundSMS
from simhive.kit.clock import FrozenClock
from simhive.worker.inbound import receive
from simhive.worker.runner import Worker
from tests.fixtures import world
from tests.fixtures.servers import WebhookReceiver, webhook_receiver
from tests.fixtures.world import Customer

TEXT = "G-804036 is your Google verification code."


@pytest.fixture
def inbound() -> Iterator[WebhookReceiver]:
    with webhook_receiver() as receiver:
        yield receiver


@pytest.fixture
def hook() -> Iterator[WebhookReceiver]:
    with webhook_receiver() as receiver:
        yield receiver


@pytest.fixture
def worker(db: Database) -> Iterator[Worker]:
    w = Worker(db)
    yield w
    w.stop()


def rent(db: Database, who: Customer, *, inbound_url: str | None, webhook_url: str | None) -> str:
    """Rent a number (Unlimited, 30 days) to `who` and point its URLs; returns the MDN."""
    (mdn,) = world.numbers(db, 1)
    with db.uow() as uow:
        catalog.set_service(
            uow, catalog.ServiceSpec(name="Unlimited", price=Decimal("1"), ltr_price=Decimal("5"))
        )
        account = uow.session.get(Account, who.id)
        assert account is not None
        accounts.update_account(uow, account=account, inbound_url=inbound_url)
        account.webhook_url = webhook_url
        rentals.rent(uow, account=account, request=rentals.RentRequest("Unlimited", mdn=mdn))
    return mdn


def sms(db: Database, clock: FrozenClock, mdn: str, *, ref: str = "r1", text: str = TEXT) -> None:
    receive(db, InboundSMS(mdn, "+447700900001", text, clock.now(), ref), gateway="test")


def inbound_events(db: Database) -> list[Event]:
    with db.uow(write=False) as uow:
        return list(uow.session.scalars(select(Event).where(Event.kind == EventKind.INBOUND.value)))


class TestInboundSms:
    def test_posted_as_003_json_and_signed(
        self, db: Database, clock: FrozenClock, inbound: WebhookReceiver, worker: Worker
    ) -> None:
        alice = world.customer(db)
        mdn = rent(db, alice, inbound_url=inbound.url, webhook_url=None)
        sms(db, clock, mdn)
        assert worker.run_pending().delivered == 1
        (got,) = inbound.wait_for(1)
        assert got.headers["content-type"] == "application/json"
        body = json.loads(got.body)
        assert body == {
            "from": "447700900001",
            "to": mdn,
            "messageId": body["messageId"],
            "text": TEXT,
            "timestamp": int(clock.now().timestamp()),
            "parts": 1,
        }
        assert isinstance(body["messageId"], str) and body["messageId"]
        with db.uow(write=False) as uow:
            secret = uow.session.get(Account, alice.id).webhook_secret  # type: ignore[union-attr]
        expected = Webhook(secret).sign(got.headers["webhook-id"], clock.now(), got.body.decode())
        assert got.headers["webhook-signature"] == expected

    def test_command_webhook_unchanged_beside_it(
        self,
        db: Database,
        clock: FrozenClock,
        inbound: WebhookReceiver,
        hook: WebhookReceiver,
        worker: Worker,
    ) -> None:
        alice = world.customer(db)
        mdn = rent(db, alice, inbound_url=inbound.url, webhook_url=hook.url)
        sms(db, clock, mdn)
        assert worker.run_pending().delivered == 2
        (form,) = hook.wait_for(1)
        assert form.headers["content-type"] == "application/x-www-form-urlencoded"
        assert form.form["event"] == "incoming_message" and form.form["reply"] == TEXT
        (posted,) = inbound.wait_for(1)
        assert json.loads(posted.body)["text"] == TEXT

    def test_any_2xx_counts(
        self, db: Database, clock: FrozenClock, inbound: WebhookReceiver, worker: Worker
    ) -> None:
        inbound.status = 202
        alice = world.customer(db)
        sms(db, clock, rent(db, alice, inbound_url=inbound.url, webhook_url=None))
        assert worker.run_pending().delivered == 1
        assert [e.status for e in inbound_events(db)] == ["delivered"]

    def test_no_url_no_event(self, db: Database, clock: FrozenClock, worker: Worker) -> None:
        alice = world.customer(db)
        sms(db, clock, rent(db, alice, inbound_url=None, webhook_url=None))
        assert inbound_events(db) == []

    def test_one_time_requests_never_post_inbound(
        self, db: Database, clock: FrozenClock, inbound: WebhookReceiver
    ) -> None:
        """Only rented numbers' SMS go to the inbound URL (003: "if you rent ... numbers")."""
        alice = world.customer(db)
        rent(db, alice, inbound_url=inbound.url, webhook_url=None)
        (other,) = world.numbers(db, 1, start=50)
        sms(db, clock, other)  # an unrouted SMS on a number nobody rents
        assert inbound_events(db) == []

    def test_resent_until_2xx_with_backoff(
        self, db: Database, clock: FrozenClock, inbound: WebhookReceiver, worker: Worker
    ) -> None:
        inbound.status = 500
        alice = world.customer(db)
        sms(db, clock, rent(db, alice, inbound_url=inbound.url, webhook_url=None))
        worker.run_pending()
        waits = []
        for _ in range(5):
            (event,) = inbound_events(db)
            waits.append(round((event.next_attempt_at - clock.now()).total_seconds()))
            clock.advance(waits[-1])
            worker.run_pending()
        assert waits == [30, 60, 120, 240, 480]
        inbound.status = 200
        (event,) = inbound_events(db)
        clock.advance((event.next_attempt_at - clock.now()).total_seconds())
        assert worker.run_pending().delivered == 1
        assert len(inbound.received) == 7
        # The same message each time.
        assert len({r.body for r in inbound.received}) == 1
        assert len({r.headers["webhook-id"] for r in inbound.received}) == 1

    def test_given_up_after_24_hours(
        self, db: Database, clock: FrozenClock, inbound: WebhookReceiver, worker: Worker
    ) -> None:
        inbound.status = 503
        alice = world.customer(db)
        sms(db, clock, rent(db, alice, inbound_url=inbound.url, webhook_url=None))
        start = clock.now()
        worker.run_pending()
        while True:
            (event,) = inbound_events(db)
            if event.status != "pending":
                break
            clock.advance(max((event.next_attempt_at - clock.now()).total_seconds(), 0))
            worker.run_pending()
        assert event.status == "failed"
        assert event.finished_at == start + timedelta(days=1)  # the last try at the deadline
        # 1 + 7 doubling waits (30 s .. 1920 s) + 22 hourly + the last at the deadline.
        assert len(inbound.received) == 31


class TestInboundUrl:
    def test_refused_like_a_webhook_url(self, db: Database) -> None:
        db.settings.webhook_allow_private = False
        alice = world.customer(db)
        with pytest.raises(InvalidWebhookUrl) as refused, db.uow() as uow:
            account = uow.session.get(Account, alice.id)
            assert account is not None
            accounts.update_account(uow, account=account, inbound_url="http://127.0.0.1:9/x")
        assert refused.value.kind == "inbound"
        assert "non-public address" in refused.value.reason
        with db.uow(write=False) as uow:
            assert uow.session.get(Account, alice.id).inbound_url is None  # type: ignore[union-attr]

    def test_cleared(self, db: Database) -> None:
        alice = world.customer(db)
        with db.uow() as uow:
            account = uow.session.get(Account, alice.id)
            assert account is not None
            accounts.update_account(uow, account=account, inbound_url="https://example.com/in")
            accounts.update_account(uow, account=account, clear_inbound=True)
            assert account.inbound_url is None
