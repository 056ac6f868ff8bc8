"""`GET /v1/requests/{id}` for every product, and `POST` with a goal (003 "Getting request
info", "Update Request Info")."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import pytest
from sqlalchemy import select

from simhive.core.accounts.models import Account
from simhive.core.products import service as products
from simhive.core.products.models import Product
from simhive.db.uow import Database
from simhive.kit.clock import FrozenClock
from simhive.kit.phone import number_facts
from tests.fixtures.rest import Caller, Rest, caller, rest_server

INDIA = "+916386535610"  # 003's example: Jio, 405871


@pytest.fixture
def rest(db: Database, clock: FrozenClock) -> Iterator[Rest]:
    with rest_server(db, clock) as server:
        yield server


@pytest.fixture
def alice(rest: Rest) -> Iterator[Caller]:
    _, credential = rest.customer("alice")
    with caller(rest.url, credential) as api:
        yield api


class TestRequestInfo:
    def test_a_verification_as_003_shows_it(self, rest: Rest, alice: Caller) -> None:
        created = int(rest.clock.now().timestamp() * 1000)
        request_id = alice.post("/verify", number=INDIA, method="sms").json()["requestId"]
        response = alice.get(f"/requests/{request_id}")
        assert response.status_code == 200
        assert response.json() == {
            "id": request_id,
            "product": "verify.sms",
            "number": INDIA,
            "mccmnc": "405871",
            "network": "Reliance Jio",
            "country": "IN",
            "status": "QUEUED",
            "createdAt": created,
            "payload": {"number": INDIA, "method": "sms"},
            "goal": None,
            "goalAt": None,
        }
        rest.deliver()
        assert alice.get(f"/requests/{request_id}").json()["status"] == "DELIVERED"

    def test_every_product_reads_the_same_way(self, rest: Rest, alice: Caller) -> None:
        ids = {
            "verify.sms": alice.post("/verify", number=INDIA, method="sms"),
            "verify.voice": alice.post("/verify", number=INDIA, method="voice"),
            "verify.call": alice.post("/verify", number=INDIA, method="call"),
            "sms": alice.post("/sms", number=INDIA, text="hello"),
            "call.flash": alice.post("/calls/flash", number=INDIA),
        }
        rest.deliver()
        for product, response in ids.items():
            body = alice.get(f"/requests/{response.json()['requestId']}").json()
            assert body["product"] == product
            assert body["status"] == "DELIVERED"
            assert body["country"] == "IN" and body["number"] == INDIA

    def test_insight_products_stored_by_core_read_the_same(
        self, rest: Rest, alice: Caller, db: Database
    ) -> None:
        with db.uow() as uow:
            account = uow.session.scalar(select(Account).where(Account.username == "alice"))
            assert account is not None
            request = products.open_request(
                uow,
                account=account,
                product=Product.INSIGHT_HLR,
                facts=number_facts("+37256123456"),
                payload={"number": "+37256123456"},
                price=Decimal("0.01"),
            )
            public_id = request.public_id
        body = alice.get(f"/requests/{public_id}").json()
        assert body["product"] == "insight.hlr"
        assert (body["mccmnc"], body["network"], body["country"]) == ("24802", "Elisa", "EE")

    def test_unknown_and_foreign_ids_are_20(self, rest: Rest, alice: Caller) -> None:
        request_id = alice.post("/verify", number=INDIA, method="sms").json()["requestId"]
        _, other = rest.customer("bob")
        with caller(rest.url, other) as bob:
            response = bob.get(f"/requests/{request_id}")
        assert response.status_code == 404
        assert response.json() == {"errorCode": 20, "errorReason": "Unknown request",
                                   "errorDetail": response.json()["errorDetail"]}  # fmt: skip
        assert alice.get("/requests/nope").status_code == 404


class TestGoal:
    def test_recorded_and_shown(self, rest: Rest, alice: Caller) -> None:
        request_id = alice.post("/verify", number=INDIA, method="sms").json()["requestId"]
        rest.clock.advance(42)
        response = alice.post(f"/requests/{request_id}", goal="NUMBER_VERIFIED")
        assert response.status_code == 200
        assert response.json()["goal"] == "NUMBER_VERIFIED"
        body = alice.get(f"/requests/{request_id}").json()
        assert body["goal"] == "NUMBER_VERIFIED"
        assert body["goalAt"] == body["createdAt"] + 42_000
        alice.post(f"/requests/{request_id}", json={"goal": "LINK_OPENED"})
        assert alice.get(f"/requests/{request_id}").json()["goal"] == "LINK_OPENED"

    def test_bad_goals_change_nothing(self, rest: Rest, alice: Caller) -> None:
        request_id = alice.post("/verify", number=INDIA, method="sms").json()["requestId"]
        for bad in ({}, {"goal": ""}, {"goal": "x" * 65}, {"goal": "two words"}):
            response = alice.post(f"/requests/{request_id}", **bad)
            assert response.status_code == 400 and response.json()["errorCode"] == 10
        assert alice.get(f"/requests/{request_id}").json()["goal"] is None
        _, other = rest.customer("bob")
        with caller(rest.url, other) as bob:
            assert bob.post(f"/requests/{request_id}", goal="X").json()["errorCode"] == 20
