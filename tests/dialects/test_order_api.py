"""The order API (002) over real HTTP: every endpoint and token, byte for byte, fake clock."""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal

import httpx
import pytest
from sqlalchemy import func, select

from simhive.app import create_app
from simhive.core.accounts import service as accounts
from simhive.core.accounts.models import Account, ApiKey
from simhive.core.activations.models import Activation
from simhive.core.inventory.models import Number, NumberSkip
from simhive.core.ledger.models import EntryKind, Hold, LedgerEntry
from simhive.db.uow import Database
from simhive.gateways.base import InboundSMS
from simhive.kit.clock import FrozenClock
from simhive.operations import numbers as number_ops
from simhive.operations import services as service_ops
from simhive.worker.inbound import receive
from simhive.worker.runner import Worker
from tests.dialects.test_command_api import Api as CommandApi
from tests.fixtures import world
from tests.fixtures.raw_http import post_unfinished
from tests.fixtures.servers import serve
from tests.fixtures.world import Customer

ORDER = re.compile(r"ORDER_ID_(\d+)_NUMBER_(\d+)")
GOOGLE, AMAZON = "7", "12"
GOOGLE_SMS = ("22000", "G-804036 is your Google verification code.")


class OrderApi:
    """Calls one account's order API and checks what every answer shares."""

    def __init__(self, base_url: str, key: str) -> None:
        self.base = base_url + "/api/"
        self.key = key

    def raw(
        self, path: str, method: str = "GET", auth: bool = True, **params: str
    ) -> httpx.Response:
        data = {"key": self.key, **params} if auth else dict(params)
        if method == "POST":
            return httpx.post(self.base + path, data=data, timeout=30)
        return httpx.get(self.base + path, params=data, timeout=30)

    def __call__(self, path: str, method: str = "GET", auth: bool = True, **params: str) -> str:
        answer = self.raw(path, method, auth, **params)
        # 002: "The server will always give status code 200"; DESIGN.md: the token alone.
        assert answer.status_code == 200
        assert answer.headers["content-type"] == "text/plain; charset=utf-8"
        assert not answer.text.endswith(("\n", " "))
        return answer.text

    def order(self, service: str = GOOGLE, **params: str) -> tuple[int, str]:
        token = self("makeorder", serviceId=service, **params)
        found = ORDER.fullmatch(token)
        assert found is not None, token
        return int(found[1]), found[2]


@pytest.fixture
def alice(db: Database) -> Customer:
    world.order_service(db, "Google", "1.00", int(GOOGLE))
    world.order_service(db, "Amazon", "0.50", int(AMAZON))
    return world.customer(db, "alice", credit="10.00")


@pytest.fixture
def base_url(db: Database) -> Iterator[str]:
    with serve(create_app(db.settings, db=db, run_worker=False)) as url:
        yield url


@pytest.fixture
def api(base_url: str, alice: Customer) -> OrderApi:
    return OrderApi(base_url, alice.api_key)


def sms(db: Database, clock: FrozenClock, to: str, sender: str, text: str) -> None:
    receive(db, InboundSMS(to, sender, text, clock.now()), gateway="test")


def snapshot(db: Database) -> tuple[int, int, int, int, int]:
    """Rows a refused call must not add: activations, holds, entries, skips, leased numbers."""
    with db.uow(write=False) as uow:
        s = uow.session
        return (
            int(s.scalar(select(func.count()).select_from(Activation)) or 0),
            int(s.scalar(select(func.count()).select_from(Hold)) or 0),
            int(s.scalar(select(func.count()).select_from(LedgerEntry)) or 0),
            int(s.scalar(select(func.count()).select_from(NumberSkip)) or 0),
            int(
                s.scalar(select(func.count(Number.id)).where(Number.lease_group.is_not(None))) or 0
            ),
        )


def captured(db: Database, who: Customer) -> list[Decimal]:
    with db.uow(write=False) as uow:
        cents = uow.session.scalars(
            select(LedgerEntry.amount_cents)
            .where(LedgerEntry.account_id == who.id, LedgerEntry.kind == EntryKind.CAPTURE)
            .order_by(LedgerEntry.id)
        )
        return [Decimal(-c) / 100 for c in cents]


