"""send_sms in core: who may send from a number, to whom, and the fee held for it."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from simhive.core.accounts.models import Account
from simhive.core.activations import service as activations
from simhive.core.activations.models import Activation
from simhive.core.errors import (
    InsufficientFunds,
    InvalidMdn,
    InvalidRecipient,
    InvalidSmsText,
    MdnNotHeld,
    MdnOffline,
    NoRecentMessages,
)
from simhive.core.events.models import Event, EventKind
from simhive.core.inventory import service as inventory
from simhive.core.inventory.models import Number
from simhive.core.ledger.models import Hold, HoldStatus
from simhive.core.outbound import service as outbound
from simhive.core.outbound.models import OutgoingMessage, OutgoingStatus
from simhive.db.uow import Database
from simhive.kit.clock import FrozenClock
from tests.fixtures import world
from tests.fixtures.outbound import deliver, heard_from, reserve
from tests.fixtures.world import Customer


@pytest.fixture
def alice(db: Database) -> Customer:
    world.service(db, "Google", "1.00")
    world.service(db, "Amazon", "0.50")
    world.numbers(db, 3)
    return world.customer(db, "alice", credit="10.00")


def send(db: Database, who: Customer, mdn: str, to: str, text: str = "STOP") -> int:
    with db.uow() as uow:
        account = uow.session.get(Account, who.id)
        assert account is not None
        return outbound.send_sms(uow, account=account, mdn=mdn, to=to, text=text).id


def written(db: Database) -> tuple[int, int, int]:
    """Outgoing messages, holds and events: what a refused send must not leave behind."""
    with db.uow(write=False) as uow:
        return (
            int(uow.session.scalar(select(func.count(OutgoingMessage.id))) or 0),
            int(uow.session.scalar(select(func.count(Hold.id))) or 0),
            int(uow.session.scalar(select(func.count(Event.id))) or 0),
        )


def number_id(db: Database, mdn: str) -> int:
    with db.uow(write=False) as uow:
        found = uow.session.scalar(select(Number.id).where(Number.mdn == mdn))
        assert found is not None
        return found


class TestAddressKey:
    @pytest.mark.parametrize(
        ("raw", "key"),
        [
            ("22000", "22000"),
            ("555", "555"),
            ("+1 (415) 555-0134", "14155550134"),
            ("4155550134", "14155550134"),
            ("14155550134", "14155550134"),
            ("+44 7700 900123", "447700900123"),
            (" 12.34.56 ", "123456"),
        ],
    )
    def test_numbers_and_short_codes_become_digits(self, raw: str, key: str) -> None:
        assert outbound.address_key(raw) == key

    @pytest.mark.parametrize("raw", ["", "12", "Google", "AMZN", "12a45", "1" * 16, "١٢٣٤٥", "+"])
    def test_names_and_junk_are_no_address(self, raw: str) -> None:
        assert outbound.address_key(raw) is None


class TestAccountHoldsNumber:
    def holds(self, db: Database, who: Customer, mdn: str) -> bool:
        with db.uow(write=False) as uow:
            return outbound.account_holds_number(
                uow, account_id=who.id, number_id=number_id(db, mdn)
            )

    def test_a_reserved_request_holds_it(self, db: Database, alice: Customer) -> None:
        mdn = reserve(db, alice)
        assert self.holds(db, alice, mdn)
        bob = world.customer(db, "bob")
        assert not self.holds(db, bob, mdn)

    def test_a_completed_request_holds_it_while_its_message_is_readable(
        self, db: Database, alice: Customer, clock: FrozenClock
    ) -> None:
        mdn = heard_from(db, alice)
        clock.advance(db.settings.read_sms_window_s)
        assert self.holds(db, alice, mdn)
        clock.advance(1)
        assert not self.holds(db, alice, mdn)

    def test_a_rejected_request_does_not(self, db: Database, alice: Customer) -> None:
        mdn = reserve(db, alice)
        with db.uow() as uow:
            account = uow.session.get(Account, alice.id)
            assert account is not None
            only = uow.session.scalar(select(func.max(Activation.id)))
            activations.reject(uow, account=account, activation_id=str(only))
        assert not self.holds(db, alice, mdn)


class TestSendSms:
    def test_queues_the_sms_holds_the_fee_and_tells_the_gateway(
        self, db: Database, alice: Customer
    ) -> None:
        mdn = heard_from(db, alice, sender="22000")
        assert (world.balance(db, alice), world.available(db, alice)) == (
            Decimal("9.00"),
            Decimal("9.00"),
        )
        message_id = send(db, alice, mdn, "22000", "STOP")
        # Held, not charged: the gateway has not accepted it yet.
        assert world.balance(db, alice) == Decimal("9.00")
        assert world.available(db, alice) == Decimal("8.90")
        with db.uow(write=False) as uow:
            message = uow.session.get(OutgoingMessage, message_id)
            assert message is not None
            assert (message.status, message.mdn, message.to, message.text) == (
                OutgoingStatus.QUEUED,
                mdn,
                "22000",
                "STOP",
            )
            assert (message.gateway, message.fee_cents) == ("simulator", 10)
            hold = uow.session.get(Hold, message.hold_id)
            assert hold is not None and hold.status == HoldStatus.OPEN
            (event,) = uow.session.scalars(select(Event).where(Event.kind == EventKind.GATEWAY))
        assert (event.target, event.event_type) == ("simulator", outbound.SEND_SMS)
        assert json.loads(event.payload) == {"message_id": str(message_id)}

    def test_the_sender_matches_in_any_format(self, db: Database, alice: Customer) -> None:
        mdn = heard_from(db, alice, sender="+1 (415) 555-0134")
        send(db, alice, "+1 " + mdn[1:], "415-555-0134")
        with db.uow(write=False) as uow:
            (message,) = uow.session.scalars(select(OutgoingMessage))
        assert (message.mdn, message.to) == (mdn, "14155550134")

    def test_a_fee_of_zero_holds_nothing(self, db: Database, alice: Customer) -> None:
        db.settings = db.settings.model_copy(update={"send_sms_fee": Decimal("0")})
        mdn = heard_from(db, alice)
        send(db, alice, mdn, "22000")
        assert written(db)[1] == 1  # the request's hold only
        assert world.available(db, alice) == Decimal("9.00")

    def test_another_accounts_number_is_not_held(self, db: Database, alice: Customer) -> None:
        bob = world.customer(db, "bob")
        mdn = heard_from(db, bob)
        # alice even heard from the same sender, on her own number.
        heard_from(db, alice)
        before = written(db)
        with pytest.raises(MdnNotHeld):
            send(db, alice, mdn, "22000")
        assert written(db) == before

    def test_a_number_never_held_or_unknown_is_not_held(
        self, db: Database, alice: Customer
    ) -> None:
        (free,) = world.numbers(db, 1, start=500)
        for mdn in (free, "12125559999"):
            with pytest.raises(MdnNotHeld):
                send(db, alice, mdn, "22000")

    def test_no_sms_from_that_sender(self, db: Database, alice: Customer) -> None:
        mdn = heard_from(db, alice, sender="22000")
        before = written(db)
        with pytest.raises(NoRecentMessages) as refused:
            send(db, alice, mdn, "33000")
        assert refused.value.fields["minutes"] == 30
        assert written(db) == before

    def test_the_sms_must_be_in_the_last_30_minutes(
        self, db: Database, alice: Customer, clock: FrozenClock
    ) -> None:
        mdn = heard_from(db, alice, sender="22000")
        clock.advance(1800)
        send(db, alice, mdn, "22000")
        clock.advance(1)
        with pytest.raises(NoRecentMessages):
            send(db, alice, mdn, "22000")

    def test_an_sms_routed_to_nobody_gives_nobody_to_answer(
        self, db: Database, alice: Customer
    ) -> None:
        mdn = heard_from(db, alice, sender="22000")
        # A second SMS on the number after the request completed: stored unrouted.
        deliver(db, mdn, "33000", "hello")
        with pytest.raises(NoRecentMessages):
            send(db, alice, mdn, "33000")

    def test_an_offline_number(self, db: Database, alice: Customer) -> None:
        mdn = heard_from(db, alice)
        with db.uow() as uow:
            inventory.set_online(uow, mdn=mdn, online=False)
        before = written(db)
        with pytest.raises(MdnOffline):
            send(db, alice, mdn, "22000")
        assert written(db) == before

    @pytest.mark.parametrize("text", ["", "   \n", "x" * 1531, "{" * 761, "я" * 671, "😀" * 331])
    def test_empty_or_too_long_text(self, db: Database, alice: Customer, text: str) -> None:
        mdn = heard_from(db, alice)
        with pytest.raises(InvalidSmsText) as refused:
            send(db, alice, mdn, "22000", text)
        assert refused.value.blank == (len(text) <= 4)

    @pytest.mark.parametrize(
        ("text", "encoding"),
        [("x" * 1530, "gsm7"), ("{" * 760, "gsm7"), ("я" * 670, "ucs2"), ("😀" * 330, "ucs2")],
    )
    def test_ten_segments_fit_and_are_recorded(
        self, db: Database, alice: Customer, text: str, encoding: str
    ) -> None:
        # Segments, not characters: 1,600 emoji were 49 segments for one flat fee.
        mdn = heard_from(db, alice)
        message_id = send(db, alice, mdn, "22000", text)
        with db.uow(write=False) as uow:
            message = uow.session.get(OutgoingMessage, message_id)
            assert message is not None
            assert (message.parts, message.encoding) == (10, encoding)

    @pytest.mark.parametrize("to", ["Google", "12", "22000x", "+"])
    def test_a_destination_that_is_no_number(self, db: Database, alice: Customer, to: str) -> None:
        mdn = heard_from(db, alice)
        with pytest.raises(InvalidRecipient):
            send(db, alice, mdn, to)

    def test_a_malformed_mdn(self, db: Database, alice: Customer) -> None:
        with pytest.raises(InvalidMdn):
            send(db, alice, "123", "22000")

    def test_the_fee_needs_available_funds(self, db: Database) -> None:
        world.service(db, "Google", "1.00")
        world.numbers(db, 1)
        poor = world.customer(db, "poor", credit="1.05")
        mdn = heard_from(db, poor)
        before = written(db)
        with pytest.raises(InsufficientFunds):
            send(db, poor, mdn, "22000")
        assert written(db) == before


class TestRecordOutcome:
    def test_accepted_charges_once(self, db: Database, alice: Customer) -> None:
        mdn = heard_from(db, alice)
        message_id = send(db, alice, mdn, "22000")
        for expected in (True, False):
            with db.uow() as uow:
                sent = outbound.record_sent(uow, message_id=message_id, gateway_ref="r1")
                assert sent is expected
        with db.uow() as uow:
            assert not outbound.record_failed(uow, message_id=message_id, error="late")
        assert (world.balance(db, alice), world.available(db, alice)) == (
            Decimal("8.90"),
            Decimal("8.90"),
        )

    def test_refused_releases_the_fee(self, db: Database, alice: Customer) -> None:
        mdn = heard_from(db, alice)
        message_id = send(db, alice, mdn, "22000")
        with db.uow() as uow:
            assert outbound.record_failed(uow, message_id=message_id, error="no route")
            assert outbound.pending_send(uow, message_id=message_id) is None
        assert (world.balance(db, alice), world.available(db, alice)) == (
            Decimal("9.00"),
            Decimal("9.00"),
        )
