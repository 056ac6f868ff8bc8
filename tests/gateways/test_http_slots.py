"""A SIM bank over HTTP: it reports its slots and SIMs, and reads which numbers to hold."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import func, select

from simhive.app import create_app
from simhive.core.inventory import service as inventory
from simhive.core.rotation.models import GatewaySlots
from simhive.db.uow import Database
from simhive.kit.clock import FrozenClock
from tests.fixtures.servers import serve

TOKEN = "gw-secret-token"
MDNS = [f"121255501{i:02d}" for i in range(3)]


@pytest.fixture
def base_url(db: Database) -> Iterator[str]:
    db.settings = db.settings.model_copy(update={"ingest_token": TOKEN})
    with db.uow() as uow:
        for mdn in MDNS:
            inventory.add_number(uow, inventory.NumberSpec(mdn=mdn, gateway="rack-7"))
    with serve(create_app(db.settings, db=db, run_worker=False)) as url:
        yield url + "/gateway/v1"


def call(method: str, url: str, token: str = TOKEN, **kwargs: object) -> httpx.Response:
    headers = {"authorization": f"Bearer {token}"}
    return httpx.request(method, url, headers=headers, timeout=10, **kwargs)  # type: ignore[arg-type]


def configured(db: Database) -> int:
    with db.uow(write=False) as uow:
        return int(uow.session.scalar(select(func.count()).select_from(GatewaySlots)) or 0)


class TestSimBankOverHttp:
    def test_slots_reported_then_the_numbers_to_hold(
        self, base_url: str, db: Database, clock: FrozenClock
    ) -> None:
        reported = call(
            "POST", base_url + "/slots", data={"gateway": "rack-7", "slots": "2", "window_s": "900"}
        )
        assert reported.status_code == 200, reported.text
        assert reported.json() == {
            "gateway": "rack-7",
            "slots": 2,
            "window_s": 900,
            "online": 2,
            "waiting": 1,
            "held": 0,
        }
        until = int((clock.now() + timedelta(seconds=900)).timestamp())
        plan = call("GET", base_url + "/slots", params={"gateway": "rack-7"}).json()
        assert plan["numbers"] == [
            {"mdn": MDNS[0], "until": until},
            {"mdn": MDNS[1], "until": until},
        ]
        with db.uow(write=False) as uow:
            (row,) = uow.session.scalars(select(GatewaySlots))
            assert row.set_by == "gateway rack-7"
        # JSON works too, and an omitted window is kept.
        again = call("POST", base_url + "/slots", json={"gateway": "rack-7", "slots": 3})
        assert (again.json()["window_s"], again.json()["online"]) == (900, 3)

    def test_a_sim_dropping_out_is_held_and_its_slot_goes_on(
        self, base_url: str, db: Database
    ) -> None:
        call("POST", base_url + "/slots", data={"gateway": "rack-7", "slots": "2"})
        out = call("POST", base_url + "/status", data={"mdn": MDNS[0], "online": "0"})
        assert out.json() == {"mdn": MDNS[0], "online": False, "held": True}
        plan = call("GET", base_url + "/slots", params={"gateway": "rack-7"}).json()
        assert [n["mdn"] for n in plan["numbers"]] == [MDNS[1], MDNS[2]]
        back = call("POST", base_url + "/status", json={"mdn": MDNS[0], "online": "true"})
        assert back.json() == {"mdn": MDNS[0], "online": False, "held": False}  # in line

    @pytest.mark.parametrize(
        ("path", "body", "status", "words"),
        [
            ("/slots", {"gateway": "rack-7"}, 400, "needs gateway and slots"),
            ("/slots", {"gateway": "rack-7", "slots": "two"}, 400, "slots must be a whole"),
            ("/slots", {"gateway": "rack-7", "slots": "0"}, 400, "slots must be 1 to 100000"),
            ("/slots", {"gateway": "rack-7", "slots": "1", "window_s": "5"}, 400, "60 seconds"),
            ("/status", {"mdn": MDNS[0], "online": "maybe"}, 400, "online must be 1 or 0"),
            ("/status", {"online": "1"}, 400, "needs mdn and online"),
            ("/status", {"mdn": "12125559999", "online": "1"}, 404, "no number"),
            # A NUL PostgreSQL cannot store (it answered 500), a name too long to be one.
            ("/slots", {"gateway": "rack-7\x00", "slots": "1"}, 400, "printable"),
            ("/slots", {"gateway": "r" * 65, "slots": "1"}, 400, "1 to 64 printable"),
            ("/status", {"mdn": "1" * 100_000, "online": "1"}, 400, "1 to 32 printable"),
        ],
    )
    def test_bad_reports_change_nothing(
        self, base_url: str, db: Database, path: str, body: dict[str, str], status: int, words: str
    ) -> None:
        refused = call("POST", base_url + path, data=body)
        assert refused.status_code == status
        assert words in refused.json()["error"]
        assert configured(db) == 0

    def test_the_token_is_required_and_unknown_gateways_are_404(
        self, base_url: str, db: Database
    ) -> None:
        assert call("GET", base_url + "/slots", token="nope").status_code == 401
        refused = call(
            "POST", base_url + "/slots", token="nope", data={"gateway": "g", "slots": "1"}
        )
        assert refused.status_code == 401
        assert call("POST", base_url + "/status", token="wrong", data={}).status_code == 401
        missing = call("GET", base_url + "/slots", params={"gateway": "rack-9"})
        assert (missing.status_code, missing.json()) == (
            404,
            {"error": "gateway rack-9 has no slots set"},
        )
        assert configured(db) == 0
