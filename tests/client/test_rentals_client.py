"""The SDK's long-term rentals (004 `ltr_*`): typed answers, errors and webhooks, served live."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import select

from simhive.app import create_app
from simhive.client import (
    AccountDisabledError,
    AlreadyReportedError,
    ApiError,
    AsyncCommandClient,
    AuthError,
    CommandClient,
    LineStatus,
    LoginThrottledError,
    MdnNotAvailableError,
    NotReportedError,
    NotUnlimitedError,
    Rental,
    RentalAwaitingMdnError,
    RentalClosedError,
    RentalMessage,
    RentalNotRenewed,
    RentalRenewed,
    ReportOutcome,
    ReportStatus,
    RequestClosedError,
    UnknownRentalError,
    parse_webhook,
)
from simhive.client.errors import error_for
from simhive.core import errors as core_errors
from simhive.core.errors import CoreError
from simhive.core.events.models import Event
from simhive.core.inventory import service as inventory
from simhive.core.ledger import service as ledger
from simhive.core.rentals import models, reports
from simhive.db.uow import Database
from simhive.dialects.command.errors import message_for
from simhive.dialects.command.webhooks import render
from simhive.gateways.base import InboundSMS
from simhive.kit.clock import FrozenClock
from simhive.worker.inbound import receive
from simhive.worker.runner import Worker
from tests.dialects.test_command_rentals import priced
from tests.fixtures import world
from tests.fixtures.servers import serve
from tests.fixtures.world import Customer

NEW_YORK = ZoneInfo("America/New_York")

# 004's ltr_rent example answer, verbatim.
RENT_OK = b"""{"status": "ok", "message": {"id": 1234, "mdn": "12345678901",
"service": "Amazon", "price": 15.50, "expires": "2100-12-31 23:59:59", "carrier": "TMobile"}}"""


def mocked(body: bytes, seen: list[httpx.Request]) -> CommandClient:
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, content=body)

    return CommandClient("http://x", "test", "0123456789", transport=httpx.MockTransport(handler))


def sent(request: httpx.Request) -> dict[str, str]:
    params = dict(request.url.params)
    del params["user"], params["api_key"]
    return params


def in_new_york(when: datetime) -> datetime:
    """`when` as the server writes an expiry: New York wall time, whole seconds."""
    local = when.astimezone(NEW_YORK).replace(microsecond=0, tzinfo=None)
    return local.replace(tzinfo=NEW_YORK)


@pytest.fixture
def alice(db: Database) -> Customer:
    priced(db, "Amazon", "0.50", "15.50", "4.00")
    priced(db, "Google", "1.00", "20.00", "5.00")
    priced(db, "Unlimited", "0", "30.00", "8.00")
    priced(db, "Unknown", "0.20", "10.00", "3.00")
    return world.customer(db, "alice", credit="100.00")


@pytest.fixture
def live(db: Database) -> Iterator[str]:
    with serve(create_app(db.settings, db=db, run_worker=False)) as url:
        yield url


def sms(db: Database, clock: FrozenClock, to: str, sender: str, text: str) -> None:
    receive(db, InboundSMS(to, sender, text, clock.now()), gateway="t")


def hook(db: Database, who: Customer) -> None:
    with db.uow() as uow:
        account = uow.session.get(world.Account, who.id)
        assert account is not None
        account.webhook_url = "http://127.0.0.1:9/hook"


def webhook_bodies(db: Database) -> list[dict[str, str]]:
    """The form bodies the worker would post, rendered from the stored core facts."""
    with db.uow(write=False) as uow:
        found = list(
            uow.session.scalars(select(Event).where(Event.kind == "webhook").order_by(Event.id))
        )
    return [render(e.event_type, json.loads(e.payload), db.settings) for e in found]


def refund_latest_report(db: Database) -> None:
    """The operator's answer: the unused days back."""
    with db.uow() as uow:
        (latest, *_) = reports.list_reports(uow)
        reports.resolve(uow, report_id=latest.id, outcome=models.ReportOutcome.REFUNDED)


class TestParsing:
    def test_rent_sends_the_parameters_and_reads_004s_answer(self) -> None:
        seen: list[httpx.Request] = []
        rental = mocked(RENT_OK, seen).ltr_rent(
            "Amazon", duration=3, mdn="12345678901", autorenew=True
        )
        assert rental == Rental(
            id=1234,
            mdn="12345678901",
            service="Amazon",
            price=Decimal("15.50"),
            expires=datetime(2100, 12, 31, 23, 59, 59, tzinfo=NEW_YORK),
            carrier="TMobile",
        )
        assert sent(seen[0]) == {
            "cmd": "ltr_rent",
            "service": "Amazon",
            "duration": "3",
            "mdn": "12345678901",
            "autorenew": "true",
        }

    def test_autorenew_by_service_and_mdn_and_a_missing_selector(self) -> None:
        seen: list[httpx.Request] = []
        api = mocked(b'{"status": "ok", "message": false}', seen)
        assert api.ltr_autorenew(service="Amazon", mdn="12345678901") is False
        assert sent(seen[0]) == {"cmd": "ltr_autorenew", "service": "Amazon", "mdn": "12345678901"}
        with pytest.raises(ValueError):
            api.ltr_autorenew(mdn="12345678901")
        with pytest.raises(ValueError):
            api.ltr_status()
        assert len(seen) == 1  # nothing sent for either

    @pytest.mark.parametrize(
        ("message", "kind"),
        [
            ("Invalid long-term rental ID", UnknownRentalError),
            ("The rental is already released", RentalClosedError),
            ("The rental is already expired", RentalClosedError),
            ("The rental is already renewed", RentalClosedError),
            ("The MDN has already been reported", AlreadyReportedError),
            ("The MDN has not been reported", NotReportedError),
        ],
    )
    def test_each_rental_error_has_its_type(self, message: str, kind: type[ApiError]) -> None:
        error = error_for(message)
        assert type(error) is kind and error.message == message
        if isinstance(error, RentalClosedError):
            assert error.status == message.rsplit(" ", 1)[1]