class TestMakeOrder:
    def test_a_dutch_number_by_default_in_national_form(
        self, api: OrderApi, db: Database, alice: Customer
    ) -> None:
        (mdn,) = world.foreign_numbers(db, "NL", 1)
        world.numbers(db, 1)
        world.foreign_numbers(db, "GB", 1)
        answer = api.raw("makeorder", serviceId=GOOGLE)
        assert answer.content == f"ORDER_ID_1_NUMBER_0{mdn[2:]}".encode()
        assert answer.text == "ORDER_ID_1_NUMBER_0610000000"
        # The price is held while the order waits for its SMS.
        assert world.available(db, alice) == Decimal("9.00")
        assert world.balance(db, alice) == Decimal("10.00")

    def test_each_country_in_any_case(self, api: OrderApi, db: Database) -> None:
        world.numbers(db, 1)
        world.foreign_numbers(db, "NL", 1)
        world.foreign_numbers(db, "GB", 1)
        shapes = {"USA": r"1212\d{7}", "NL": r"06\d{8}", "UK": r"07\d{9}"}
        for country, shape in [*shapes.items(), *((c.lower(), p) for c, p in shapes.items())]:
            order, phone = api.order(country=country)
            assert re.fullmatch(shape, phone), (country, phone)
            api("cancelorder", orderId=str(order))

    def test_a_country_price_applies_to_its_numbers(
        self, api: OrderApi, db: Database, alice: Customer, clock: FrozenClock
    ) -> None:
        service_ops.set_service(db, name="Google", price=Decimal("1.75"), country="UK")
        (uk,) = world.foreign_numbers(db, "GB", 1)
        (us,) = world.numbers(db, 1)
        first, _ = api.order(country="UK")
        sms(db, clock, uk, *GOOGLE_SMS)
        api.order(country="USA")
        sms(db, clock, us, *GOOGLE_SMS)
        assert captured(db, alice) == [Decimal("1.75"), Decimal("1.00")]
        assert api("getbalance") == "7.25"

    def test_one_open_order_per_account(
        self, api: OrderApi, db: Database, base_url: str, clock: FrozenClock
    ) -> None:
        world.foreign_numbers(db, "NL", 3)
        first, _ = api.order()
        before = snapshot(db)
        assert api("makeorder", serviceId=AMAZON) == f"ORDER_ALREADY_OPEN_{first}"
        assert api("makeorder", serviceId=GOOGLE, country="UK") == f"ORDER_ALREADY_OPEN_{first}"
        assert snapshot(db) == before
        # Another account is not held back by it.
        bob = world.customer(db, "bob")
        OrderApi(base_url, bob.api_key).order()
        # Cancelled, or timed out, the next order goes through.
        assert api("cancelorder", orderId=str(first)) == "ORDER_CANCELED"
        second, _ = api.order()
        clock.advance(db.settings.reserved_lifetime_s)
        third, _ = api.order(AMAZON)
        assert api("getsms", orderId=str(second)) == "ORDER_EXPIRED"
        assert third > second > first

    def test_no_phone_available_changes_nothing(
        self, api: OrderApi, db: Database, alice: Customer
    ) -> None:
        world.numbers(db, 2)
        world.foreign_numbers(db, "NL", 1, online=False)
        before = snapshot(db)
        assert api("makeorder", serviceId=GOOGLE) == "NO_PHONE_AVAILABLE"
        assert api("makeorder", serviceId=GOOGLE, country="UK") == "NO_PHONE_AVAILABLE"
        assert snapshot(db) == before
        assert world.available(db, alice) == Decimal("10.00")

    def test_no_balance_changes_nothing(self, base_url: str, db: Database, alice: Customer) -> None:
        world.foreign_numbers(db, "NL", 1)
        poor = world.customer(db, "poor", credit="0.99")
        before = snapshot(db)
        assert OrderApi(base_url, poor.api_key)("makeorder", serviceId=GOOGLE) == "NO_BALANCE"
        assert snapshot(db) == before
        # The number was not kept from anyone.
        OrderApi(base_url, alice.api_key).order()

    def test_the_command_api_takes_us_numbers_only(
        self, base_url: str, db: Database, alice: Customer
    ) -> None:
        world.foreign_numbers(db, "NL", 2)
        world.foreign_numbers(db, "GB", 2)
        command = CommandApi(base_url, alice)
        assert (
            command("request", service="Google")["message"] == "No numbers available, retry later"
        )
        listed = command("list_services", service="Google")["message"][0]
        assert listed["available"] == "0"


