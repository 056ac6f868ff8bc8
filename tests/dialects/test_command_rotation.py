"""`ltr_status` and `ltr_activate` on a SIM bank with fewer slots than SIMs, over real HTTP,
window after window on the fake clock, with the worker turning the slots."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select

from simhive.app import create_app
from simhive.core.events.models import Event
from simhive.core.rotation import service as rotation
from simhive.db.uow import Database
from simhive.kit.clock import FrozenClock
from simhive.worker.runner import Worker
from tests.dialects.test_command_api import Api
from tests.dialects.test_command_rentals import STATE_KEYS, alice
from tests.fixtures import world
from tests.fixtures.servers import serve
from tests.fixtures.world import Customer

__all__ = ["alice"]

WINDOW = 600


@pytest.fixture
def api(db: Database, alice: Customer) -> Iterator[Api]:
    with serve(create_app(db.settings, db=db, run_worker=False)) as url:
        yield Api(url, alice)


@pytest.fixture
def worker(db: Database) -> Iterator[Worker]:
    running = Worker(db)
    yield running
    running.stop()


def slots(db: Database, count: int) -> None:
    with db.uow() as uow:
        rotation.configure(
            uow, gateway="simulator", slots=count, window_s=WINDOW, set_by="operator"
        )


def unix(clock: FrozenClock, after: int = 0) -> int:
    return int((clock.now() + timedelta(seconds=after)).timestamp())


def answer(state: str, till_change: int, next_online: int, timestamp: int) -> dict[str, object]:
    return {
        "ltr_status": state,
        "till_change": till_change,
        "next_online": next_online,
        "timestamp": timestamp,
    }


class TestRotatingRentals:
    def test_status_and_activate_window_after_window(
        self, api: Api, db: Database, clock: FrozenClock, worker: Worker
    ) -> None:
        world.numbers(db, 3)
        rid = [str(api("ltr_rent", service="Amazon")["message"]["id"]) for _ in range(3)]
        slots(db, 1)  # the first stays online; the others wait, in order
        start = unix(clock)
        first = api("ltr_status", ltr_id=rid[0])["message"]
        assert list(first) == STATE_KEYS
        assert all(type(first[k]) is int for k in STATE_KEYS[1:])
        assert first == answer("online", WINDOW, start, start)
        assert api("ltr_status", ltr_id=rid[1])["message"] == answer(
            "offline", WINDOW, start + WINDOW, start
        )
        assert api("ltr_status", ltr_id=rid[2])["message"] == answer(
            "offline", 2 * WINDOW, start + 2 * WINDOW, start
        )

        clock.advance(seconds=60)
        now = unix(clock)
        asked = api("ltr_activate", ltr_id=rid[2])["message"]
        assert list(asked) == STATE_KEYS
        assert asked == answer("offline", WINDOW - 60, start + WINDOW, now)
        # The request passed the number whose turn came after it.
        assert api("ltr_status", ltr_id=rid[1])["message"] == answer(
            "offline", 2 * WINDOW - 60, start + 2 * WINDOW, now
        )
        with db.uow(write=False) as uow:
            # A gateway with slots is not asked: its slots are turned here.
            assert uow.session.scalars(select(Event)).all() == []

        clock.advance(seconds=WINDOW - 60 - 1)
        worker.run_pending()
        assert api("ltr_status", ltr_id=rid[2])["message"]["ltr_status"] == "offline"
        clock.advance(seconds=1)
        assert worker.run_pending().rotated == 2
        now = unix(clock)
        assert api("ltr_status", ltr_id=rid[2])["message"] == answer("online", WINDOW, now, now)
        assert api("ltr_status", ltr_id=rid[0])["message"] == answer(
            "offline", 2 * WINDOW, now + 2 * WINDOW, now
        )
        # Online already: asking again changes nothing.
        assert api("ltr_activate", ltr_id=rid[2])["message"] == answer("online", WINDOW, now, now)

        clock.advance(seconds=WINDOW)
        worker.run_pending()
        now = unix(clock)
        assert api("ltr_status", ltr_id=rid[1])["message"] == answer("online", WINDOW, now, now)
        clock.advance(seconds=WINDOW)
        worker.run_pending()
        now = unix(clock)
        assert api("ltr_status", ltr_id=rid[0])["message"] == answer("online", WINDOW, now, now)

    def test_activate_by_mdn_and_a_reservation_awaiting_its_number(
        self, api: Api, db: Database, clock: FrozenClock
    ) -> None:
        mdns = world.numbers(db, 2)
        api("ltr_rent", service="Amazon", duration="3")
        api("ltr_rent", service="Amazon", duration="3")
        slots(db, 1)
        now = unix(clock)
        assert api("ltr_activate", mdn=mdns[1])["message"] == answer(
            "offline", WINDOW, now + WINDOW, now
        )
        reserved = api("ltr_rent", service="Unlimited", reserve="true")["message"]
        assert api("ltr_activate", ltr_id=str(reserved["id"]))["message"] == answer(
            "awaiting mdn", 0, 0, now
        )

    def test_a_held_number_has_no_window_to_announce(
        self, api: Api, db: Database, clock: FrozenClock
    ) -> None:
        mdns = world.numbers(db, 2)
        rid = [str(api("ltr_rent", service="Amazon")["message"]["id"]) for _ in range(2)]
        slots(db, 1)
        with db.uow() as uow:
            rotation.set_online(uow, mdn=mdns[1], online=False)
        now = unix(clock)
        assert api("ltr_activate", ltr_id=rid[1])["message"] == answer("offline", 0, 0, now)
        # The other one keeps its slot: nobody else waits for it.
        assert api("ltr_status", ltr_id=rid[0])["message"] == answer("online", 0, now, now)
        with db.uow() as uow:
            rotation.set_online(uow, mdn=mdns[1], online=True)
        # Back in line, with its request's place: next when the window ends.
        assert api("ltr_status", ltr_id=rid[1])["message"] == answer(
            "offline", WINDOW, now + WINDOW, now
        )
