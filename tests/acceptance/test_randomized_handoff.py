"""Events handed to the writing process's worker, beside a worker apart that claims.

Writers in many threads queue webhooks for several accounts and targets at random,
while a worker in the writing process takes what it has room for straight after each
commit and a second worker (another process, as far as it knows) claims the rest.
Whatever the timing: every event is delivered exactly once, signed with its account's
secret, and ends delivered with one attempt.
"""

from __future__ import annotations

import random
import threading
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import select
from standardwebhooks.webhooks import Webhook

from simhive.core.accounts.models import Account
from simhive.core.events import service as events
from simhive.core.events.models import Event, EventAttempt
from simhive.db.engine import make_engine
from simhive.db.uow import Database
from simhive.kit.clock import SystemClock
from simhive.worker.runner import Worker
from tests.fixtures import world
from tests.fixtures.servers import webhook_receiver

WRITERS = 8
EACH = 25
TARGETS = 3


@pytest.fixture
def live(db: Database) -> Iterator[Database]:
    """The test's database on the wall clock (claims and signatures are timed)."""
    database = Database(make_engine(db.settings.database_url), SystemClock(), db.settings)
    yield database
    database.engine.dispose()


def test_every_event_is_delivered_once_whoever_takes_it(live: Database) -> None:
    seed = random.randrange(2**32)
    rng = random.Random(seed)
    customers = [world.customer(live, f"h{i}") for i in range(4)]
    apart = Database(make_engine(live.settings.database_url), SystemClock(), live.settings)
    local, other = Worker(live), Worker(apart)
    live.outbox_hook = local.wake
    live.outbox_handoff = local
    plans = [
        [(rng.choice(customers), rng.randrange(TARGETS)) for _ in range(EACH)]
        for _ in range(WRITERS)
    ]
    with webhook_receiver() as receiver:
        secrets: dict[int, str] = {}
        with live.uow(write=False) as uow:
            for c in customers:
                account = uow.session.get(Account, c.id)
                assert account is not None
                secrets[c.id] = account.webhook_secret

        def write(plan: list[tuple[world.Customer, int]]) -> None:
            for n, (who, target) in enumerate(plan):
                with live.uow() as uow:
                    account = uow.session.get(Account, who.id)
                    assert account is not None
                    account.webhook_url = f"{receiver.url}/{target}"
                    events.enqueue_webhook(
                        uow,
                        account=account,
                        event_type="incoming_message",
                        fields={"n": str(n), "account": str(who.id)},
                    )

        local.start()
        other.start()
        try:
            threads = [threading.Thread(target=write, args=(plan,)) for plan in plans]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            got = receiver.wait_for(WRITERS * EACH, timeout=60)
        finally:
            local.stop()
            other.stop()
            apart.engine.dispose()
    ids = Counter(item.headers["webhook-id"] for item in got)
    assert len(got) == WRITERS * EACH, f"seed {seed}"
    assert max(ids.values()) == 1, f"seed {seed}: delivered twice: {ids.most_common(3)}"
    for item in got:
        secret = secrets[int(item.form["account"])]
        signed_at = datetime.fromtimestamp(int(item.headers["webhook-timestamp"]), tz=UTC)
        expected = Webhook(secret).sign(item.headers["webhook-id"], signed_at, item.body.decode())
        assert item.headers["webhook-signature"] == expected, f"seed {seed}"
    with live.uow(write=False) as uow:
        rows = uow.session.execute(select(Event.status, Event.attempts, Event.public_id)).all()
        attempts = uow.session.scalars(select(EventAttempt.event_id)).all()
    assert {status for status, _, _ in rows} == {"delivered"}, f"seed {seed}"
    assert {n for _, n, _ in rows} == {1}, f"seed {seed}"
    assert {public_id for _, _, public_id in rows} == set(ids), f"seed {seed}"
    assert len(attempts) == len(rows) == WRITERS * EACH, f"seed {seed}"