class TestGetSms:
    def test_waiting_then_the_sms_word_for_word(
        self, api: OrderApi, db: Database, alice: Customer, clock: FrozenClock
    ) -> None:
        (mdn,) = world.foreign_numbers(db, "NL", 1)
        order, _ = api.order()
        assert api("getsms", orderId=str(order)) == "WAITING"
        text = "Your Tinder code is 417097 Don’t share\n@tinder.com #417097"
        sms(db, clock, "+" + mdn, "SinchVerify", text)
        answer = api.raw("getsms", orderId=str(order))
        assert answer.content == f"SUCCESS_{text}".encode()
        assert captured(db, alice) == [Decimal("1.00")]
        assert world.available(db, alice) == world.balance(db, alice) == Decimal("9.00")

    def test_an_sms_to_the_national_form_reaches_the_order(
        self, api: OrderApi, db: Database, clock: FrozenClock
    ) -> None:
        world.foreign_numbers(db, "GB", 1)
        order, phone = api.order(country="UK")
        sms(db, clock, phone, *GOOGLE_SMS)
        assert api("getsms", orderId=str(order)) == f"SUCCESS_{GOOGLE_SMS[1]}"

    def test_canceled_or_timed_out_reads_as_expired(
        self, api: OrderApi, db: Database, alice: Customer, clock: FrozenClock
    ) -> None:
        (mdn,) = world.foreign_numbers(db, "NL", 1)
        first, _ = api.order()
        api("cancelorder", orderId=str(first))
        assert api("getsms", orderId=str(first)) == "ORDER_EXPIRED"
        second, _ = api.order()
        clock.advance(db.settings.reserved_lifetime_s - 1)
        assert api("getsms", orderId=str(second)) == "WAITING"
        clock.advance(1)
        # Past its deadline it reads as expired at once, before the sweep writes it.
        assert api("getsms", orderId=str(second)) == "ORDER_EXPIRED"
        Worker(db).run_pending()
        sms(db, clock, mdn, *GOOGLE_SMS)
        assert api("getsms", orderId=str(second)) == "ORDER_EXPIRED"
        assert world.available(db, alice) == world.balance(db, alice) == Decimal("10.00")

    def test_unknown_foreign_or_command_ids_are_not_found(
        self, api: OrderApi, db: Database, base_url: str, alice: Customer
    ) -> None:
        world.foreign_numbers(db, "NL", 1)
        world.numbers(db, 1)
        bob = world.customer(db, "bob")
        bobs, _ = OrderApi(base_url, bob.api_key).order()
        request = CommandApi(base_url, alice)("request", service="Google")["message"][0]["id"]
        for order_id in (str(bobs), request, "999", "0", "-1", "1e3", "abc", "٣", " ", "9" * 30):
            for path in ("getsms", "cancelorder", "skipnumber", "reuse"):
                assert api(path, orderId=order_id) == "ORDER_NOT_FOUND", (path, order_id)
        assert api("getsms") == "ORDER_NOT_FOUND"


class TestCancel:
    def test_cancel_releases_the_hold_and_the_number(
        self, api: OrderApi, db: Database, alice: Customer, clock: FrozenClock
    ) -> None:
        world.foreign_numbers(db, "NL", 1)
        order, phone = api.order()
        answer = api.raw("cancelorder", orderId=str(order))
        assert answer.content == b"ORDER_CANCELED"
        assert world.available(db, alice) == Decimal("10.00")
        assert captured(db, alice) == []
        # Not skipped: the number may come back to the same account.
        again, same = api.order()
        assert same == phone and again != order
        assert api("cancelorder", orderId=str(order)) == "ORDER_ALREADY_EXPIRED"

    def test_completed_and_expired_orders(
        self, api: OrderApi, db: Database, clock: FrozenClock
    ) -> None:
        (mdn,) = world.foreign_numbers(db, "NL", 1)
        done, _ = api.order()
        sms(db, clock, mdn, *GOOGLE_SMS)
        late, _ = api.order(AMAZON)
        clock.advance(db.settings.reserved_lifetime_s)
        before = snapshot(db)
        for path in ("cancelorder", "skipnumber"):
            assert api(path, orderId=str(done)) == "ORDER_ALREADY_COMPLETED"
            assert api(path, orderId=str(late)) == "ORDER_ALREADY_EXPIRED"
        assert snapshot(db)[3:] == before[3:]


