"""Admin API: HLR, fraud checks and blocks, operator rentals, the inbound SMS URL."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

import httpx
import pytest

from simhive.app import create_app
from simhive.core.catalog import service as catalog
from simhive.core.insight import fraud
from simhive.db.uow import Database
from simhive.operations import accounts as account_ops
from simhive.operations import operators
from tests.fixtures import world
from tests.fixtures.servers import serve


@pytest.fixture
def base_url(db: Database) -> Iterator[str]:
    with serve(create_app(db.settings, db=db, run_worker=False)) as url:
        yield url + "/admin/v1"


@pytest.fixture
def api(db: Database, base_url: str) -> Iterator[httpx.Client]:
    secret = operators.create_admin_token(db, name="ops", scopes=["all"])[1]
    with httpx.Client(
        base_url=base_url, headers={"authorization": f"Bearer {secret}"}, timeout=10
    ) as client:
        yield client


class TestHlr:
    def test_lookup(self, api: httpx.Client) -> None:
        answer = api.get("/insight/hlr", params={"number": "+4790000000"})
        assert answer.status_code == 200
        assert answer.json() == {
            "number": "+4790000000",
            "status": "delivered",
            "valid": True,
            "country": "NO",
            "network": "telenor norge",
            "mccmnc": "24201",
            "number_type": "mobile",
            "mobile": True,
            "ported": None,
            "roaming": None,
            "reachable": None,
            "in_inventory": False,
        }

    def test_invalid_number_is_problem_json(self, api: httpx.Client) -> None:
        answer = api.get("/insight/hlr", params={"number": "nope"})
        assert answer.status_code == 422
        assert answer.json()["type"] == "invalid_number"
        assert answer.json()["detail"] == "Invalid number nope"


class TestFraud:
    def test_block_check_unblock(self, api: httpx.Client) -> None:
        made = api.post("/fraud/blocks", json={"prefix": "+47 900", "reason": "pumping"})
        assert made.status_code == 201
        assert made.json()["prefix"] == "+47900"
        assert "ops" in made.json()["created_by"]  # the admin token that made it
        listed = api.get("/fraud/blocks").json()
        assert [(b["prefix"], b["reason"]) for b in listed] == [("+47900", "pumping")]
        verdict = api.get("/fraud/check", params={"number": "4790000000"}).json()
        assert verdict == {
            "number": "+4790000000",
            "status": "fraudulent",
            "mobile_prefix": True,
            "reasons": ["blocked_prefix: +47900 is blocked (pumping)"],
        }
        assert api.delete("/fraud/blocks/47900").status_code == 200
        assert api.get("/fraud/blocks").json() == []
        missing = api.delete("/fraud/blocks/47900")
        assert (missing.status_code, missing.json()["detail"]) == (404, "+47900 is not blocked")

    def test_check_with_an_accounts_counts(self, api: httpx.Client, db: Database) -> None:
        alice = world.customer(db)
        for _ in range(5):
            with db.uow() as uow:
                fraud.check(uow, "+4790000000", account_id=alice.id, record_attempt=True)
        got = api.get("/fraud/check", params={"number": "+4790000000", "account": "alice"})
        assert got.json()["status"] == "suspicious"
        other = api.get("/fraud/check", params={"number": "+4790000000"})
        assert other.json()["status"] == "passed"

    def test_bad_prefix_changes_nothing(self, api: httpx.Client) -> None:
        answer = api.post("/fraud/blocks", json={"prefix": "abc"})
        assert answer.status_code == 422
        assert "1 to 15 digits" in answer.json()["detail"]
        assert api.get("/fraud/blocks").json() == []


class TestOperatorRentals:
    def test_charged_by_default_free_on_request(self, api: httpx.Client, db: Database) -> None:
        alice = world.customer(db, credit="10.00")
        first, second = world.numbers(db, 2)
        with db.uow() as uow:
            catalog.set_service(
                uow,
                catalog.ServiceSpec(
                    name="Unlimited", price=Decimal("1"), ltr_price=Decimal("4.25")
                ),
            )
        paid = api.post("/rentals", json={"account": "alice", "mdn": first})
        assert paid.status_code == 201, paid.text
        assert (paid.json()["mdn"], paid.json()["price"], paid.json()["days"]) == (
            first,
            "4.25",
            30,
        )
        free = api.post("/rentals", json={"account": "alice", "mdn": second, "free": True})
        assert (free.status_code, free.json()["price"]) == (201, "0.00")
        assert account_ops.account_info(db, "alice").balance == Decimal("5.75")
        taken = api.post("/rentals", json={"account": alice.username, "mdn": first})
        assert taken.status_code == 201  # the same account: a renewal ahead of time
        assert account_ops.account_info(db, "alice").balance == Decimal("1.50")
        bob = world.customer(db, "bob")
        refused = api.post("/rentals", json={"account": bob.username, "mdn": first})
        assert (refused.status_code, refused.json()["type"]) == (409, "mdn_not_available")


class TestInboundUrl:
    def test_set_shown_and_cleared(self, api: httpx.Client, db: Database) -> None:
        world.customer(db)
        set_ = api.patch("/accounts/alice", json={"inbound_url": "https://example.com/in"})
        assert set_.json()["inbound_url"] == "https://example.com/in"
        assert api.get("/accounts/alice").json()["inbound_url"] == "https://example.com/in"
        cleared = api.patch("/accounts/alice", json={"clear_inbound": True})
        assert cleared.json()["inbound_url"] is None

    def test_refused_target(self, api: httpx.Client, db: Database) -> None:
        db.settings.webhook_allow_private = False
        world.customer(db)
        refused = api.patch("/accounts/alice", json={"inbound_url": "http://10.0.0.1/in"})
        assert refused.status_code == 422
        assert refused.json()["detail"].startswith("Invalid inbound URL: ")
        assert api.get("/accounts/alice").json()["inbound_url"] is None
