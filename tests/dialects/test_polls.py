"""Polls answered before the framework: the same answers as the routes give, once counted.

Two servers share one database: `front` has lost its poll routes, so only the front can
answer a poll there; `routed` answers nothing in front, so its routes answer every poll.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

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
COMMAND, GETSMS = "/api_command.php", "/api/getsms"


@dataclass(frozen=True)
class Servers:
    front: str
    routed: str
    app: App


@pytest.fixture
def servers(db: Database) -> Iterator[Servers]:
    world.service(db, "Amazon", "0.50")
    world.order_service(db, "Google", "1.00", int(GOOGLE))
    world.numbers(db, 2)
    world.foreign_numbers(db, "NL", 1)
    front = create_app(db.settings, db=db, run_worker=False)
    front.router.routes[:] = [
        r for r in front.router.routes if getattr(r, "path", "") not in (COMMAND, GETSMS)
    ]
    routed = create_app(db.settings, db=db, run_worker=False)
    routed.polls = {}
    with serve(front) as front_url, serve(routed) as routed_url:
        yield Servers(front_url, routed_url, front)


def same(servers: Servers, path: str, query: str) -> httpx.Response:
    """A GET that only the front can answer, and the same GET answered by a route."""
    got = httpx.get(f"{servers.front}{path}?{query}")
    route = httpx.get(f"{servers.routed}{path}?{query}")
    assert got.status_code == route.status_code == 200
    assert got.content == route.content
    for header in ("content-type", "content-length"):
        assert got.headers[header] == route.headers[header]
    assert re.fullmatch(r"[0-9a-f]{16}", got.headers["x-request-id"])
    return got


def status_of(who: Customer, rid: str) -> dict[str, str]:
    return {"cmd": "request_status", "user": who.username, "api_key": who.api_key, "id": rid}


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
    def poll(self, servers: Servers, db: Database) -> tuple[Customer, Customer, str]:
        alice = world.customer(db, "alice", credit="10.00")
        bob = world.customer(db, "bob", credit="10.00")
        got = httpx.get(
            servers.routed + COMMAND,
            params={
                "cmd": "request",
                "user": alice.username,
                "api_key": alice.api_key,
                "service": "Amazon",
            },
        )
        return alice, bob, got.json()["message"][0]["id"]

    def test_every_answer_is_the_routes_own(
        self, servers: Servers, poll: tuple[Customer, Customer, str]
    ) -> None:
        alice, bob, rid = poll
        cases = {
            "the owner": (alice.username, alice.api_key, rid),
            "by email, in capitals": ("ALICE@example.com", alice.api_key, rid),
            "a wrong key": (alice.username, "0" * 32, rid),
            "another user's name": (bob.username, alice.api_key, rid),
            "another account's request": (bob.username, bob.api_key, rid),
            "an unknown id": (alice.username, alice.api_key, "999999"),
            "a malformed id": (alice.username, alice.api_key, "1; DROP TABLE"),
            "an id past 64 bits": (alice.username, alice.api_key, "9" * 30),
            "a padded id": (alice.username, alice.api_key, f" {rid} "),
        }
        answers = {}
        for case, (user, key, request_id) in cases.items():
            query = httpx.QueryParams(cmd="request_status", user=user, api_key=key, id=request_id)
            got = same(servers, COMMAND, str(query))
            assert got.headers["content-type"] == "application/json", case
            answers[case] = got.json()
        assert answers["the owner"]["status"] == "ok"
        assert answers["the owner"]["message"][0]["status"] == "Reserved"
        assert answers["by email, in capitals"] == answers["the owner"]
        assert answers["a wrong key"] == {
            "status": "error",
            "message": "Invalid user name or API key",
        }
        assert answers["an unknown id"]["message"] == "Invalid request ID"

    def test_odd_query_strings_get_the_routes_answers(
        self, servers: Servers, poll: tuple[Customer, Customer, str]
    ) -> None:
        alice, _, rid = poll
        login = f"api_key={alice.api_key}&cmd=request_status"
        for user in ["alice", "%61lice", "al%FFice", "ali+ce", "alice%00", "%C3%A4"]:
            same(servers, COMMAND, f"user={user}&{login}&id={rid}")
        for tail in [f"&id={rid}&&=&", f"&id={rid};x=1", f"&id={rid}&x=" + "y" * 5000]:
            same(servers, COMMAND, f"user=alice&{login}{tail}")
        # A blank value is not a poll; the route answers it (the front server has none).
        for query in [
            f"user=&{login}&id={rid}",
            f"user=%20&{login}&id={rid}",
            f"user=alice&{login}&id={rid}&id=",
        ]:
            assert httpx.get(f"{servers.front}{COMMAND}?{query}").status_code == 404
            assert httpx.get(f"{servers.routed}{COMMAND}?{query}").json()["status"] == "error"

    def test_the_last_of_a_repeated_name_wins_as_on_the_route(
        self, servers: Servers, poll: tuple[Customer, Customer, str]
    ) -> None:
        alice, bob, rid = poll
        query = (
            f"cmd=request_status&user={bob.username}&user={alice.username}"
            f"&api_key={bob.api_key}&api_key={alice.api_key}&id=0&id={rid}"
        )
        got = same(servers, COMMAND, query)
        assert got.json()["status"] == "ok"
        assert got.json()["message"][0]["id"] == rid

    def test_the_callers_request_id_comes_back(
        self, servers: Servers, poll: tuple[Customer, Customer, str]
    ) -> None:
        alice, _, rid = poll
        params = status_of(alice, rid)
        url = servers.front + COMMAND
        kept = httpx.get(url, params=params, headers={"x-request-id": "trace-42"})
        assert kept.headers["x-request-id"] == "trace-42"
        replaced = httpx.get(url, params=params, headers={"x-request-id": "a b"})
        assert re.fullmatch(r"[0-9a-f]{16}", replaced.headers["x-request-id"])

    def test_a_poll_is_counted_once(
        self, servers: Servers, poll: tuple[Customer, Customer, str]
    ) -> None:
        alice, _, rid = poll
        params = status_of(alice, rid)
        before = counted("command", "request_status", "ok")
        httpx.get(servers.front + COMMAND, params=params)
        assert counted("command", "request_status", "ok") == before + 1
        wrong = {**params, "api_key": "0" * 32}
        before = counted("command", "request_status", "auth_failed")
        httpx.get(servers.front + COMMAND, params=wrong)
        assert counted("command", "request_status", "auth_failed") == before + 1

    def test_what_is_not_a_poll_goes_to_the_routes(
        self, servers: Servers, poll: tuple[Customer, Customer, str]
    ) -> None:
        alice, _, rid = poll
        status = status_of(alice, rid)
        login = {"user": alice.username, "api_key": alice.api_key}
        url = servers.front + COMMAND
        # The front server has no route for polls: what the front declines is not found.
        assert httpx.get(url, params=status).json()["status"] == "ok"
        assert httpx.post(url, data=status).status_code == 404
        assert httpx.get(url, params={"cmd": "balance", **login}).status_code == 404
        assert httpx.get(url, params={**status, "id": " "}).status_code == 404
        assert httpx.head(url, params=status).status_code == 404


class TestGetSms:
    @pytest.fixture
    def poll(self, servers: Servers, db: Database) -> tuple[Customer, str]:
        carol = world.customer(db, "carol", credit="10.00")
        made = httpx.get(
            servers.routed + "/api/makeorder", params={"key": carol.api_key, "serviceId": GOOGLE}
        )
        order = re.fullmatch(r"ORDER_ID_(\d+)_NUMBER_\d+", made.text)
        assert order is not None, made.text
        return carol, order[1]

    def test_every_answer_is_the_routes_own(
        self, servers: Servers, poll: tuple[Customer, str]
    ) -> None:
        carol, order = poll
        answers = []
        for key, order_id in [
            (carol.api_key, order),
            ("0" * 32, order),
            (carol.api_key, "999999"),
            (carol.api_key, "x"),
        ]:
            got = same(servers, GETSMS, str(httpx.QueryParams(key=key, orderId=order_id)))
            assert got.headers["content-type"] == "text/plain; charset=utf-8"
            answers.append(got.text)
        assert answers[:3] == ["WAITING", "UNAUTHORIZED", "ORDER_NOT_FOUND"]

    def test_what_is_not_a_poll_goes_to_the_routes(
        self, servers: Servers, poll: tuple[Customer, str]
    ) -> None:
        carol, order = poll
        url = servers.front + GETSMS
        assert httpx.get(url, params={"key": carol.api_key, "orderId": order}).text == "WAITING"
        assert httpx.post(url, data={"key": carol.api_key, "orderId": order}).status_code == 404
        assert httpx.get(url, params={"key": carol.api_key}).status_code == 404

    def test_a_poll_is_counted_once(self, servers: Servers, poll: tuple[Customer, str]) -> None:
        carol, order = poll
        before = counted("order", "getsms", "ok")
        httpx.get(servers.front + GETSMS, params={"key": carol.api_key, "orderId": order})
        assert counted("order", "getsms", "ok") == before + 1


class TestBehindAProxy:
    def test_a_root_path_is_taken_off_at_a_slash_as_the_routes_do(self, servers: Servers) -> None:
        seen: list[str] = []

        async def poll(query: object) -> tuple[bytes, str]:
            seen.append("front")
            return b"{}", "application/json"

        app = servers.app
        app.polls = {COMMAND: poll}

        async def call(path: str, root: str) -> None:
            scope = {
                "type": "http",
                "method": "GET",
                "path": path,
                "root_path": root,
                "query_string": b"",
                "headers": [],
            }
            sent: list[object] = []

            async def receive() -> dict[str, object]:
                return {"type": "http.request", "body": b""}

            async def send(message: object) -> None:
                sent.append(message)

            await app(scope, receive, send)

        import asyncio

        for path, root, front in [
            ("/proxy/api_command.php", "/proxy", True),
            ("/api_command.php", "/", True),
            ("/api_command.php", "/api", True),
            ("/proxyapi_command.php", "/proxy", False),
        ]:
            seen.clear()
            asyncio.run(call(path, root))
            assert (seen == ["front"]) is front, (path, root)
