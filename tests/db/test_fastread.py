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

    def test_waiters_are_served_in_the_order_they_came(self) -> None:
        async def scenario() -> list[int]:
            slots = Slots(["connection"])
            served: list[int] = []
            held = await slots.take()

            async def waiter(n: int) -> None:
                item = await slots.take()
                served.append(n)
                await asyncio.sleep(0)
                slots.give(item)

            tasks = []
            for n in range(5):
                tasks.append(asyncio.create_task(waiter(n)))
                await asyncio.sleep(0)
            slots.give(held)
            await asyncio.gather(*tasks)
            return served

        assert asyncio.run(scenario()) == [0, 1, 2, 3, 4]

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
            return got, slots.close()

        assert asyncio.run(scenario()) == ("connection", [])

    def test_a_waiter_cancelled_as_a_slot_comes_back_is_cancelled_and_the_slot_kept(
        self,
    ) -> None:
        async def scenario() -> list[str]:
            slots = Slots(["connection"])
            held = await slots.take()
            gone = asyncio.create_task(slots.take())
            await asyncio.sleep(0)
            gone.cancel()
            slots.give(held)  # on the same turn: the cancelled waiter is passed over
            with pytest.raises(asyncio.CancelledError):
                await gone
            return slots.close()

        assert asyncio.run(scenario()) == ["connection"]

    def test_a_read_timing_out_in_line_times_out(self) -> None:
        async def scenario() -> list[str]:
            slots = Slots(["connection"])
            held = await slots.take()
            loop = asyncio.get_running_loop()
            loop.call_later(0.05, slots.give, held)
            with pytest.raises(TimeoutError):
                async with asyncio.timeout(0.05):
                    await slots.take()
            await asyncio.sleep(0.1)
            return slots.close()

        assert asyncio.run(scenario()) == ["connection"]

    def test_once_closed_a_slot_given_back_goes_to_a_waiter_or_back_to_the_caller(
        self,
    ) -> None:
        async def scenario() -> tuple[list[str], bool, bool]:
            slots = Slots(["a", "b"])
            first, second = await slots.take(), await slots.take()
            waiting = asyncio.create_task(slots.take())
            await asyncio.sleep(0)
            free = slots.close()
            assert slots.give(first)  # a read still waits for it
            got = await waiting
            return free, got == first, slots.give(second)

        assert asyncio.run(scenario()) == ([], True, False)
