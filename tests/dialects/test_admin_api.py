"""The admin API: admin rights required, the operator's operations, problem JSON errors."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import update

from simhive.app import create_app
from simhive.core.errors import ErrorCode
from simhive.core.ledger.models import LedgerBalance
from simhive.db.uow import Database
from simhive.dialects.admin.errors import STATUS
from simhive.operations import numbers as operations_numbers
from simhive.operations import operators
from tests.fixtures import world
from tests.fixtures.raw_http import post_unfinished
from tests.fixtures.servers import serve
from tests.fixtures.world import Customer


@pytest.fixture
def base_url(db: Database) -> Iterator[str]:
    with serve(create_app(db.settings, db=db, run_worker=False)) as url:
        yield url + "/admin/v1"


@pytest.fixture
def root(db: Database) -> Customer:
    return world.customer(db, "root", admin=True, credit="0")


def token(db: Database, *scopes: str, name: str = "ops") -> str:
    """A new admin token's secret."""
    return operators.create_admin_token(db, name=name, scopes=scopes)[1]


@pytest.fixture
def auth(db: Database, root: Customer) -> str:
    """The bearer credential of an operator allowed everything."""
    return token(db, "all")


def call(
    method: str, url: str, key: str | None, headers: dict[str, str] | None = None, **kwargs: object
) -> httpx.Response:
    headers = dict(headers or {})
    if key:
        headers["authorization"] = f"Bearer {key}"
    return httpx.request(method, url, headers=headers, timeout=10, **kwargs)  # type: ignore[arg-type]


# Every route, with the scope it needs.
ROUTES: list[tuple[str, str, str, object]] = [
    ("POST", "/accounts", "accounts", {"username": "u1", "email": "u1@x.io", "password": "p" * 8}),
    ("GET", "/accounts/root", "accounts", None),
    ("PATCH", "/accounts/root", "accounts", {"active": True}),
    ("POST", "/accounts/root/credit", "money", {"amount": "1"}),
    ("GET", "/accounts/root/ledger", "money", None),
    ("GET", "/ledger/check", "money", None),
    ("PUT", "/services/Google", "services", {"price": "1"}),
    ("GET", "/services", "services", None),
    ("POST", "/numbers", "numbers", {"count": 1}),
    ("POST", "/numbers/import", "numbers", None),
    ("PATCH", "/numbers/12125550123", "numbers", {"online": True}),
    ("GET", "/rotation", "numbers", None),
    ("PUT", "/rotation/bank", "numbers", {"slots": 2}),
    ("DELETE", "/rotation/bank", "numbers", None),
    ("POST", "/sms", "sms", {"to": "12125550123", "from": "22000", "text": "hi"}),
    ("GET", "/events", "events", None),
    ("POST", "/events/1/retry", "events", None),
    ("GET", "/sms?direction=outgoing", "sms", None),
    ("GET", "/rentals", "rentals", None),
    ("GET", "/activations", "activations", None),
    ("GET", "/reports", "rentals", None),
    ("POST", "/reports/1/resolve", "rentals", {"outcome": "dismissed", "reason": "fine"}),
    ("POST", "/rentals", "rentals", {"account": "root", "mdn": "12125550123"}),
    ("GET", "/insight/hlr?number=%2B4790000000", "insight", None),
    ("GET", "/fraud/check?number=4790000000", "insight", None),
    ("GET", "/fraud/blocks", "insight", None),
    ("POST", "/fraud/blocks", "insight", {"prefix": "+47"}),
    ("DELETE", "/fraud/blocks/47", "insight", None),
    ("POST", "/accounts/root/tokens", "accounts", None),
    ("GET", "/accounts/root/tokens", "accounts", None),
    ("POST", "/tokens/0123456789abcdef0123/disable", "accounts", None),
    ("GET", "/accounts/root/senders", "accounts", None),
    ("POST", "/accounts/root/senders", "accounts", {"sender": "Acme"}),
    ("GET", "/accounts/root/policy", "accounts", None),
    ("PATCH", "/accounts/root/policy", "accounts", {"check_attempts": 5}),
    ("GET", "/calls", "sms", None),
]


