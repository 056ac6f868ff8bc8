"""The admin API's SIM rotation: a gateway's slots set, shown and removed over HTTP."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import func, select

from simhive.app import create_app
from simhive.core.inventory import service as inventory
from simhive.core.inventory.models import Number
from simhive.core.rotation.models import GatewaySlots
from simhive.db.uow import Database
from tests.dialects.test_admin_api import call, token
from tests.fixtures.servers import serve

VIEW_KEYS = [
    "gateway",
    "slots",
    "window_s",
    "own_window",
    "set_by",
    "updated_at",
    "online",
    "waiting",
    "held",
    "requests",
]


@pytest.fixture
def base_url(db: Database) -> Iterator[str]:
    with serve(create_app(db.settings, db=db, run_worker=False)) as url:
        yield url + "/admin/v1"


def online(db: Database) -> int:
    with db.uow(write=False) as uow:
        return int(uow.session.scalar(select(func.count()).where(Number.online.is_(True))) or 0)


class TestAdminRotation:
    def test_set_show_change_and_remove(self, base_url: str, db: Database) -> None:
        with db.uow() as uow:
            for i in range(5):
                inventory.add_number(
                    uow, inventory.NumberSpec(mdn=f"1212555010{i}", gateway="bank-1")
                )
        key = token(db, "numbers", name="racks")
        put = call("PUT", base_url + "/rotation/bank-1", key, json={"slots": 2, "window_s": 900})
        assert put.status_code == 200, put.text
        body = put.json()
        assert list(body) == VIEW_KEYS
        assert {k: body[k] for k in VIEW_KEYS if k != "updated_at"} == {
            "gateway": "bank-1",
            "slots": 2,
            "window_s": 900,
            "own_window": True,
            "set_by": body["set_by"],
            "online": 2,
            "waiting": 3,
            "held": 0,
            "requests": 0,
        }
        assert "racks" in body["set_by"]
        assert online(db) == 2
        again = call("PUT", base_url + "/rotation/bank-1", key, json={"slots": 4})
        assert (again.json()["online"], again.json()["window_s"], again.json()["own_window"]) == (
            4,
            1800,
            False,
        )
        listed = call("GET", base_url + "/rotation", key).json()
        assert [v["gateway"] for v in listed] == ["bank-1"]
        gone = call("DELETE", base_url + "/rotation/bank-1", key)
        assert (gone.status_code, gone.json()) == (200, {"online": 1})
        assert online(db) == 5
        missing = call("DELETE", base_url + "/rotation/bank-1", key)
        assert missing.status_code == 404
        assert "bank-1 has no slots set" in missing.json()["detail"]

    @pytest.mark.parametrize(
        "body", [{"slots": 0}, {"slots": 1, "window_s": 59}, {"slots": "two"}, {}]
    )
    def test_bad_bodies_change_nothing(self, base_url: str, db: Database, body: object) -> None:
        refused = call("PUT", base_url + "/rotation/bank", token(db, "all"), json=body)
        assert refused.status_code == 422
        assert refused.headers["content-type"] == "application/problem+json"
        with db.uow(write=False) as uow:
            assert uow.session.scalar(select(func.count()).select_from(GatewaySlots)) == 0

    def test_a_gateway_name_past_32_characters_is_refused(
        self, base_url: str, db: Database
    ) -> None:
        refused = call(
            "PUT", base_url + "/rotation/" + "g" * 33, token(db, "all"), json={"slots": 1}
        )
        assert refused.status_code == 422
