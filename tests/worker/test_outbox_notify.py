"""On PostgreSQL a worker in another process hears of new events at once, not at its poll."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from simhive.core.accounts.models import Account
from simhive.core.events import service as events
from simhive.db.engine import backend_pids, make_engine
from simhive.db.notify import OUTBOX_CHANNEL, Listener
from simhive.db.uow import Database
from simhive.kit.clock import SystemClock
from simhive.settings import Settings
from simhive.worker.runner import Worker
from tests.fixtures import world
from tests.fixtures.servers import webhook_receiver


@pytest.fixture
def apart(settings: Settings) -> Iterator[tuple[Database, Database]]:
    """Two databases on one URL with nothing shared in-process, as two processes have:
    the writer has no worker to wake; the worker polls once a minute."""
    slow = settings.model_copy(update={"worker_poll_s": 60.0})
    writer = Database(make_engine(settings.database_url), SystemClock(), slow)
    reader = Database(make_engine(settings.database_url), SystemClock(), slow)
    yield writer, reader
    writer.engine.dispose()
    reader.engine.dispose()


def test_an_event_written_elsewhere_wakes_the_worker(
    backend: str, apart: tuple[Database, Database]
) -> None:
    if backend != "postgresql":
        pytest.skip("SQLite has no notifications: a worker apart polls")
    writer, reader = apart
    alice = world.customer(writer)
    with webhook_receiver() as receiver:
        with writer.uow() as uow:
            account = uow.session.get(Account, alice.id)
            assert account is not None
            account.webhook_url = receiver.url
        worker = Worker(reader)
        worker.start()
        try:
            # The worker's first pass runs at start; wait until it has nothing to do.
            assert receiver.wait_for(0) == []
            for n in range(3):
                with writer.uow() as uow:
                    account = uow.session.get(Account, alice.id)
                    assert account is not None
                    events.enqueue_webhook(
                        uow, account=account, event_type="test.ping", fields={"n": str(n)}
                    )
                # Well inside the minute the worker would otherwise sleep.
                got = receiver.wait_for(n + 1, timeout=10)
                assert len(got) == n + 1
        finally:
            worker.stop()


def test_notices_of_its_own_commits_do_not_wake_a_worker_twice(
    backend: str, apart: tuple[Database, Database]
) -> None:
    """A worker its own process wakes after each commit skips that commit's notice (it
    would claim a second time and find nothing); a notice from elsewhere still wakes it."""
    if backend != "postgresql":
        pytest.skip("SQLite has no notifications: a worker apart polls")
    here, elsewhere = apart
    alice = world.customer(here)
    wakes: list[float] = []
    woken = threading.Condition()

    def wake() -> None:
        with woken:
            wakes.append(time.monotonic())
            woken.notify_all()

    def queue(db: Database) -> None:
        with db.uow() as uow:
            account = uow.session.get(Account, alice.id)
            assert account is not None
            account.webhook_url = "https://hooks.example.com/simhive"
            events.enqueue_webhook(uow, account=account, event_type="test.ping", fields={})

    listener = Listener(
        here.engine, wake, channel=OUTBOX_CHANNEL, ignore=lambda: backend_pids(here.engine)
    )
    listener.start()
    try:
        with woken:
            assert woken.wait_for(lambda: len(wakes) == 1, timeout=10)  # listening now
        queue(here)
        with woken:
            assert not woken.wait_for(lambda: len(wakes) > 1, timeout=1.5)
        queue(elsewhere)
        with woken:
            assert woken.wait_for(lambda: len(wakes) == 2, timeout=10)
    finally:
        listener.stop()