class TestAdminAuth:
    def test_needs_an_admin_token(self, base_url: str, db: Database) -> None:
        assert call("GET", base_url + "/services", None).status_code == 401
        bad = call("GET", base_url + "/services", "nope")
        assert bad.status_code == 401
        assert bad.headers["content-type"] == "application/problem+json"
        assert call("GET", base_url + "/services", token(db, "services")).status_code == 200

    def test_customer_api_keys_are_refused_even_an_admin_accounts(
        self, base_url: str, db: Database, root: Customer
    ) -> None:
        customer = world.customer(db, "carl")
        for key in (customer.api_key, auth):
            answer = call("GET", base_url + "/services", key)
            assert answer.status_code == 401
            assert answer.headers["content-type"] == "application/problem+json"
            assert "admin token" in answer.json()["detail"]

    def test_a_missing_token_says_bearer(self, base_url: str) -> None:
        answer = call("GET", base_url + "/services", None)
        assert answer.headers["www-authenticate"] == "Bearer"
        body = answer.json()
        assert (body["type"], body["status"]) == ("auth_failed", 401)
        assert "admin-token create" in body["detail"]

    @pytest.mark.parametrize(("method", "path", "scope", "body"), ROUTES)
    def test_each_route_needs_its_scope(
        self, base_url: str, db: Database, method: str, path: str, scope: str, body: object
    ) -> None:
        world.customer(db, "root", credit="5")
        others = [s.value for s in operators.Scope if s.value not in (scope, "all")]
        refused = call(method, base_url + path, token(db, *others), json=body)
        assert refused.status_code == 403, refused.text
        assert refused.headers["content-type"] == "application/problem+json"
        assert f"lacks the {scope} scope" in refused.json()["detail"]
        allowed = call(method, base_url + path, token(db, scope), json=body)
        assert allowed.status_code not in (401, 403), allowed.text

    def test_a_revoked_token_stops_at_once(self, base_url: str, db: Database) -> None:
        secret = token(db, "all")
        assert call("GET", base_url + "/services", secret).status_code == 200
        (info,) = operators.list_admin_tokens(db)
        operators.revoke_admin_token(db, token_id=info.id)
        assert call("GET", base_url + "/services", secret).status_code == 401

    def test_every_error_code_has_a_status(self) -> None:
        assert set(STATUS) == set(ErrorCode)


class TestAdminProblems:
    def test_validation_errors_are_problem_json(self, base_url: str, auth: str) -> None:
        answer = call("POST", base_url + "/accounts", auth, json={"username": "x"})
        assert answer.status_code == 422
        assert answer.headers["content-type"] == "application/problem+json"
        body = answer.json()
        assert set(body) == {"type", "title", "status", "detail"}
        assert "email" in body["detail"] and "password" in body["detail"]
        broken = call(
            "POST",
            base_url + "/accounts",
            auth,
            content=b"{not json",
            headers={"content-type": "application/json"},
        )
        assert broken.status_code == 422 and broken.json()["status"] == 422

    def test_unknown_paths_and_methods(self, base_url: str, auth: str) -> None:
        for method, path, status in (("GET", "/nothing", 404), ("DELETE", "/services", 405)):
            answer = call(method, base_url + path, auth)
            assert answer.status_code == status
            assert answer.headers["content-type"] == "application/problem+json"
            assert answer.json()["status"] == status

    def test_refusals_from_the_rules(self, base_url: str, auth: str) -> None:
        for method, path, body, status, words in (
            ("POST", "/numbers", {"count": 1, "state": "ZZ"}, 422, "Invalid state ZZ"),
            ("POST", "/numbers", {"count": 1, "areacode": "999"}, 422, "Invalid area code"),
            ("POST", "/accounts/nobody/credit", {"amount": "1"}, 404, "no account nobody"),
            ("POST", "/events/999/retry", None, 404, "no event 999"),
            ("PATCH", "/numbers/12125550199", {"online": False}, 404, "no number"),
            ("POST", "/accounts/root/credit", {"amount": "0"}, 422, "non-zero"),
            ("POST", "/accounts/root/credit", {"amount": "-5"}, 409, "Insufficient funds"),
        ):
            answer = call(method, base_url + path, auth, json=body)
            assert answer.status_code == status, (path, answer.text)
            assert words in answer.json()["detail"], answer.json()
        assert call("GET", base_url + "/events?status=bogus", auth).status_code == 422


