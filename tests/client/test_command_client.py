"""The SDK: the references' example answers parse to typed values; it drives a real server."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal

import httpx
import pytest
from standardwebhooks.webhooks import Webhook

from simhive.app import create_app
from simhive.client import (
    Activation,
    ActivationStatus,
    AsyncCommandClient,
    AuthError,
    CommandClient,
    IncomingMessage,
    InsufficientFundsError,
    InvalidRequestIdError,
    InvalidServiceError,
    NoNumbersError,
    RequestEndedError,
    TransportError,
    WebhookVerificationError,
    parse_webhook,
    verify_webhook,
)
from simhive.db.uow import Database
from simhive.gateways.base import InboundSMS
from simhive.kit.clock import FrozenClock
from simhive.worker.inbound import receive
from tests.fixtures import world
from tests.fixtures.servers import serve

# 000's example answers, verbatim.
REQUEST_OK = b"""{"status": "ok", "message": [{"id": "10000001", "mdn": "15302286946",
"service": "Amazon", "status": "Reserved", "state": "", "markup": 0, "price": 0.50,
"carrier": "TMobile", "till_expiration": 900}]}"""
LIST_OK = b"""{"status": "ok", "message": [{"name": "Google", "price": "1.00", "ltr_price": "20.00",
"ltr_short_price": "5.00", "otp_available": "74", "ltr_available": "3",
"recommended_markup": "10"}]}"""


def mocked(body: bytes, seen: list[httpx.Request] | None = None) -> CommandClient:
    def handler(request: httpx.Request) -> httpx.Response:
        if seen is not None:
            seen.append(request)
        return httpx.Response(200, content=body)

    return CommandClient("http://x", "test", "0123456789", transport=httpx.MockTransport(handler))


class TestParsing:
    def test_request_answer(self) -> None:
        seen: list[httpx.Request] = []
        (got,) = mocked(REQUEST_OK, seen).request(["Amazon"], markup=25)
        assert got == Activation(
            id="10000001",
            mdn="15302286946",
            service="Amazon",
            status=ActivationStatus.RESERVED,
            state="",
            markup=0,
            carrier="TMobile",
            till_expiration=900,
            price=Decimal("0.50"),
        )
        assert dict(seen[0].url.params) == {
            "user": "test",
            "api_key": "0123456789",
            "cmd": "request",
            "service": "Amazon",
            "markup": "25",
        }

    def test_list_services_and_bare_object_status(self) -> None:
        (info,) = mocked(LIST_OK).list_services("Google")
        assert (info.price, info.available, info.ltr_available, info.recommended_markup) == (
            Decimal("1.00"),
            74,
            3,
            10,
        )
        bare = json.dumps(
            {"status": "ok", "message": json.loads(REQUEST_OK)["message"][0]}
        ).encode()
        assert mocked(bare).request_status("10000001").id == "10000001"

    @pytest.mark.parametrize(
        ("message", "kind"),
        [
            ("Invalid service name Goooooogle", InvalidServiceError),
            ("No numbers available, retry later", NoNumbersError),
            ("Invalid request ID", InvalidRequestIdError),
            ("Insufficient funds. Your balance is $1.00", InsufficientFundsError),
            ("Invalid user name or API key", AuthError),
        ],
    )
    def test_errors_are_typed_and_keep_the_message(self, message: str, kind: type) -> None:
        body = json.dumps({"status": "error", "message": message}).encode()
        with pytest.raises(kind) as raised:
            mocked(body).balance()
        assert raised.value.message == message

    def test_no_messages_is_an_empty_list_and_garbage_is_a_transport_error(self) -> None:
        assert mocked(b'{"status":"error","message":"No messages"}').read_sms() == []
        with pytest.raises(TransportError):
            mocked(b"<html>").balance()


class TestWebhooks:
    def test_parse_and_verify(self) -> None:
        form = {
            "event": "incoming_message",
            "id": "7",
            "timestamp": "1600108956",
            "date_time": "2020-09-14 14:42:36 EDT",
            "from": "22000",
            "to": "18503814729",
            "service": "Google",
            "reply": "G-804036 is your Google verification code.",
            "pin": "G-804036",
            "price": "1.20",
        }
        event = parse_webhook(form)
        assert isinstance(event, IncomingMessage) and event.price == Decimal("1.20")
        secret = "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
        now = datetime(2026, 1, 1, tzinfo=UTC)
        body = "event=incoming_message&id=7"
        headers = {
            "webhook-id": "msg_1",
            "webhook-timestamp": str(int(now.timestamp())),
            "webhook-signature": Webhook(secret).sign("msg_1", now, body),
        }
        verify_webhook(secret, headers, body, now=now)
        with pytest.raises(WebhookVerificationError):
            verify_webhook(secret, headers, body + "&x=1", now=now)
        with pytest.raises(WebhookVerificationError):
            verify_webhook(secret, headers, body, now=now.replace(year=2027))


@pytest.fixture
def live(db: Database) -> Iterator[str]:
    with serve(create_app(db.settings, db=db, run_worker=False)) as url:
        yield url


class TestAgainstTheServer:
    def test_whole_flow_sync(self, db: Database, live: str, clock: FrozenClock) -> None:
        world.service(db, "Google", "1.00")
        who = world.customer(db)
        (mdn,) = world.numbers(db, 1)
        with CommandClient(live, who.username, who.api_key) as api:
            assert api.balance() == Decimal("10.00")
            (activation,) = api.request("Google")
            assert activation.mdn == mdn
            receive(
                db,
                InboundSMS(mdn, "22000", "G-804036 is your Google verification code.", clock.now()),
                gateway="t",
            )
            message = api.wait_for_sms(activation.id, interval=0.01, timeout=5)
            assert message.pin == "G-804036"
            # The number is free again, but Google has seen it: a plain request never
            # hands it out for Google again; only `mdn` brings it back to this account.
            with pytest.raises(NoNumbersError):
                api.request("Google")
            assert api.request("Google", mdn=mdn)[0].mdn == mdn

    def test_async_and_password_auth(self, db: Database, live: str, clock: FrozenClock) -> None:
        world.service(db, "Google", "1.00")
        who = world.customer(db)
        world.numbers(db, 1)

        async def flow() -> None:
            async with AsyncCommandClient(
                live, who.username, password=who.password, method="POST"
            ) as api:
                (activation,) = await api.request("Google")
                assert await api.reject(activation.id) == "MDN has been rejected"
                with pytest.raises(RequestEndedError):
                    await api.wait_for_sms(activation.id, interval=0.01, timeout=1)

        asyncio.run(flow())
