"""Activations: reservation, bids, the used and rejected rules, time-outs, money."""

from __future__ import annotations

from datetime import UTC
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from simhive.core.activations import lifecycle
from simhive.core.activations import service as activations
from simhive.core.activations.models import Activation, ActivationStatus
from simhive.core.errors import (
    InsufficientFunds,
    InvalidAreaCode,
    InvalidMarkup,
    InvalidState,
    MdnNotAvailable,
    NoNumbers,
    RequestClosed,
    TooManyServices,
    UnknownRequest,
    UnknownService,
)
from simhive.core.inventory.models import Number
from simhive.core.ledger.models import Hold
from simhive.core.messages import service as messages
from simhive.db.uow import Database
from simhive.kit.clock import FrozenClock
from tests.fixtures import world
from tests.fixtures.world import Customer

Req = activations.NumberRequest


@pytest.fixture
def alice(db: Database) -> Customer:
    world.service(db, "Google", "1.00")
    world.service(db, "Amazon", "0.50")
    world.service(db, "Yahoo", "0.35")
    return world.customer(db, "alice", credit="10.00")


def request(db: Database, who: Customer, *services: str, **kw: object) -> list:  # type: ignore[type-arg]
    with db.uow() as uow:
        account = uow.session.get(world.Account, who.id)
        return activations.request_number(
            uow,
            account=account,
            request=Req(services=services, **kw),  # type: ignore[arg-type]
        )


def status(db: Database, who: Customer, activation_id: int) -> activations.ActivationView:
    with db.uow(write=False) as uow:
        account = uow.session.get(world.Account, who.id)
        return activations.request_status(uow, account=account, activation_id=str(activation_id))


def reject(db: Database, who: Customer, activation_id: int) -> None:
    with db.uow() as uow:
        account = uow.session.get(world.Account, who.id)
        activations.reject(uow, account=account, activation_id=str(activation_id))


def sms(db: Database, to: str, text: str, sender: str = "22000") -> messages.Routed:
    with db.uow() as uow:
        message_id, _ = messages.store_sms(
            uow,
            messages.Inbound(
                to=to, sender=sender, text=text, received_at=uow.clock.now(), gateway="test"
            ),
        )
    with db.uow() as uow:
        return messages.route_message(uow, message_id)


def sweep(db: Database) -> None:
    with db.uow() as uow:
        lifecycle.expire_due(uow)
    with db.uow() as uow:
        lifecycle.match_bids(uow)


def count(db: Database, model: type) -> int:
    with db.uow(write=False) as uow:
        return int(uow.session.scalar(select(func.count()).select_from(model)) or 0)


