"""The fast read path: a locked SQLite database never stalls the event loop."""

from __future__ import annotations

import sqlite3
import threading
import time

import httpx
import pytest
from sqlalchemy.engine import make_url

from simhive.app import create_app
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
