"""The admin API: admin rights required, the operator's operations, problem JSON errors."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from simhive.app import create_app
from simhive.core.errors import ErrorCode
from simhive.db.uow import Database
from simhive.dialects.admin.errors import STATUS
from tests.fixtures import world
from tests.fixtures.servers import serve
from tests.fixtures.world import Customer


@pytest.fixture
def base_url(db: Database) -> Iterator[str]:
    with serve(create_app(db.settings, db=db, run_worker=False)) as url:
        yield url + "/admin/v1"


@pytest.fixture
def root(db: Database) -> Customer:
    return world.customer(db, "root", admin=True, credit="0")


def call(
    method: str, url: str, key: str | None, headers: dict[str, str] | None = None, **kwargs: object
) -> httpx.Response:
    headers = dict(headers or {})
    if key:
        headers["authorization"] = f"Bearer {key}"
    return httpx.request(method, url, headers=headers, timeout=10, **kwargs)  # type: ignore[arg-type]


class TestAdminAuth:
    def test_needs_an_admin_key(self, base_url: str, db: Database, root: Customer) -> None:
        customer = world.customer(db, "carl")
        assert call("GET", base_url + "/services", None).status_code == 401
        bad = call("GET", base_url + "/services", "nope")
        assert bad.status_code == 401
        assert bad.headers["content-type"] == "application/problem+json"
        assert call("GET", base_url + "/services", customer.api_key).status_code == 403
        assert call("GET", base_url + "/services", root.api_key).status_code == 200

    def test_a_missing_key_says_bearer(self, base_url: str) -> None:
        answer = call("GET", base_url + "/services", None)
        assert answer.headers["www-authenticate"] == "Bearer"
        assert answer.json() == {
            "type": "auth_failed",
            "title": "auth failed",
            "status": 401,
            "detail": "Invalid user name or API key",
        }

    def test_every_error_code_has_a_status(self) -> None:
        assert set(STATUS) == set(ErrorCode)


class TestAdminProblems:
    def test_validation_errors_are_problem_json(self, base_url: str, root: Customer) -> None:
        answer = call("POST", base_url + "/accounts", root.api_key, json={"username": "x"})
        assert answer.status_code == 422
        assert answer.headers["content-type"] == "application/problem+json"
        body = answer.json()
        assert set(body) == {"type", "title", "status", "detail"}
        assert "email" in body["detail"] and "password" in body["detail"]
        broken = call(
            "POST",
            base_url + "/accounts",
            root.api_key,
            content=b"{not json",
            headers={"content-type": "application/json"},
        )
        assert broken.status_code == 422 and broken.json()["status"] == 422

    def test_unknown_paths_and_methods(self, base_url: str, root: Customer) -> None:
        for method, path, status in (("GET", "/nothing", 404), ("DELETE", "/services", 405)):
            answer = call(method, base_url + path, root.api_key)
            assert answer.status_code == status
            assert answer.headers["content-type"] == "application/problem+json"
            assert answer.json()["status"] == status

    def test_refusals_from_the_rules(self, base_url: str, root: Customer) -> None:
        for method, path, body, status, words in (
            ("POST", "/numbers", {"count": 1, "state": "ZZ"}, 422, "Invalid state ZZ"),
            ("POST", "/numbers", {"count": 1, "areacode": "999"}, 422, "Invalid area code"),
            ("POST", "/accounts/nobody/credit", {"amount": "1"}, 404, "no account nobody"),
            ("POST", "/events/999/retry", None, 404, "no event 999"),
            ("PATCH", "/numbers/12125550199", {"online": False}, 404, "no number"),
            ("POST", "/accounts/root/credit", {"amount": "0"}, 422, "non-zero"),
            ("POST", "/accounts/root/credit", {"amount": "-5"}, 409, "Insufficient funds"),
        ):
            answer = call(method, base_url + path, root.api_key, json=body)
            assert answer.status_code == status, (path, answer.text)
            assert words in answer.json()["detail"], answer.json()
        assert call("GET", base_url + "/events?status=bogus", root.api_key).status_code == 422


class TestAdminOperations:
    def test_account_lifecycle(self, base_url: str, root: Customer) -> None:
        created = call(
            "POST",
            base_url + "/accounts",
            root.api_key,
            json={"username": "dora", "email": "dora@example.com", "password": "dora-password"},
        )
        assert created.status_code == 201
        key = created.json()["api_key"]
        assert len(key) == 32
        credited = call(
            "POST", base_url + "/accounts/dora/credit", root.api_key, json={"amount": "12.34"}
        )
        assert (credited.json()["balance"], credited.json()["available"]) == ("12.34", "12.34")
        bad = call(
            "POST", base_url + "/accounts/dora/credit", root.api_key, json={"amount": "1.001"}
        )
        assert bad.status_code == 422
        assert call("GET", base_url + "/accounts/dora", root.api_key).json()["balance"] == "12.34"
        clash = call(
            "POST",
            base_url + "/accounts",
            root.api_key,
            json={"username": "dora", "email": "x@example.com", "password": "dora-password"},
        )
        assert clash.status_code == 409
        assert clash.json()["status"] == 409
        missing = call("GET", base_url + "/accounts/nobody", root.api_key)
        assert missing.status_code == 404

    def test_webhook_target_is_checked(self, base_url: str, db: Database, root: Customer) -> None:
        world.customer(db, "eve")
        db.settings = db.settings.model_copy(update={"webhook_allow_private": False})
        refused = call(
            "PATCH",
            base_url + "/accounts/eve",
            root.api_key,
            json={"webhook_url": "http://127.0.0.1/x"},
        )
        assert refused.status_code == 422
        assert "non-public address" in refused.json()["detail"]
        db.settings = db.settings.model_copy(update={"webhook_allow_private": True})
        allowed = call(
            "PATCH",
            base_url + "/accounts/eve",
            root.api_key,
            json={"webhook_url": "http://127.0.0.1/x"},
        )
        assert allowed.json()["webhook_url"] == "http://127.0.0.1/x"

    def test_services_numbers_and_sms(self, base_url: str, root: Customer) -> None:
        put = call("PUT", base_url + "/services/Google", root.api_key, json={"price": "1.25"})
        assert put.json()["price"] == "1.25"
        added = call("POST", base_url + "/numbers", root.api_key, json={"count": 3, "state": "TX"})
        assert added.status_code == 201
        assert {n["state"] for n in added.json()} == {"TX"}
        imported = call(
            "POST",
            base_url + "/numbers/import",
            root.api_key,
            content="mdn,carrier\n12125550123,ATT\n12125550123,ATT\nnot-a-number,ATT\n",
        )
        assert imported.json() == {
            "added": 1,
            "duplicates": 1,
            "errors": ["line 4: invalid MDN 'not-a-number'"],
        }
        offline = call(
            "PATCH", base_url + "/numbers/+1 212 555 0123", root.api_key, json={"online": False}
        )
        assert offline.json()["online"] is False
        sms = call(
            "POST",
            base_url + "/sms",
            root.api_key,
            json={"to": "12125550123", "from": "22000", "text": "hello"},
        )
        assert sms.json()["status"] == "unrouted"
        events = call("GET", base_url + "/events", root.api_key)
        assert events.status_code == 200 and events.json() == []
        spec = call("GET", base_url + "/openapi.json", None).json()
        assert "text/csv" in spec["paths"]["/numbers/import"]["post"]["requestBody"]["content"]
        assert (
            call("GET", base_url + "/openapi.json", None).json()["info"]["title"]
            == "simhive admin API"
        )
