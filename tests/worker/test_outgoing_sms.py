"""The worker sends queued SMS through the number's gateway; the fee follows its answer."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest
from sqlalchemy import select

from simhive.core.accounts.models import Account
from simhive.core.events.models import Event, EventKind, EventStatus
from simhive.core.outbound import service as outbound
from simhive.core.outbound.models import OutgoingMessage, OutgoingStatus
from simhive.db.uow import Database
from simhive.gateways.base import PermanentGatewayError, TemporaryGatewayError
from simhive.gateways.simulator import SimulatorGateway
from simhive.kit.clock import FrozenClock
from simhive.worker.runner import Worker
from tests.fixtures import world
from tests.fixtures.outbound import heard_from
from tests.fixtures.world import Customer


class ScriptedGateway:
    """A gateway that answers each send as scripted: an error to raise, or a reference."""

    name = "simulator"

    def __init__(self, *answers: Exception | str) -> None:
        self.answers = list(answers)
        self.calls: list[dict[str, str]] = []

    def send_sms(self, *, mdn: str, to: str, text: str, ref: str) -> str:
        self.calls.append({"mdn": mdn, "to": to, "text": text, "ref": ref})
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        return answer


class ReceiveOnlyGateway:
    """A gateway with numbers but no way to send."""

    name = "simulator"


@pytest.fixture
def alice(db: Database) -> Customer:
    world.service(db, "Google", "1.00")
    world.numbers(db, 1)
    return world.customer(db, "alice", credit="10.00")


@pytest.fixture
def queued(db: Database, alice: Customer) -> int:
    """An SMS alice queued to 22000, who wrote to her number; its fee of 0.10 is held."""
    mdn = heard_from(db, alice, sender="22000")
    with db.uow() as uow:
        account = uow.session.get(Account, alice.id)
        assert account is not None
        message = outbound.send_sms(uow, account=account, mdn=mdn, to="22000", text="STOP")
    assert (world.balance(db, alice), world.available(db, alice)) == (
        Decimal("9.00"),
        Decimal("8.90"),
    )
    return message.id


@pytest.fixture
def worker_for(db: Database) -> Iterator[list[Worker]]:
    made: list[Worker] = []
    yield made
    for worker in made:
        worker.stop()


def run_with(db: Database, made: list[Worker], gateway: object) -> Worker:
    worker = Worker(db, gateways={"simulator": gateway})
    made.append(worker)
    worker.run_pending()
    return worker


def outgoing(db: Database, message_id: int) -> OutgoingMessage:
    with db.uow(write=False) as uow:
        message = uow.session.get(OutgoingMessage, message_id)
        assert message is not None
        uow.session.expunge(message)
        return message


def send_event(db: Database) -> Event:
    with db.uow(write=False) as uow:
        (event,) = uow.session.scalars(select(Event).where(Event.kind == EventKind.GATEWAY))
        uow.session.expunge(event)
        return event


class TestSendThroughTheSimulator:
    def test_accepted_then_charged_to_the_cent(
        self,
        db: Database,
        alice: Customer,
        queued: int,
        clock: FrozenClock,
        worker_for: list[Worker],
    ) -> None:
        simulator = SimulatorGateway(clock=clock)
        run_with(db, worker_for, simulator)
        (sent,) = simulator.sent.values()
        message = outgoing(db, queued)
        assert (sent.mdn, sent.to, sent.text) == (message.mdn, "22000", "STOP")
        assert message.status == OutgoingStatus.SENT
        assert message.gateway_ref == sent.gateway_ref and message.sent_at == clock.now()
        assert (world.balance(db, alice), world.available(db, alice)) == (
            Decimal("8.90"),
            Decimal("8.90"),
        )
        assert send_event(db).status == EventStatus.DELIVERED


class TestGatewayRefusals:
    def test_a_permanent_refusal_fails_it_and_charges_nothing(
        self, db: Database, alice: Customer, queued: int, worker_for: list[Worker]
    ) -> None:
        gateway = ScriptedGateway(PermanentGatewayError("unknown destination"))
        run_with(db, worker_for, gateway)
        message = outgoing(db, queued)
        assert message.status == OutgoingStatus.FAILED
        assert message.error == "refused: unknown destination"
        assert (world.balance(db, alice), world.available(db, alice)) == (
            Decimal("9.00"),
            Decimal("9.00"),
        )
        # The refusal is the gateway's answer: not tried again.
        assert send_event(db).status == EventStatus.DELIVERED
        assert len(gateway.calls) == 1

    def test_a_gateway_that_cannot_send_fails_it(
        self, db: Database, alice: Customer, queued: int, worker_for: list[Worker]
    ) -> None:
        run_with(db, worker_for, ReceiveOnlyGateway())
        assert outgoing(db, queued).error == "gateway simulator cannot send SMS"
        assert world.available(db, alice) == Decimal("9.00")

    def test_a_temporary_refusal_is_retried_and_charged_once_accepted(
        self,
        db: Database,
        alice: Customer,
        queued: int,
        clock: FrozenClock,
        worker_for: list[Worker],
    ) -> None:
        gateway = ScriptedGateway(TemporaryGatewayError("modem busy"), "ref-2")
        worker = run_with(db, worker_for, gateway)
        assert outgoing(db, queued).status == OutgoingStatus.QUEUED
        # Still held while it waits for the next attempt.
        assert (world.balance(db, alice), world.available(db, alice)) == (
            Decimal("9.00"),
            Decimal("8.90"),
        )
        clock.advance(db.settings.webhook_retry_interval_s)
        worker.run_pending()
        message = outgoing(db, queued)
        assert (message.status, message.gateway_ref) == (OutgoingStatus.SENT, "ref-2")
        assert [c["ref"] for c in gateway.calls] == [f"out-{queued}"] * 2
        assert (world.balance(db, alice), world.available(db, alice)) == (
            Decimal("8.90"),
            Decimal("8.90"),
        )

    def test_temporary_refusals_to_the_last_attempt_release_the_fee(
        self,
        db: Database,
        alice: Customer,
        queued: int,
        clock: FrozenClock,
        worker_for: list[Worker],
    ) -> None:
        gateway = ScriptedGateway(TemporaryGatewayError("no signal"))
        worker = run_with(db, worker_for, gateway)
        for _ in range(db.settings.webhook_max_retries):
            assert outgoing(db, queued).status == OutgoingStatus.QUEUED
            clock.advance(db.settings.webhook_retry_interval_s)
            worker.run_pending()
        assert len(gateway.calls) == db.settings.webhook_max_retries + 1
        message = outgoing(db, queued)
        assert (message.status, message.error) == (
            OutgoingStatus.FAILED,
            "TemporaryGatewayError: no signal",
        )
        assert send_event(db).status == EventStatus.FAILED
        assert world.available(db, alice) == Decimal("9.00")
        assert world.balance(db, alice) == Decimal("9.00")

    def test_a_message_settled_already_is_not_sent_again(
        self, db: Database, queued: int, clock: FrozenClock, worker_for: list[Worker]
    ) -> None:
        with db.uow() as uow:
            outbound.record_failed(uow, message_id=queued, error="given up by hand")
        gateway = ScriptedGateway("never")
        run_with(db, worker_for, gateway)
        assert gateway.calls == []
        assert send_event(db).status == EventStatus.DELIVERED
