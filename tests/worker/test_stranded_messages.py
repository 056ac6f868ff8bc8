"""An SMS whose routing fails is kept, and routed later with backoff once the fault is gone."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import select, text

from simhive.core.accounts.models import Account
from simhive.core.activations import service as activations
from simhive.core.messages.models import Message
from simhive.db.uow import Database
from simhive.gateways.base import InboundSMS
from simhive.kit.clock import FrozenClock
from simhive.worker.inbound import receive
from simhive.worker.runner import Worker
from tests.fixtures import world


@contextmanager
def table_gone(db: Database, name: str) -> Iterator[None]:
    """A real fault underneath routing: a table it writes has gone away."""
    with db.engine.begin() as conn:
        conn.execute(text(f"ALTER TABLE {name} RENAME TO {name}_away"))
    try:
        yield
    finally:
        with db.engine.begin() as conn:
            conn.execute(text(f"ALTER TABLE {name}_away RENAME TO {name}"))


def status(db: Database) -> str:
    with db.uow(write=False) as uow:
        return str(uow.session.scalar(select(Message.status)))


class TestStrandedMessages:
    def test_kept_then_routed_with_backoff(self, db: Database, clock: FrozenClock) -> None:
        world.service(db, "Google", "1.00")
        alice = world.customer(db)
        (mdn,) = world.numbers(db, 1)
        with db.uow() as uow:
            account = uow.session.get(Account, alice.id)
            activations.request_number(
                uow,
                account=account,  # type: ignore[arg-type]
                request=activations.NumberRequest(services=("Google",)),
            )
        worker = Worker(db)
        try:
            with table_gone(db, "number_usages"):
                routed = receive(
                    db,
                    InboundSMS(
                        mdn, "22000", "G-111111 is your Google verification code.", clock.now()
                    ),
                    gateway="t",
                )
                assert routed is not None and routed.status == "received"
                assert status(db) == "received"
                assert worker.run_pending().rerouted == 0  # still failing: backs off 2 s
            assert worker.run_pending().rerouted == 0  # fixed, but the backoff holds
            clock.advance(2)
            assert worker.run_pending().rerouted == 1
            assert status(db) == "routed"
            assert world.balance(db, alice) == 9
        finally:
            worker.stop()