class TestAdminOperations:
    def test_account_lifecycle(self, base_url: str, auth: str) -> None:
        created = call(
            "POST",
            base_url + "/accounts",
            auth,
            json={"username": "dora", "email": "dora@example.com", "password": "dora-password"},
        )
        assert created.status_code == 201
        key = created.json()["api_key"]
        assert len(key) == 32
        credited = call("POST", base_url + "/accounts/dora/credit", auth, json={"amount": "12.34"})
        assert (credited.json()["balance"], credited.json()["available"]) == ("12.34", "12.34")
        bad = call("POST", base_url + "/accounts/dora/credit", auth, json={"amount": "1.001"})
        assert bad.status_code == 422
        assert call("GET", base_url + "/accounts/dora", auth).json()["balance"] == "12.34"
        clash = call(
            "POST",
            base_url + "/accounts",
            auth,
            json={"username": "dora", "email": "x@example.com", "password": "dora-password"},
        )
        assert clash.status_code == 409
        assert clash.json()["status"] == 409
        missing = call("GET", base_url + "/accounts/nobody", auth)
        assert missing.status_code == 404

    def test_a_credit_records_its_admin(self, base_url: str, db: Database, root: Customer) -> None:
        secret = token(db, "money", name="ops-bot")
        (info,) = operators.list_admin_tokens(db)
        credited = call(
            "POST",
            base_url + "/accounts/root/credit",
            secret,
            json={"amount": "2.50", "memo": "top-up"},
        )
        assert credited.status_code == 200, credited.text
        ledger = call("GET", base_url + "/accounts/root/ledger", secret)
        assert ledger.status_code == 200
        (entry,) = ledger.json()
        assert {k: entry[k] for k in ("kind", "amount", "memo", "made_by")} == {
            "kind": "credit",
            "amount": "2.50",
            "memo": "top-up",
            "made_by": f"admin token {info.id} (ops-bot)",
        }
        missing = call("GET", base_url + "/accounts/nobody/ledger", secret)
        assert missing.status_code == 404

    def test_the_ledger_check_finds_a_balance_written_behind_the_ledger(
        self, base_url: str, db: Database, root: Customer
    ) -> None:
        bob = world.customer(db, "bob", credit="10.10")
        secret = token(db, "money")
        clean = call("GET", base_url + "/ledger/check", secret)
        assert clean.status_code == 200
        assert clean.json() == {"unbalanced": []}
        with db.uow() as uow:
            uow.session.execute(
                update(LedgerBalance).where(LedgerBalance.account_id == bob.id).values(cents=7)
            )
        found = call("GET", base_url + "/ledger/check", secret).json()
        assert found == {
            "unbalanced": [{"account": "bob", "balance": "0.07", "entries_sum": "10.10"}]
        }

    def test_an_import_needs_a_gateway(self, base_url: str, db: Database, auth: str) -> None:
        body = "mdn,carrier\n12125550131,ATT\n"
        refused = call("POST", base_url + "/numbers/import", auth, content=body)
        assert refused.json()["added"] == 0
        (error,) = refused.json()["errors"]
        assert error.startswith("line 2: no gateway")
        db.settings = db.settings.model_copy(update={"default_gateway": "modems"})
        accepted = call("POST", base_url + "/numbers/import", auth, content=body)
        assert accepted.json() == {"added": 1, "duplicates": 0, "errors": []}
        listed = operations_numbers.list_numbers(db)
        assert [(n.mdn, n.gateway) for n in listed] == [("12125550131", "modems")]

    @pytest.mark.parametrize("declared", [500_000_000, None])
    def test_a_body_without_a_token_is_refused_before_it_is_read(
        self, base_url: str, declared: int | None
    ) -> None:
        # FastAPI reads a JSON body before the token check: unbounded, a caller with no
        # token could fill the server's memory. Past 1 MiB it answers 413 at once.
        status, _ = post_unfinished(
            base_url.removesuffix("/admin/v1"),
            "/admin/v1/accounts",
            sent=b'{"username": "' + b"u" * (1024 * 1024 + 1),
            declared=declared,
            content_type="application/json",
        )
        assert status == 413

    def test_an_import_may_be_larger_than_a_json_body(
        self, base_url: str, db: Database, auth: str
    ) -> None:
        db.settings = db.settings.model_copy(update={"default_gateway": "modems"})
        rows = "".join(f"1212555{n:04d},ATT\n" for n in range(2000))
        body = "mdn,carrier\n" + rows + "# " + "x" * (1024 * 1024) + "\n"
        answer = call("POST", base_url + "/numbers/import", auth, content=body)
        assert answer.status_code == 200
        assert answer.json()["added"] == 2000

    def test_webhook_target_is_checked(self, base_url: str, db: Database, auth: str) -> None:
        world.customer(db, "eve")
        db.settings = db.settings.model_copy(update={"webhook_allow_private": False})
        refused = call(
            "PATCH",
            base_url + "/accounts/eve",
            auth,
            json={"webhook_url": "http://127.0.0.1/x"},
        )
        assert refused.status_code == 422
        assert "non-public address" in refused.json()["detail"]
        db.settings = db.settings.model_copy(update={"webhook_allow_private": True})
        allowed = call(
            "PATCH",
            base_url + "/accounts/eve",
            auth,
            json={"webhook_url": "http://127.0.0.1/x"},
        )
        assert allowed.json()["webhook_url"] == "http://127.0.0.1/x"

    def test_services_numbers_and_sms(self, base_url: str, auth: str) -> None:
        put = call("PUT", base_url + "/services/Google", auth, json={"price": "1.25"})
        assert put.json()["price"] == "1.25"
        added = call("POST", base_url + "/numbers", auth, json={"count": 3, "state": "TX"})
        assert added.status_code == 201
        assert {n["state"] for n in added.json()} == {"TX"}
        imported = call(
            "POST",
            base_url + "/numbers/import",
            auth,
            content=(
                "mdn,carrier,gateway\n12125550123,ATT,modems\n12125550123,ATT,modems\n"
                "not-a-number,ATT,modems\n"
            ),
        )
        assert imported.json() == {
            "added": 1,
            "duplicates": 1,
            "errors": ["line 4: invalid MDN 'not-a-number'"],
        }
        offline = call("PATCH", base_url + "/numbers/+1 212 555 0123", auth, json={"online": False})
        assert offline.json()["online"] is False
        sms = call(
            "POST",
            base_url + "/sms",
            auth,
            json={"to": "12125550123", "from": "22000", "text": "hello"},
        )
        assert sms.json()["status"] == "unrouted"
        events = call("GET", base_url + "/events", auth)
        assert events.status_code == 200 and events.json() == []
        spec = call("GET", base_url + "/openapi.json", None).json()
        assert "text/csv" in spec["paths"]["/numbers/import"]["post"]["requestBody"]["content"]
        assert (
            call("GET", base_url + "/openapi.json", None).json()["info"]["title"]
            == "simhive admin API"
        )


