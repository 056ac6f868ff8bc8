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


class TestMetrics:
    def test_only_open_activations_are_gauged(self, db: Database) -> None:
        world.service(db, "Amazon", "0.50")
        world.numbers(db, 2)
        who = world.customer(db)
        with serve(create_app(db.settings, db=db, run_worker=False)) as base:
            api = base + "/api_command.php"
            auth = {"user": who.username, "api_key": who.api_key}
            first = httpx.get(api, params={"cmd": "request", "service": "Amazon", **auth}).json()
            httpx.get(api, params={"cmd": "request", "service": "Amazon", **auth})
            rid = first["message"][0]["id"]
            httpx.get(api, params={"cmd": "reject", "id": rid, **auth})
            metrics = httpx.get(base + "/metrics").text
        assert 'simhive_activations{state="reserved"} 1.0' in metrics
        assert 'simhive_activations{state="awaiting_mdn"} 0.0' in metrics
        # Closed states only grow: their totals are counters, not a scan of every activation.
        assert 'simhive_activations{state="rejected"}' not in metrics
        assert (
            'simhive_api_requests_total{command="reject",dialect="command",outcome="ok"}' in metrics
        )

    def test_a_token_protects_metrics(self, db: Database) -> None:
        settings = db.settings.model_copy(update={"metrics_token": "scrape-secret"})
        with serve(create_app(settings, db=db, run_worker=False)) as base:
            for headers in (
                {},
                {"authorization": "Bearer wrong"},
                {"authorization": "scrape-secret"},
                {"authorization": "Basic scrape-secret"},
            ):
                answer = httpx.get(base + "/metrics", headers=headers)
                assert answer.status_code == 401
                assert "simhive_" not in answer.text
            good = httpx.get(base + "/metrics", headers={"authorization": "Bearer scrape-secret"})
        assert good.status_code == 200
        assert "simhive_outbox_backlog" in good.text
