"""The admin API's side of the order API: numbers of three countries, prices by country,
orders among the requests (with their API), contracts among the rentals."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from simhive.app import create_app
from simhive.db.uow import Database
from simhive.operations import operators
from tests.dialects.test_command_api import Api as CommandApi
from tests.fixtures import world
from tests.fixtures.servers import serve


@pytest.fixture
def base_url(db: Database) -> Iterator[str]:
    with serve(create_app(db.settings, db=db, run_worker=False)) as url:
        yield url


@pytest.fixture
def auth(db: Database) -> dict[str, str]:
    return {
        "authorization": f"Bearer {operators.create_admin_token(db, name='ops', scopes=['all'])[1]}"
    }


class TestNumbersAndServices:
    def test_simulated_numbers_of_a_country(self, base_url: str, auth: dict[str, str]) -> None:
        added = httpx.post(
            base_url + "/admin/v1/numbers", json={"count": 2, "country": "UK"}, headers=auth
        )
        assert added.status_code == 201
        assert [(n["country"], n["state"], n["mdn"][:3]) for n in added.json()] == [
            ("GB", "", "447"),
            ("GB", "", "447"),
        ]
        refused = httpx.post(
            base_url + "/admin/v1/numbers", json={"count": 2, "country": "FR"}, headers=auth
        )
        assert refused.status_code == 422
        assert refused.headers["content-type"] == "application/problem+json"
        assert "US, NL or UK" in refused.json()["detail"]

    def test_prices_by_country(self, base_url: str, auth: dict[str, str]) -> None:
        url = base_url + "/admin/v1/services/Google"
        httpx.put(url, json={"price": "1.00", "order_id": 9}, headers=auth)
        answer = httpx.put(url, json={"price": "1.40", "country": "nl"}, headers=auth)
        assert answer.status_code == 200
        body = answer.json()
        assert (body["price"], body["country_prices"], body["order_id"]) == (
            "1.00",
            {"NL": "1.40"},
            9,
        )
        assert httpx.put(url, json={"country": "NL"}, headers=auth).status_code == 422
        listed = httpx.get(base_url + "/admin/v1/services", headers=auth).json()
        assert listed[0]["country_prices"] == {"NL": "1.40"}


class TestActivations:
    def test_orders_next_to_command_requests(
        self, base_url: str, auth: dict[str, str], db: Database
    ) -> None:
        world.order_service(db, "Google", "1.00", 4)
        world.numbers(db, 1)
        world.foreign_numbers(db, "GB", 1)
        who = world.customer(db, "ivy")
        CommandApi(base_url, who)("request", service="Google")
        made = httpx.get(
            base_url + "/api/makeorder",
            params={"key": who.api_key, "serviceId": "4", "country": "UK"},
        ).text
        url = base_url + "/admin/v1/activations"
        listed = httpx.get(url, headers=auth).json()
        assert [(a["id"], a["api"], a["country"], a["status"]) for a in listed] == [
            (2, "order", "GB", "reserved"),
            (1, "command", "US", "reserved"),
        ]
        assert made.endswith("_NUMBER_0" + listed[0]["mdn"][2:])
        assert listed[0]["account"] == "ivy" and listed[0]["price"] == "1.00"
        only = httpx.get(url, params={"api": "order"}, headers=auth).json()
        assert [a["id"] for a in only] == [2]
        assert httpx.get(url, params={"account": "nobody"}, headers=auth).json() == []
        bad = httpx.get(url, params={"api": "rest"}, headers=auth)
        assert bad.status_code == 422

    def test_contracts_among_the_rentals(
        self, base_url: str, auth: dict[str, str], db: Database
    ) -> None:
        world.foreign_numbers(db, "NL", 1)
        who = world.customer(db, "ivy", credit="50")
        httpx.post(base_url + "/api/rental/new", data={"key": who.api_key, "country": "NL"})
        (rental,) = httpx.get(base_url + "/admin/v1/rentals", headers=auth).json()
        assert (rental["api"], rental["package"], rental["renewal_package"]) == (
            "order",
            "1m",
            "1m",
        )
        assert (rental["service"], rental["price"], rental["autorenew"]) == (
            "Unlimited",
            "15.00",
            True,
        )
