"""The fast read path: a locked SQLite database never stalls the event loop."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time

import httpx
import pytest
from sqlalchemy.engine import make_url

from simhive.app import create_app
from simhive.db.fastread import Slots
from simhive.db.uow import Database
from tests.fixtures import world
from tests.fixtures.servers import serve


class TestSqliteFastRead:
    def test_a_read_waiting_on_a_locked_database_leaves_the_loop_free(
        self, backend: str, db: Database
    ) -> None:
        if backend != "sqlite":
            pytest.skip("the event-loop read path is SQLite's")
        world.service(db, "Amazon", "0.50")
        world.numbers(db, 1)
        who = world.customer(db)
        params = {"user": who.username, "api_key": who.api_key}
        with serve(create_app(db.settings, db=db, run_worker=False)) as base:
            api = base + "/api_command.php"
            reply = httpx.get(api, params={"cmd": "request", "service": "Amazon", **params})
            status = {"cmd": "request_status", "id": reply.json()["message"][0]["id"], **params}
            # Another program takes the database for itself (it must be the only one with the
            # file open to do so): every reader now has to wait.
            db.engine.dispose()
            path = make_url(db.settings.database_url).database
            assert path is not None
            holder = sqlite3.connect(path, isolation_level=None)
            holder.execute("PRAGMA locking_mode=EXCLUSIVE")
            holder.execute("BEGIN EXCLUSIVE")
            answers: list[httpx.Response] = []
            waiting = threading.Thread(
                target=lambda: answers.append(httpx.get(api, params=status, timeout=60))
            )
            waiting.start()
            try:
                time.sleep(0.5)  # the status read is now waiting for the lock
                assert not answers
                # The same process still answers everything else meanwhile.
                assert httpx.get(base + "/livez", timeout=10).status_code == 200
            finally:
                holder.execute("COMMIT")
                holder.close()
            waiting.join(timeout=60)
        assert answers[0].json()["status"] == "ok"


class TestSlots:
    """Connections for reads are taken in turn: no newcomer overtakes a waiting read."""

    def test_a_slot_given_back_goes_to_the_waiter_before_a_newcomer(self) -> None:
        async def scenario() -> list[str]:
            slots = Slots(["connection"])
            served: list[str] = []
            held = await slots.take()

            async def waiter() -> None:
                item = await slots.take()
                served.append("waiter")
                slots.give(item)

            task = asyncio.create_task(waiter())
            await asyncio.sleep(0)  # the waiter is now in line
            slots.give(held)
            # Asked on the same turn of the loop, before the waiter has run again.
            item = await slots.take()
            served.append("newcomer")
            slots.give(item)
            await task
            return served

        assert asyncio.run(scenario()) == ["waiter", "newcomer"]

    def test_a_waiter_cancelled_as_it_is_handed_a_slot_passes_it_on(self) -> None:
        async def scenario() -> tuple[str, list[str]]:
            slots = Slots(["connection"])
            held = await slots.take()
            first = asyncio.create_task(slots.take())
            second = asyncio.create_task(slots.take())
            await asyncio.sleep(0)
            slots.give(held)  # handed to the first waiter, which has not run yet
            first.cancel()
            got = await asyncio.wait_for(second, timeout=5)
            return got, slots.drain()

        assert asyncio.run(scenario()) == ("connection", [])

    def test_a_waiter_cancelled_in_line_leaves_the_line(self) -> None:
        async def scenario() -> list[str]:
            slots = Slots(["connection"])
            held = await slots.take()
            gone = asyncio.create_task(slots.take())
            await asyncio.sleep(0)
            gone.cancel()
            with pytest.raises(asyncio.CancelledError):
                await gone
            slots.give(held)
            return slots.drain()

        assert asyncio.run(scenario()) == ["connection"]
