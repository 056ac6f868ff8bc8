"""`send_sms` over real HTTP: 004's parameters and error strings, letter for letter."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import httpx
import pytest

from simhive.app import create_app
from simhive.core.inventory import service as inventory
from simhive.db.uow import Database
from simhive.kit.clock import FrozenClock
from tests.fixtures import world
from tests.fixtures.outbound import heard_from
from tests.fixtures.servers import serve
from tests.fixtures.world import Customer


@pytest.fixture
def base_url(db: Database) -> Iterator[str]:
    with serve(create_app(db.settings, db=db, run_worker=False)) as url:
        yield url


@pytest.fixture
def alice(db: Database) -> Customer:
    world.service(db, "Google", "1.00")
    world.numbers(db, 2)
    return world.customer(db, "alice", credit="10.00")


@pytest.fixture
def mdn(db: Database, alice: Customer) -> str:
    """alice's number, where 22000 wrote to her just now."""
    return heard_from(db, alice, sender="22000")


def send_sms(base_url: str, who: Customer, method: str = "GET", **params: str) -> Any:
    data = {"cmd": "send_sms", "user": who.username, "api_key": who.api_key, **params}
    url = base_url + "/api_command.php"
    if method == "POST":
        response = httpx.post(url, data=data, timeout=10)
    else:
        response = httpx.get(url, params=data, timeout=10)
    assert response.status_code == 200
    return response.json()


def error(message: str) -> dict[str, str]:
    return {"status": "error", "message": message}


class TestSendSms:
    def test_queued_with_sms_or_text(
        self, base_url: str, db: Database, alice: Customer, mdn: str
    ) -> None:
        ok = {"status": "ok", "message": "SMS has been queued"}
        assert send_sms(base_url, alice, mdn=mdn, to="22000", sms="Hello") == ok
        assert send_sms(base_url, alice, "POST", mdn=mdn, to="22000", text="Hello") == ok
        # Two fees held (0.20), none charged yet.
        assert world.available(db, alice) == Decimal("8.80")
        assert world.balance(db, alice) == Decimal("9.00")

    def test_never_to_a_premium_rate_number_it_heard_from(
        self, base_url: str, db: Database, alice: Customer
    ) -> None:
        # An inbound sender is whatever the network says; a reply to a 1-900 line is paid
        # by the operator's SIM.
        mdn = heard_from(db, alice, sender="+1 900 976 1234")
        assert send_sms(base_url, alice, mdn=mdn, to="19009761234", sms="Hi") == error(
            "Number +19009761234 refused: the fraud check answered FRAUDULENT"
        )
        assert world.available(db, alice) == world.balance(db, alice)

    def test_004s_example_no_incoming_messages(
        self, base_url: str, alice: Customer, mdn: str
    ) -> None:
        # 004: ...&mdn=12345678901&to=555&sms=Hello
        assert send_sms(base_url, alice, mdn=mdn, to="555", sms="Hello") == error(
            "No incoming messages within past 30 minutes"
        )

    def test_just_past_30_minutes(
        self, base_url: str, alice: Customer, mdn: str, clock: FrozenClock
    ) -> None:
        clock.advance(30 * 60 + 1)
        assert send_sms(base_url, alice, mdn=mdn, to="22000", sms="Hello") == error(
            "No incoming messages within past 30 minutes"
        )

    def test_offline(self, base_url: str, db: Database, alice: Customer, mdn: str) -> None:
        with db.uow() as uow:
            inventory.set_online(uow, mdn=mdn, online=False)
        assert send_sms(base_url, alice, mdn=mdn, to="22000", sms="Hello") == error(
            "MDN is offline"
        )

    def test_another_accounts_number(self, base_url: str, db: Database, mdn: str) -> None:
        bob = world.customer(db, "bob")
        assert send_sms(base_url, bob, mdn=mdn, to="22000", sms="Hello") == error(
            "The MDN is not rented by you"
        )

    @pytest.mark.parametrize(
        ("params", "message"),
        [
            ({"to": "22000", "sms": "Hello"}, "Missing required parameter: mdn"),
            ({"mdn": "MDN", "sms": "Hello"}, "Missing required parameter: to"),
            ({"mdn": "MDN", "to": "22000"}, "Missing required parameter: sms"),
            ({"mdn": "MDN", "to": "22000", "sms": "  "}, "Missing required parameter: sms"),
            ({"mdn": "123", "to": "22000", "sms": "Hello"}, "Invalid MDN 123"),
            ({"mdn": "MDN", "to": "Google", "sms": "Hello"}, "Invalid destination number Google"),
            (
                {"mdn": "MDN", "to": "22000", "sms": "x" * 1531},
                "Message text is too long: 1531 characters, at most 1530",
            ),
            (
                {"mdn": "MDN", "to": "22000", "sms": "😀" * 400},
                "Message text is too long: 400 characters, at most 330",
            ),
        ],
    )
    def test_clear_errors_for_the_rest(
        self,
        base_url: str,
        db: Database,
        alice: Customer,
        mdn: str,
        params: dict[str, str],
        message: str,
    ) -> None:
        params = {k: mdn if v == "MDN" else v for k, v in params.items()}
        assert send_sms(base_url, alice, **params) == error(message)
        assert world.available(db, alice) == Decimal("9.00")

    def test_insufficient_funds(self, base_url: str, db: Database) -> None:
        world.service(db, "Google", "1.00")
        world.numbers(db, 1)
        poor = world.customer(db, "poor", credit="1.05")
        mdn = heard_from(db, poor)
        assert send_sms(base_url, poor, mdn=mdn, to="22000", sms="Hello") == error(
            "Insufficient funds. Your balance is $0.05"
        )
