"""The admin API's sandbox clock: its own scope, sandbox mode only, problem JSON refusals."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import httpx
import pytest

from simhive.app import create_app
from simhive.db.engine import make_engine
from simhive.db.uow import Database
from simhive.kit.clock import FrozenClock
from simhive.operations import operators
from simhive.settings import Settings
from tests.fixtures.servers import serve


@pytest.fixture
def sandboxed(settings: Settings, clock: FrozenClock) -> Iterator[Database]:
    config = settings.model_copy(update={"sandbox": True})
    database = Database(make_engine(config.database_url), clock, config)
    yield database
    database.engine.dispose()


def admin_url(db: Database) -> Iterator[str]:
    with serve(create_app(db.settings, db=db, run_worker=False)) as url:
        yield url + "/admin/v1"


@pytest.fixture
def sandbox_url(sandboxed: Database) -> Iterator[str]:
    yield from admin_url(sandboxed)


@pytest.fixture
def plain_url(db: Database) -> Iterator[str]:
    yield from admin_url(db)


def token(db: Database, *scopes: str) -> str:
    return operators.create_admin_token(db, name="ops", scopes=scopes)[1]


def call(method: str, url: str, key: str, **kwargs: object) -> httpx.Response:
    headers = {"authorization": f"Bearer {key}"}
    return httpx.request(method, url, headers=headers, timeout=10, **kwargs)  # type: ignore[arg-type]


class TestAdminClock:
    def test_show_and_advance(self, sandbox_url: str, sandboxed: Database) -> None:
        key = token(sandboxed, "clock")
        wall = sandboxed.clock.now()
        shown = call("GET", sandbox_url + "/clock", key)
        assert shown.status_code == 200, shown.text
        assert shown.json()["offset_s"] == 0 and shown.json()["offset"] == "0s"
        moved = call("POST", sandbox_url + "/clock/advance", key, json={"by": "3d"})
        assert moved.status_code == 200, moved.text
        body = moved.json()
        assert (body["offset_s"], body["offset"]) == (259200, "3d")
        assert datetime.fromisoformat(body["wall"]) == wall
        assert datetime.fromisoformat(body["now"]) == wall + timedelta(days=3)
        assert call("GET", sandbox_url + "/clock", key).json() == body

    @pytest.mark.parametrize(("method", "path"), [("GET", "/clock"), ("POST", "/clock/advance")])
    def test_needs_the_clock_scope(
        self, sandbox_url: str, sandboxed: Database, method: str, path: str
    ) -> None:
        others = [s.value for s in operators.Scope if s.value not in ("clock", "all")]
        refused = call(method, sandbox_url + path, token(sandboxed, *others), json={"by": "1m"})
        assert refused.status_code == 403
        assert "lacks the clock scope" in refused.json()["detail"]
        allowed = call(method, sandbox_url + path, token(sandboxed, "all"), json={"by": "1m"})
        assert allowed.status_code == 200

    @pytest.mark.parametrize(("method", "path"), [("GET", "/clock"), ("POST", "/clock/advance")])
    def test_refused_without_sandbox_mode(
        self, plain_url: str, db: Database, method: str, path: str
    ) -> None:
        answer = call(method, plain_url + path, token(db, "clock"), json={"by": "1m"})
        assert answer.status_code == 409
        assert answer.headers["content-type"] == "application/problem+json"
        assert answer.json()["detail"] == "the sandbox clock needs SIMHIVE_SANDBOX=1"

    @pytest.mark.parametrize(
        ("body", "words"),
        [
            ({"by": "-1d"}, "time only moves forward"),
            ({"by": "0m"}, "zero"),
            ({"by": "tomorrow"}, "is not a duration"),
            ({"by": "400d"}, "at most 366d at a time"),
            ({"by": 60}, "by:"),
            ({}, "by:"),
        ],
    )
    def test_bad_durations_are_problem_json_and_change_nothing(
        self, sandbox_url: str, sandboxed: Database, body: object, words: str
    ) -> None:
        key = token(sandboxed, "clock")
        answer = call("POST", sandbox_url + "/clock/advance", key, json=body)
        assert answer.status_code == 422
        assert answer.headers["content-type"] == "application/problem+json"
        assert words in answer.json()["detail"]
        assert call("GET", sandbox_url + "/clock", key).json()["offset_s"] == 0