class TestRequestNumber:
    def test_reserves_a_free_number_and_holds_the_price(
        self, db: Database, alice: Customer
    ) -> None:
        (mdn,) = world.numbers(db, 1)
        (view,) = request(db, alice, "Google")
        assert (view.mdn, view.service, view.status) == (mdn, "Google", ActivationStatus.RESERVED)
        assert (view.markup, view.price, view.carrier, view.till_expiration) == (
            0,
            Decimal("1.00"),
            "TMobile",
            900,
        )
        assert view.state == ""
        assert world.available(db, alice) == Decimal("9.00")
        assert world.balance(db, alice) == Decimal("10.00")

    def test_no_numbers_changes_nothing(self, db: Database, alice: Customer) -> None:
        with pytest.raises(NoNumbers):
            request(db, alice, "Google")
        assert count(db, Activation) == 0
        assert count(db, Hold) == 0

    def test_insufficient_funds_changes_nothing(self, db: Database, alice: Customer) -> None:
        world.numbers(db, 1)
        world.service(db, "Costly", "10.01")
        with pytest.raises(InsufficientFunds) as raised:
            request(db, alice, "Costly")
        assert raised.value.available == Decimal("10.00")
        assert count(db, Activation) == 0
        with db.uow(write=False) as uow:
            assert uow.session.scalar(select(Number.lease_group)) is None

    @pytest.mark.parametrize(
        ("kwargs", "error"),
        [
            ({"markup": 9}, InvalidMarkup),
            ({"markup": 2001}, InvalidMarkup),
            ({"area_code": "000"}, InvalidAreaCode),
            ({"area_code": "800"}, InvalidAreaCode),
            ({"area_code": "21"}, InvalidAreaCode),
            ({"state": "XX"}, InvalidState),
        ],
    )
    def test_bad_input_changes_nothing(
        self, db: Database, alice: Customer, kwargs: dict[str, object], error: type
    ) -> None:
        world.numbers(db, 1)
        with pytest.raises(error):
            request(db, alice, "Google", **kwargs)
        assert count(db, Activation) == 0
        assert world.available(db, alice) == Decimal("10.00")

    def test_unknown_and_too_many_services(self, db: Database, alice: Customer) -> None:
        world.numbers(db, 1)
        with pytest.raises(UnknownService) as raised:
            request(db, alice, "Goooooogle")
        assert raised.value.name == "Goooooogle"
        with pytest.raises(TooManyServices):
            request(db, alice, "A", "B", "C", "D", "E", "F")
        assert count(db, Activation) == 0

    def test_geo_targeting_by_area_code_beats_state(self, db: Database, alice: Customer) -> None:
        world.numbers(db, 2, area_code="212")
        (sf,) = world.numbers(db, 1, area_code="415")
        (view,) = request(db, alice, "Google", area_code="415", state="NY")
        assert (view.mdn, view.state) == (sf, "CA")

    def test_geo_targeting_by_state(self, db: Database, alice: Customer) -> None:
        world.numbers(db, 2, area_code="212")
        (miami,) = world.numbers(db, 1, area_code="305")
        (view,) = request(db, alice, "Google", state="fl")
        assert (view.mdn, view.state) == (miami, "FL")
        with pytest.raises(NoNumbers):
            request(db, alice, "Google", state="TX")

    def test_no_number_is_given_twice(self, db: Database, alice: Customer) -> None:
        world.numbers(db, 3)
        got = [request(db, alice, "Amazon")[0].mdn for _ in range(3)]
        assert len(set(got)) == 3
        with pytest.raises(NoNumbers):
            request(db, alice, "Amazon")


class TestUsedAndRejectedRules:
    def test_used_number_is_not_offered_for_that_service_to_others(
        self, db: Database, alice: Customer
    ) -> None:
        bob = world.customer(db, "bob")
        (mdn,) = world.numbers(db, 1)
        (first,) = request(db, alice, "Google")
        assert sms(db, mdn, "G-123456 is your Google verification code.").status == "routed"
        with pytest.raises(NoNumbers):
            request(db, bob, "Google")
        (other,) = request(db, bob, "Amazon")
        assert other.mdn == mdn
        del first

    def test_same_account_reuses_a_completed_number_with_mdn(
        self, db: Database, alice: Customer
    ) -> None:
        (mdn,) = world.numbers(db, 1)
        request(db, alice, "Google")
        sms(db, mdn, "G-123456 is your Google verification code.")
        (again,) = request(db, alice, "Google", mdn=mdn)
        assert (again.mdn, again.status) == (mdn, ActivationStatus.RESERVED)

    def test_mdn_in_an_open_request_is_not_available(self, db: Database, alice: Customer) -> None:
        (mdn,) = world.numbers(db, 1)
        request(db, alice, "Google")
        with pytest.raises(MdnNotAvailable):
            request(db, alice, "Amazon", mdn=mdn)
        with pytest.raises(MdnNotAvailable):
            request(db, alice, "Amazon", mdn="12125550000")

    def test_rejected_number_is_never_offered_again_to_that_account(
        self, db: Database, alice: Customer
    ) -> None:
        bob = world.customer(db, "bob")
        (mdn,) = world.numbers(db, 1)
        (view,) = request(db, alice, "Google")
        reject(db, alice, view.id)
        assert world.available(db, alice) == Decimal("10.00")
        with pytest.raises(NoNumbers):
            request(db, alice, "Google")
        with pytest.raises(MdnNotAvailable):
            request(db, alice, "Amazon", mdn=mdn)
        assert request(db, bob, "Google")[0].mdn == mdn

    def test_reject_twice_and_foreign_ids(self, db: Database, alice: Customer) -> None:
        bob = world.customer(db, "bob")
        world.numbers(db, 1)
        (view,) = request(db, alice, "Google")
        with pytest.raises(UnknownRequest):
            reject(db, bob, view.id)
        with pytest.raises(UnknownRequest):
            status(db, bob, view.id)
        reject(db, alice, view.id)
        with pytest.raises(RequestClosed):
            reject(db, alice, view.id)
        with pytest.raises(UnknownRequest):
            status(db, alice, 999999)


