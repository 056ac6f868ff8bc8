"""Orders in core: the order API's rules on activations, and its hot read agreeing with them."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest

from simhive.core.accounts.models import Account
from simhive.core.activations import order_queries, orders
from simhive.core.activations.models import ActivationStatus
from simhive.core.errors import (
    AuthFailed,
    InvalidParameter,
    NotReusable,
    OrderAlreadyOpen,
    UnknownRequest,
    UnknownService,
)
from simhive.core.messages import service as messages
from simhive.db.fastread import FastReader
from simhive.db.uow import Database
from simhive.kit.clock import FrozenClock
from tests.fixtures import world
from tests.fixtures.world import Customer


@pytest.fixture
def alice(db: Database) -> Customer:
    world.order_service(db, "Google", "1.00", 3)
    return world.customer(db, "alice", credit="10.00")


def make(db: Database, who: Customer, country: str = "NL") -> orders.OrderView:
    with db.uow() as uow:
        account = uow.session.get(Account, who.id)
        assert account is not None
        return orders.make_order(uow, account=account, service_id="3", country=country)


def read(db: Database, who: Customer, order_id: int) -> orders.OrderView:
    with db.uow(write=False) as uow:
        account = uow.session.get(Account, who.id)
        assert account is not None
        return orders.get_order(uow, account=account, order_id=str(order_id))


def fast(db: Database, who: Customer, order_id: str) -> orders.OrderView:
    reader = FastReader(db.engine)

    async def go() -> orders.OrderView:
        try:
            sql, order = order_queries.getsms_sql(reader.dialect)
            params = order_queries.getsms_params(key=who.api_key, order_id=order_id)
            row = await reader.first(sql, order, params)
            return order_queries.getsms_from_row(row, now=db.clock.now())
        finally:
            await reader.close()

    return asyncio.run(go())


def deliver(db: Database, clock: FrozenClock, to: str) -> None:
    inbound = messages.Inbound(to, "22000", "G-1 is your code", clock.now(), "t", None)
    with db.uow() as uow:
        messages.receive(uow, inbound)


class TestMakeOrder:
    def test_core_checks_service_and_country(self, db: Database, alice: Customer) -> None:
        world.foreign_numbers(db, "NL", 1)
        with db.uow() as uow:
            account = uow.session.get(Account, alice.id)
            assert account is not None
            with pytest.raises(UnknownService):
                orders.make_order(uow, account=account, service_id="4", country="NL")
            with pytest.raises(InvalidParameter):
                orders.make_order(uow, account=account, service_id="3", country="FR")

    def test_one_open_order(self, db: Database, alice: Customer) -> None:
        world.foreign_numbers(db, "NL", 2)
        first = make(db, alice)
        with pytest.raises(OrderAlreadyOpen) as caught:
            make(db, alice)
        assert caught.value.order_id == first.id
        assert world.available(db, alice) == Decimal("9.00")


class TestReuseWindow:
    def test_counts_from_completion(
        self, db: Database, alice: Customer, clock: FrozenClock
    ) -> None:
        (mdn,) = world.foreign_numbers(db, "NL", 1)
        first = make(db, alice)
        clock.advance(600)
        deliver(db, clock, mdn)
        window = db.settings.order_reuse_window_s
        clock.advance(window - 1)
        with db.uow() as uow:
            account = uow.session.get(Account, alice.id)
            assert account is not None
            again = orders.reuse(uow, account=account, order_id=str(first.id))
            assert again.mdn == mdn and again.status == ActivationStatus.RESERVED
            uow.session.rollback()
        clock.advance(1)
        with db.uow() as uow, pytest.raises(NotReusable) as caught:
            account = uow.session.get(Account, alice.id)
            assert account is not None
            orders.reuse(uow, account=account, order_id=str(first.id))
        assert caught.value.reason == NotReusable.WINDOW_PASSED


class TestHotRead:
    def test_agrees_with_the_general_path(
        self, db: Database, alice: Customer, clock: FrozenClock
    ) -> None:
        (mdn,) = world.foreign_numbers(db, "GB", 1)
        order = make(db, alice, "GB")
        for step in ("waiting", "completed"):
            general, hot = read(db, alice, order.id), fast(db, alice, str(order.id))
            assert (hot.id, hot.status, hot.sms) == (general.id, general.status, general.sms)
            if step == "waiting":
                assert hot.status == ActivationStatus.RESERVED and hot.sms is None
                deliver(db, clock, "+" + mdn)
        assert hot.status == ActivationStatus.COMPLETED and hot.sms == "G-1 is your code"

    def test_expiry_ownership_and_keys(
        self, db: Database, alice: Customer, clock: FrozenClock
    ) -> None:
        world.foreign_numbers(db, "NL", 1)
        order = make(db, alice)
        clock.advance(db.settings.reserved_lifetime_s)
        assert fast(db, alice, str(order.id)).status == ActivationStatus.TIMED_OUT
        assert read(db, alice, order.id).status == ActivationStatus.TIMED_OUT
        bob = world.customer(db, "bob")
        for who, order_id in ((bob, str(order.id)), (alice, "0"), (alice, "x"), (alice, "77")):
            with pytest.raises(UnknownRequest):
                fast(db, who, order_id)
        stranger = Customer(0, "nobody", "not-a-key", "")
        with pytest.raises(AuthFailed):
            fast(db, stranger, str(order.id))