class TestServerWordsHaveTypes:
    """Each error a client can act on comes as its own type, from the server's own words."""

    @pytest.mark.parametrize(
        ("error", "kind"),
        [
            (core_errors.AccountDisabled(), AccountDisabledError),
            (core_errors.RentalAwaitingMdn(7), RentalAwaitingMdnError),
            (core_errors.NotUnlimited(7, "Google"), NotUnlimitedError),
            (core_errors.RequestClosed("completed"), RequestClosedError),
            (core_errors.LoginThrottled(42), LoginThrottledError),
            (core_errors.UnknownRental(), UnknownRentalError),
        ],
    )
    def test_as_the_command_api_words_it(self, error: CoreError, kind: type[ApiError]) -> None:
        message = message_for(error)
        typed = error_for(message)
        assert type(typed) is kind and typed.message == message
        if isinstance(typed, RequestClosedError):
            assert typed.status == "Completed"
        if isinstance(typed, LoginThrottledError):
            assert typed.retry_after == 42
        if isinstance(typed, AccountDisabledError | LoginThrottledError):
            assert isinstance(typed, AuthError)  # callers catching AuthError still do


class TestSync:
    def test_rent_manage_and_read(
        self, db: Database, live: str, alice: Customer, clock: FrozenClock
    ) -> None:
        (mdn,) = world.numbers(db, 1)
        with CommandClient(live, alice.username, alice.api_key) as api:
            rental = api.ltr_rent("Amazon", autorenew=True)
            assert rental == Rental(
                id=rental.id,
                mdn=mdn,
                service="Amazon",
                price=Decimal("15.50"),
                expires=in_new_york(clock.now() + timedelta(days=30)),
                carrier="TMobile",
            )
            assert rental.expires == clock.now() + timedelta(days=30)  # the same instant
            assert api.balance() == Decimal("84.50")

            assert api.ltr_autorenew(rental.id) is True
            assert api.ltr_autorenew(service="Amazon", mdn=mdn, autorenew=False) is None
            assert api.ltr_autorenew(service="Amazon", mdn=mdn) is False

            state = api.ltr_status(mdn=mdn)
            assert (state.ltr_status, state.till_change) == (LineStatus.ONLINE, 0)
            assert state.timestamp == int(clock.now().timestamp())
            with db.uow() as uow:
                inventory.set_online(uow, mdn=mdn, online=False)
            assert api.ltr_activate(rental.id).ltr_status == LineStatus.OFFLINE

            assert api.ltr_forward(mdn=mdn, destination="+1 (415) 555-2671") == "14155552671"

            sms(db, clock, mdn, "262966", "Your Amazon OTP is 123456")
            (message,) = api.read_sms(ltr_id=rental.id)
            assert (message.to, message.reply) == (mdn, "Your Amazon OTP is 123456")

            assert api.ltr_release(rental.id) == "MDN has been released"
            with pytest.raises(RentalClosedError) as closed:
                api.ltr_release(rental.id)
            assert closed.value.status == "released"
            assert api.balance() == Decimal("84.50")  # no refund

    def test_reports_switch_reserve_and_errors(
        self, db: Database, live: str, alice: Customer, clock: FrozenClock
    ) -> None:
        (mdn, _) = world.numbers(db, 2)
        with CommandClient(live, alice.username, alice.api_key, method="POST") as api:
            rental = api.ltr_rent("Amazon")
            with pytest.raises(NotReportedError):
                api.ltr_reported_status(rental.id)
            assert api.ltr_report(rental.id, reason="nothing arrives") == (
                "The MDN has been reported"
            )
            with pytest.raises(AlreadyReportedError):
                api.ltr_report(mdn=mdn)
            opened = api.ltr_reported_status(rental.id)
            assert (opened.status, opened.outcome, opened.reason, opened.mdn, opened.refund) == (
                ReportStatus.OPEN,
                None,
                "nothing arrives",
                mdn,
                Decimal("0"),
            )
            clock.advance(days=10)
            before = api.balance()
            refund_latest_report(db)
            done = api.ltr_reported_status(rental.id)
            assert (done.status, done.outcome, done.refund) == (
                ReportStatus.RESOLVED,
                ReportOutcome.REFUNDED,
                Decimal("10.33"),  # 20 of 30 days of 15.50, rounded down
            )
            assert api.balance() - before == done.refund
            assert done.timestamp == int(clock.now().timestamp())
            with pytest.raises(RentalClosedError):
                api.ltr_activate(rental.id)

            unlimited = api.ltr_rent("Unlimited")
            switched = api.ltr_switch_service(unlimited.id, "google")
            assert (switched.id, switched.service, switched.mdn) == (
                unlimited.id,
                "Google",
                unlimited.mdn,
            )

            reserved = api.ltr_rent("Unlimited", reserve=True)
            assert (reserved.mdn, reserved.expires) == ("", None)
            assert api.ltr_status(reserved.id).ltr_status == LineStatus.AWAITING_MDN

            with pytest.raises(UnknownRentalError):
                api.ltr_status(999_999)
            with pytest.raises(UnknownRentalError):
                api.read_sms(ltr_id=999_999)
            bob = world.customer(db, "bob", credit="50.00")
            with CommandClient(live, bob.username, bob.api_key) as other:
                with pytest.raises(UnknownRentalError):
                    other.ltr_release(unlimited.id)
                with pytest.raises(MdnNotAvailableError):
                    other.ltr_rent("Amazon", mdn=unlimited.mdn)