def _state(db: Database) -> tuple[object, ...]:
    """Everything an operator's bad input could have changed."""
    from sqlalchemy import func, select

    from simhive.core.ledger.models import LedgerEntry
    from simhive.core.messages.models import Message
    from simhive.operations import accounts, numbers, services

    with db.uow(write=False) as uow:
        entries = uow.session.scalar(select(func.count(LedgerEntry.id)))
        stored = uow.session.scalar(select(func.count(Message.id)))
    return (
        services.list_services(db),
        numbers.list_numbers(db),
        accounts.account_info(db, "root"),
        entries,
        stored,
    )


HUGE = "9" * 30
BAD_INPUTS: list[tuple[str, str, object]] = [
    ("PUT", "/services/Google", {"price": "1.005"}),
    ("PUT", "/services/Google", {"price": 1.005}),
    ("PUT", "/services/Google", {"price": "-1"}),
    ("PUT", "/services/Google", {"price": "NaN"}),
    ("PUT", "/services/Google", {"price": "Infinity"}),
    ("PUT", "/services/Google", {"price": "-Infinity"}),
    ("PUT", "/services/Google", {"price": 1e308}),
    ("PUT", "/services/Google", {"price": HUGE}),
    ("PUT", "/services/Google", {"price": "1E+999999999"}),
    ("PUT", "/services/Google", {"price": "1E-999999999"}),
    ("PUT", "/services/Google", {"ltr_price": "0.001"}),
    ("PUT", "/services/Google", {"ltr_short_price": "-0.01"}),
    ("PUT", "/services/Google", {"order_id": int(HUGE)}),
    ("PUT", "/services/Google", {"order_id": 0}),
    ("PUT", "/services/Google", {"price": "abc"}),
    ("PUT", "/services/Goo%00gle", {"price": "1"}),
    ("PUT", "/services/" + "G" * 300, {"price": "1"}),
    ("PUT", "/services/" + "G" * 65, {"price": "1"}),
    ("PUT", "/services/a,b", {"price": "1"}),
    ("POST", "/accounts/root/credit", {"amount": "0.001"}),
    ("POST", "/accounts/root/credit", {"amount": "NaN"}),
    ("POST", "/accounts/root/credit", {"amount": "Infinity"}),
    ("POST", "/accounts/root/credit", {"amount": HUGE}),
    ("POST", "/accounts/root/credit", {"amount": int(HUGE)}),
    ("POST", "/accounts/root/credit", {"amount": "1E+999999999"}),
    ("POST", "/accounts/root/credit", {"amount": "-" + HUGE}),
    ("POST", "/accounts/root/credit", {"amount": "1", "memo": "m" * 256}),
    ("POST", "/accounts/root/credit", {"amount": "1", "memo": "a\x00b"}),
    ("POST", "/accounts/root/credit", {}),
    ("POST", "/accounts", {"username": "x\x00y", "email": "x@example.com", "password": "p" * 8}),
    ("POST", "/accounts", {"username": "xy", "email": "x" * 250 + "@ex.com", "password": "p" * 8}),
    ("POST", "/accounts", {"username": "xy", "email": "x\x00@ex.com", "password": "p" * 8}),
    ("POST", "/accounts", {"username": "xy", "email": "x@example.com", "password": "p" * 2000}),
    ("PATCH", "/accounts/root", {"webhook_url": "http://example.com/" + "a" * 3000}),
    ("PATCH", "/accounts/root", {"webhook_url": "http://example.com/\x00"}),
    ("PATCH", "/accounts/root", {"status_shape": "sideways"}),
    ("GET", "/accounts/ro%00ot", None),
    ("POST", "/numbers", {"count": 1, "state": "N\x00"}),
    ("POST", "/numbers", {"count": int(HUGE)}),
    ("POST", "/numbers", {"count": 1, "areacode": "2" * 100}),
    ("PATCH", "/numbers/1212%005550123", {"online": True}),
    ("PATCH", "/numbers/12125550123", {"online": "maybe"}),
    ("POST", "/sms", {"to": "12125550123", "from": "x\x00", "text": "hi"}),
    ("POST", "/sms", {"to": "12125550123", "from": "x" * 65, "text": "hi"}),
    ("POST", "/sms", {"to": "1" * 40, "from": "22000", "text": "hi"}),
    ("POST", "/sms", {"to": "12125550123", "from": "22000", "text": "a\x00b"}),
    ("POST", f"/events/{HUGE}/retry", None),
    ("POST", "/events/0/retry", None),
    ("GET", "/events?limit=100000", None),
]