class TestTimeouts:
    def test_reserved_times_out_at_900_seconds(
        self, db: Database, alice: Customer, clock: FrozenClock
    ) -> None:
        world.numbers(db, 1)
        (view,) = request(db, alice, "Google")
        clock.advance(899)
        assert status(db, alice, view.id).status == ActivationStatus.RESERVED
        assert status(db, alice, view.id).till_expiration == 1
        clock.advance(1)
        seen = status(db, alice, view.id)
        assert (seen.status, seen.till_expiration) == (ActivationStatus.TIMED_OUT, 0)
        sweep(db)
        assert world.available(db, alice) == Decimal("10.00")
        assert request(db, alice, "Google")[0].status == ActivationStatus.RESERVED

    def test_bid_expires_after_30_minutes(
        self, db: Database, alice: Customer, clock: FrozenClock
    ) -> None:
        (view,) = request(db, alice, "Google", markup=25)
        assert (view.status, view.markup, view.price, view.till_expiration, view.mdn) == (
            ActivationStatus.AWAITING_MDN,
            25,
            Decimal("1.25"),
            1800,
            "",
        )
        assert world.available(db, alice) == Decimal("8.75")
        clock.advance(1799)
        sweep(db)
        assert status(db, alice, view.id).status == ActivationStatus.AWAITING_MDN
        clock.advance(1)
        sweep(db)
        assert status(db, alice, view.id).status == ActivationStatus.TIMED_OUT
        assert world.available(db, alice) == Decimal("10.00")
        world.numbers(db, 1)
        sweep(db)
        assert status(db, alice, view.id).status == ActivationStatus.TIMED_OUT


