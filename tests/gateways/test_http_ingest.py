"""The HTTP ingest gateway: token auth, idempotent by ref, stored before routed."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import func, select
from starlette.applications import Starlette

from simhive.app import create_app
from simhive.core.messages.models import Message
from simhive.db.uow import Database
from simhive.gateways import http_ingest
from simhive.gateways.base import InboundSMS
from simhive.kit.clock import FrozenClock, SandboxClock
from tests.fixtures import world
from tests.fixtures.servers import serve

TOKEN = "gw-secret-token"


@pytest.fixture
def base_url(db: Database) -> Iterator[str]:
    db.settings = db.settings.model_copy(update={"ingest_token": TOKEN})
    with serve(create_app(db.settings, db=db, run_worker=False)) as url:
        yield url


def post(base_url: str, token: str = TOKEN, **fields: str) -> httpx.Response:
    return httpx.post(
        base_url + "/gateway/v1/sms",
        data=fields,
        headers={"authorization": f"Bearer {token}"},
        timeout=10,
    )


def stored(db: Database) -> int:
    with db.uow(write=False) as uow:
        return int(uow.session.scalar(select(func.count()).select_from(Message)) or 0)


class TestHttpIngest:
    def test_wrong_token_stores_nothing(self, base_url: str, db: Database) -> None:
        response = post(base_url, token="nope", to="12125550100", text="hi", **{"from": "1"})
        assert response.status_code == 401
        assert stored(db) == 0

    def test_missing_fields_are_a_clear_400(self, base_url: str, db: Database) -> None:
        response = post(base_url, to="12125550100")
        assert response.status_code == 400
        assert "needs to, from and text" in response.json()["error"]
        assert stored(db) == 0

    def test_routes_to_the_reservation_and_is_idempotent_by_ref(
        self, base_url: str, db: Database
    ) -> None:
        world.service(db, "Google", "1.00")
        alice = world.customer(db)
        (mdn,) = world.numbers(db, 1)
        reply = httpx.get(
            base_url + "/api_command.php",
            params={
                "cmd": "request",
                "user": "alice",
                "api_key": alice.api_key,
                "service": "Google",
            },
        ).json()
        activation_id = int(reply["message"][0]["id"])
        fields = {"to": mdn, "from": "22000", "text": "G-804036 is your Google verification code."}
        first = post(base_url, ref="sms-1", **fields).json()
        assert (first["status"], first["activation_id"], first["duplicate"]) == (
            "routed",
            activation_id,
            False,
        )
        again = post(base_url, ref="sms-1", **fields).json()
        assert again == {"stored": True, "duplicate": True}
        assert stored(db) == 1
        other = post(base_url, ref="sms-2", **fields).json()
        assert other["status"] == "unrouted"
        assert stored(db) == 2

    def test_two_devices_numbering_their_sms_alike_lose_nothing(
        self, base_url: str, db: Database
    ) -> None:
        # Phones number their own SMS 1, 2, 3 ...: ref 42 of one phone is not ref 42 of
        # another. Each receives on its own numbers, so a ref counts per number.
        first = post(base_url, ref="42", to="12125550100", text="hello", **{"from": "22000"})
        second = post(base_url, ref="42", to="12125550101", text="G-777777", **{"from": "2"})
        assert first.json()["duplicate"] is False
        assert second.json()["duplicate"] is False
        assert stored(db) == 2
        again = post(base_url, ref="42", to="+1 212 555 0101", text="G-777777", **{"from": "2"})
        assert again.json() == {"stored": True, "duplicate": True}
        assert stored(db) == 2

    def test_json_body_and_unknown_number(self, base_url: str, db: Database) -> None:
        response = httpx.post(
            base_url + "/gateway/v1/sms",
            json={"to": "+1 (415) 555-0199", "from": "Apple", "text": "Your code is 1234"},
            headers={"authorization": f"Bearer {TOKEN}"},
        )
        assert response.json()["status"] == "unrouted"
        assert stored(db) == 1
        # A media type is named in any case.
        shouted = httpx.post(
            base_url + "/gateway/v1/sms",
            content=b'{"to": "14155550199", "from": "Apple", "text": "Your code is 5678"}',
            headers={"authorization": f"Bearer {TOKEN}", "content-type": "Application/JSON"},
        )
        assert shouted.json()["status"] == "unrouted"
        assert stored(db) == 2

    def test_hostile_fields_are_a_400_and_store_nothing(self, base_url: str, db: Database) -> None:
        for fields in (
            {"to": "12125550100", "from": "x", "text": "a\x00b"},
            {"to": "12125550100", "from": "x", "text": "hi", "ref": "r" * 200},
            {"to": "12125550100", "from": "x", "text": "hi", "received_at": "soon"},
        ):
            assert post(base_url, **fields).status_code == 400
        assert stored(db) == 0


def post_json(base_url: str, body: str | bytes, token: str = f"Bearer {TOKEN}") -> httpx.Response:
    return httpx.post(
        base_url + "/gateway/v1/sms",
        content=body,
        headers={"authorization": token, "content-type": "application/json"},
        timeout=30,
    )


class TestIngestRefusals:
    def test_the_token_needs_its_bearer_scheme(self, base_url: str, db: Database) -> None:
        fields = {"to": "12125550100", "from": "x", "text": "hi"}
        for header in (TOKEN, f"Basic {TOKEN}", f"Bearer{TOKEN}", f"Bearer {TOKEN}x"):
            response = httpx.post(
                base_url + "/gateway/v1/sms", data=fields, headers={"authorization": header}
            )
            assert response.status_code == 401
        assert stored(db) == 0
        assert post(base_url, **fields).status_code == 200

    @pytest.mark.parametrize(
        "body",
        [
            r'{"to": "12125550100", "from": "x", "text": "lone \ud800 surrogate"}',
            r'{"to": "12125550100", "from": "x\udfff", "text": "hi"}',
            r'{"to": "12125550100", "from": "x", "text": "hi", "ref": "r\ud83d"}',
            r'{"to": "12125550100", "from": "x", "text": "hi", "ref": "a\u0000b"}',
            r'{"to": "12125550100", "from": "x", "text": {"nested": "object"}}',
            '{"to": "12125550100", "from": "x", "text": "hi", "received_at": 1e18}',
            '{"to": "12125550100", "from": "x", "text": "hi", "received_at": "nan"}',
            '{"to": "12125550100", "from": "x", "text": "hi", "received_at": "inf"}',
            '{"to": "12125550100", "from": "x", "text": "hi", "received_at": "-inf"}',
            '{"to": "12125550100", "from": "x", "text": "hi", "received_at": -1}',
            "[" * 50_000 + "]" * 50_000,
            b'{"to": "12125550100", "from": "x", "text": "\xff\xfe"}',
        ],
    )
    def test_bad_json_is_a_400_and_stores_nothing(
        self, base_url: str, db: Database, body: str | bytes
    ) -> None:
        response = post_json(base_url, body)
        assert response.status_code == 400
        assert response.json()["error"]
        assert stored(db) == 0

    def test_received_at_in_range_is_kept(self, base_url: str, db: Database) -> None:
        body = '{"to": "12125550100", "from": "x", "text": "hi", "received_at": 1767225600}'
        assert post_json(base_url, body).status_code == 200
        assert stored(db) == 1

    def test_a_text_is_capped_at_255_segments(self, base_url: str, db: Database) -> None:
        longest = "x" * 39_015
        response = post(base_url, to="12125550100", text=longest, **{"from": "x"})
        assert response.status_code == 200
        response = post(base_url, to="12125550100", text=longest + "x", **{"from": "x"})
        assert response.status_code == 413
        assert "39015" in response.json()["error"]
        assert stored(db) == 1

    @pytest.mark.parametrize("kind", ["json", "form"])
    def test_a_body_past_the_limit_is_a_413(self, base_url: str, db: Database, kind: str) -> None:
        text = "x" * (1024 * 1024)
        if kind == "json":
            response = post_json(base_url, f'{{"to": "1", "from": "x", "text": "{text}"}}')
        else:
            response = post(base_url, to="12125550100", text=text, **{"from": "x"})
        assert response.status_code == 413
        assert response.json()["error"]
        assert stored(db) == 0

    def test_a_form_past_the_parser_limits_is_refused(self, base_url: str, db: Database) -> None:
        fields = {"to": "12125550100", "from": "x", "text": "hi"}
        fields.update({f"f{i}": "" for i in range(2000)})
        response = post(base_url, **fields)
        assert response.status_code == 400
        assert response.json()["error"]
        assert stored(db) == 0


def test_a_gateway_stamp_is_read_on_the_sandbox_clock() -> None:
    """A sandbox 30 days ahead takes an SMS a gateway stamps now as received now, not a
    month ago (which would put it outside "the past 30 minutes" of send_sms)."""
    wall = FrozenClock()
    clock = SandboxClock(lambda: 30 * 86400, refresh_s=3600, wall=wall)
    got: list[InboundSMS] = []
    app = Starlette(routes=http_ingest.routes(TOKEN, clock, got.append))
    stamped = int(wall.now().timestamp()) - 5
    with serve(app) as base:
        assert post(base, to="12125550100", **{"from": "x"}, text="hi").status_code == 200
        sent = post(base, to="12125550100", **{"from": "x"}, text="hi", received_at=str(stamped))
        assert sent.status_code == 200
    unstamped, gateway_time = got
    assert unstamped.received_at == clock.now() == wall.now() + timedelta(days=30)
    assert gateway_time.received_at == clock.now() - timedelta(seconds=5)


def test_a_stamp_the_sandbox_offset_carries_past_the_year_9999_is_refused() -> None:
    clock = SandboxClock(lambda: 30 * 86400, refresh_s=3600, wall=FrozenClock())
    got: list[InboundSMS] = []
    app = Starlette(routes=http_ingest.routes(TOKEN, clock, got.append))
    with serve(app) as base:
        late = post(base, to="12125550100", **{"from": "x"}, text="hi", received_at="253402300799")
    assert late.status_code == 400
    assert late.json() == {"error": "received_at must be unix seconds between 1970 and 9999"}
    assert got == []