class TestSkip:
    def test_never_again_for_that_service_and_account(
        self, api: OrderApi, db: Database, base_url: str, alice: Customer
    ) -> None:
        world.foreign_numbers(db, "NL", 1)
        order, phone = api.order()
        assert api("skipnumber", orderId=str(order)) == "NUMBER_SKIPPED_ORDER_CANCELED"
        assert world.available(db, alice) == Decimal("10.00")
        assert api("getsms", orderId=str(order)) == "ORDER_EXPIRED"
        assert api("makeorder", serviceId=GOOGLE) == "NO_PHONE_AVAILABLE"
        # Another service, or another account, may have it.
        amazon, same = api.order(AMAZON)
        assert same == phone
        api("cancelorder", orderId=str(amazon))
        bob = world.customer(db, "bob")
        assert OrderApi(base_url, bob.api_key).order()[1] == phone
        assert api("skipnumber", orderId=str(order)) == "ORDER_ALREADY_EXPIRED"

    def test_a_fresh_number_next(self, api: OrderApi, db: Database) -> None:
        world.foreign_numbers(db, "GB", 2)
        order, first = api.order(country="UK")
        api("skipnumber", orderId=str(order))
        assert api.order(country="UK")[1] != first


class TestReuse:
    def test_the_same_number_again_charged_again(
        self, api: OrderApi, db: Database, alice: Customer, clock: FrozenClock
    ) -> None:
        (mdn, _) = world.foreign_numbers(db, "NL", 2)
        first, phone = api.order()
        sms(db, clock, mdn, *GOOGLE_SMS)
        clock.advance(db.settings.order_reuse_window_s - 1)
        token = api("reuse", orderId=str(first))
        assert token == f"ORDER_ID_{first + 1}_NUMBER_{phone}"
        assert api("getsms", orderId=str(first + 1)) == "WAITING"
        sms(db, clock, mdn, "22000", "G-111111 is your Google verification code.")
        assert api("getsms", orderId=str(first + 1)) == (
            "SUCCESS_G-111111 is your Google verification code."
        )
        assert captured(db, alice) == [Decimal("1.00"), Decimal("1.00")]
        # A plain order never hands out a number the service has seen, not even to its user.
        assert api.order()[1] != phone

    def test_within_the_window_only(
        self, api: OrderApi, db: Database, alice: Customer, clock: FrozenClock
    ) -> None:
        (mdn,) = world.foreign_numbers(db, "NL", 1)
        first, _ = api.order()
        sms(db, clock, mdn, *GOOGLE_SMS)
        clock.advance(db.settings.order_reuse_window_s)
        before = snapshot(db)
        assert api("reuse", orderId=str(first)) == "REUSE_EXPIRED"
        assert snapshot(db) == before

    def test_the_window_is_the_operators(
        self, db: Database, alice: Customer, clock: FrozenClock
    ) -> None:
        settings = db.settings.model_copy(update={"order_reuse_window_s": 60})
        (mdn,) = world.foreign_numbers(db, "NL", 1)
        app = create_app(settings, db=Database(db.engine, clock, settings), run_worker=False)
        with serve(app) as url:
            api = OrderApi(url, alice.api_key)
            first, _ = api.order()
            sms(db, clock, mdn, *GOOGLE_SMS)
            clock.advance(60)
            assert api("reuse", orderId=str(first)) == "REUSE_EXPIRED"

    def test_an_offline_or_busy_number(
        self, api: OrderApi, db: Database, base_url: str, clock: FrozenClock
    ) -> None:
        (mdn,) = world.foreign_numbers(db, "NL", 1)
        first, _ = api.order()
        sms(db, clock, mdn, *GOOGLE_SMS)
        number_ops.set_number_online(db, mdn=mdn, online=False)
        before = snapshot(db)
        assert api("reuse", orderId=str(first)) == "NUMBER_OFFLINE"
        number_ops.set_number_online(db, mdn="+" + mdn, online=True)
        bob = world.customer(db, "bob")
        bobs, _ = OrderApi(base_url, bob.api_key).order(AMAZON)
        assert api("reuse", orderId=str(first)) == "NUMBER_OFFLINE"
        assert snapshot(db)[0] == before[0] + 1  # bob's order only

    def test_open_order_not_completed_and_no_balance(
        self, api: OrderApi, db: Database, alice: Customer, clock: FrozenClock
    ) -> None:
        (mdn, _) = world.foreign_numbers(db, "NL", 2)
        first, _ = api.order()
        assert api("reuse", orderId=str(first)) == f"ORDER_ALREADY_OPEN_{first}"
        sms(db, clock, mdn, *GOOGLE_SMS)
        second, _ = api.order(AMAZON)
        assert api("reuse", orderId=str(first)) == f"ORDER_ALREADY_OPEN_{second}"
        api("cancelorder", orderId=str(second))
        assert api("reuse", orderId=str(second)) == "ORDER_NOT_COMPLETED"
        world_spend(db, alice, "8.50")
        before = snapshot(db)
        assert api("reuse", orderId=str(first)) == "NO_BALANCE"
        assert snapshot(db) == before


