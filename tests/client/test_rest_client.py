"""The REST SDK against a real server: typed results, typed errors, sync and async."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest

from simhive.client import (
    AsyncRestClient,
    AuthenticationError,
    CallStatus,
    CodeExpiredError,
    DeliveryReceipt,
    FraudStatus,
    FundsError,
    HlrStatus,
    InactiveTokenError,
    InvalidNumberError,
    InvalidRequestError,
    Method,
    NumberRefusedError,
    RestClient,
    SenderNotAllowedError,
    TooManyAttemptsError,
    TooManyRequestsError,
    TransportError,
    UnknownRequestError,
    VerificationStatus,
    WrongCodeError,
    parse_callback,
)
from simhive.core.insight import fraud
from simhive.core.tokens import service as tokens
from simhive.db.uow import Database
from simhive.kit.clock import FrozenClock
from tests.fixtures.rest import Rest, rest_server
from tests.fixtures.servers import webhook_receiver

NUMBER = "+447400900123"


@pytest.fixture
def rest(db: Database, clock: FrozenClock) -> Iterator[Rest]:
    with rest_server(db, clock) as server:
        yield server


def code_on_handset(rest: Rest) -> str:
    found = re.search(r"\d{4,6}", rest.simulator.inbox(NUMBER)[-1].text)
    assert found is not None
    return found.group()


class TestSyncClient:
    def test_verify_check_info_and_request(self, rest: Rest) -> None:
        _, token = rest.customer("alice")
        with RestClient(rest.url, token) as api:
            request_id = api.verify(NUMBER, Method.SMS, code_length=6, language="fr")
            rest.deliver()
            code = code_on_handset(rest)
            assert len(code) == 6
            with pytest.raises(WrongCodeError) as wrong:
                api.check(request_id, "000000" if code != "000000" else "111111")
            assert (wrong.value.error_code, wrong.value.status) == (21, 400)
            assert wrong.value.message == "Wrong code"
            verified = api.check(request_id, code)
            assert verified.request_id == request_id and verified.method is Method.SMS
            assert verified.verified_at == rest.clock.now().replace(microsecond=0)
            info = api.info(request_id)
            assert info.status is VerificationStatus.VERIFIED and info.check_attempts == 2
            with pytest.raises(UnknownRequestError):
                api.check(request_id, code)
            request = api.request(request_id)
            assert (request.product, request.status, request.country) == (
                "verify.sms",
                "DELIVERED",
                "GB",
            )
            assert request.created_at == datetime.fromtimestamp(
                int(rest.clock.now().timestamp() * 1000) / 1000, UTC
            )
            assert api.set_goal(request_id, "NUMBER_VERIFIED").goal == "NUMBER_VERIFIED"

    def test_expiry_and_attempts(self, rest: Rest) -> None:
        _, token = rest.customer("alice")
        with RestClient(rest.url, token) as api:
            first = api.verify(NUMBER, code_expiry=60)
            second = api.verify(NUMBER, attempts=1)
            with pytest.raises(WrongCodeError):
                api.check(second, "x")
            with pytest.raises(TooManyAttemptsError):
                api.check(second, "x")
            rest.clock.advance(60)
            with pytest.raises(CodeExpiredError):
                api.check(first, "1234")

    def test_sms_flash_and_errors(self, rest: Rest) -> None:
        _, token = rest.customer("alice", credit="0.10")
        with RestClient(rest.url, token) as api:
            sent = api.send_sms(NUMBER, "Привет")
            assert (sent.parts, sent.encoding) == (1, "ucs2")
            call = api.flash_call(NUMBER, code="4242")
            assert call.caller_id.endswith("4242")
            with pytest.raises(InvalidNumberError):
                api.verify("12")
            with pytest.raises(SenderNotAllowedError):
                api.send_sms(NUMBER, "hi", sender="Nope")
            with pytest.raises(InvalidRequestError) as bad:
                api.verify(NUMBER, "fax")
            assert bad.value.detail and "method" in bad.value.detail
            with pytest.raises(FundsError):
                api.verify(NUMBER, Method.VOICE)

    def test_authentication_errors(self, rest: Rest) -> None:
        _, token = rest.customer("alice")
        with RestClient(rest.url, token.split(":")[0] + ":" + "0" * 32) as api:
            with pytest.raises(AuthenticationError) as failed:
                api.request("x")
            assert failed.value.status == 401
        with rest.db.uow() as uow:
            tokens.disable_token(uow, public_id=token.split(":")[0])
        with RestClient(rest.url, token) as api, pytest.raises(InactiveTokenError):
            api.request("x")
        with pytest.raises(ValueError):
            RestClient(rest.url, "no-colon")

    def test_rate_limit_error_carries_retry_after(self, db: Database, clock: FrozenClock) -> None:
        settings = db.settings.model_copy(update={"rest_rate_limit": "1/minute"})
        limited = Database(db.engine, clock, settings)
        with rest_server(limited, clock) as rest:
            _, token = rest.customer("alice")
            with RestClient(rest.url, token) as api:
                with pytest.raises(UnknownRequestError):
                    api.request("x")
                with pytest.raises(TooManyRequestsError) as limited_error:
                    api.request("x")
        assert limited_error.value.retry_after == 60

    def test_not_the_rest_api(self) -> None:
        transport = httpx.MockTransport(lambda request: httpx.Response(502, text="<html>"))
        with (
            RestClient("http://x", "a:b", transport=transport) as api,
            pytest.raises(TransportError),
        ):
            api.request("x")


class TestAsyncClient:
    def test_the_same_flow(self, rest: Rest) -> None:
        _, token = rest.customer("alice")

        async def flow() -> None:
            async with AsyncRestClient(rest.url, token) as api:
                request_id = await api.verify(NUMBER)
                await asyncio.to_thread(rest.deliver)
                verified = await api.check(request_id, code_on_handset(rest))
                assert verified.number == NUMBER
                assert (await api.info(request_id)).status is VerificationStatus.VERIFIED
                assert (await api.request(request_id)).product == "verify.sms"
                assert (await api.set_goal(request_id, "LINK_OPENED")).goal == "LINK_OPENED"
                assert (await api.send_sms(NUMBER, "hi")).parts == 1
                assert (await api.flash_call(NUMBER, code="1234")).caller_id.endswith("1234")
                with pytest.raises(WrongCodeError):
                    await api.check(await api.verify(NUMBER), "nope")

        asyncio.run(flow())


class TestInsight:
    def test_hlr_and_fraud_check_sync(self, rest: Rest, db: Database) -> None:
        _, token = rest.customer("alice")
        with RestClient(rest.url, token) as api:
            found = api.hlr("4790000000")
            assert (found.number, found.mccmnc, found.network, found.country) == (
                "+4790000000", "24201", "telenor norge", "NO",
            )  # fmt: skip
            assert found.status is HlrStatus.DELIVERED
            assert found.created_at == rest.clock.now()
            assert api.request(found.id).product == "insight.hlr"
            assert api.hlr("+447700900001").status is HlrStatus.UNDELIVERED
            with pytest.raises(InvalidNumberError):
                api.hlr("hello")
            verdict = api.fraud_check("+4790000000", ip="203.0.113.7")
            assert verdict.passed and verdict.mobile_prefix
            assert verdict.request_id is not None
            assert api.request(verdict.request_id).product == "insight.fraudcheck"
            with db.uow() as uow:
                fraud.block(uow, prefix="+4790")
            assert api.fraud_check("+4790000000").status is FraudStatus.FRAUDULENT
            with pytest.raises(NumberRefusedError) as refused:
                api.verify("+4790000000")
            assert (refused.value.error_code, refused.value.status) == (17, 403)

    def test_hlr_and_fraud_check_async(self, rest: Rest) -> None:
        _, token = rest.customer("alice")

        async def flow() -> None:
            async with AsyncRestClient(rest.url, token) as api:
                assert (await api.hlr("+4790000000")).mccmnc == "24201"
                verdict = await api.fraud_check("+442079460000")
                assert verdict.status is FraudStatus.NOT_MOBILE_PREFIX
                assert not verdict.passed and not verdict.mobile_prefix

        asyncio.run(flow())


class TestCallbacks:
    def test_receipts_and_call_status_parse(self, rest: Rest) -> None:
        _, token = rest.customer("alice")
        with webhook_receiver() as hook, RestClient(rest.url, token) as api:
            api.send_sms(NUMBER, "hi", callback_url=hook.url)
            api.flash_call(NUMBER, callback_url=hook.url)
            rest.deliver()
            parsed = [parse_callback(r.body) for r in hook.wait_for(3)]
        receipts = [p for p in parsed if isinstance(p, DeliveryReceipt)]
        calls = [p for p in parsed if isinstance(p, CallStatus)]
        assert sorted(r.status for r in receipts) == ["DELIVERED", "SENT"]
        (call,) = calls
        assert (call.status, call.sip_status, call.billable) == ("NO_ANSWER", 487, True)
        assert call.ring_started_at is not None and call.answered_at is None
        assert parse_callback(json.loads(json.dumps({"requestId": "r", "product": "sms",
            "number": NUMBER, "status": "SENT", "timestamp": 0}))).status == "SENT"  # fmt: skip
