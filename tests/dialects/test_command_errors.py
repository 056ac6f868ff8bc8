"""Every core error has the command API's wording; server errors carry a request id."""

from __future__ import annotations

import httpx
from sqlalchemy import text

from simhive.app import create_app
from simhive.core.errors import ErrorCode
from simhive.db.uow import Database
from simhive.dialects.command.errors import MESSAGES
from tests.fixtures import world
from tests.fixtures.servers import serve


class TestErrorCatalogue:
    def test_every_code_is_worded(self) -> None:
        assert set(MESSAGES) == set(ErrorCode)


class TestServerErrors:
    def test_answered_as_json_with_the_request_id_and_no_trace(self, db: Database) -> None:
        who = world.customer(db)
        with serve(create_app(db.settings, db=db, run_worker=False)) as base:
            # A real failure underneath: the table the command reads has gone away.
            with db.engine.begin() as conn:
                conn.execute(text("ALTER TABLE number_usages RENAME TO number_usages_away"))
            try:
                response = httpx.get(
                    base + "/api_command.php",
                    params={"cmd": "list_services", "user": who.username, "api_key": who.api_key},
                    headers={"x-request-id": "trace-me-42"},
                )
            finally:
                with db.engine.begin() as conn:
                    conn.execute(text("ALTER TABLE number_usages_away RENAME TO number_usages"))
        assert response.status_code == 200
        assert response.headers["x-request-id"] == "trace-me-42"
        assert response.json() == {
            "status": "error",
            "message": "Internal server error (request trace-me-42)",
        }


class TestOperations:
    def test_health_and_metrics(self, db: Database) -> None:
        who = world.customer(db)
        with serve(create_app(db.settings, db=db, run_worker=False)) as base:
            assert httpx.get(base + "/healthz").json()["status"] == "ok"
            assert httpx.get(base + "/livez").json() == {"status": "ok"}
            httpx.get(
                base + "/api_command.php",
                params={"cmd": "balance", "user": who.username, "api_key": who.api_key},
            )
            metrics = httpx.get(base + "/metrics").text
        assert (
            'simhive_api_requests_total{command="balance",dialect="command",outcome="ok"}'
            in metrics
        )
        for name in (
            'simhive_activations{state="reserved"}',
            "simhive_outbox_backlog",
            "simhive_sms_received_total",
            "simhive_time_to_code_seconds",
            "simhive_webhook_deliveries_total",
        ):
            assert name in metrics
