"""SIM rotation by a gateway touches that gateway's numbers only."""

from __future__ import annotations

import random

from sqlalchemy import select

from simhive.core.inventory import service as inventory
from simhive.core.inventory.models import Number
from simhive.db.uow import Database
from simhive.gateways.simulator import SimulatorGateway
from simhive.kit.clock import FrozenClock
from simhive.worker.runner import Worker


class TestFlap:
    def test_the_simulator_flaps_only_its_own_numbers(
        self, db: Database, clock: FrozenClock
    ) -> None:
        with db.uow() as uow:
            inventory.add_number(uow, inventory.NumberSpec(mdn="12125550100", gateway="simulator"))
            inventory.add_number(uow, inventory.NumberSpec(mdn="12125550101", gateway="modem-a"))
        simulator = SimulatorGateway(clock=clock, rng=random.Random(1), flap_probability=1.0)
        worker = Worker(db, gateways={"simulator": simulator})
        try:
            worker.run_pending()
        finally:
            worker.stop()
        with db.uow(write=False) as uow:
            online = dict(uow.session.execute(select(Number.mdn, Number.online)).all())
        assert online == {"12125550100": False, "12125550101": True}
