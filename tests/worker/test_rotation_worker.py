"""The worker turns SIM banks' slots in its pass, on whatever clock the database runs: the
sandbox clock's advance moves rotation as it moves every other timer."""

from __future__ import annotations

import random
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from simhive.core.inventory import service as inventory
from simhive.core.inventory.models import Number
from simhive.core.rotation import service as rotation
from simhive.core.sandbox.reader import OffsetReader
from simhive.db.engine import make_engine
from simhive.db.uow import Database
from simhive.gateways.simulator import SimulatorGateway
from simhive.kit.clock import FrozenClock, SandboxClock
from simhive.operations import clock as clock_ops
from simhive.settings import Settings
from simhive.worker.runner import Worker


@pytest.fixture
def sandboxed(settings: Settings) -> Iterator[Database]:
    config = settings.model_copy(update={"sandbox": True})
    reader = OffsetReader(config.database_url)
    clock = SandboxClock(reader, refresh_s=3600, wall=FrozenClock())
    database = Database(make_engine(config.database_url), clock, config)
    yield database
    database.engine.dispose()
    reader.close()


def online(db: Database) -> list[str]:
    with db.uow(write=False) as uow:
        return list(
            uow.session.scalars(
                select(Number.mdn).where(Number.online.is_(True)).order_by(Number.mdn)
            )
        )


def bank(db: Database, *, gateway: str, count: int, slots: int) -> list[str]:
    mdns = [f"121255501{i:02d}" for i in range(count)]
    with db.uow() as uow:
        for mdn in mdns:
            inventory.add_number(uow, inventory.NumberSpec(mdn=mdn, gateway=gateway))
        rotation.configure(uow, gateway=gateway, slots=slots, window_s=3600, set_by="operator")
    return mdns


class TestRotationInTheWorker:
    def test_a_sandbox_clock_advance_turns_the_slots(self, sandboxed: Database) -> None:
        mdns = bank(sandboxed, gateway="simulator", count=4, slots=2)
        worker = Worker(sandboxed)
        try:
            assert worker.run_pending().rotated == 0  # the first window runs an hour
            assert online(sandboxed) == mdns[:2]
            clock_ops.advance_clock(sandboxed, by="1h")
            assert worker.run_pending().rotated == 4
            assert online(sandboxed) == mdns[2:]
            assert worker.run_pending().rotated == 0
        finally:
            worker.stop()

    def test_a_gateway_with_slots_does_not_flap(self, db: Database, clock: FrozenClock) -> None:
        mdns = bank(db, gateway="simulator", count=3, slots=2)
        simulator = SimulatorGateway(clock=clock, rng=random.Random(1), flap_probability=1.0)
        worker = Worker(db, gateways={"simulator": simulator})
        try:
            worker.run_pending()
        finally:
            worker.stop()
        assert online(db) == mdns[:2]
