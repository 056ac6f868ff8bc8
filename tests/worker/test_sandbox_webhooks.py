"""Webhooks on the sandbox clock: the event's times are sandbox time, its signature wall time."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from simhive.client import verify_webhook
from simhive.core.accounts.models import Account
from simhive.core.activations import service as activations
from simhive.core.sandbox.reader import OffsetReader
from simhive.db.engine import make_engine
from simhive.db.uow import Database
from simhive.gateways.base import InboundSMS
from simhive.kit.clock import FrozenClock, SandboxClock
from simhive.operations import clock as ops
from simhive.settings import Settings
from simhive.worker.inbound import receive
from simhive.worker.runner import Worker
from tests.fixtures import world
from tests.fixtures.servers import WebhookReceiver, webhook_receiver


@pytest.fixture
def wall() -> FrozenClock:
    return FrozenClock()


@pytest.fixture
def sandboxed(settings: Settings, wall: FrozenClock) -> Iterator[Database]:
    config = settings.model_copy(update={"sandbox": True})
    reader = OffsetReader(config.database_url)
    clock = SandboxClock(reader, refresh_s=3600, wall=wall)
    database = Database(make_engine(config.database_url), clock, config)
    yield database
    database.engine.dispose()
    reader.close()


@pytest.fixture
def hook() -> Iterator[WebhookReceiver]:
    with webhook_receiver() as receiver:
        yield receiver


class TestWebhooksOnTheSandboxClock:
    def test_a_receiver_on_the_wall_clock_accepts_the_signature(
        self, sandboxed: Database, wall: FrozenClock, hook: WebhookReceiver
    ) -> None:
        db = sandboxed
        alice = world.customer(db)
        with db.uow() as uow:
            account = uow.session.get(Account, alice.id)
            assert account is not None
            account.webhook_url = hook.url
            secret = account.webhook_secret
        world.service(db, "Google", "1.20")
        (mdn,) = world.numbers(db, 1)
        ops.advance_clock(db, by="3d")
        with db.uow() as uow:
            account = uow.session.get(Account, alice.id)
            assert account is not None
            activations.request_number(
                uow, account=account, request=activations.NumberRequest(services=("Google",))
            )
        text = "G-804036 is your Google verification code."
        receive(db, InboundSMS(mdn, "22000", text, db.clock.now(), "r1"), gateway="test")
        worker = Worker(db)
        try:
            assert worker.run_pending().delivered == 1
        finally:
            worker.stop()
        (got,) = hook.wait_for(1)
        sandbox_time = wall.now() + timedelta(days=3)
        # What happened, happened at sandbox time …
        assert got.form["timestamp"] == str(int(sandbox_time.timestamp()))
        # … but the signature is checked against the receiver's own (wall) clock.
        assert got.headers["webhook-timestamp"] == str(int(wall.now().timestamp()))
        verify_webhook(secret, got.headers, got.body, now=wall.now())
