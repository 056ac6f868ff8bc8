"""Leases, auctions and sweeps under hostile input and racing transactions."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from decimal import Decimal

import pytest
from sqlalchemy import func, select, update

from simhive.core.activations import lifecycle
from simhive.core.activations import service as activations
from simhive.core.activations.models import Activation, ActivationStatus
from simhive.core.events.models import Event
from simhive.core.inventory import service as inventory
from simhive.core.inventory.models import Number, Rejection
from simhive.db.uow import Database, UnitOfWork
from simhive.kit.clock import FrozenClock
from tests.fixtures import world
from tests.fixtures.world import Customer
from tests.perf.test_statement_counts import counted

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
            account=account,  # type: ignore[arg-type]
            request=Req(services=services, **kw),  # type: ignore[arg-type]
        )


def reject(db: Database, who: Customer, activation_id: int) -> None:
    with db.uow() as uow:
        account = uow.session.get(world.Account, who.id)
        activations.reject(uow, account=account, activation_id=str(activation_id))  # type: ignore[arg-type]


def lease_of(db: Database, mdn: str) -> int | None:
    with db.uow(write=False) as uow:
        return uow.session.scalar(select(Number.lease_group).where(Number.mdn == mdn))


def statuses(db: Database) -> list[str]:
    with db.uow(write=False) as uow:
        return list(uow.session.scalars(select(Activation.status).order_by(Activation.id)))


def held_open_while(
    db: Database, first: Callable[[UnitOfWork], object], second: Callable[[], object]
) -> list[BaseException]:
    """Run `first` in a transaction that stays open while `second` runs in another thread.

    The first transaction commits 0.5 s after the second started (or once it is done),
    which is how two customers' transactions overlap in production.
    """
    errors: list[BaseException] = []
    first_done = threading.Event()
    second_done = threading.Event()

    def run_second() -> None:
        first_done.wait(10)
        try:
            second()
        except BaseException as exc:  # noqa: BLE001 - reported to the test
            errors.append(exc)
        finally:
            second_done.set()

    thread = threading.Thread(target=run_second)
    thread.start()
    try:
        with db.uow() as uow:
            first(uow)
            first_done.set()
            second_done.wait(0.5)
    finally:
        first_done.set()
        thread.join(20)
    return errors


class TestServiceNamesInAnyCase:
    def test_one_request_never_carries_a_service_twice(self, db: Database, alice: Customer) -> None:
        (mdn,) = world.numbers(db, 1)
        views = request(db, alice, "Google", "google", " GOOGLE ")
        assert [(v.service, v.mdn) for v in views] == [("Google", mdn)]
        assert world.available(db, alice) == Decimal("9.00")

    def test_bids_in_two_cases_are_one_bid(self, db: Database, alice: Customer) -> None:
        views = request(db, alice, "Google", "GOOGLE", "Amazon")
        assert sorted(v.service for v in views) == ["Amazon", "Google"]
        assert statuses(db) == ["awaiting_mdn", "awaiting_mdn"]

    def test_a_broken_bid_fails_nobody_elses_reject_nor_the_sweep(
        self, db: Database, alice: Customer, clock: FrozenClock
    ) -> None:
        """A waiting group that cannot be reserved (two bids of one service, as stored
        before names were matched one way) is skipped; others' work goes on."""
        bob = world.customer(db, "bob")
        (mdn,) = world.numbers(db, 1)
        (bobs,) = request(db, bob, "Amazon")
        request(db, alice, "Google", markup=50)
        with db.uow() as uow:
            bid = uow.session.scalars(select(Activation).where(Activation.markup == 50)).one()
            uow.session.add(
                Activation(
                    account_id=bid.account_id,
                    service_id=bid.service_id,
                    group_id=bid.group_id,
                    status=ActivationStatus.AWAITING_MDN,
                    markup=50,
                    price_cents=bid.price_cents,
                    want_area_code="",
                    want_state="",
                    created_at=bid.created_at,
                    expires_at=bid.expires_at,
                )
            )
        reject(db, bob, bobs.id)  # frees the number: the broken group may not have it
        assert statuses(db)[0] == "rejected"
        assert lease_of(db, mdn) is None
        carol = world.customer(db, "carol")
        (carols,) = request(db, carol, "Yahoo")
        assert carols.mdn == mdn
        clock.advance(901)
        with db.uow() as uow:
            assert lifecycle.expire_due(uow) == 1
            assert lifecycle.match_bids(uow) == 0
        assert statuses(db)[3] == "timed_out"
        assert lease_of(db, mdn) is None


