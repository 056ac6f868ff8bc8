"""The command API over real HTTP, checked against the references' examples key by key."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from simhive.app import create_app
from simhive.core.accounts.models import Account, StatusShape
from simhive.core.activations.models import Activation
from simhive.core.ledger.models import Hold
from simhive.db.uow import Database
from simhive.gateways.base import InboundSMS
from simhive.kit.clock import FrozenClock
from simhive.worker.inbound import receive
from tests.fixtures import world
from tests.fixtures.servers import serve
from tests.fixtures.world import Customer

REQUEST_KEYS = [
    "id",
    "mdn",
    "service",
    "status",
    "state",
    "markup",
    "price",
    "carrier",
    "till_expiration",
]
STATUS_KEYS = ["id", "mdn", "service", "status", "state", "markup", "carrier", "till_expiration"]


@pytest.fixture
def base_url(db: Database) -> Iterator[str]:
    with serve(create_app(db.settings, db=db, run_worker=False)) as url:
        yield url


@pytest.fixture
def alice(db: Database) -> Customer:
    world.service(db, "Amazon", "0.50")
    world.service(db, "Google", "1.00")
    world.service(db, "Yahoo", "0.35")
    return world.customer(db, "alice", credit="10.00")


class Api:
    def __init__(self, base_url: str, who: Customer) -> None:
        self.url = base_url + "/api_command.php"
        self.who = who

    def raw(
        self, cmd: str, method: str = "GET", auth: bool = True, **params: str
    ) -> httpx.Response:
        data = {"cmd": cmd, **params}
        if auth:
            data = {"user": self.who.username, "api_key": self.who.api_key, **data}
        if method == "POST":
            return httpx.post(self.url, data=data, timeout=10)
        return httpx.get(self.url, params=data, timeout=10)

    def __call__(self, cmd: str, **params: str) -> Any:
        response = self.raw(cmd, **params)
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("application/json")
        return response.json(parse_float=Decimal)


@pytest.fixture
def api(base_url: str, alice: Customer) -> Api:
    return Api(base_url, alice)


def snapshot(db: Database, who: Customer) -> tuple[int, int, Decimal]:
    with db.uow(write=False) as uow:
        acts = uow.session.scalar(select(func.count()).select_from(Activation))
        holds = uow.session.scalar(select(func.count()).select_from(Hold))
    return int(acts or 0), int(holds or 0), world.available(db, who)


class TestRequest:
    def test_successful_request_matches_the_reference(self, api: Api, db: Database) -> None:
        (mdn,) = world.numbers(db, 1)
        response = api.raw("request", service="Amazon")
        body = response.json(parse_float=Decimal)
        assert body["status"] == "ok"
        (entry,) = body["message"]
        assert list(entry) == REQUEST_KEYS
        assert entry == {
            "id": entry["id"],
            "mdn": mdn,
            "service": "Amazon",
            "status": "Reserved",
            "state": "",
            "markup": 0,
            "price": Decimal("0.50"),
            "carrier": "TMobile",
            "till_expiration": 900,
        }
        assert re.fullmatch(r"\d+", entry["id"])
        # 000 writes the price with two decimals: "price": 0.50
        assert '"price":0.50' in response.text

    def test_priority_request_waits_as_awaiting_mdn(self, api: Api) -> None:
        body = api("request", service="Amazon", markup="25", state="CA")
        (entry,) = body["message"]
        assert {k: entry[k] for k in REQUEST_KEYS[1:]} == {
            "mdn": "",
            "service": "Amazon",
            "status": "Awaiting MDN",
            "state": "CA",
            "markup": 25,
            "price": Decimal("0.75"),
            "carrier": "",
            "till_expiration": 1800,
        }

    def test_several_services_at_once(self, api: Api) -> None:
        body = api("request", service="Yahoo,Google,Amazon")
        assert [e["service"] for e in body["message"]] == ["Amazon", "Google", "Yahoo"]
        assert all(e["status"] == "Awaiting MDN" and e["markup"] == 10 for e in body["message"])
        assert [e["price"] for e in body["message"]] == [
            Decimal("0.60"),
            Decimal("1.10"),
            Decimal("0.45"),
        ]

    @pytest.mark.parametrize(
        ("params", "message"),
        [
            ({"service": "Goooooogle"}, "Invalid service name Goooooogle"),
            ({}, "Missing required parameter: service"),
            (
                {"service": "Amazon,A,B,C,D,E"},
                "Too many services: up to 5 can be requested at once",
            ),
            (
                {"service": "Amazon", "markup": "abc"},
                "Invalid markup abc: it must be an integer between 10 and 2000",
            ),
            (
                {"service": "Amazon", "markup": "25.5"},
                "Invalid markup 25.5: it must be an integer between 10 and 2000",
            ),
            (
                {"service": "Amazon", "markup": "9"},
                "Invalid markup 9: it must be an integer between 10 and 2000",
            ),
            (
                {"service": "Amazon", "markup": "2001"},
                "Invalid markup 2001: it must be an integer between 10 and 2000",
            ),
            ({"service": "Amazon", "areacode": "999"}, "Invalid area code 999"),
            ({"service": "Amazon", "areacode": "12a"}, "Invalid area code 12a"),
            ({"service": "Amazon", "state": "ZZ"}, "Invalid state ZZ"),
            ({"service": "Amazon", "mdn": "12345"}, "Invalid MDN 12345"),
            ({"service": "Amazon", "mdn": "12125550000"}, "The MDN is not available"),
        ],
    )
    def test_bad_input_answers_a_clear_error_and_changes_nothing(
        self, api: Api, db: Database, alice: Customer, params: dict[str, str], message: str
    ) -> None:
        world.numbers(db, 1)
        before = snapshot(db, alice)
        assert api("request", **params) == {"status": "error", "message": message}
        assert snapshot(db, alice) == before

    def test_no_numbers(self, api: Api) -> None:
        assert api("request", service="Amazon") == {
            "status": "error",
            "message": "No numbers available, retry later",
        }

    def test_insufficient_funds_names_the_balance(
        self, api: Api, db: Database, alice: Customer
    ) -> None:
        world.numbers(db, 1)
        world.service(db, "Pricey", "10.50")
        assert api("request", service="Pricey") == {
            "status": "error",
            "message": "Insufficient funds. Your balance is $10.00",
        }
        assert snapshot(db, alice) == (0, 0, Decimal("10.00"))

    def test_post_form_works_like_get(self, api: Api, db: Database) -> None:
        world.numbers(db, 1)
        response = api.raw("request", method="POST", service="Amazon")
        assert response.json()["message"][0]["status"] == "Reserved"


class TestAuth:
    @pytest.mark.parametrize(
        "params",
        [
            {"user": "alice", "api_key": "0123456789"},
            {"user": "mallory", "api_key": "KEY"},
            {"api_key": "KEY"},
            {"user": "alice"},
            {"user": "alice", "pass": "wrong-password"},
        ],
    )
    def test_bad_credentials(self, api: Api, alice: Customer, params: dict[str, str]) -> None:
        params = {k: (alice.api_key if v == "KEY" else v) for k, v in params.items()}
        response = api.raw("balance", auth=False, **params)
        assert response.status_code == 200
        assert response.json() == {"status": "error", "message": "Invalid user name or API key"}

    def test_email_and_password_are_accepted(self, api: Api, alice: Customer) -> None:
        by_email = api.raw("balance", auth=False, user="ALICE@example.com", api_key=alice.api_key)
        assert by_email.json() == {"status": "ok", "message": "10.00"}
        by_pass = api.raw("balance", auth=False, user="alice", **{"pass": alice.password})
        assert by_pass.json() == {"status": "ok", "message": "10.00"}

    def test_revoked_key_and_disabled_account(
        self, api: Api, db: Database, alice: Customer
    ) -> None:
        from simhive.core.accounts import service as accounts

        world.numbers(db, 1)
        rid = api("request", service="Amazon")["message"][0]["id"]
        with db.uow() as uow:
            account = uow.session.get(Account, alice.id)
            assert account is not None
            account.active = False
        # request_status takes the one-query path; every other command the general one.
        for cmd, extra in (("request_status", {"id": rid}), ("balance", {})):
            assert api(cmd, **extra) == {"status": "error", "message": "Your account is disabled"}
        with db.uow() as uow:
            account = uow.session.get(Account, alice.id)
            assert account is not None
            account.active = True
            accounts.revoke_api_keys(uow, account=account, prefix=alice.api_key)
        for cmd, extra in (("request_status", {"id": rid}), ("balance", {})):
            assert api(cmd, **extra) == {
                "status": "error",
                "message": "Invalid user name or API key",
            }

    def test_unknown_and_missing_command(self, api: Api) -> None:
        assert api("fly") == {"status": "error", "message": "Invalid command fly"}
        assert api("") == {"status": "error", "message": "Missing required parameter: cmd"}


class TestStatusRejectRead:
    def test_request_status_matches_the_reference(
        self, api: Api, db: Database, clock: FrozenClock
    ) -> None:
        (mdn,) = world.numbers(db, 1)
        rid = api("request", service="Amazon")["message"][0]["id"]
        clock.advance(10)
        body = api("request_status", id=rid)
        (entry,) = body["message"]
        assert list(entry) == STATUS_KEYS
        assert entry == {
            "id": rid,
            "mdn": mdn,
            "service": "Amazon",
            "status": "Reserved",
            "state": "",
            "markup": 0,
            "carrier": "TMobile",
            "till_expiration": 890,
        }

    def test_object_shape_for_accounts_that_want_it(
        self, api: Api, db: Database, alice: Customer
    ) -> None:
        world.numbers(db, 1)
        with db.uow() as uow:
            account = uow.session.get(Account, alice.id)
            assert account is not None
            account.status_shape = StatusShape.OBJECT
        rid = api("request", service="Amazon")["message"][0]["id"]
        body = api("request_status", id=rid)
        assert isinstance(body["message"], dict) and body["message"]["id"] == rid

    def test_status_of_unknown_or_foreign_id(self, api: Api, db: Database, base_url: str) -> None:
        world.numbers(db, 1)
        rid = api("request", service="Amazon")["message"][0]["id"]
        bob = Api(base_url, world.customer(db, "bob"))
        for who, ident in ((bob, rid), (api, "99999999"), (api, "abc"), (api, "")):
            expected = "Invalid request ID" if ident else "Missing required parameter: id"
            assert who("request_status", id=ident) == {"status": "error", "message": expected}
            assert who("reject", id=ident) == {"status": "error", "message": expected}

    def test_reject_and_read_sms(self, api: Api, db: Database, clock: FrozenClock) -> None:
        (mdn,) = world.numbers(db, 1)
        rid = api("request", service="Google")["message"][0]["id"]
        assert api("read_sms", id=rid) == {"status": "error", "message": "No messages"}
        receive(
            db,
            InboundSMS(mdn, "22000", "G-804036 is your Google verification code.", clock.now()),
            gateway="test",
        )
        assert api("request_status", id=rid)["message"][0]["status"] == "Completed"
        body = api("read_sms", id=rid)
        (entry,) = body["message"]
        assert entry == {
            "timestamp": str(int(clock.now().timestamp())),
            "date_time": "2026-01-15 07:00:00 EST",
            "from": "22000",
            "to": mdn,
            "service": "Google",
            "price": Decimal("1.00"),
            "reply": "G-804036 is your Google verification code.",
            "pin": "G-804036",
        }
        assert api("read_sms", service="Google")["message"] == [entry]
        assert api("read_sms", mdn=mdn)["message"] == [entry]
        assert api("read_sms", service="Amazon") == {"status": "error", "message": "No messages"}
        assert api("reject", id=rid) == {
            "status": "error",
            "message": "The request is already Completed",
        }
        assert api("balance") == {"status": "ok", "message": "9.00"}

    def test_read_sms_returns_three_newest_of_two_days(
        self, api: Api, db: Database, clock: FrozenClock
    ) -> None:
        (mdn,) = world.numbers(db, 1)
        for i in range(5):
            api("request", service="Google", mdn=mdn)
            receive(
                db,
                InboundSMS(
                    mdn, "22000", f"G-10000{i} is your Google verification code.", clock.now()
                ),
                gateway="t",
            )
            clock.advance(3600)
        pins = [m["pin"] for m in api("read_sms")["message"]]
        assert pins == ["G-100004", "G-100003", "G-100002"]
        clock.advance(47 * 3600)  # now 52 h after the first: only the one from 48 h ago is left
        assert [m["pin"] for m in api("read_sms")["message"]] == ["G-100004"]

    def test_reject_frees_the_number(self, api: Api, db: Database) -> None:
        world.numbers(db, 1)
        rid = api("request", service="Amazon")["message"][0]["id"]
        assert api("reject", id=rid) == {"status": "ok", "message": "MDN has been rejected"}
        assert api("request_status", id=rid)["message"][0]["status"] == "Rejected"
        assert api("balance") == {"status": "ok", "message": "10.00"}


class TestCatalog:
    def test_list_one_service_with_recommended_markup(self, api: Api, db: Database) -> None:
        world.numbers(db, 3)
        body = api("list_services", service="Google")
        assert body == {
            "status": "ok",
            "message": [
                {
                    "name": "Google",
                    "price": "1.00",
                    "ltr_price": "0.00",
                    "ltr_short_price": "0.00",
                    "otp_available": "3",
                    "available": "3",
                    "ltr_available": "0",
                    "recommended_markup": "10",
                }
            ],
        }

    def test_recommended_markup_is_one_cent_above_the_top_bid(self, api: Api) -> None:
        api("request", service="Google", markup="40")
        (entry,) = api("list_services", service="google")["message"]
        assert entry["recommended_markup"] == "41"

    def test_several_or_all_services_write_recommended_markup_empty(self, api: Api) -> None:
        several = api("list_services", service="Google,Amazon,google")["message"]
        assert [e["name"] for e in several] == ["Google", "Amazon"]
        assert all(e["recommended_markup"] == "" for e in several)
        everything = api("list_services")["message"]
        assert [e["name"] for e in everything] == ["Amazon", "Google", "Yahoo"]
        assert all(e["recommended_markup"] == "" for e in everything)

    def test_unknown_service(self, api: Api) -> None:
        assert api("list_services", service="DummyService") == {
            "status": "error",
            "message": "Invalid service name DummyService",
        }

    def test_balance(self, api: Api) -> None:
        response = api.raw("balance")
        assert json.loads(response.text) == {"status": "ok", "message": "10.00"}


class TestHostileInput:
    @pytest.mark.parametrize(
        "params",
        [
            {"service": "Goo\x00gle"},
            {"service": "Amazon", "mdn": "1212\x002000000"},
            {"service": "A" * 5000},
        ],
    )
    def test_refused_clearly_and_nothing_changes(
        self, api: Api, db: Database, alice: Customer, params: dict[str, str]
    ) -> None:
        world.numbers(db, 1)
        before = snapshot(db, alice)
        answer = api("request", **params)
        assert answer["status"] == "error"
        assert answer["message"].startswith("Invalid ")
        assert snapshot(db, alice) == before
