"""The order API's rental contracts (002 `/api/rental/*`) over real HTTP, on the fake clock."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from simhive.app import create_app
from simhive.core.catalog import service as catalog
from simhive.core.inventory.models import Number
from simhive.core.ledger.models import EntryKind, LedgerEntry
from simhive.core.rentals import packages
from simhive.core.rentals.models import Rental, RentalStatus
from simhive.db.uow import Database
from simhive.gateways.base import InboundSMS
from simhive.kit.clock import FrozenClock
from simhive.operations import rentals as rental_ops
from simhive.worker.inbound import receive
from simhive.worker.runner import Worker
from tests.dialects.test_command_api import Api as CommandApi
from tests.fixtures import world
from tests.fixtures.servers import serve
from tests.fixtures.world import Customer

NEW_KEYS = ["success", "contract_id", "package", "auto_renew", "expire_on", "phone_number"]
NEW_KEYS += ["country"]
VIEW_KEYS = ["success", "contract_id", "phone_number", "country", "package", "renewal_package"]
VIEW_KEYS += ["auto_renew", "expire_on", "received_sms"]


class RentalApi:
    def __init__(self, base_url: str, key: str) -> None:
        self.base = base_url + "/api/rental/"
        self.key = key

    def raw(self, path: str, **params: str) -> httpx.Response:
        answer = httpx.post(self.base + path, data={"key": self.key, **params}, timeout=30)
        assert answer.status_code == 200
        return answer

    def __call__(self, path: str, **params: str) -> Any:
        answer = self.raw(path, **params)
        assert answer.headers["content-type"] == "application/json", answer.text
        return json.loads(answer.text)

    def token(self, path: str, **params: str) -> str:
        answer = self.raw(path, **params)
        assert answer.headers["content-type"] == "text/plain; charset=utf-8"
        return answer.text


@pytest.fixture
def alice(db: Database) -> Customer:
    return world.customer(db, "alice", credit="200.00")


@pytest.fixture
def base_url(db: Database) -> Iterator[str]:
    with serve(create_app(db.settings, db=db, run_worker=False)) as url:
        yield url


@pytest.fixture
def api(base_url: str, alice: Customer) -> RentalApi:
    return RentalApi(base_url, alice.api_key)


def charges(db: Database, who: Customer) -> list[Decimal]:
    with db.uow(write=False) as uow:
        cents = uow.session.scalars(
            select(LedgerEntry.amount_cents)
            .where(LedgerEntry.account_id == who.id, LedgerEntry.kind == EntryKind.CHARGE)
            .order_by(LedgerEntry.id)
        )
        return [Decimal(-c) / 100 for c in cents]


def state(db: Database) -> tuple[int, int, int]:
    """What a refused call must not change: rentals, ledger entries, leased numbers."""
    with db.uow(write=False) as uow:
        s = uow.session
        return (
            int(s.scalar(select(func.count()).select_from(Rental)) or 0),
            int(s.scalar(select(func.count()).select_from(LedgerEntry)) or 0),
            int(
                s.scalar(select(func.count(Number.id)).where(Number.lease_group.is_not(None))) or 0
            ),
        )


class TestNew:
    def test_the_answer_as_002_shows_it(
        self, api: RentalApi, db: Database, alice: Customer
    ) -> None:
        (mdn,) = world.foreign_numbers(db, "GB", 1)
        answer = api.raw("new", country="UK", package="3m")
        assert answer.headers["content-type"] == "application/json"
        body = json.loads(answer.text)
        assert list(body) == NEW_KEYS
        assert body == {
            "success": True,
            "contract_id": body["contract_id"],
            "package": "3m",
            "auto_renew": "true",
            "expire_on": "2026-04-15T12:00:00.000000Z",
            "phone_number": "0" + mdn[2:],
            "country": "UK",
        }
        assert isinstance(body["contract_id"], int)
        assert charges(db, alice) == [Decimal("30.00")]
        assert world.available(db, alice) == Decimal("170.00")

    def test_defaults_and_each_package_at_its_price(
        self, api: RentalApi, db: Database, alice: Customer
    ) -> None:
        world.foreign_numbers(db, "NL", 5)
        first = api("new", country="nl")
        assert (first["package"], first["auto_renew"], first["country"]) == ("1m", "true", "NL")
        assert first["expire_on"] == "2026-02-15T12:00:00.000000Z"
        expiries = {}
        for package in ("3m", "6m", "1y"):
            expiries[package] = api("new", country="NL", package=package, auto_renew="false")
            assert expiries[package]["auto_renew"] == "false"
        assert {p: e["expire_on"][:10] for p, e in expiries.items()} == {
            "3m": "2026-04-15",
            "6m": "2026-07-15",
            "1y": "2027-01-15",
        }
        assert charges(db, alice) == [Decimal(n) for n in ("15", "30", "50", "70")]

    def test_package_prices_are_the_operators(
        self, db: Database, alice: Customer, clock: FrozenClock
    ) -> None:
        settings = db.settings.model_copy(update={"contract_price_1m": Decimal("9.99")})
        world.foreign_numbers(db, "NL", 1)
        app = create_app(settings, db=Database(db.engine, clock, settings), run_worker=False)
        with serve(app) as url:
            RentalApi(url, alice.api_key)("new", country="NL")
        assert charges(db, alice) == [Decimal("9.99")]

    def test_refusals_change_nothing(self, api: RentalApi, db: Database, base_url: str) -> None:
        world.foreign_numbers(db, "NL", 1)
        world.numbers(db, 2)
        before = state(db)
        assert api.token("new", country="UK") == "NO_STOCK"
        for package in ("2m", "1Y2", "12m", "1m\x00", "x" * 5000):
            assert api.token("new", country="NL", package=package) == "INVALID_PACKAGE", package
        for country in ("US", "USA", "FR", "", "N\x00L"):
            assert api.token("new", country=country) == "BAD_COUNTRY", country
        assert api.token("new") == "BAD_COUNTRY"
        for flag in ("maybe", "2", "truee"):
            assert api.token("new", country="NL", auto_renew=flag) == "BAD_AUTO_RENEW"
        poor = world.customer(db, "poor", credit="14.99")
        assert RentalApi(base_url, poor.api_key).token("new", country="NL") == "NO_BALANCE"
        assert RentalApi(base_url, "nope").token("new", country="NL") == "UNAUTHORIZED"
        assert state(db)[0::2] == (before[0], before[2])
        assert state(db)[1] == before[1] + 1  # poor's credit

    def test_a_rented_number_is_not_ordered_and_a_contract_takes_no_us_number(
        self, api: RentalApi, db: Database, alice: Customer, base_url: str
    ) -> None:
        world.foreign_numbers(db, "NL", 1)
        world.order_service(db, "Google", "1.00", 1)
        api("new", country="NL")
        bob = world.customer(db, "bob")
        orders = httpx.get(
            base_url + "/api/makeorder", params={"key": bob.api_key, "serviceId": "1"}
        )
        assert orders.text == "NO_PHONE_AVAILABLE"


class TestExtendAndEdit:
    def test_extend_continues_and_sets_the_renewal_package(
        self, api: RentalApi, db: Database, alice: Customer
    ) -> None:
        world.foreign_numbers(db, "NL", 1)
        contract = api("new", country="NL", package="1m")
        cid = str(contract["contract_id"])
        extended = api("extend", contract_id=cid, package="3m")
        assert list(extended) == ["success", "package", "new_expire"]
        assert extended == {
            "success": True,
            "package": "3m",
            "new_expire": "2026-05-15T12:00:00.000000Z",
        }
        assert api("extend", contract_id=cid)["new_expire"] == "2026-06-15T12:00:00.000000Z"
        view = api("view", contract_id=cid)
        assert (view["package"], view["renewal_package"]) == ("1m", "1m")
        api("extend", contract_id=cid, package="6m")
        view = api("view", contract_id=cid)
        assert (view["contract_id"], view["package"], view["renewal_package"]) == (
            contract["contract_id"],
            "1m",
            "6m",
        )
        assert view["expire_on"] == "2026-12-15T12:00:00.000000Z"
        assert view["phone_number"] == contract["phone_number"]
        assert charges(db, alice) == [Decimal(n) for n in ("15", "30", "15", "50")]

    def test_extensions_keep_the_day_the_contract_was_bought_on(
        self, api: RentalApi, db: Database, clock: FrozenClock
    ) -> None:
        # Each period used to count from the last one's end: past a February that ended
        # on the 28th, a contract bought on the 30th ran to the 28th for ever after.
        clock.set(datetime(2026, 11, 30, 9, 0, tzinfo=UTC))
        world.foreign_numbers(db, "NL", 1)
        cid = str(api("new", country="NL", package="1m")["contract_id"])
        ends = [api("extend", contract_id=cid, package="1m")["new_expire"] for _ in range(4)]
        assert ends == [
            "2027-01-30T09:00:00.000000Z",
            "2027-02-28T09:00:00.000000Z",
            "2027-03-30T09:00:00.000000Z",
            "2027-04-30T09:00:00.000000Z",
        ]

    def test_edit_auto_renew(self, api: RentalApi, db: Database) -> None:
        world.foreign_numbers(db, "GB", 1)
        cid = str(api("new", country="UK")["contract_id"])
        answer = api.raw("edit", contract_id=cid, auto_renew="false")
        assert answer.text == '{"success":true,"auto_renew":false}'
        assert api("view", contract_id=cid)["auto_renew"] is False
        assert api("edit", contract_id=cid, auto_renew="TRUE") == {
            "success": True,
            "auto_renew": True,
        }
        before = state(db)
        for flag in (None, "", "maybe"):
            params = {} if flag is None else {"auto_renew": flag}
            assert api.token("edit", contract_id=cid, **params) == "BAD_AUTO_RENEW"
        assert state(db) == before

    def test_unknown_foreign_and_ended_contracts(
        self, api: RentalApi, db: Database, base_url: str, alice: Customer, clock: FrozenClock
    ) -> None:
        world.foreign_numbers(db, "NL", 2)
        mine = str(api("new", country="NL", auto_renew="false")["contract_id"])
        bob = world.customer(db, "bob", credit="100.00")
        bobs = str(RentalApi(base_url, bob.api_key)("new", country="NL")["contract_id"])
        before = state(db)
        for cid in (bobs, "999", "0", "-1", "abc", "1.0", ""):
            assert api.token("extend", contract_id=cid) == "CONTRACT_NOT_FOUND", cid
            assert api.token("edit", contract_id=cid, auto_renew="true") == "CONTRACT_NOT_FOUND"
            assert api.token("view", contract_id=cid) == "CONTRACT_NOT_FOUND"
        assert api.token("view") == "CONTRACT_NOT_FOUND"
        assert api.token("extend", contract_id=mine, package="5m") == "INVALID_PACKAGE"
        # A rental of the command API is no contract of the order API.
        assert state(db) == before
        clock.advance(days=31)
        assert api.token("extend", contract_id=mine) == "NUMBER_EXPIRED"
        assert api.token("edit", contract_id=mine, auto_renew="true") == "NUMBER_EXPIRED"
        Worker(db).run_pending()
        assert api.token("extend", contract_id=mine) == "NUMBER_EXPIRED"
        # An ended contract can still be viewed.
        assert api("view", contract_id=mine)["expire_on"] == "2026-02-15T12:00:00.000000Z"

    def test_no_balance_to_extend_changes_nothing(
        self, base_url: str, db: Database, clock: FrozenClock
    ) -> None:
        world.foreign_numbers(db, "NL", 1)
        who = world.customer(db, "carl", credit="20.00")
        api = RentalApi(base_url, who.api_key)
        cid = str(api("new", country="NL")["contract_id"])
        before = state(db)
        assert api.token("extend", contract_id=cid) == "NO_BALANCE"
        assert state(db) == before
        assert api("view", contract_id=cid)["expire_on"] == "2026-02-15T12:00:00.000000Z"

    def test_command_api_rentals_are_not_contracts(
        self, api: RentalApi, db: Database, alice: Customer, base_url: str
    ) -> None:
        world.numbers(db, 1)
        with db.uow() as uow:
            catalog.set_service(
                uow, catalog.ServiceSpec(name="Unlimited", price=Decimal(0), ltr_price=Decimal(30))
            )
        ltr = CommandApi(base_url, alice)("ltr_rent", service="Unlimited")["message"]
        assert api.token("view", contract_id=str(ltr["id"])) == "CONTRACT_NOT_FOUND"


class TestView:
    def test_received_sms_numbered_oldest_first(
        self, api: RentalApi, db: Database, clock: FrozenClock
    ) -> None:
        (mdn,) = world.foreign_numbers(db, "GB", 1)
        contract = api("new", country="UK", package="3m")
        cid = str(contract["contract_id"])
        clock.advance(3600)
        first = "Your Uber code is 0183. Never share this code."
        receive(db, InboundSMS(contract["phone_number"], "Uber", first, clock.now()), gateway="t")
        clock.advance(19)
        second = "Your Tinder code is 417097 Don’t share @tinder.com #417097"
        receive(db, InboundSMS("+" + mdn, "SinchVerify", second, clock.now()), gateway="t")
        answer = api.raw("view", contract_id=cid)
        body = json.loads(answer.text)
        assert list(body) == VIEW_KEYS
        assert body == {
            "success": True,
            "contract_id": contract["contract_id"],
            "phone_number": contract["phone_number"],
            "country": "UK",
            "package": "3m",
            "renewal_package": "3m",
            "auto_renew": True,
            "expire_on": "2026-04-15T12:00:00.000000Z",
            "received_sms": [
                {
                    "id": 1,
                    "sender": "Uber",
                    "body": first,
                    "receive_date": "2026-01-15T13:00:00.000000Z",
                },
                {
                    "id": 2,
                    "sender": "SinchVerify",
                    "body": second,
                    "receive_date": "2026-01-15T13:00:19.000000Z",
                },
            ],
        }


class TestRenewal:
    def test_renewed_with_the_renewal_package_then_ended_without_funds(
        self, base_url: str, db: Database, clock: FrozenClock
    ) -> None:
        (mdn,) = world.foreign_numbers(db, "NL", 1)
        who = world.customer(db, "dora", credit="100.00")
        api = RentalApi(base_url, who.api_key)
        cid = str(api("new", country="NL", package="1m")["contract_id"])
        api("extend", contract_id=cid, package="3m")  # 2026-05-15, renews with 3m
        worker = Worker(db)
        clock.set(datetime(2026, 5, 15, 11, 59, 59, tzinfo=UTC))
        worker.run_pending()
        assert charges(db, who) == [Decimal("15"), Decimal("30")]
        clock.advance(1)
        worker.run_pending()
        worker.run_pending()
        view = api("view", contract_id=cid)
        assert view["expire_on"] == "2026-08-15T12:00:00.000000Z"
        assert charges(db, who) == [Decimal("15"), Decimal("30"), Decimal("30")]
        # 25.00 left: the next 3m renewal (30.00) cannot be paid; the contract ends.
        clock.set(datetime(2026, 8, 15, 12, 0, 0, tzinfo=UTC))
        worker.run_pending()
        assert api.token("extend", contract_id=cid) == "NUMBER_EXPIRED"
        assert world.available(db, who) == Decimal("25.00")
        with db.uow(write=False) as uow:
            lease = uow.session.scalar(select(Number.lease_group).where(Number.mdn == mdn))
            chain = list(
                uow.session.scalars(
                    select(Rental.status).where(Rental.first_id == int(cid)).order_by(Rental.id)
                )
            )
        assert lease is None
        assert chain == ["renewed", "renewed", "expired"]

    def test_without_auto_renew_it_ends(
        self, api: RentalApi, db: Database, alice: Customer, clock: FrozenClock
    ) -> None:
        world.foreign_numbers(db, "NL", 1)
        cid = str(api("new", country="NL", auto_renew="false")["contract_id"])
        clock.advance(days=31)
        Worker(db).run_pending()
        assert charges(db, alice) == [Decimal("15")]
        assert api.token("edit", contract_id=cid, auto_renew="true") == "NUMBER_EXPIRED"
        # The number is free for the next customer.
        assert api("new", country="NL")["contract_id"] != int(cid)


class TestOperator:
    def test_contracts_appear_among_the_rentals(
        self, api: RentalApi, db: Database, alice: Customer
    ) -> None:
        world.foreign_numbers(db, "NL", 1)
        cid = api("new", country="NL", package="6m")["contract_id"]
        api("extend", contract_id=str(cid), package="1y")
        listed = rental_ops.list_rentals(db)
        assert [(r.api, r.first_id, r.package, r.renewal_package, r.status) for r in listed] == [
            ("order", cid, "1y", "1y", RentalStatus.ACTIVE),
            ("order", cid, "6m", "1y", RentalStatus.RENEWED),
        ]
        assert listed[0].service == "Unlimited" and listed[0].account == "alice"


class TestPackages:
    @pytest.mark.parametrize(
        ("start", "package", "end"),
        [
            (
                datetime(2026, 1, 31, 8, 0, tzinfo=UTC),
                "1m",
                datetime(2026, 2, 28, 8, 0, tzinfo=UTC),
            ),
            (
                datetime(2028, 1, 31, 8, 0, tzinfo=UTC),
                "1m",
                datetime(2028, 2, 29, 8, 0, tzinfo=UTC),
            ),
            (datetime(2026, 11, 30, tzinfo=UTC), "3m", datetime(2027, 2, 28, tzinfo=UTC)),
            (
                datetime(2026, 6, 22, 12, 57, 3, tzinfo=UTC),
                "3m",
                datetime(2026, 9, 22, 12, 57, 3, tzinfo=UTC),
            ),
            (datetime(2026, 8, 31, tzinfo=UTC), "6m", datetime(2027, 2, 28, tzinfo=UTC)),
            (datetime(2028, 2, 29, tzinfo=UTC), "1y", datetime(2029, 2, 28, tzinfo=UTC)),
        ],
    )
    def test_calendar_months(self, start: datetime, package: str, end: datetime) -> None:
        assert packages.end_of(start, package) == end
