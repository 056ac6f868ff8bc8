"""The demo's promise: a simulated number answers its reservation with the service's SMS."""

from __future__ import annotations

import random

from simhive.core.accounts.models import Account
from simhive.core.activations import service as activations
from simhive.core.activations.models import ActivationStatus
from simhive.core.messages import service as messages
from simhive.db.uow import Database
from simhive.gateways.simulator import SimulatorGateway
from simhive.kit.clock import FrozenClock
from simhive.worker.runner import Worker
from tests.fixtures import world


class TestAutoReply:
    def test_code_arrives_after_the_delay(self, db: Database, clock: FrozenClock) -> None:
        db.settings = db.settings.model_copy(update={"simulator_auto_reply_s": 5.0})
        simulator = SimulatorGateway(clock=clock, rng=random.Random(7), auto_reply_delay=5.0)
        worker = Worker(db, gateways={"simulator": simulator})
        simulator.start(worker_sink(worker))
        try:
            world.service(db, "Google", "1.00")
            alice = world.customer(db)
            world.numbers(db, 1)
            with db.uow() as uow:
                account = uow.session.get(Account, alice.id)
                (view,) = activations.request_number(
                    uow,
                    account=account,  # type: ignore[arg-type]
                    request=activations.NumberRequest(services=("Google",)),
                )
            worker.run_pending()
            clock.advance(4.9)
            worker.run_pending()
            assert status(db, alice.id, view.id) == ActivationStatus.RESERVED
            clock.advance(0.1)
            worker.run_pending()
            assert status(db, alice.id, view.id) == ActivationStatus.COMPLETED
            with db.uow(write=False) as uow:
                account = uow.session.get(Account, alice.id)
                (sms,) = messages.read_sms(uow, account=account, activation_id=str(view.id))  # type: ignore[arg-type]
            assert sms.pin and sms.pin in sms.reply
            assert sms.pin.startswith("G-")
        finally:
            worker.stop()


def worker_sink(worker: Worker):  # type: ignore[no-untyped-def]
    from simhive.worker.inbound import Sink

    return Sink(worker.db, "simulator")


def status(db: Database, account_id: int, activation_id: int) -> ActivationStatus:
    with db.uow(write=False) as uow:
        account = uow.session.get(Account, account_id)
        return activations.request_status(
            uow,
            account=account,  # type: ignore[arg-type]
            activation_id=str(activation_id),
        ).status
