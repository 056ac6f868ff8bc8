"""The admin API lists inbound and outgoing SMS, with the sms scope."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from simhive.app import create_app
from simhive.db.uow import Database
from simhive.operations import operators
from tests.fixtures import world
from tests.fixtures.outbound import heard_from, queue_sms
from tests.fixtures.servers import serve


@pytest.fixture
def base_url(db: Database) -> Iterator[str]:
    with serve(create_app(db.settings, db=db, run_worker=False)) as url:
        yield url + "/admin/v1"


def get(url: str, scope: str, db: Database, **params: str) -> httpx.Response:
    secret = operators.create_admin_token(db, name="ops", scopes=(scope,))[1]
    return httpx.get(url, params=params, headers={"authorization": f"Bearer {secret}"}, timeout=10)


class TestListSms:
    def test_incoming_and_outgoing(self, base_url: str, db: Database) -> None:
        world.service(db, "Google", "1.00")
        world.numbers(db, 1)
        alice = world.customer(db, "alice")
        mdn = heard_from(db, alice, sender="22000")
        message_id = queue_sms(db, alice, mdn, "22000", "STOP")

        (incoming,) = get(base_url + "/sms", "sms", db).json()
        assert {k: incoming[k] for k in ("to", "from", "status", "account", "pin")} == {
            "to": mdn,
            "from": "22000",
            "status": "routed",
            "account": "alice",
            "pin": "G-123456",
        }
        (outgoing,) = get(base_url + "/sms", "sms", db, direction="outgoing", to="22000").json()
        assert {k: outgoing[k] for k in ("id", "mdn", "to", "text", "status", "fee")} == {
            "id": message_id,
            "mdn": mdn,
            "to": "22000",
            "text": "STOP",
            "status": "queued",
            "fee": "0.10",
        }
        assert (outgoing["request"], outgoing["request_price"]) == (None, None)
        assert get(base_url + "/sms", "sms", db, direction="outgoing", to="33000").json() == []

    def test_needs_the_sms_scope_and_a_known_direction(self, base_url: str, db: Database) -> None:
        assert get(base_url + "/sms", "events", db).status_code == 403
        wrong = get(base_url + "/sms", "sms", db, direction="sideways")
        assert wrong.status_code == 422
        assert wrong.headers["content-type"] == "application/problem+json"
