"""`POST /v1/sms` (003 "SMS API"): parts counted in GSM-7 and UCS-2, approved senders only,
delivery receipts posted as JSON to a real receiver through the outbox, money exact."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from decimal import Decimal

import pytest
from sqlalchemy.exc import DBAPIError

from simhive.client import verify_webhook
from simhive.core.accounts.models import Account
from simhive.core.insight import fraud
from simhive.db.uow import Database
from simhive.gateways.base import PermanentGatewayError
from simhive.gateways.simulator import SimulatorGateway
from simhive.kit.clock import FrozenClock
from simhive.operations import messages
from simhive.worker.runner import Worker
from tests.fixtures import world
from tests.fixtures.rest import Caller, Rest, allow_sender, caller, rest_server
from tests.fixtures.servers import WebhookReceiver, webhook_receiver
from tests.worker.test_stranded_messages import table_gone

NUMBER = "+447700900123"
OFF = "+447700900999"


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


def bodies(hook: WebhookReceiver, count: int) -> list[dict[str, object]]:
    return [json.loads(r.body) for r in hook.wait_for(count)]


class TestParts:
    @pytest.mark.parametrize(
        ("text", "parts", "encoding"),
        [
            ("a" * 160, 1, "gsm7"),
            ("a" * 161, 2, "gsm7"),
            ("€" * 80, 1, "gsm7"),  # € takes two septets
            ("€" * 81, 2, "gsm7"),
            ("a" * 306, 2, "gsm7"),
            ("a" * 307, 3, "gsm7"),
            ("я" * 70, 1, "ucs2"),
            ("я" * 71, 2, "ucs2"),
            ("a" * 159 + "😀", 3, "ucs2"),  # one emoji turns the whole text into UCS-2
        ],
    )
    def test_counted_and_charged_per_part(
        self, rest: Rest, db: Database, text: str, parts: int, encoding: str
    ) -> None:
        who, credential = rest.customer("bob", credit="1.00")
        with caller(rest.url, credential) as api:
            response = api.post("/sms", json={"number": NUMBER, "text": text})
        assert response.status_code == 200
        body = response.json()
        assert (body["parts"], body["encoding"]) == (parts, encoding)
        assert world.available(db, who) == Decimal("1.00") - Decimal("0.04") * parts
        rest.deliver()
        assert world.balance(db, who) == Decimal("1.00") - Decimal("0.04") * parts
        assert rest.simulator.inbox(NUMBER)[-1].text == text

    def test_too_long_or_blank_text_is_refused(self, alice: Caller, rest: Rest) -> None:
        for text in ("", "   ", "a" * (153 * 10 + 1)):
            response = alice.post("/sms", number=NUMBER, text=text)
            assert response.status_code == 400 and response.json()["errorCode"] == 10
        rest.deliver()
        assert rest.simulator.inbox(NUMBER) == []


class TestSenders:
    def test_only_approved_senders(self, rest: Rest, db: Database) -> None:
        who, credential = rest.customer("carol")
        with caller(rest.url, credential) as api:
            refused = api.post("/sms", number=NUMBER, text="hi", **{"from": "Shop"})
            assert refused.status_code == 400
            assert refused.json()["errorCode"] == 16
            assert refused.json()["errorReason"] == "Sender not allowed"
            allow_sender(db, who, "Shop")
            assert api.post("/sms", number=NUMBER, text="hi", **{"from": "Shop"}).status_code == 200
            assert api.post("/sms", number=NUMBER, text="hi").status_code == 200  # the default
        rest.deliver()
        senders = [item.sender for item in rest.simulator.inbox(NUMBER)]
        assert sorted(senders) == sorted(["Shop", db.settings.default_sender])
        assert world.available(db, who) == Decimal("9.92")

    def test_outgoing_list_shows_text_sender_and_status(self, rest: Rest, alice: Caller) -> None:
        alice.post("/sms", number=NUMBER, text="Your order #29211 received")
        alice.post("/sms", number=OFF, text="nobody hears this")
        rest.deliver()
        listed = messages.list_outgoing(rest.db, to=NUMBER)
        assert [(o.mdn, o.to, o.text, o.status) for o in listed] == [
            ("simhive", "447700900123", "Your order #29211 received", "delivered")
        ]
        assert messages.list_outgoing(rest.db, to=OFF)[0].status == "undelivered"


class TestReceipts:
    def test_sent_then_delivered_as_json_signed(
        self, rest: Rest, alice: Caller, hook: WebhookReceiver
    ) -> None:
        response = alice.post("/sms", number=NUMBER, text="hello", callbackUrl=hook.url)
        request_id = response.json()["requestId"]
        rest.deliver()
        # Each receipt is its own delivery: they may arrive in either order.
        received = sorted(hook.wait_for(2), key=lambda r: json.loads(r.body)["status"] != "SENT")
        assert [json.loads(r.body)["status"] for r in received] == ["SENT", "DELIVERED"]
        first = received[0]
        assert first.headers["content-type"] == "application/json"
        assert json.loads(first.body) == {
            "requestId": request_id,
            "product": "sms",
            "number": NUMBER,
            "mccmnc": None,
            "status": "SENT",
            "timestamp": int(rest.clock.now().timestamp()),
        }
        with rest.db.uow(write=False) as uow:
            secret = uow.session.query(Account).filter_by(username="alice").one().webhook_secret
        verify_webhook(secret, first.headers, first.body, now=rest.clock.now())

    def test_a_receipt_the_database_could_not_take_is_written_later(
        self, rest: Rest, alice: Caller
    ) -> None:
        # The gateway lets go of its receipts when they are collected: one whose write
        # failed (the database away for a moment) was lost, the SMS left SENT for good.
        request_id = alice.post("/sms", number=NUMBER, text="hello").json()["requestId"]
        rest.worker.run_pending()  # handed to the gateway, which has a receipt ready
        with table_gone(rest.db, "outgoing_messages"), contextlib.suppress(DBAPIError):
            rest.worker.run_pending()
        rest.worker.run_pending()
        assert alice.get(f"/requests/{request_id}").json()["status"] == "DELIVERED"

    def test_undelivered(self, rest: Rest, alice: Caller, hook: WebhookReceiver) -> None:
        alice.post("/sms", number=OFF, text="hello", callbackUrl=hook.url)
        rest.deliver()
        assert sorted(b["status"] for b in bodies(hook, 2)) == ["SENT", "UNDELIVERED"]

    def test_a_failing_receiver_is_retried(
        self, rest: Rest, alice: Caller, hook: WebhookReceiver
    ) -> None:
        hook.status = 500
        alice.post("/sms", number=NUMBER, text="hello", callbackUrl=hook.url)
        rest.deliver()
        assert len(hook.wait_for(2)) == 2  # SENT and DELIVERED, both refused
        hook.status = 204  # any 2xx is taken
        rest.clock.advance(rest.db.settings.webhook_retry_interval_s)
        rest.worker.run_pending()
        got = hook.wait_for(4)
        assert sorted(json.loads(r.body)["status"] for r in got[2:]) == ["DELIVERED", "SENT"]
        rest.clock.advance(rest.db.settings.webhook_retry_interval_s)
        rest.worker.run_pending()
        assert len(hook.received) == 4

    def test_rejected_by_the_gateway_releases_the_price(
        self, db: Database, clock: FrozenClock, hook: WebhookReceiver
    ) -> None:
        class Refusing(SimulatorGateway):
            def send_sms(self, *, mdn: str, to: str, text: str, ref: str) -> str:
                raise PermanentGatewayError("route closed")

        with rest_server(db, clock) as rest:
            rest.worker = Worker(db, gateways={"simulator": Refusing(clock=clock)})
            who, credential = rest.customer("dan", credit="1.00")
            with caller(rest.url, credential) as api:
                request_id = api.post(
                    "/sms", number=NUMBER, text="hi", callbackUrl=hook.url
                ).json()["requestId"]
                assert world.available(db, who) == Decimal("0.96")
                rest.deliver()
                assert [b["status"] for b in bodies(hook, 1)] == ["REJECTED"]
                assert api.get(f"/requests/{request_id}").json()["status"] == "REJECTED"
            assert world.available(db, who) == Decimal("1.00")
            assert world.balance(db, who) == Decimal("1.00")
            rest.worker.stop()


class TestNumbersRefused:
    """What `/v1/verify` refuses as FRAUDULENT, SMS and flash calls refuse too: a
    premium-rate number, or one under a prefix the operator blocked, is where SMS and
    call pumping is paid, at the operator's cost."""

    @pytest.mark.parametrize("path", ["/sms", "/calls/flash"])
    def test_premium_rate_and_blocked_numbers(self, rest: Rest, db: Database, path: str) -> None:
        with db.uow() as uow:
            fraud.block(uow, prefix="4474009001", reason="pumping")
        who, credential = rest.customer("mallory", credit="1.00")
        fields = {"text": "hi"} if path == "/sms" else {}
        with caller(rest.url, credential) as api:
            for number in ("+449098790123", "+448712345678", "+447400900123"):
                answer = api.post(path, number=number, **fields)
                assert answer.status_code == 403, number
                assert answer.json()["errorCode"] == 17
            allowed = api.post(path, number="+447400900223", **fields)
            assert allowed.status_code == 200
        rest.deliver()
        assert rest.simulator.inbox("447400900123") == []
        assert world.balance(db, who) < Decimal("1.00")  # the allowed one only
        assert world.balance(db, who) > Decimal("0.90")
