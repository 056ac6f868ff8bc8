"""The worker drops the fraud guard's counter buckets that no window reaches."""

from __future__ import annotations

from sqlalchemy import func, select

from simhive.core.insight import fraud
from simhive.core.insight.models import FraudCounter
from simhive.db.uow import Database
from simhive.kit.clock import FrozenClock
from simhive.worker.runner import Worker
from tests.fixtures import world


class TestPruneSweep:
    def test_a_pass_drops_old_buckets(self, db: Database, clock: FrozenClock) -> None:
        alice = world.customer(db)
        with db.uow() as uow:
            fraud.check(uow, "+916386535610", account_id=alice.id, record_attempt=True)
        worker = Worker(db)
        try:
            assert worker.run_pending().pruned == 0
            clock.advance(3600 + 180)
            assert worker.run_pending().pruned == 2  # the number's and the range's bucket
        finally:
            worker.stop()
        with db.uow(write=False) as uow:
            assert uow.session.scalar(select(func.count()).select_from(FraudCounter)) == 0