class TestLeases:
    def test_reject_racing_the_sweep_never_leaves_a_number_leased(
        self, db: Database, alice: Customer
    ) -> None:
        (mdn,) = world.numbers(db, 1)
        google, amazon = request(db, alice, "Google", "Amazon")
        with db.uow() as uow:  # Amazon's half is due; Google's is not
            uow.session.execute(
                update(Activation)
                .where(Activation.id == google.id)
                .values(expires_at=uow.clock.now())
            )

        def expire() -> None:
            with db.uow() as uow:
                lifecycle.expire_due(uow)

        def reject_amazon(uow: UnitOfWork) -> None:
            account = uow.session.get(world.Account, alice.id)
            activations.reject(uow, account=account, activation_id=str(amazon.id))  # type: ignore[arg-type]

        assert held_open_while(db, reject_amazon, expire) == []
        assert sorted(statuses(db)) == ["rejected", "timed_out"]
        assert lease_of(db, mdn) is None
        assert world.available(db, alice) == Decimal("10.00")

    def test_the_sweep_reclaims_a_lease_with_nothing_open(
        self, db: Database, alice: Customer
    ) -> None:
        mdns = world.numbers(db, 2)
        (view,) = request(db, alice, "Google")
        with db.uow() as uow:
            uow.session.execute(update(Number).values(lease_group=12345))
        with db.uow() as uow:
            assert lifecycle.reclaim_idle_leases(uow) == 1
        assert lease_of(db, view.mdn) == 12345  # its request is still open
        assert [lease_of(db, m) for m in mdns if m != view.mdn] == [None]


class TestParallelRejects:
    def test_two_parts_of_one_request_rejected_at_once(self, db: Database, alice: Customer) -> None:
        (mdn,) = world.numbers(db, 1)
        google, amazon = request(db, alice, "Google", "Amazon")

        def reject_google(uow: UnitOfWork) -> None:
            account = uow.session.get(world.Account, alice.id)
            activations.reject(uow, account=account, activation_id=str(google.id))  # type: ignore[arg-type]

        errors = held_open_while(db, reject_google, lambda: reject(db, alice, amazon.id))
        assert errors == []
        assert statuses(db) == ["rejected", "rejected"]
        with db.uow(write=False) as uow:
            assert uow.session.scalar(select(func.count()).select_from(Rejection)) == 1
        assert lease_of(db, mdn) is None
        assert world.available(db, alice) == Decimal("10.00")


class TestGatewayNotices:
    def test_only_the_owning_gateway_hears_of_a_reservation(
        self, db: Database, alice: Customer
    ) -> None:
        db.settings = db.settings.model_copy(update={"simulator_auto_reply_s": 5.0})
        with db.uow() as uow:
            inventory.add_number(uow, inventory.NumberSpec(mdn="12125550100", gateway="modem-a"))
            inventory.add_number(uow, inventory.NumberSpec(mdn="12125550101", gateway="simulator"))
        first, second = (request(db, alice, "Google")[0] for _ in range(2))
        with db.uow(write=False) as uow:
            notices = [(e.target, e.payload) for e in uow.session.scalars(select(Event))]
        assert {first.mdn, second.mdn} == {"12125550100", "12125550101"}
        assert len(notices) == 1
        assert notices[0][0] == "simulator" and "12125550101" in notices[0][1]


def wait_until(predicate: Callable[[], bool], timeout: float = 5) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.01)
    return predicate()


class TestOffers:
    def test_bids_no_number_can_fill_do_not_hold_up_a_freed_number(
        self, db: Database, alice: Customer
    ) -> None:
        """Eve's 200 best bids want an area code nobody has: a freed number goes to the
        best bid that may have it, found in one question, not after 200 tries (each a
        savepoint, a lock and a check) on every reject, completion and expiry."""
        eve = world.customer(db, "eve", credit="400.00")
        bob = world.customer(db, "bob")
        (mdn,) = world.numbers(db, 1)
        (bobs,) = request(db, bob, "Amazon")
        for _ in range(200):
            request(db, eve, "Google", markup=50, area_code="907")
        (alices,) = request(db, alice, "Google", markup=10)
        with counted(db) as statements:
            reject(db, bob, bobs.id)
        assert lease_of(db, mdn) is not None
        with db.uow(write=False) as uow:
            won = uow.session.get(Activation, alices.id)
            assert won is not None and won.status == ActivationStatus.RESERVED
        assert len(statements.seen) < 40
