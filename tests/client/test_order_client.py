"""The order API SDK: 002's answers parse to typed values and typed errors; it drives a real
server, sync and async."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal

import httpx
import pytest

from simhive.app import create_app
from simhive.client import (
    AsyncOrderClient,
    AuthError,
    BadCountryError,
    Contract,
    ContractDetails,
    ContractExtension,
    ContractNotFoundError,
    ContractSms,
    InsufficientFundsError,
    InvalidPackageError,
    InvalidServiceError,
    NoBalanceError,
    NoNumbersError,
    NoPhoneAvailableError,
    NumberExpiredError,
    NumberOfflineError,
    Order,
    OrderAlreadyCompletedError,
    OrderAlreadyExpiredError,
    OrderAlreadyOpenError,
    OrderApiError,
    OrderClient,
    OrderExpiredError,
    OrderNotCompletedError,
    OrderNotFoundError,
    RequestEndedError,
    ReuseExpiredError,
    TransportError,
)
from simhive.db.uow import Database
from simhive.gateways.base import InboundSMS
from simhive.kit.clock import FrozenClock
from simhive.worker.inbound import receive
from tests.fixtures import world
from tests.fixtures.servers import serve

# 002's example answers, verbatim.
NEW_OK = b"""{
"success": true,
"contract_id": 34405,
"package": "3m",
"auto_renew": "true",
"expire_on": "2026-06-22T12:57:03.000000Z",
"phone_number": "07684563067",
"country": "UK"
}"""
EXTEND_OK = b"""{
"success": true,
"package": "3m",
"new_expire": "2026-09-22T12:57:03.000000Z"
}"""
EDIT_OK = b"""{
"success": true,
"auto_renew": false
}"""
VIEW_OK = """{
"success": true,
"contract_id": 33405,
"phone_number": "07684563067",
"country": "UK",
"package": "3m",
"renewal_package": "3m",
"auto_renew": false,
"expire_on": "2026-09-22T12:57:03.000000Z",
"received_sms": [
{
"id": 1,
"sender": "Uber",
"body": "Your Uber code is 0183. Never share this code.",
"receive_date": "2023-08-02T14:30:23.000000Z"
},
{
"id": 2,
"sender": "SinchVerify",
"body": "Your Tinder code is 417097 Don’t share @tinder.com #417097",
"receive_date": "2023-08-02T14:30:42.000000Z"
}
]
}""".encode()


def mocked(body: bytes, seen: list[httpx.Request] | None = None, status: int = 200) -> OrderClient:
    def handler(request: httpx.Request) -> httpx.Response:
        if seen is not None:
            seen.append(request)
        return httpx.Response(status, content=body)

    return OrderClient("http://x", "KEY", transport=httpx.MockTransport(handler))


class TestParsing:
    def test_orders(self) -> None:
        seen: list[httpx.Request] = []
        order = mocked(b"ORDER_ID_12345_NUMBER_07684563067", seen).make_order(7, "UK")
        assert order == Order(id=12345, phone="07684563067")
        assert seen[0].method == "GET"
        assert dict(seen[0].url.params) == {"key": "KEY", "serviceId": "7", "country": "UK"}
        assert str(seen[0].url).startswith("http://x/api/makeorder?")
        assert mocked(b"WAITING").get_sms(1) is None
        assert mocked("SUCCESS_Your code: 1\n2 ✓".encode()).get_sms(1) == "Your code: 1\n2 ✓"
        assert mocked(b"10.5").get_balance() == Decimal("10.5")
        assert mocked(b"ORDER_ID_9_NUMBER_12125550100").reuse(3) == Order(9, "12125550100")
        mocked(b"ORDER_CANCELED").cancel_order(1)
        mocked(b"NUMBER_SKIPPED_ORDER_CANCELED").skip_number(1)

    def test_rentals_as_002_shows_them(self) -> None:
        seen: list[httpx.Request] = []
        contract = mocked(NEW_OK, seen).rental_new("UK", package="3m")
        assert contract == Contract(
            contract_id=34405,
            package="3m",
            auto_renew=True,
            expire_on=datetime(2026, 6, 22, 12, 57, 3, tzinfo=UTC),
            phone_number="07684563067",
            country="UK",
        )
        # 002 documents the rental calls as POST.
        assert seen[0].method == "POST" and seen[0].url.path == "/api/rental/new"
        assert seen[0].content == b"key=KEY&country=UK&package=3m&auto_renew=true"
        assert mocked(EXTEND_OK).rental_extend(34405, "3m") == ContractExtension(
            "3m", datetime(2026, 9, 22, 12, 57, 3, tzinfo=UTC)
        )
        assert mocked(EDIT_OK).rental_edit(34405, auto_renew=False) is False
        details = mocked(VIEW_OK).rental_view(33405)
        assert isinstance(details, ContractDetails)
        assert (details.contract_id, details.renewal_package, details.auto_renew) == (
            33405,
            "3m",
            False,
        )
        assert details.received_sms[1] == ContractSms(
            id=2,
            sender="SinchVerify",
            body="Your Tinder code is 417097 Don’t share @tinder.com #417097",
            receive_date=datetime(2023, 8, 2, 14, 30, 42, tzinfo=UTC),
        )

    @pytest.mark.parametrize(
        ("token", "kind"),
        [
            (b"NO_KEY_PROVIDED", AuthError),
            (b"UNAUTHORIZED", AuthError),
            (b"BAD_SERVICE", InvalidServiceError),
            (b"BAD_COUNTRY", BadCountryError),
            (b"NO_PHONE_AVAILABLE", NoPhoneAvailableError),
            (b"NO_PHONE_AVAILABLE", NoNumbersError),
            (b"NO_BALANCE", NoBalanceError),
            (b"NO_BALANCE", InsufficientFundsError),
            (b"ORDER_NOT_FOUND", OrderNotFoundError),
            (b"ORDER_ALREADY_EXPIRED", OrderAlreadyExpiredError),
            (b"ORDER_ALREADY_COMPLETED", OrderAlreadyCompletedError),
            (b"NUMBER_OFFLINE", NumberOfflineError),
            (b"REUSE_EXPIRED", ReuseExpiredError),
            (b"ORDER_NOT_COMPLETED", OrderNotCompletedError),
            (b"SOMETHING_NEW", OrderApiError),
        ],
    )
    def test_tokens_are_typed_errors(self, token: bytes, kind: type[Exception]) -> None:
        with pytest.raises(kind) as caught:
            mocked(token).make_order(1)
        assert str(caught.value) == token.decode()

    def test_the_open_order_and_rental_errors(self) -> None:
        with pytest.raises(OrderAlreadyOpenError) as caught:
            mocked(b"ORDER_ALREADY_OPEN_4242").make_order(1)
        assert caught.value.order_id == 4242
        with pytest.raises(OrderExpiredError):
            mocked(b"ORDER_EXPIRED").get_sms(1)
        for token, kind in (
            (b"NO_STOCK", NoPhoneAvailableError),
            (b"INVALID_PACKAGE", InvalidPackageError),
            (b"NUMBER_EXPIRED", NumberExpiredError),
            (b"CONTRACT_NOT_FOUND", ContractNotFoundError),
        ):
            with pytest.raises(kind):
                mocked(token).rental_extend(1)

    def test_transport_failures(self) -> None:
        with pytest.raises(TransportError):
            mocked(b"", status=502).get_balance()
        with pytest.raises(TransportError):
            mocked(b'{"success": false}').rental_view(1)
        with pytest.raises(TransportError):
            mocked(b"\xff\xfe").get_balance()


@pytest.fixture
def served(db: Database) -> Iterator[str]:
    world.order_service(db, "Google", "1.00", 3)
    world.foreign_numbers(db, "NL", 2)
    world.foreign_numbers(db, "GB", 1)
    with serve(create_app(db.settings, db=db, run_worker=False)) as url:
        yield url


def deliver(db: Database, clock: FrozenClock, to: str, text: str) -> None:
    receive(db, InboundSMS(to, "22000", text, clock.now()), gateway="test")


class TestLive:
    def test_sync(self, served: str, db: Database, clock: FrozenClock) -> None:
        who = world.customer(db, "sync", credit="60.00")
        with OrderClient(served, who.api_key, method="POST") as api:
            order = api.make_order(3)
            assert order.phone.startswith("06") and len(order.phone) == 10
            with pytest.raises(OrderAlreadyOpenError) as caught:
                api.make_order(3, "UK")
            assert caught.value.order_id == order.id
            assert api.get_sms(order.id) is None
            deliver(db, clock, order.phone, "G-123456 is your Google verification code.")
            assert api.wait_for_sms(order.id, interval=0.01) == (
                "G-123456 is your Google verification code."
            )
            again = api.reuse(order.id)
            assert again.phone == order.phone and again.id > order.id
            api.skip_number(again.id)
            with pytest.raises(OrderAlreadyExpiredError):
                api.cancel_order(again.id)
            assert api.get_balance() == Decimal("59")
            contract = api.rental_new("UK", package="1m", auto_renew=False)
            assert contract.country == "UK" and contract.phone_number.startswith("07")
            extension = api.rental_extend(contract.contract_id, "3m")
            assert extension.new_expire > contract.expire_on
            assert api.rental_edit(contract.contract_id, auto_renew=True) is True
            view = api.rental_view(contract.contract_id)
            assert (view.package, view.renewal_package, view.auto_renew) == ("1m", "3m", True)
            assert view.expire_on == extension.new_expire
            with pytest.raises(NoPhoneAvailableError):
                api.rental_new("UK")
            with pytest.raises(BadCountryError):
                api.rental_new("USA")
            with pytest.raises(NoBalanceError):
                api.rental_extend(contract.contract_id, "1y")

    def test_async(self, served: str, db: Database, clock: FrozenClock) -> None:
        who = world.customer(db, "async", credit="1.50")

        async def scenario() -> None:
            async with AsyncOrderClient(served, who.api_key) as api:
                order = await api.make_order(3, "NL")
                assert await api.get_sms(order.id) is None
                with pytest.raises(RequestEndedError):
                    await api.wait_for_sms(order.id, timeout=0.05, interval=0.01)
                await api.cancel_order(order.id)
                with pytest.raises(OrderExpiredError):
                    await api.get_sms(order.id)
                with pytest.raises(OrderNotCompletedError):
                    await api.reuse(order.id)
                second = await api.make_order(3)
                deliver(db, clock, "+" + "31" + second.phone[1:], "G-654321 is your Google code")
                assert await api.wait_for_sms(second.id, interval=0.01) == (
                    "G-654321 is your Google code"
                )
                assert await api.get_balance() == Decimal("0.5")
                with pytest.raises(NoBalanceError):
                    await api.make_order(3)
                with pytest.raises(OrderNotFoundError):
                    await api.skip_number(999)
                with pytest.raises(ContractNotFoundError):
                    await api.rental_view(1)
            async with AsyncOrderClient(served, "not-a-key") as stranger:
                with pytest.raises(AuthError):
                    await stranger.get_balance()

        asyncio.run(scenario())