class TestAdminBadInput:
    """Every bad value answers problem JSON with a 4xx and writes nothing."""

    @pytest.mark.parametrize(("method", "path", "body"), BAD_INPUTS)
    def test_answers_problem_json_and_changes_nothing(
        self, base_url: str, db: Database, auth: str, method: str, path: str, body: object
    ) -> None:
        world.service(db, "Google", "1.00")
        before = _state(db)
        answer = call(method, base_url + path, auth, json=body)
        assert 400 <= answer.status_code < 500, (answer.status_code, answer.text)
        assert answer.headers["content-type"] == "application/problem+json", answer.text
        problem = answer.json()
        assert problem["status"] == answer.status_code and problem["detail"]
        assert _state(db) == before

    def test_a_clashing_order_id_is_409(self, base_url: str, db: Database, auth: str) -> None:
        call("PUT", base_url + "/services/Google", auth, json={"price": "1", "order_id": 7})
        before = _state(db)
        clash = call("PUT", base_url + "/services/Amazon", auth, json={"order_id": 7})
        assert clash.status_code == 409, clash.text
        assert clash.headers["content-type"] == "application/problem+json"
        assert "order id 7 belongs to service Google" in clash.json()["detail"]
        assert _state(db) == before
        same = call("PUT", base_url + "/services/Google", auth, json={"order_id": 7})
        assert same.status_code == 200

    def test_a_non_utf8_csv_is_refused(self, base_url: str, db: Database, auth: str) -> None:
        before = _state(db)
        answer = call(
            "POST",
            base_url + "/numbers/import",
            auth,
            content="mdn,carrier,gateway\n12125550123,Télé,simulator\n".encode("latin-1"),
        )
        assert answer.status_code == 422, answer.text
        assert answer.headers["content-type"] == "application/problem+json"
        assert "not UTF-8" in answer.json()["detail"]
        assert _state(db) == before

    def test_csv_rows_that_no_column_holds_are_refused_each(
        self, base_url: str, db: Database, auth: str
    ) -> None:
        answer = call(
            "POST",
            base_url + "/numbers/import",
            auth,
            content=(
                "mdn,carrier,state,area_code,gateway\n"
                f"12125550101,{'C' * 33},NY,212,simulator\n"
                "12125550102,ATT,ZZ,212,simulator\n"
                "12125550103,ATT,NY,21234,simulator\n"
                "12125550104,A\x00T,NY,212,simulator\n"
                f"12125550105,ATT,NY,212,{'g' * 33}\n"
                "12125550106,ATT,NY,212,simulator\n"
            ),
        )
        assert answer.status_code == 200, answer.text
        result = answer.json()
        assert (result["added"], result["duplicates"]) == (1, 0)
        assert [e.split(":")[0] for e in result["errors"]] == [f"line {n}" for n in range(2, 7)]

    def test_an_unexpected_error_is_problem_json_with_the_request_id(
        self, base_url: str, db: Database, auth: str
    ) -> None:
        from sqlalchemy import text

        # A real failure: the events table is gone from under the server.
        with db.engine.begin() as conn:
            conn.execute(text("ALTER TABLE events RENAME TO events_gone"))
        try:
            answer = call("GET", base_url + "/events", auth, headers={"x-request-id": "rid-42"})
        finally:
            with db.engine.begin() as conn:
                conn.execute(text("ALTER TABLE events_gone RENAME TO events"))
        assert answer.status_code == 500
        assert answer.headers["content-type"] == "application/problem+json"
        body = answer.json()
        assert body["request_id"] == "rid-42" and "rid-42" in body["detail"]
        assert "Traceback" not in answer.text