def world_spend(db: Database, who: Customer, amount: str) -> None:
    """Take money off an account, as an operator's adjustment."""
    from simhive.core.ledger import service as ledger

    with db.uow() as uow:
        ledger.credit(uow, account_id=who.id, amount=-Decimal(amount), made_by="test")


class TestGetBalance:
    def test_no_trailing_zeros(self, base_url: str, db: Database) -> None:
        credits = {"10.00": "10", "10.50": "10.5", "0.05": "0.05", "1234.56": "1234.56"}
        for n, (credit, shown) in enumerate(credits.items()):
            who = world.customer(db, f"carol{n}", credit=credit)
            assert OrderApi(base_url, who.api_key)("getbalance") == shown
        broke = world.customer(db, "broke", credit="0")
        assert OrderApi(base_url, broke.api_key)("getbalance") == "0"

    def test_the_same_money_as_the_command_api(
        self, api: OrderApi, db: Database, base_url: str, alice: Customer
    ) -> None:
        world.foreign_numbers(db, "NL", 1)
        api.order()
        command = CommandApi(base_url, alice)("balance")["message"]
        assert command == "9.00" and api("getbalance") == "9"
        assert Decimal(command) == Decimal(api("getbalance"))


class TestAuthentication:
    PATHS = ("makeorder", "getsms", "cancelorder", "skipnumber", "getbalance", "reuse")

    def test_no_key_wrong_key(self, api: OrderApi, db: Database) -> None:
        world.foreign_numbers(db, "NL", 1)
        before = snapshot(db)
        for path in self.PATHS:
            self.refused(api, path)
        assert snapshot(db) == before

    @staticmethod
    def refused(api: OrderApi, path: str) -> None:
        assert api(path, auth=False, serviceId=GOOGLE, orderId="1") == "NO_KEY_PROVIDED"
        assert api(path, auth=False, apikey=api.key) == "NO_KEY_PROVIDED"
        for key in ("", "   "):
            assert api(path, auth=False, key=key) == "NO_KEY_PROVIDED"
        for key in ("wrong", api.key + "x", api.key.upper(), "k\x00ey", "k" * 5000):
            assert api(path, auth=False, key=key, serviceId=GOOGLE) == "UNAUTHORIZED"

    def test_revoked_key_and_disabled_account(
        self, api: OrderApi, db: Database, alice: Customer
    ) -> None:
        with db.uow() as uow:
            account = uow.session.get(Account, alice.id)
            assert account is not None
            fresh = accounts.issue_api_key(uow, account=account)
            accounts.revoke_api_keys(uow, account=account, prefix=alice.api_key[:8])
        assert api("getbalance") == "UNAUTHORIZED"
        api.key = fresh
        assert api("getbalance") == "10"
        with db.uow() as uow:
            account = uow.session.get(Account, alice.id)
            assert account is not None
            accounts.update_account(uow, account=account, active=False)
        assert api("getbalance") == "ACCOUNT_DISABLED"

    def test_keys_are_stored_hashed(self, db: Database, alice: Customer) -> None:
        with db.uow(write=False) as uow:
            hashes = list(uow.session.scalars(select(ApiKey.key_hash)))
        assert alice.api_key not in hashes


