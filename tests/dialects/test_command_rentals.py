"""Long-term rentals through the command API (004 `ltr_*`), over real HTTP, on the fake clock."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select, update

from simhive.app import create_app
from simhive.core.catalog import service as catalog
from simhive.core.events.models import Event
from simhive.core.inventory.models import Number
from simhive.core.messages.models import Message
from simhive.core.rentals import service as rentals
from simhive.core.rentals.models import Rental
from simhive.db.uow import Database
from simhive.dialects.command.webhooks import render
from simhive.gateways.base import InboundSMS
from simhive.kit.clock import FrozenClock
from simhive.worker.inbound import receive
from simhive.worker.runner import Worker
from tests.dialects.test_command_api import Api
from tests.fixtures import world
from tests.fixtures.servers import serve
from tests.fixtures.world import Customer

RENT_KEYS = ["id", "mdn", "service", "price", "expires", "carrier"]
STATE_KEYS = ["ltr_status", "till_change", "next_online", "timestamp"]


def priced(db: Database, name: str, price: str, ltr: str, short: str) -> None:
    with db.uow() as uow:
        catalog.set_service(
            uow,
            catalog.ServiceSpec(
                name=name,
                price=Decimal(price),
                ltr_price=Decimal(ltr),
                ltr_short_price=Decimal(short),
            ),
        )


@pytest.fixture
def alice(db: Database) -> Customer:
    priced(db, "Amazon", "0.50", "15.50", "4.00")
    priced(db, "Google", "1.00", "20.00", "5.00")
    priced(db, "Unlimited", "0", "30.00", "8.00")
    priced(db, "Unknown", "0.20", "10.00", "3.00")
    return world.customer(db, "alice", credit="50.00")


@pytest.fixture
def api(db: Database, alice: Customer) -> Iterator[Api]:
    with serve(create_app(db.settings, db=db, run_worker=False)) as url:
        yield Api(url, alice)


def count(db: Database, model: type) -> int:
    with db.uow(write=False) as uow:
        return int(uow.session.scalar(select(func.count()).select_from(model)) or 0)


def lease_of(db: Database, mdn: str) -> int | None:
    with db.uow(write=False) as uow:
        return uow.session.scalar(select(Number.lease_group).where(Number.mdn == mdn))


def sms(db: Database, clock: FrozenClock, to: str, sender: str, text: str) -> None:
    receive(db, InboundSMS(to, sender, text, clock.now()), gateway="t")


def webhooks(db: Database) -> list[dict[str, str]]:
    with db.uow(write=False) as uow:
        found = list(
            uow.session.scalars(select(Event).where(Event.kind == "webhook").order_by(Event.id))
        )
    return [render(e.event_type, json.loads(e.payload), db.settings) for e in found]


def hook(db: Database, who: Customer) -> None:
    with db.uow() as uow:
        account = uow.session.get(world.Account, who.id)
        assert account is not None
        account.webhook_url = "http://127.0.0.1:9/hook"


class TestRent:
    def test_a_rental_past_its_expiry_reads_as_expired_before_the_sweep(
        self, api: Api, db: Database, clock: FrozenClock
    ) -> None:
        world.numbers(db, 1)
        rid = str(api("ltr_rent", service="Amazon", duration="3")["message"]["id"])
        clock.advance(days=3)
        assert api("ltr_status", ltr_id=rid)["message"] == "The rental is already expired"
        assert api("ltr_activate", ltr_id=rid)["message"] == "The rental is already expired"

    def test_thirty_days_answer_money_and_billing(
        self, api: Api, db: Database, alice: Customer, clock: FrozenClock
    ) -> None:
        (mdn,) = world.numbers(db, 1)
        body = api("ltr_rent", service="Amazon", autorenew="true")
        assert body["status"] == "ok"
        entry = body["message"]
        assert list(entry) == RENT_KEYS
        expires = (clock.now() + timedelta(days=30)).astimezone(
            __import__("zoneinfo").ZoneInfo("America/New_York")
        )
        assert entry == {
            "id": entry["id"],
            "mdn": mdn,
            "service": "Amazon",
            "price": Decimal("15.50"),
            "expires": expires.strftime("%Y-%m-%d %H:%M:%S"),
            "carrier": "TMobile",
        }
        assert isinstance(entry["id"], int)
        assert world.balance(db, alice) == Decimal("34.50")
        with db.uow(write=False) as uow:
            (billing,) = uow.session.scalars(select(Message)).all()
        assert (billing.sender, billing.status, billing.price_cents) == ("Billing", "billing", 1550)
        assert api("read_sms")["message"] == "No messages"
        assert api("ltr_autorenew", ltr_id=str(entry["id"]))["message"] is True

    def test_three_days_only_on_numbers_that_take_them(
        self, api: Api, db: Database, alice: Customer
    ) -> None:
        (long_only,) = world.numbers(db, 1)
        with db.uow() as uow:
            uow.session.execute(update(Number).values(short_rentals=False))
        assert api("ltr_rent", service="Amazon", duration="3") == {
            "status": "error",
            "message": "No numbers available, retry later",
        }
        (short,) = world.numbers(db, 1, start=5)
        entry = api("ltr_rent", service="Amazon", duration="3")["message"]
        assert (entry["mdn"], entry["price"]) == (short, Decimal("4.00"))
        assert world.balance(db, alice) == Decimal("46.00")
        del long_only

    @pytest.mark.parametrize(
        ("params", "message"),
        [
            ({"service": "Amazon", "duration": "7"}, "Invalid duration value 7"),
            ({"service": "Amazon", "duration": "٣"}, "Invalid duration value ٣"),
            ({"service": "Nope"}, "Invalid service name Nope"),
            ({"service": "Amazon", "reserve": "true"}, "Invalid reserve value true"),
            ({"service": "Amazon", "autorenew": "maybe"}, "Invalid autorenew value maybe"),
            ({"service": "Amazon", "mdn": "123"}, "Invalid MDN 123"),
            ({"service": "Amazon", "areacode": "000"}, "Invalid area code 000"),
            ({}, "Missing required parameter: service"),
        ],
    )
    def test_bad_input_changes_nothing(
        self, api: Api, db: Database, alice: Customer, params: dict[str, str], message: str
    ) -> None:
        world.numbers(db, 1)
        assert api("ltr_rent", **params) == {"status": "error", "message": message}
        assert count(db, Rental) == 0
        assert world.balance(db, alice) == Decimal("50.00")
        assert lease_of(db, "12122000000") is None

    def test_insufficient_funds_changes_nothing(self, api: Api, db: Database) -> None:
        world.numbers(db, 1)
        poor = world.customer(db, "poor", credit="1.00")
        answer = Api(api.url.removesuffix("/api_command.php"), poor)("ltr_rent", service="Amazon")
        assert answer == {"status": "error", "message": "Insufficient funds. Your balance is $1.00"}
        assert count(db, Rental) == 0 and lease_of(db, "12122000000") is None

    def test_mdn_renews_mine_and_refuses_anothers(
        self, api: Api, db: Database, alice: Customer, clock: FrozenClock
    ) -> None:
        (mdn,) = world.numbers(db, 1)
        first = api("ltr_rent", service="Amazon")["message"]
        clock.advance(days=1)
        again = api("ltr_rent", service="Amazon", mdn=mdn)["message"]
        assert again["id"] != first["id"] and again["mdn"] == mdn
        with db.uow(write=False) as uow:
            old = uow.session.get(Rental, first["id"])
            new = uow.session.get(Rental, again["id"])
            assert old is not None and new is not None
            assert (old.status, new.previous_id, new.first_id) == ("renewed", old.id, old.id)
            assert new.expires_at == old.expires_at + timedelta(days=30)  # type: ignore[operator]
        assert world.balance(db, alice) == Decimal("19.00")
        bob = world.customer(db, "bob", credit="50.00")
        bobs = Api(api.url.removesuffix("/api_command.php"), bob)
        assert bobs("ltr_rent", service="Amazon", mdn=mdn)["message"] == "The MDN is not available"
        assert world.balance(db, bob) == Decimal("50.00")

    def test_reserve_takes_the_next_free_number(
        self, api: Api, db: Database, alice: Customer
    ) -> None:
        entry = api("ltr_rent", service="Unlimited", reserve="true")["message"]
        assert (entry["mdn"], entry["expires"]) == ("", "")
        assert world.balance(db, alice) == Decimal("15.00")  # 30.00 + the 5.00 fee
        assert api("ltr_status", ltr_id=str(entry["id"]))["message"]["ltr_status"] == "awaiting mdn"
        (mdn,) = world.numbers(db, 1)
        worker = Worker(db)
        try:
            assert worker.run_pending().assigned == 1
        finally:
            worker.stop()
        assert api("ltr_status", ltr_id=str(entry["id"]))["message"]["ltr_status"] == "online"
        assert lease_of(db, mdn) is not None

    def test_a_reservation_no_number_came_to_is_cancelled_with_its_price_back(
        self, api: Api, db: Database, alice: Customer
    ) -> None:
        rid = str(api("ltr_rent", service="Unlimited", reserve="true")["message"]["id"])
        assert world.balance(db, alice) == Decimal("15.00")  # 30.00 + the 5.00 fee
        assert api("ltr_release", ltr_id=rid) == {
            "status": "ok",
            "message": "MDN has been released",
        }
        assert world.balance(db, alice) == Decimal("45.00")  # the fee is kept
        assert api("ltr_release", ltr_id=rid)["status"] == "error"
        assert world.balance(db, alice) == Decimal("45.00")
        world.numbers(db, 1)
        worker = Worker(db)
        try:
            assert worker.run_pending().assigned == 0
        finally:
            worker.stop()


class TestManage:
    def test_status_activate_release(
        self, api: Api, db: Database, alice: Customer, clock: FrozenClock
    ) -> None:
        (mdn,) = world.numbers(db, 1)
        rid = str(api("ltr_rent", service="Amazon")["message"]["id"])
        state = api("ltr_status", mdn=mdn)["message"]
        assert list(state) == STATE_KEYS
        assert state == {
            "ltr_status": "online",
            "till_change": 0,
            "next_online": int(clock.now().timestamp()),
            "timestamp": int(clock.now().timestamp()),
        }
        with db.uow() as uow:
            uow.session.execute(update(Number).values(online=False))
        activated = api("ltr_activate", ltr_id=rid)["message"]
        assert activated["ltr_status"] == "offline"
        with db.uow(write=False) as uow:
            (notice,) = uow.session.scalars(select(Event)).all()
        assert (notice.kind, notice.event_type, notice.target) == (
            "gateway",
            "number.activate",
            "simulator",
        )
        assert api("ltr_release", ltr_id=rid)["message"] == "MDN has been released"
        assert lease_of(db, mdn) is None
        assert world.balance(db, alice) == Decimal("34.50")  # no refund
        assert api("ltr_release", ltr_id=rid)["message"] == "The rental is already released"
        assert api("ltr_status", ltr_id="999")["message"] == "Invalid long-term rental ID"

    def test_another_accounts_rental_reads_like_an_unknown_one(
        self, api: Api, db: Database
    ) -> None:
        world.numbers(db, 1)
        rid = str(api("ltr_rent", service="Amazon")["message"]["id"])
        bob = Api(api.url.removesuffix("/api_command.php"), world.customer(db, "bob"))
        for cmd in ("ltr_status", "ltr_release", "ltr_autorenew", "ltr_activate"):
            assert bob(cmd, ltr_id=rid)["message"] == "Invalid long-term rental ID"
        assert bob("read_sms", ltr_id=rid)["message"] == "Invalid long-term rental ID"

    def test_autorenew_by_service_and_mdn(self, api: Api, db: Database) -> None:
        (mdn,) = world.numbers(db, 1)
        api("ltr_rent", service="Amazon")
        assert api("ltr_autorenew", service="Amazon", mdn=mdn)["message"] is False
        answer = api("ltr_autorenew", service="Amazon", mdn=mdn, autorenew="true")
        assert answer == {"status": "ok", "message": "Auto renew status updated"}
        assert api("ltr_autorenew", service="Amazon", mdn=mdn)["message"] is True
        assert api("ltr_autorenew", mdn=mdn)["message"] == "Missing required parameter: service"

    def test_a_reservation_has_no_number_to_forward_or_report(
        self, api: Api, db: Database, alice: Customer
    ) -> None:
        rid = str(api("ltr_rent", service="Unlimited", reserve="true")["message"]["id"])
        before = (count(db, Event), world.balance(db, alice))
        awaiting = {"status": "error", "message": "The rental is still awaiting an MDN"}
        assert api("ltr_forward", ltr_id=rid, destination="4155552671") == awaiting
        assert api("ltr_report", ltr_id=rid) == awaiting
        assert (count(db, Event), world.balance(db, alice)) == before
        with db.uow(write=False) as uow:
            rental = uow.session.get(Rental, int(rid))
            assert rental is not None and rental.forward_to is None

    def test_calls_are_never_forwarded_where_the_sim_would_pay_for_fraud(
        self, api: Api, db: Database, alice: Customer
    ) -> None:
        # Forward to a 1-900 line of one's own, call the rental, and the operator's SIM
        # pays the premium leg; Caribbean NANP numbers are the other classic route.
        (mdn,) = world.numbers(db, 1)
        rid = str(api("ltr_rent", service="Unlimited")["message"]["id"])
        before = (count(db, Event), world.balance(db, alice))
        assert api("ltr_forward", ltr_id=rid, destination="+1 (900) 976-1234") == {
            "status": "error",
            "message": "Number +19009761234 refused: the fraud check answered FRAUDULENT",
        }
        for foreign in ("18763621234", "12684601234", mdn):
            answer = api("ltr_forward", ltr_id=rid, destination=foreign)
            assert answer == {"status": "error", "message": f"Invalid destination value {foreign}"}
        assert (count(db, Event), world.balance(db, alice)) == before
        with db.uow(write=False) as uow:
            rental = uow.session.get(Rental, int(rid))
            assert rental is not None and rental.forward_to is None

    def test_switch_and_forward(self, api: Api, db: Database) -> None:
        (mdn,) = world.numbers(db, 1)
        rid = str(api("ltr_rent", service="Unlimited")["message"]["id"])
        switched = api("ltr_switch_service", ltr_id=rid, service="google")["message"]
        assert switched["service"] == "Google"
        again = api("ltr_switch_service", ltr_id=rid, service="Amazon")
        assert again == {
            "status": "error",
            "message": 'Only an "Unlimited" rental can switch service',
        }
        bad = api("ltr_forward", ltr_id=rid, destination="12")
        assert bad == {"status": "error", "message": "Invalid destination value 12"}
        ok = api("ltr_forward", mdn=mdn, destination="+1 (415) 555-2671")
        assert ok == {"status": "ok", "message": "Calls are forwarded to 14155552671"}
        with db.uow(write=False) as uow:
            notice = uow.session.scalars(select(Event).order_by(Event.id.desc())).first()
        assert notice is not None and json.loads(notice.payload) == {
            "mdn": mdn,
            "destination": "14155552671",
        }


class TestMessages:
    def test_sms_to_a_rental_webhook_and_read_sms(
        self, api: Api, db: Database, alice: Customer, clock: FrozenClock
    ) -> None:
        hook(db, alice)
        (mdn,) = world.numbers(db, 1)
        rid = api("ltr_rent", service="Unlimited")["message"]["id"]
        sms(db, clock, mdn, "22000", "G-804036 is your Google verification code.")
        sms(db, clock, mdn, "55555", "Your code is 1234")
        (google, other) = webhooks(db)
        assert list(google)[:3] == ["event", "ltr_id", "first_ltr_id"]
        assert "id" not in google
        assert (google["ltr_id"], google["first_ltr_id"]) == (str(rid), str(rid))
        assert (google["service"], google["pin"], google["price"]) == ("Google", "G-804036", "0.00")
        assert other["service"] == "Unknown"
        read = api("read_sms", ltr_id=str(rid))["message"]
        assert [m["service"] for m in read] == ["Unknown", "Google"]
        only = api("read_sms", ltr_id=str(rid), service="Google")["message"]
        assert [m["pin"] for m in only] == ["G-804036"]
        assert world.balance(db, alice) == Decimal("20.00")  # rental SMS cost nothing more


class TestRenewal:
    def test_renewed_with_funds_then_ended_without(
        self, api: Api, db: Database, alice: Customer, clock: FrozenClock
    ) -> None:
        hook(db, alice)
        (mdn,) = world.numbers(db, 1)
        rid = api("ltr_rent", service="Amazon", autorenew="true")["message"]["id"]
        worker = Worker(db)
        try:
            clock.advance(days=30)
            assert worker.run_pending(wait=False).renewed == 1
            assert worker.run_pending(wait=False).renewed == 0  # never twice
            (renewed,) = webhooks(db)
            assert list(renewed) == [
                "event", "status", "new_ltr_id", "previous_ltr_id", "mdn", "service", "price",
                "expires",
            ]  # fmt: skip
            assert (renewed["event"], renewed["status"], renewed["previous_ltr_id"]) == (
                "ltr_renewal",
                "ok",
                str(rid),
            )
            assert (renewed["mdn"], renewed["price"]) == (mdn, "15.50")
            assert world.balance(db, alice) == Decimal("19.00")
            with db.uow() as uow:  # spend the rest elsewhere
                from simhive.core.ledger import service as ledger

                ledger.charge(uow, account_id=alice.id, amount=Decimal("10.00"), reference="x")
            clock.advance(days=30)
            assert worker.run_pending(wait=False).renewed == 1
        finally:
            worker.stop()
        failed = webhooks(db)[1]
        assert failed == {
            "event": "ltr_renewal",
            "status": "error",
            "message": "Low balance",
            "previous_ltr_id": renewed["new_ltr_id"],
            "mdn": mdn,
            "service": "Amazon",
        }
        assert lease_of(db, mdn) is None
        assert world.balance(db, alice) == Decimal("9.00")

    def test_two_workers_renew_once(
        self, db: Database, alice: Customer, clock: FrozenClock
    ) -> None:
        import threading

        world.numbers(db, 3)
        rich = world.customer(db, "rich", credit="200.00")
        with db.uow() as uow:
            account = uow.session.get(world.Account, rich.id)
            for _ in range(3):
                rentals.rent(
                    uow,
                    account=account,  # type: ignore[arg-type]
                    request=rentals.RentRequest(service="Amazon", autorenew=True),
                )
        clock.advance(days=30, seconds=1)
        barrier = threading.Barrier(2)
        done: list[int] = []

        def sweep() -> None:
            barrier.wait(10)
            with db.uow() as uow:
                done.append(rentals.renew_due(uow))

        threads = [threading.Thread(target=sweep) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        assert sum(done) == 3
        assert count(db, Rental) == 6
        assert world.balance(db, rich) == Decimal("200.00") - Decimal("15.50") * 6


class TestUsedNumbers:
    def test_a_plain_request_never_reuses_a_number_the_service_has_seen(
        self, api: Api, db: Database, alice: Customer, clock: FrozenClock
    ) -> None:
        (mdn,) = world.numbers(db, 1)
        (first,) = api("request", service="Google")["message"]
        sms(db, clock, mdn, "22000", "G-111111 is your Google verification code.")
        assert api("request", service="Google")["message"] == "No numbers available, retry later"
        bob = Api(api.url.removesuffix("/api_command.php"), world.customer(db, "bob"))
        assert bob("request", service="Google")["message"] == "No numbers available, retry later"
        assert bob("request", service="Google", mdn=mdn)["message"] == "The MDN is not available"
        (again,) = api("request", service="Google", mdn=mdn)["message"]
        assert again["mdn"] == mdn
        del first


class TestReports:
    def _rented(self, api: Api, db: Database) -> tuple[str, str]:
        (mdn,) = world.numbers(db, 1)
        world.numbers(db, 1, start=7)
        rid = str(api("ltr_rent", service="Amazon")["message"]["id"])
        return rid, mdn

    def test_report_then_replace(self, api: Api, db: Database, alice: Customer) -> None:
        from simhive.core.rentals.models import ReportOutcome
        from simhive.operations import rentals as ops

        rid, mdn = self._rented(api, db)
        assert api("ltr_reported_status", ltr_id=rid)["message"] == "The MDN has not been reported"
        assert api("ltr_report", ltr_id=rid)["message"] == "The MDN has been reported"
        assert api("ltr_report", mdn=mdn)["message"] == "The MDN has already been reported"
        state = api("ltr_reported_status", ltr_id=rid)["message"]
        assert (state["status"], state["outcome"], state["mdn"]) == ("open", "", mdn)
        (report,) = ops.list_reports(db)
        ops.resolve_report(
            db, report_id=report.id, outcome=ReportOutcome.REPLACED, reason="", made_by="t"
        )
        after = api("ltr_reported_status", ltr_id=rid)["message"]
        assert (after["status"], after["outcome"]) == ("resolved", "replaced")
        new_mdn = api("ltr_status", ltr_id=rid)  # still the same rental
        assert new_mdn["status"] == "ok"
        with db.uow(write=False) as uow:
            rental = uow.session.get(Rental, int(rid))
            assert rental is not None
            number = uow.session.get(Number, rental.number_id)
            assert number is not None and number.mdn != mdn
            old = uow.session.scalars(select(Number).where(Number.mdn == mdn)).one()
            assert (old.online, old.lease_group) == (False, None)
        assert world.balance(db, alice) == Decimal("34.50")

    def test_refund_of_unused_days_to_the_cent(
        self, api: Api, db: Database, alice: Customer, clock: FrozenClock
    ) -> None:
        from simhive.core.rentals.models import ReportOutcome
        from simhive.operations import rentals as ops

        rid, mdn = self._rented(api, db)
        clock.advance(days=10)
        api("ltr_report", ltr_id=rid, reason="nothing arrives")
        (report,) = ops.list_reports(db)
        done = ops.resolve_report(
            db, report_id=report.id, outcome=ReportOutcome.REFUNDED, reason="sorry", made_by="t"
        )
        assert done.refund_cents == 1033  # 20 of 30 days of 15.50, rounded down
        assert world.balance(db, alice) == Decimal("44.83")
        assert lease_of(db, mdn) is None
        assert api("ltr_status", ltr_id=rid)["message"] == "The rental is already released"
        assert api("ltr_release", ltr_id=rid)["message"] == "The rental is already released"
        state = api("ltr_reported_status", ltr_id=rid)["message"]
        assert (state["outcome"], state["reason"], state["refund"]) == (
            "refunded",
            "sorry",
            Decimal("10.33"),
        )

    def test_dismissal_needs_a_reason_and_changes_nothing_else(
        self, api: Api, db: Database, alice: Customer
    ) -> None:
        from simhive.core.errors import InvalidParameter
        from simhive.core.rentals.models import ReportOutcome
        from simhive.operations import rentals as ops

        rid, mdn = self._rented(api, db)
        api("ltr_report", ltr_id=rid)
        (report,) = ops.list_reports(db)
        with pytest.raises(InvalidParameter):
            ops.resolve_report(
                db, report_id=report.id, outcome=ReportOutcome.DISMISSED, reason=" ", made_by="t"
            )
        ops.resolve_report(
            db,
            report_id=report.id,
            outcome=ReportOutcome.DISMISSED,
            reason="SMS arrive here",
            made_by="t",
        )
        state = api("ltr_reported_status", ltr_id=rid)["message"]
        assert (state["outcome"], state["reason"]) == ("dismissed", "SMS arrive here")
        assert lease_of(db, mdn) is not None
        assert world.balance(db, alice) == Decimal("34.50")


class TestOperatorSurface:
    def test_cli_lists_and_resolves(
        self, api: Api, db: Database, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        from typer.testing import CliRunner

        from simhive.cli import common
        from simhive.cli.main import app

        monkeypatch.setenv("SIMHIVE_DATABASE_URL", db.settings.database_url)
        monkeypatch.setattr(common.console, "width", 200)
        (mdn,) = world.numbers(db, 1)
        rid = str(api("ltr_rent", service="Amazon")["message"]["id"])
        api("ltr_report", ltr_id=rid)
        runner = CliRunner()
        listed = runner.invoke(app, ["rentals", "list"], env={"COLUMNS": "200"})
        assert listed.exit_code == 0 and mdn in listed.output and "active" in listed.output
        reports = runner.invoke(app, ["reports", "list"], env={"COLUMNS": "200"})
        assert reports.exit_code == 0 and "open" in reports.output
        wrong = runner.invoke(app, ["reports", "resolve", "1"])
        assert wrong.exit_code == 1 and "choose one of" in wrong.output
        done = runner.invoke(app, ["reports", "resolve", "1", "--dismiss", "--reason", "ok here"])
        assert done.exit_code == 0 and "dismissed" in done.output
        again = runner.invoke(app, ["reports", "resolve", "1", "--refund"])
        assert again.exit_code == 1 and "resolved already" in again.output


class TestGateway:
    def test_activate_and_forward_reach_the_simulator(
        self, api: Api, db: Database, clock: FrozenClock
    ) -> None:
        import random

        from simhive.gateways.simulator import SimulatorGateway

        (mdn,) = world.numbers(db, 1)
        rid = str(api("ltr_rent", service="Amazon")["message"]["id"])
        with db.uow() as uow:
            uow.session.execute(update(Number).values(online=False))
        assert api("ltr_activate", ltr_id=rid)["message"]["ltr_status"] == "offline"
        api("ltr_forward", ltr_id=rid, destination="4155552671")
        simulator = SimulatorGateway(clock=clock, rng=random.Random(3))
        worker = Worker(db, gateways={"simulator": simulator})
        try:
            worker.run_pending()  # delivers the notices to the gateway
            worker.run_pending()  # records what the gateway reports
        finally:
            worker.stop()
        assert simulator.activations == [mdn]
        assert simulator.forwards == {mdn: "14155552671"}
        assert api("ltr_status", ltr_id=rid)["message"]["ltr_status"] == "online"
