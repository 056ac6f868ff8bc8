"""After PostgreSQL drops every connection (a restart), the next request succeeds."""

from __future__ import annotations

import httpx
import pytest
import sqlalchemy as sa

from simhive.app import create_app
from simhive.db.engine import make_engine
from simhive.db.uow import Database
from tests.fixtures import world
from tests.fixtures.servers import serve


def terminate_backends(url: str) -> int:
    """End every other session on the database, and wait until they are gone."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            ended = conn.execute(
                sa.text(
                    "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid, 10000)) "
                    "FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            ).scalar_one()
    finally:
        engine.dispose()
    return int(ended)


class TestReconnect:
    def test_requests_after_the_backends_are_terminated(self, backend: str, db: Database) -> None:
        if backend != "postgresql":
            pytest.skip("PostgreSQL connections outlive a server restart in the pool")
        world.service(db, "Amazon", "0.50")
        world.numbers(db, 2)
        who = world.customer(db)
        auth = {"user": who.username, "api_key": who.api_key}
        with serve(create_app(db.settings, db=db, run_worker=False)) as base:
            api = base + "/api_command.php"
            reply = httpx.get(api, params={"cmd": "request", "service": "Amazon", **auth}).json()
            status = {"cmd": "request_status", "id": reply["message"][0]["id"], **auth}
            # Both paths have pooled connections: the async reader's and the engine's.
            assert httpx.get(api, params=status).json()["status"] == "ok"
            assert httpx.get(api, params={"cmd": "balance", **auth}).json()["status"] == "ok"
            assert terminate_backends(db.settings.database_url) >= 2
            assert httpx.get(api, params=status).json()["status"] == "ok"
            assert httpx.get(api, params={"cmd": "balance", **auth}).json()["status"] == "ok"
            second = httpx.get(api, params={"cmd": "request", "service": "Amazon", **auth})
            assert second.json()["status"] == "ok"
            assert httpx.get(base + "/healthz").json()["status"] == "ok"