class TestBadInput:
    def test_bad_service_ids(self, api: OrderApi, db: Database) -> None:
        world.foreign_numbers(db, "NL", 1)
        before = snapshot(db)
        assert api("makeorder") == "BAD_SERVICE"
        for service in ("", "99", "0", "-7", "7.0", "+7", "abc", "7 7", "٧", "9" * 25, "x\x00"):
            assert api("makeorder", serviceId=service) == "BAD_SERVICE", service
        assert api("makeorder", serviceid=GOOGLE) == "BAD_SERVICE"
        assert snapshot(db) == before

    def test_a_service_without_an_order_id_cannot_be_ordered(
        self, api: OrderApi, db: Database
    ) -> None:
        world.service(db, "Yahoo", "0.35")
        world.foreign_numbers(db, "NL", 1)
        assert api("makeorder", serviceId="0") == "BAD_SERVICE"

    def test_bad_countries(self, api: OrderApi, db: Database) -> None:
        world.foreign_numbers(db, "NL", 1)
        before = snapshot(db)
        for country in ("FR", "Netherlands", "U.K.", "GBR", "1", "N\x00L", "N" * 5000):
            assert api("makeorder", serviceId=GOOGLE, country=country) == "BAD_COUNTRY"
        assert snapshot(db) == before

    def test_post_form_and_query_merge_the_form_winning(self, api: OrderApi, db: Database) -> None:
        world.foreign_numbers(db, "NL", 1)
        world.foreign_numbers(db, "GB", 1)
        answer = httpx.post(
            api.base + "makeorder",
            params={"key": "wrong", "serviceId": "99", "country": "NL"},
            data={"key": api.key, "serviceId": GOOGLE, "country": "UK"},
        )
        assert answer.status_code == 200
        assert re.fullmatch(r"ORDER_ID_1_NUMBER_07\d{9}", answer.text)
        assert api("getsms", method="POST", orderId="1") == "WAITING"

    def test_head_makes_no_order_and_a_bad_body_is_refused(
        self, api: OrderApi, db: Database
    ) -> None:
        world.foreign_numbers(db, "NL", 1)
        head = httpx.head(api.base + "makeorder", params={"key": api.key, "serviceId": GOOGLE})
        assert head.status_code == 405
        crowded = httpx.post(
            api.base + "makeorder", data={f"f{i}": "x" for i in range(100)} | {"key": api.key}
        )
        assert (crowded.status_code, crowded.text) == (200, "BAD_REQUEST")
        assert snapshot(db) == (0, 0, 1, 0, 0)

    def test_past_the_open_requests_bound(
        self, api: OrderApi, db: Database, alice: Customer
    ) -> None:
        world.foreign_numbers(db, "NL", 3)
        world.numbers(db, 2)
        db.settings = db.settings.model_copy(update={"max_open_requests": 1})
        # The bound counts the account's requests on both APIs.
        command = CommandApi(api.base.removesuffix("/api/"), alice)
        assert command("request", service="Amazon")["status"] == "ok"
        assert api("makeorder", serviceId=GOOGLE) == "TOO_MANY_OPEN_ORDERS"
        assert command("request", service="Google") == {
            "status": "error",
            "message": "Too many open requests: at most 1 at once",
        }
        assert snapshot(db)[0] == 1

    @pytest.mark.parametrize("declared", [100_000_000, None])
    def test_a_body_past_its_bound_is_refused_before_it_is_read(
        self, api: OrderApi, db: Database, declared: int | None
    ) -> None:
        # Empty fields are not counted by the form parser: a body of `&`s parsed for
        # seconds on the event loop. Announced or streamed, it now stops at 64 KiB, and
        # the server answers without waiting for the rest (the client never sends it).
        world.foreign_numbers(db, "NL", 1)
        bomb = f"key={api.key}&serviceId={GOOGLE}&".encode() + b"&" * 70_000
        status, body = post_unfinished(
            api.base.removesuffix("/api/"), "/api/makeorder", sent=bomb, declared=declared
        )
        assert (status, body) == (200, b"BAD_REQUEST")
        assert snapshot(db) == (0, 0, 1, 0, 0)

    def test_server_errors_are_a_token_with_the_request_id_in_a_header(
        self, api: OrderApi, db: Database
    ) -> None:
        from sqlalchemy import text

        with db.engine.begin() as conn:
            conn.execute(text("ALTER TABLE number_skips RENAME TO number_skips_away"))
        try:
            world.foreign_numbers(db, "NL", 1)
            answer = httpx.get(
                api.base + "makeorder",
                params={"key": api.key, "serviceId": GOOGLE},
                headers={"x-request-id": "trace-me-7"},
            )
        finally:
            with db.engine.begin() as conn:
                conn.execute(text("ALTER TABLE number_skips_away RENAME TO number_skips"))
        assert (answer.status_code, answer.text) == (200, "SERVER_ERROR")
        assert answer.headers["x-request-id"] == "trace-me-7"
