"""`/v1` at its edges: JSON and form bodies, numbers with or without `+`, exact statuses,
every error in 003's shape, the request limit, and the OpenAPI description."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import func, select

from simhive.core.errors import ErrorCode
from simhive.core.products.models import ProductRequest
from simhive.db.uow import Database
from simhive.dialects.rest.app import ROUTES
from simhive.dialects.rest.errors import ERRORS
from simhive.kit.clock import FrozenClock
from tests.fixtures.raw_http import post_unfinished
from tests.fixtures.rest import Caller, Rest, caller, rest_server

NUMBER = "447400900123"


def requests_made(rest: Rest) -> int:
    with rest.db.uow(write=False) as uow:
        return uow.session.scalar(select(func.count(ProductRequest.id))) or 0


@pytest.fixture
def rest(db: Database, clock: FrozenClock) -> Iterator[Rest]:
    with rest_server(db, clock) as server:
        yield server


@pytest.fixture
def alice(rest: Rest) -> Iterator[Caller]:
    _, credential = rest.customer("alice")
    with caller(rest.url, credential) as api:
        yield api


class TestBodies:
    @pytest.mark.parametrize("shape", ["form", "json"])
    def test_every_post_takes_json_and_forms(self, rest: Rest, alice: Caller, shape: str) -> None:
        def post(path: str, **fields: object) -> httpx.Response:
            if shape == "json":
                return alice.post(path, json=fields)
            return alice.post(path, **fields)

        started = post("/verify", number=NUMBER, method="sms", codeLength=5)
        assert started.status_code == 200
        request_id = started.json()["requestId"]
        rest.deliver()
        code = rest.simulator.inbox(NUMBER)[-1].text[-5:]
        assert post("/verify/info", requestId=request_id).status_code == 200
        assert post("/verify/check", requestId=request_id, code=code).status_code == 200
        assert post(f"/requests/{request_id}", goal="NUMBER_VERIFIED").status_code == 200
        assert post("/sms", number=NUMBER, text="hi").status_code == 200
        assert post("/calls/flash", number=NUMBER, code="1234").status_code == 200

    @pytest.mark.parametrize("number", ["+447400900123", "447400900123", "+44 7400 900123"])
    def test_numbers_with_or_without_plus(self, alice: Caller, number: str) -> None:
        request_id = alice.post("/verify", number=number, method="sms").json()["requestId"]
        assert alice.get(f"/requests/{request_id}").json()["number"] == "+447400900123"

    def test_an_unescaped_plus_in_a_form_as_curl_sends_it(self, alice: Caller) -> None:
        # `curl -d number="+447400900123"` sends the `+` as is; a form reads it as a space.
        response = alice.client.post(
            alice.base_url + "/v1/verify",
            content=b"number=+447400900123&method=sms",
            headers={"content-type": "application/x-www-form-urlencoded"},
        )
        request_id = response.json()["requestId"]
        body = alice.get(f"/requests/{request_id}").json()
        assert body["number"] == "+447400900123"
        assert body["payload"] == {"number": "+447400900123", "method": "sms"}

    @pytest.mark.parametrize(
        ("content", "kind"),
        [
            (b"{not json", "application/json"),
            (b"[1, 2]", "application/json"),
            (b'{"number": {"a": 1}, "method": "sms"}', "application/json"),
        ],
    )
    def test_bad_bodies_are_error_10(self, alice: Caller, content: bytes, kind: str) -> None:
        response = alice.client.post(
            alice.base_url + "/v1/verify", content=content, headers={"content-type": kind}
        )
        assert response.status_code == 400
        assert response.json()["errorCode"] == 10
        assert response.json()["errorReason"] == "Invalid request"

    def test_a_body_past_the_limit_is_refused(self, alice: Caller) -> None:
        response = alice.post("/sms", number=NUMBER, text="a" * 70_000)
        assert response.status_code == 400 and response.json()["errorCode"] == 10

    @pytest.mark.parametrize("declared", [500_000_000, None])
    def test_a_body_past_the_limit_is_never_read_whole(
        self, rest: Rest, alice: Caller, declared: int | None
    ) -> None:
        # Announced or streamed, the body stops at the limit: the server answers before
        # the client has sent the rest, and never holds more than the limit in memory.
        token = base64.b64encode(alice.credential.encode()).decode()
        status, body = post_unfinished(
            rest.url,
            "/v1/sms",
            sent=f"number={NUMBER}&text=".encode() + b"a" * 70_000,
            declared=declared,
            headers={"Authorization": f"Basic {token}"},
        )
        assert status == 400
        assert json.loads(body)["errorCode"] == 10
        assert requests_made(rest) == 0

    def test_deeply_nested_json_is_error_10(self, alice: Caller) -> None:
        content = b'{"number": ' + b"[" * 30_000 + b"]" * 30_000 + b"}"
        response = alice.client.post(
            alice.base_url + "/v1/verify",
            content=content,
            headers={"content-type": "application/json"},
        )
        assert response.status_code == 400 and response.json()["errorCode"] == 10

    @pytest.mark.parametrize(
        "body",
        [
            '{"number": "447400900123", "text": "hi \\ud800"}',
            '{"number": "447400900123", "text": "hi", "\\udfff": "x"}',
        ],
    )
    def test_lone_surrogates_are_error_10_and_nothing_is_sent(
        self, rest: Rest, alice: Caller, body: str
    ) -> None:
        # A JSON escape can name half a UTF-16 pair, which no database stores.
        response = alice.client.post(
            alice.base_url + "/v1/sms",
            content=body.encode(),
            headers={"content-type": "application/json"},
        )
        assert response.status_code == 400 and response.json()["errorCode"] == 10
        assert requests_made(rest) == 0

    @pytest.mark.parametrize(
        "query",
        [
            "&".join(f"f{i}=x" for i in range(40)),
            "note=" + "x" * 5000,
            "x" * 5000 + "=note",
            "note=%00",
        ],
    )
    def test_a_get_is_held_to_the_same_field_limits(
        self, rest: Rest, alice: Caller, query: str
    ) -> None:
        response = alice.client.get(alice.base_url + f"/v1/insight/hlr?number=%2B{NUMBER}&{query}")
        assert response.status_code == 400 and response.json()["errorCode"] == 10
        assert requests_made(rest) == 0


class TestAnswers:
    def test_unknown_paths_and_methods_answer_json(self, alice: Caller) -> None:
        missing = alice.get("/nowhere")
        assert missing.status_code == 404
        assert missing.json()["errorCode"] == 10
        wrong = alice.get("/verify")
        assert wrong.status_code == 405 and wrong.json()["errorCode"] == 10

    def test_every_core_error_has_a_rest_answer(self) -> None:
        assert set(ERRORS) == set(ErrorCode)
        statuses = {(e.code, e.status) for e in ERRORS.values()}
        # 003's codes with their HTTP statuses, DESIGN.md's 20-23, docs/rest-api.md's 17.
        assert statuses == {
            (1, 401), (2, 400), (4, 429), (5, 401), (6, 403), (10, 400), (11, 400), (16, 400),
            (17, 403), (20, 404), (21, 400), (22, 400), (23, 400),
        }  # fmt: skip

    def test_openapi_describes_every_route(self, rest: Rest) -> None:
        response = httpx.get(rest.url + "/v1/openapi.json")
        assert response.status_code == 200
        document = response.json()
        assert document["openapi"].startswith("3.1")
        for method, path, _, _ in ROUTES:
            assert method.lower() in document["paths"][path]
        verify = document["paths"]["/verify"]["post"]
        assert set(verify["requestBody"]["content"]) == {
            "application/json",
            "application/x-www-form-urlencoded",
        }
        assert "403" in verify["responses"] and "429" in verify["responses"]


class TestRequestLimit:
    def test_past_the_limit_error_4_with_retry_after(
        self, db: Database, clock: FrozenClock
    ) -> None:
        settings = db.settings.model_copy(update={"rest_rate_limit": "3/minute"})
        limited = Database(db.engine, clock, settings)
        with rest_server(limited, clock) as rest:
            _, credential = rest.customer("alice")
            _, other = rest.customer("bob")
            with caller(rest.url, credential) as api:
                codes = [api.get("/requests/x").status_code for _ in range(4)]
                assert codes == [404, 404, 404, 429]
                refused = api.get("/requests/x")
                assert refused.json() == {"errorCode": 4, "errorReason": "Too many requests",
                                          "errorDetail": refused.json()["errorDetail"]}  # fmt: skip
                assert refused.headers["retry-after"] == "60"
                clock.advance(20)
                assert api.get("/requests/x").headers["retry-after"] == "40"
            with caller(rest.url, other) as bob:
                assert bob.get("/requests/x").status_code == 404
            clock.advance(40)
            with caller(rest.url, credential) as api:
                assert api.get("/requests/x").status_code == 404
