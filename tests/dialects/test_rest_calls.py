"""`POST /v1/calls/flash` (003 "Make a Flash call"): the caller id from the operator's pool
or an approved one, and call-status callbacks with 003's fields."""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal

import pytest

from simhive.db.uow import Database
from simhive.kit.clock import FrozenClock
from simhive.operations import calls
from tests.fixtures import world
from tests.fixtures.rest import Caller, Rest, allow_sender, caller, rest_server
from tests.fixtures.servers import WebhookReceiver, webhook_receiver

NUMBER = "+37256123456"
OFF = "+37256000000"


@pytest.fixture
def rest(db: Database, clock: FrozenClock) -> Iterator[Rest]:
    with rest_server(db, clock, unreachable=frozenset({OFF})) as server:
        yield server


@pytest.fixture
def hook() -> Iterator[WebhookReceiver]:
    with webhook_receiver() as receiver:
        yield receiver


@pytest.fixture
def alice(rest: Rest) -> Iterator[Caller]:
    _, credential = rest.customer("alice", credit="1.00")
    with caller(rest.url, credential) as api:
        yield api


class TestFlashCall:
    def test_the_code_ends_the_caller_id(self, rest: Rest, alice: Caller) -> None:
        response = alice.post("/calls/flash", number=NUMBER, code="9823")
        assert response.status_code == 200
        body = response.json()
        assert list(body) == ["requestId", "from"]
        assert body["from"].endswith("9823") and body["from"].isdigit()
        rest.deliver()
        (call,) = rest.simulator.inbox(NUMBER)
        assert call.kind == "call" and call.sender == body["from"]
        (listed,) = calls.list_calls(rest.db, to=NUMBER)
        assert (listed.caller_id, listed.status) == (body["from"], "no_answer")
        assert listed.kind == "flash"

    def test_a_random_caller_id_without_a_code(self, alice: Caller) -> None:
        first = alice.post("/calls/flash", number=NUMBER).json()["from"]
        assert first.isdigit() and 8 <= len(first) <= 15

    def test_an_approved_caller_id(self, rest: Rest, db: Database) -> None:
        who, credential = rest.customer("bob")
        with caller(rest.url, credential) as api:
            assert (
                api.post("/calls/flash", number=NUMBER, **{"from": "37282329823"}).json()[
                    "errorCode"
                ]
                == 16
            )
            allow_sender(db, who, "+37282329823")
            ok = api.post("/calls/flash", number=NUMBER, **{"from": "+37282329823"})
            assert ok.json()["from"] == "37282329823"
            mismatch = api.post("/calls/flash", number=NUMBER, code="1111",
                                **{"from": "37282329823"})  # fmt: skip
            assert mismatch.json()["errorCode"] == 10

    @pytest.mark.parametrize("code", ["123", "1234567", "12a4"])
    def test_bad_codes(self, alice: Caller, code: str) -> None:
        response = alice.post("/calls/flash", number=NUMBER, code=code)
        assert response.status_code == 400 and response.json()["errorCode"] == 10


class TestCallbacks:
    def test_call_status_with_003_fields(
        self, rest: Rest, alice: Caller, hook: WebhookReceiver, db: Database
    ) -> None:
        placed = rest.clock.now()
        response = alice.post("/calls/flash", number=NUMBER, code="5555", callbackUrl=hook.url)
        request_id = response.json()["requestId"]
        rest.deliver()
        (received,) = hook.wait_for(1)
        t0 = int(placed.timestamp())
        assert json.loads(received.body) == {
            "requestId": request_id,
            "product": "call.flash",
            "number": NUMBER,
            "mccmnc": "24802",
            "from": response.json()["from"],
            "status": "NO_ANSWER",
            "sipStatus": 487,
            "timestamp": t0,
            "callCreatedAt": t0,
            "callRingStartedAt": t0 + 1,
            "callAnsweredAt": None,
            "callEndedAt": t0 + 5,
            "billable": True,
            "duration": 0,
        }
        assert alice.get(f"/requests/{request_id}").json()["status"] == "DELIVERED"
        assert world.balance(db, world_of(db)) == Decimal("0.98")

    def test_an_unreachable_handset_fails_unbilled(
        self, rest: Rest, alice: Caller, hook: WebhookReceiver, db: Database
    ) -> None:
        request_id = alice.post("/calls/flash", number=OFF, callbackUrl=hook.url).json()[
            "requestId"
        ]
        rest.deliver()
        body = json.loads(hook.wait_for(1)[0].body)
        assert (body["status"], body["sipStatus"], body["billable"]) == ("FAILED", 480, False)
        assert alice.get(f"/requests/{request_id}").json()["status"] == "UNDELIVERED"
        assert world.balance(db, world_of(db)) == Decimal("1.00")
        assert world.available(db, world_of(db)) == Decimal("1.00")

    def test_a_voice_verification_is_answered(
        self, rest: Rest, alice: Caller, hook: WebhookReceiver
    ) -> None:
        alice.post("/verify", number=NUMBER, method="voice", callbackUrl=hook.url)
        rest.deliver()
        body = json.loads(hook.wait_for(1)[0].body)
        assert (body["status"], body["sipStatus"], body["billable"]) == ("ANSWERED", 200, True)
        assert body["duration"] > 0
        assert body["callEndedAt"] - body["callAnsweredAt"] == body["duration"]


def world_of(db: Database) -> world.Customer:
    from simhive.core.accounts import service as accounts

    with db.uow(write=False) as uow:
        account = accounts.find_account(uow, "alice")
        return world.Customer(account.id, "alice", "", "")