class TestAsync:
    def test_every_call(self, db: Database, live: str, alice: Customer, clock: FrozenClock) -> None:
        (mdn, _) = world.numbers(db, 2)

        async def flow() -> None:
            async with AsyncCommandClient(live, alice.username, alice.api_key) as api:
                rental = await api.ltr_rent("Amazon", duration=30)
                assert (rental.mdn, rental.price) == (mdn, Decimal("15.50"))
                assert await api.ltr_autorenew(rental.id, autorenew=True) is None
                assert await api.ltr_autorenew(rental.id) is True
                assert (await api.ltr_status(rental.id)).ltr_status == LineStatus.ONLINE
                assert (await api.ltr_activate(mdn=mdn)).ltr_status == LineStatus.ONLINE
                assert await api.ltr_forward(rental.id, destination="14155552671") == (
                    "14155552671"
                )
                sms(db, clock, mdn, "262966", "Your Amazon OTP is 654321")
                (message,) = await api.read_sms(ltr_id=rental.id)
                assert message.reply == "Your Amazon OTP is 654321"
                with pytest.raises(NotReportedError):
                    await api.ltr_reported_status(mdn=mdn)
                assert await api.ltr_report(rental.id) == "The MDN has been reported"
                with pytest.raises(AlreadyReportedError):
                    await api.ltr_report(rental.id)
                report = await api.ltr_reported_status(rental.id)
                assert (report.status, report.mdn) == (ReportStatus.OPEN, mdn)
                assert await api.ltr_release(rental.id) == "MDN has been released"
                with pytest.raises(RentalClosedError):
                    await api.ltr_release(rental.id)
                with pytest.raises(UnknownRentalError):
                    await api.ltr_status(999_999)

                unlimited = await api.ltr_rent("Unlimited")
                switched = await api.ltr_switch_service(unlimited.id, "Amazon")
                assert (switched.id, switched.service) == (unlimited.id, "Amazon")

        asyncio.run(flow())


class TestWebhooks:
    def test_rental_message_renewal_and_low_balance(
        self, db: Database, live: str, alice: Customer, clock: FrozenClock
    ) -> None:
        hook(db, alice)
        (mdn,) = world.numbers(db, 1)
        with CommandClient(live, alice.username, alice.api_key) as api:
            first = api.ltr_rent("Unlimited", autorenew=True)
        sms(db, clock, mdn, "22000", "G-804036 is your Google verification code.")
        worker = Worker(db)
        try:
            clock.advance(days=30)
            assert worker.run_pending(wait=False).renewed == 1
            with db.uow() as uow:  # leave less than a month's price
                ledger.charge(uow, account_id=alice.id, amount=Decimal("40.00"), reference="x")
            clock.advance(days=30)
            assert worker.run_pending(wait=False).renewed == 1
        finally:
            worker.stop()

        message, renewed, failed = (parse_webhook(body) for body in webhook_bodies(db))
        assert isinstance(message, RentalMessage)
        assert (message.ltr_id, message.first_ltr_id, message.to, message.sender) == (
            first.id,
            first.id,
            mdn,
            "22000",
        )
        assert (message.service, message.pin, message.price) == ("Google", "G-804036", Decimal(0))
        assert isinstance(renewed, RentalRenewed)
        assert renewed.previous_ltr_id == first.id and renewed.new_ltr_id != first.id
        assert (renewed.mdn, renewed.service, renewed.price) == (mdn, "Unlimited", Decimal("30.00"))
        assert first.expires is not None
        assert renewed.expires.astimezone(UTC) == first.expires.astimezone(UTC) + timedelta(days=30)
        assert renewed.expires.tzinfo == NEW_YORK
        assert failed == RentalNotRenewed(
            message="Low balance",
            previous_ltr_id=renewed.new_ltr_id,
            mdn=mdn,
            service="Unlimited",
        )
