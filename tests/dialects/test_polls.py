"""Polls answered before the framework: the same answers as the routes give, once counted."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest
from prometheus_client import REGISTRY as DEFAULT_REGISTRY

from simhive.app import App, create_app
from simhive.db.uow import Database
from simhive.observability import REGISTRY
from tests.fixtures import world
from tests.fixtures.servers import serve
from tests.fixtures.world import Customer

GOOGLE = "7"


@pytest.fixture
def app(db: Database) -> App:
    world.service(db, "Amazon", "0.50")
    world.order_service(db, "Google", "1.00", int(GOOGLE))
    world.numbers(db, 2)
    world.foreign_numbers(db, "NL", 1)
    return create_app(db.settings, db=db, run_worker=False)


@pytest.fixture
def base(app: App) -> Iterator[str]:
    with serve(app) as url:
        yield url


def same(got: httpx.Response, route: httpx.Response) -> None:
    """A GET poll answered in front and the same call POSTed, which only a route answers."""
    assert got.status_code == route.status_code == 200
    assert got.content == route.content
    for header in ("content-type", "content-length"):
        assert got.headers[header] == route.headers[header]
    assert re.fullmatch(r"[0-9a-f]{16}", got.headers["x-request-id"])


def counted(dialect: str, command: str, outcome: str) -> float:
    for registry in (REGISTRY, DEFAULT_REGISTRY):
        value = registry.get_sample_value(
            "simhive_api_requests_total",
            {"dialect": dialect, "command": command, "outcome": outcome},
        )
        if value is not None:
            return value
    return 0.0


class TestRequestStatus:
    @pytest.fixture
    def poll(self, base: str, db: Database) -> tuple[str, Customer, Customer, str]:
        alice = world.customer(db, "alice", credit="10.00")
        bob = world.customer(db, "bob", credit="10.00")
        api = base + "/api_command.php"
        got = httpx.get(
            api,
            params={
                "cmd": "request",
                "user": alice.username,
                "api_key": alice.api_key,
                "service": "Amazon",
            },
        )
        return api, alice, bob, got.json()["message"][0]["id"]

    def test_every_answer_is_the_routes_own(
        self, poll: tuple[str, Customer, Customer, str]
    ) -> None:
        api, alice, bob, rid = poll
        cases = {
            "the owner": (alice.username, alice.api_key, rid),
            "by email": ("ALICE@example.com", alice.api_key, rid),
            "a wrong key": (alice.username, "0" * 32, rid),
            "another user's name": (bob.username, alice.api_key, rid),
            "another account's request": (bob.username, bob.api_key, rid),
            "an unknown id": (alice.username, alice.api_key, "999999"),
            "a malformed id": (alice.username, alice.api_key, "1; DROP TABLE"),
            "an id past 64 bits": (alice.username, alice.api_key, "9" * 30),
        }
        bodies = set()
        for case, (user, key, request_id) in cases.items():
            params = {"cmd": "request_status", "user": user, "api_key": key, "id": request_id}
            got = httpx.get(api, params=params)
            same(got, httpx.post(api, data=params))
            bodies.add(got.json()["status"] + ":" + str(got.json()["message"])[:40])
            assert got.headers["content-type"] == "application/json", case
        # The cases reach the four answers: the request, a bad login, an unknown request.
        assert len(bodies) >= 3
        owner = httpx.get(
            api,
            params={
                "cmd": "request_status",
                "user": alice.username,
                "api_key": alice.api_key,
                "id": rid,
            },
        ).json()
        assert owner["status"] == "ok"
        assert owner["message"][0]["status"] == "Reserved"

    def test_the_last_of_a_repeated_name_wins_as_on_the_route(
        self, poll: tuple[str, Customer, Customer, str]
    ) -> None:
        api, alice, _, rid = poll
        query = (
            f"cmd=balance&cmd=request_status&user=nobody&user={alice.username}"
            f"&api_key={alice.api_key}&id=0&id={rid}"
        )
        got = httpx.get(f"{api}?{query}")
        assert got.json()["status"] == "ok"
        assert got.json()["message"][0]["id"] == rid

    def test_the_callers_request_id_comes_back(
        self, poll: tuple[str, Customer, Customer, str]
    ) -> None:
        api, alice, _, rid = poll
        params = {
            "cmd": "request_status",
            "user": alice.username,
            "api_key": alice.api_key,
            "id": rid,
        }
        kept = httpx.get(api, params=params, headers={"x-request-id": "trace-42"})
        assert kept.headers["x-request-id"] == "trace-42"
        replaced = httpx.get(api, params=params, headers={"x-request-id": "a b"})
        assert re.fullmatch(r"[0-9a-f]{16}", replaced.headers["x-request-id"])

    def test_a_poll_is_counted_once(self, poll: tuple[str, Customer, Customer, str]) -> None:
        api, alice, _, rid = poll
        params = {
            "cmd": "request_status",
            "user": alice.username,
            "api_key": alice.api_key,
            "id": rid,
        }
        before = counted("command", "request_status", "ok")
        httpx.get(api, params=params)
        assert counted("command", "request_status", "ok") == before + 1
        wrong = {**params, "api_key": "0" * 32}
        before = counted("command", "request_status", "auth_failed")
        httpx.get(api, params=wrong)
        assert counted("command", "request_status", "auth_failed") == before + 1

    def test_what_is_not_a_poll_goes_to_the_routes(
        self, poll: tuple[str, Customer, Customer, str], app: App
    ) -> None:
        api, alice, _, rid = poll
        login = {"user": alice.username, "api_key": alice.api_key}
        status = {"cmd": "request_status", "id": rid, **login}
        # With the routes gone, only polls are answered.
        app.router.routes[:] = [
            r for r in app.router.routes if getattr(r, "path", "") != "/api_command.php"
        ]
        assert httpx.get(api, params=status).json()["status"] == "ok"
        assert httpx.post(api, data=status).status_code == 404
        assert httpx.get(api, params={"cmd": "balance", **login}).status_code == 404
        assert httpx.get(api, params={**status, "id": " "}).status_code == 404
        assert httpx.head(api, params=status).status_code == 404


class TestGetSms:
    @pytest.fixture
    def poll(self, base: str, db: Database) -> tuple[str, Customer, str]:
        carol = world.customer(db, "carol", credit="10.00")
        made = httpx.get(
            base + "/api/makeorder", params={"key": carol.api_key, "serviceId": GOOGLE}
        )
        order = re.fullmatch(r"ORDER_ID_(\d+)_NUMBER_\d+", made.text)
        assert order is not None, made.text
        return base + "/api/getsms", carol, order[1]

    def test_every_answer_is_the_routes_own(self, poll: tuple[str, Customer, str]) -> None:
        api, carol, order = poll
        answers = set()
        for key, order_id in [
            (carol.api_key, order),
            ("0" * 32, order),
            (carol.api_key, "999999"),
            (carol.api_key, "x"),
        ]:
            params = {"key": key, "orderId": order_id}
            got = httpx.get(api, params=params)
            same(got, httpx.post(api, data=params))
            assert got.headers["content-type"] == "text/plain; charset=utf-8"
            answers.add(got.text)
        assert "WAITING" in answers
        assert len(answers) >= 3

    def test_a_poll_is_counted_once(self, poll: tuple[str, Customer, str]) -> None:
        api, carol, order = poll
        before = counted("order", "getsms", "ok")
        httpx.get(api, params={"key": carol.api_key, "orderId": order})
        assert counted("order", "getsms", "ok") == before + 1
