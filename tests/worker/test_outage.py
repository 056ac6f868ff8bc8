"""A worker whose passes fail (the database is away) logs the change once and backs off."""

from __future__ import annotations

import logging
import time

import pytest
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError

from simhive.core.accounts.models import Account
from simhive.core.activations import service as activations
from simhive.core.activations.models import Activation
from simhive.core.events import service as events
from simhive.db.uow import Database
from simhive.kit.clock import FrozenClock
from simhive.worker.runner import Worker
from tests.fixtures import world
from tests.fixtures.servers import webhook_receiver
from tests.worker.test_stranded_messages import table_gone


class TestOutage:
    def test_logs_once_per_state_change_and_backs_off(
        self, db: Database, caplog: pytest.LogCaptureFixture
    ) -> None:
        db.settings = db.settings.model_copy(update={"worker_poll_s": 0.01})
        worker = Worker(db)
        passes = 0
        original = worker.run_pending

        def counted(*, wait: bool = True):  # type: ignore[no-untyped-def]
            nonlocal passes
            passes += 1
            return original(wait=wait)

        worker.run_pending = counted  # type: ignore[method-assign]
        caplog.set_level(logging.INFO, logger="simhive.worker.runner")
        with table_gone(db, "events"):
            worker.start()
            time.sleep(2.0)
            failing = [r for r in caplog.records if r.levelno >= logging.ERROR]
            attempts_while_down = passes
        deadline = time.monotonic() + 40
        while time.monotonic() < deadline and not any(
            "succeed again" in r.getMessage() for r in caplog.records
        ):
            time.sleep(0.05)
        worker.stop()
        assert len(failing) == 1
        # At 0.01 s a pass, 2 s would be ~200 passes; backing off it is a handful.
        assert attempts_while_down <= 6
        assert [r.getMessage() for r in caplog.records if "succeed again" in r.getMessage()]


class TestOneSweepFailing:
    def test_the_other_sweeps_and_webhooks_go_on(self, db: Database, clock: FrozenClock) -> None:
        # A fault under one sweep (here: SIM rotation's table is gone) used to end the pass
        # where it stood, and everything after it waited: expiry, renewals, webhooks.
        world.service(db, "Google", "1.00")
        alice = world.customer(db)
        (mdn,) = world.numbers(db, 1)
        with db.uow() as uow:
            account = uow.session.get(Account, alice.id)
            assert account is not None
            activations.request_number(
                uow, account=account, request=activations.NumberRequest(services=("Google",))
            )
        clock.advance(901)
        with webhook_receiver() as hook:
            with db.uow() as uow:
                account = uow.session.get(Account, alice.id)
                assert account is not None
                account.webhook_url = hook.url
                events.enqueue_webhook(
                    uow, account=account, event_type="incoming_message", fields={}
                )
            worker = Worker(db)
            try:
                with table_gone(db, "gateway_slots"), pytest.raises(DBAPIError):
                    worker.run_pending()
            finally:
                worker.stop()
            assert len(hook.wait_for(1)) == 1
        with db.uow(write=False) as uow:
            assert uow.session.scalar(select(Activation.status)) == "timed_out"
        del mdn