class TestServicePatterns:
    def test_set_shown_and_restored(self, base_url: str, auth: str) -> None:
        url = base_url + "/services/Amazon"
        set_ = call("PUT", url, auth, json={"price": "0.50", "sender_patterns": ["^777$"]})
        assert set_.status_code == 200
        body = set_.json()
        assert (body["sender_patterns"], body["built_in_patterns"]) == (["^777$"], False)
        back = call("PUT", url, auth, json={"sender_patterns": [], "text_patterns": []}).json()
        assert back["built_in_patterns"] is True
        assert "^(amzn|amazon)$" in back["sender_patterns"]
        assert back["price"] == "0.50"

    @pytest.mark.parametrize("pattern", ["(unclosed", "x" * 201, "a\nb"])
    def test_bad_patterns_are_refused_and_change_nothing(
        self, base_url: str, auth: str, pattern: str
    ) -> None:
        url = base_url + "/services/Amazon"
        call("PUT", url, auth, json={"price": "0.50", "text_patterns": ["amazon"]})
        refused = call("PUT", url, auth, json={"text_patterns": [pattern]})
        assert refused.status_code == 422
        assert refused.headers["content-type"].startswith("application/problem+json")
        (service,) = [s for s in call("GET", base_url + "/services", auth).json()]
        assert service["text_patterns"] == ["amazon"]