class TestAuction:
    def test_highest_markup_wins_then_earliest(
        self, db: Database, alice: Customer, clock: FrozenClock
    ) -> None:
        bob = world.customer(db, "bob")
        carol = world.customer(db, "carol")
        (low,) = request(db, alice, "Google", markup=20)
        clock.advance(1)
        (early,) = request(db, bob, "Google", markup=50)
        clock.advance(1)
        (late,) = request(db, carol, "Google", markup=50)
        world.numbers(db, 1)
        sweep(db)
        assert status(db, bob, early.id).status == ActivationStatus.RESERVED
        assert status(db, carol, late.id).status == ActivationStatus.AWAITING_MDN
        reject(db, bob, early.id)
        # The freed number goes to the next bid at once, without waiting for a sweep.
        assert status(db, carol, late.id).status == ActivationStatus.RESERVED
        assert status(db, alice, low.id).status == ActivationStatus.AWAITING_MDN
        assert world.available(db, bob) == Decimal("10.00")
        assert world.available(db, carol) == Decimal("8.50")

    def test_a_plain_request_with_a_free_number_pays_the_plain_price(
        self, db: Database, alice: Customer
    ) -> None:
        world.numbers(db, 1)
        (view,) = request(db, alice, "Google", markup=100)
        assert (view.status, view.markup, view.price) == (
            ActivationStatus.RESERVED,
            0,
            Decimal("1.00"),
        )

    def test_winning_bid_queues_the_priority_webhook(self, db: Database, alice: Customer) -> None:
        from simhive.core.accounts.models import Account
        from simhive.core.events.models import Event

        with db.uow() as uow:
            acc = uow.session.get(Account, alice.id)
            assert acc is not None
            acc.webhook_url = "http://127.0.0.1:9/hook"
        (bid,) = request(db, alice, "Google", markup=30)
        (mdn,) = world.numbers(db, 1)
        sweep(db)
        with db.uow(write=False) as uow:
            (event,) = uow.session.scalars(select(Event)).all()
        assert event.event_type == "bid.won"
        import json

        assert json.loads(event.payload) == {
            "activation_id": str(bid.id),
            "mdn": mdn,
            "service": "Google",
            "price_cents": "130",
        }

    def test_multi_service_bids_outbid_by_one_cent(self, db: Database, alice: Customer) -> None:
        bob = world.customer(db, "bob")
        request(db, bob, "Google", markup=109)
        views = request(db, alice, "Yahoo", "Google", "Amazon")
        assert [(v.service, v.status, v.markup, v.price) for v in views] == [
            ("Amazon", ActivationStatus.AWAITING_MDN, 10, Decimal("0.60")),
            ("Google", ActivationStatus.AWAITING_MDN, 110, Decimal("2.10")),
            ("Yahoo", ActivationStatus.AWAITING_MDN, 10, Decimal("0.45")),
        ]
        assert len({v.id for v in views}) == 3
        (mdn,) = world.numbers(db, 1)
        sweep(db)
        after = [status(db, alice, v.id) for v in views]
        assert {(v.status, v.mdn) for v in after} == {(ActivationStatus.RESERVED, mdn)}

    def test_a_multi_service_retry_does_not_outbid_its_own_bids(
        self, db: Database, alice: Customer
    ) -> None:
        # "To ensure you are the highest bidder" (000): above the others, not above
        # oneself; each retry used to bid a cent more and hold more money.
        bob = world.customer(db, "bob")
        request(db, bob, "Google", markup=20)
        markups = [
            {v.service: v.markup for v in request(db, alice, "Google", "Amazon")} for _ in range(3)
        ]
        assert markups == [{"Google": 21, "Amazon": 10}] * 3

    def test_multi_service_needs_a_number_unused_for_every_service(
        self, db: Database, alice: Customer
    ) -> None:
        bob = world.customer(db, "bob")
        (used, fresh) = world.numbers(db, 2)
        (first,) = request(db, bob, "Google", mdn=used)
        sms(db, used, "G-111111 is your Google verification code.")
        views = request(db, alice, "Google", "Amazon")
        assert {v.mdn for v in views} == {fresh}
        assert {v.status for v in views} == {ActivationStatus.RESERVED}
        assert [v.markup for v in views] == [0, 0]
        del first


class TestInboundRouting:
    def test_sms_completes_captures_and_extracts_the_pin(
        self, db: Database, alice: Customer
    ) -> None:
        (mdn,) = world.numbers(db, 1)
        (view,) = request(db, alice, "Google")
        routed = sms(db, "+1 " + mdn[1:], "G-804036 is your Google verification code.")
        assert (routed.status, routed.activation_id, routed.service) == (
            "routed",
            view.id,
            "Google",
        )
        assert status(db, alice, view.id).status == ActivationStatus.COMPLETED
        assert world.balance(db, alice) == Decimal("9.00")
        assert world.available(db, alice) == Decimal("9.00")
        with db.uow(write=False) as uow:
            account = uow.session.get(world.Account, alice.id)
            (found,) = messages.read_sms(uow, account=account, activation_id=str(view.id))
        assert (found.pin, found.sender, found.to, found.service) == (
            "G-804036",
            "22000",
            mdn,
            "Google",
        )

    def test_unknown_number_and_second_sms_are_kept_unrouted(
        self, db: Database, alice: Customer
    ) -> None:
        (mdn,) = world.numbers(db, 1)
        assert sms(db, "19995550000", "hello").status == "unrouted"
        request(db, alice, "Google")
        sms(db, mdn, "G-111111 is your Google verification code.")
        assert sms(db, mdn, "G-222222 is your Google verification code.").status == "unrouted"
        assert world.balance(db, alice) == Decimal("9.00")

    def test_duplicate_gateway_delivery_is_stored_once(
        self, db: Database, clock: FrozenClock
    ) -> None:
        inbound = messages.Inbound(
            to="12125550000",
            sender="x",
            text="t",
            received_at=clock.now().astimezone(UTC),
            gateway="g",
            gateway_ref="ref-1",
        )
        with db.uow() as uow:
            first = messages.store_sms(uow, inbound)
        with db.uow() as uow:
            second = messages.store_sms(uow, inbound)
        assert first[1] and not second[1] and first[0] == second[0]
