"""`/v1/insight/hlr` and `/v1/insight/fraudcheck` (003 "HLR lookup", "Fraud Check"), and the
fraud check in front of `/v1/verify`: real HTTP on both databases, money to the cent."""

from __future__ import annotations

import random
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from simhive.core.insight import fraud
from simhive.core.products.models import ProductRequest
from simhive.db.uow import Database
from simhive.kit.clock import FrozenClock
from tests.fixtures import world
from tests.fixtures.rest import Caller, Rest, caller, rest_server

MOBILE = "+4790000000"  # Telenor Norge, 24201
LANDLINE = "+442079460000"  # London
PREMIUM = "+449098790000"
UNALLOTTED = "+447700900001"  # Ofcom's drama range
HLR_KEYS = ["id", "product", "number", "mccmnc", "network", "country", "status", "createdAt"]


@pytest.fixture
def rest(db: Database, clock: FrozenClock) -> Iterator[Rest]:
    with rest_server(db, clock) as server:
        yield server


@pytest.fixture
def alice(rest: Rest) -> Iterator[Caller]:
    _, credential = rest.customer("alice")
    with caller(rest.url, credential) as api:
        yield api


def requests_of(db: Database, who: world.Customer) -> int:
    with db.uow(write=False) as uow:
        return int(
            uow.session.scalar(
                select(func.count())
                .select_from(ProductRequest)
                .where(ProductRequest.account_id == who.id)
            )
            or 0
        )


def error(response: object, code: int, status: int) -> None:
    assert response.status_code == status, response.text  # type: ignore[attr-defined]
    assert response.json()["errorCode"] == code  # type: ignore[attr-defined]


class TestHlr:
    def test_get_answers_003s_shape(self, rest: Rest, alice: Caller) -> None:
        created = int(rest.clock.now().timestamp() * 1000)
        response = alice.get("/insight/hlr?number=%2B4790000000")
        assert response.status_code == 200, response.text
        body = response.json()
        assert list(body) == HLR_KEYS
        assert body == {
            "id": body["id"],
            "product": "insight.hlr",
            "number": MOBILE,
            "mccmnc": "24201",
            "network": "telenor norge",
            "country": "NO",
            "status": "DELIVERED",
            "createdAt": created,
        }
        assert len(body["id"]) == 32

    @pytest.mark.parametrize("shape", ["form", "json"])
    def test_post_for_a_number_in_the_inventory(
        self, rest: Rest, alice: Caller, db: Database, shape: str
    ) -> None:
        (mdn,) = world.numbers(db, 1)  # carrier "TMobile"
        if shape == "json":
            response = alice.post("/insight/hlr", json={"number": mdn})
        else:
            response = alice.post("/insight/hlr", number="+" + mdn)
        assert response.status_code == 200, response.text
        body = response.json()
        assert list(body) == HLR_KEYS
        assert {k: body[k] for k in HLR_KEYS[1:]} == {
            "product": "insight.hlr",
            "number": "+" + mdn,
            "mccmnc": "310120",
            "network": "T-Mobile",
            "country": "US",
            "status": "DELIVERED",
            "createdAt": int(rest.clock.now().timestamp() * 1000),
        }

    def test_unallotted_number_is_undelivered(self, alice: Caller) -> None:
        body = alice.post("/insight/hlr", number=UNALLOTTED).json()
        assert (body["status"], body["country"], body["network"], body["mccmnc"]) == (
            "UNDELIVERED",
            "GB",
            None,
            None,
        )

    @pytest.mark.parametrize("number", ["hello", "+12", "+9991234567"])
    def test_invalid_number_is_11_and_free(self, rest: Rest, db: Database, number: str) -> None:
        who, credential = rest.customer("bob", credit="1.00")
        with caller(rest.url, credential) as api:
            response = api.post("/insight/hlr", number=number)
            missing = api.get("/insight/hlr")
        assert response.status_code == 400
        assert response.json()["errorCode"] == 11
        assert response.json()["errorReason"] == "Invalid number"
        error(missing, 10, 400)
        assert world.balance(db, who) == Decimal("1.00")
        assert requests_of(db, who) == 0

    def test_kept_as_a_request(self, alice: Caller) -> None:
        body = alice.get("/insight/hlr?number=4790000000").json()
        info = alice.get(f"/requests/{body['id']}").json()
        assert info == {
            "id": body["id"],
            "product": "insight.hlr",
            "number": MOBILE,
            "mccmnc": "24201",
            "network": "telenor norge",
            "country": "NO",
            "status": "DELIVERED",
            "createdAt": body["createdAt"],
            "payload": {"number": MOBILE},
            "goal": None,
            "goalAt": None,
        }

    def test_charged_per_lookup_and_refused_when_short(self, rest: Rest, db: Database) -> None:
        who, credential = rest.customer("carol", credit="0.02")
        with caller(rest.url, credential) as api:
            for _ in range(2):
                assert api.get(f"/insight/hlr?number={MOBILE[1:]}").status_code == 200
            assert world.balance(db, who) == Decimal("0.00")
            assert world.available(db, who) == Decimal("0.00")
            error(api.post("/insight/hlr", number=MOBILE), 6, 403)
        assert world.balance(db, who) == Decimal("0.00")
        assert requests_of(db, who) == 2


class TestFraudCheck:
    def test_a_normal_mobile_passes(self, alice: Caller) -> None:
        response = alice.post("/insight/fraudcheck", number=MOBILE)
        assert response.status_code == 200, response.text
        body = response.json()
        assert body == {"status": "PASSED", "mobilePrefix": True, "requestId": body["requestId"]}

    def test_a_blocked_prefix_is_fraudulent(self, alice: Caller, db: Database) -> None:
        with db.uow() as uow:
            fraud.block(uow, prefix="+479000", reason="pumping seen", made_by="ops")
        body = alice.post("/insight/fraudcheck", json={"number": MOBILE, "ip": "203.0.113.7"})
        assert body.json()["status"] == "FRAUDULENT"
        assert body.json()["mobilePrefix"] is True
        info = alice.get(f"/requests/{body.json()['requestId']}").json()
        assert info["product"] == "insight.fraudcheck"
        assert info["status"] == "DELIVERED"
        assert info["payload"] == {
            "number": MOBILE,
            "ip": "203.0.113.7",
            "verdict": {
                "status": "fraudulent",
                "mobile_prefix": True,
                "reasons": ["blocked_prefix: +479000 is blocked (pumping seen)"],
            },
        }

    def test_a_premium_number_is_fraudulent(self, alice: Caller) -> None:
        body = alice.post("/insight/fraudcheck", number=PREMIUM).json()
        assert (body["status"], body["mobilePrefix"]) == ("FRAUDULENT", False)

    def test_a_landline_is_not_mobile_prefix(self, alice: Caller) -> None:
        body = alice.post("/insight/fraudcheck", number=LANDLINE).json()
        assert (body["status"], body["mobilePrefix"]) == ("NOT_MOBILE_PREFIX", False)

    def test_invalid_number_and_ip(self, alice: Caller) -> None:
        error(alice.post("/insight/fraudcheck", number="hello"), 11, 400)
        error(alice.post("/insight/fraudcheck", number=MOBILE, ip="nope"), 10, 400)
        error(alice.post("/insight/fraudcheck"), 10, 400)

    def test_priced_and_no_verification_counted(self, rest: Rest, db: Database) -> None:
        who, credential = rest.customer("dave", credit="1.00")
        with caller(rest.url, credential) as api:
            for _ in range(8):  # more than fraud_number_limit (5): checks are not attempts
                assert api.post("/insight/fraudcheck", number=MOBILE).json()["status"] == "PASSED"
            assert world.balance(db, who) == Decimal("0.92")
            assert api.post("/verify", number=MOBILE, method="sms").status_code == 200
        assert world.available(db, who) == Decimal("0.87")


class TestVerifyGuard:
    def test_a_burst_of_sequential_numbers_is_refused_and_free(
        self, rest: Rest, db: Database
    ) -> None:
        who, credential = rest.customer("mallory", credit="1.00")
        with caller(rest.url, credential) as api:
            answers = [
                api.post("/verify", number=f"+4474009001{i:02d}", method="sms") for i in range(10)
            ]
            # Three neighbours tried (fraud_sequential_limit): the fourth on is SUSPICIOUS.
            assert [a.status_code for a in answers] == [200] * 3 + [403] * 7
            assert answers[3].json() == {
                "errorCode": 17,
                "errorReason": "Number refused",
                "errorDetail": "the fraud check answered SUSPICIOUS for +447400900103",
            }
            assert api.post("/verify", number=MOBILE, method="sms").status_code == 200
        assert world.available(db, who) == Decimal("1.00") - 4 * Decimal("0.05")
        assert world.balance(db, who) == Decimal("1.00")
        assert requests_of(db, who) == 4
        rest.deliver()
        assert world.balance(db, who) == Decimal("0.80")
        assert rest.simulator.inbox("447400900103") == []
        # Refused attempts counted too: walking on stays refused; once the window has
        # passed, the range is open again.
        with caller(rest.url, credential) as api:
            error(api.post("/verify", number="+447400900120", method="sms"), 17, 403)
            rest.clock.advance(3600 + 120)
            assert api.post("/verify", number="+447400900120", method="sms").status_code == 200

    def test_another_account_is_not_held_back(self, rest: Rest) -> None:
        _, first = rest.customer("erin")
        _, second = rest.customer("frank")
        with caller(rest.url, first) as erin, caller(rest.url, second) as frank:
            codes = [
                erin.post("/verify", number=f"+4474009002{i:02d}", method="sms").status_code
                for i in range(4)
            ]
            assert codes == [200, 200, 200, 403]
            assert frank.post("/verify", number="+447400900203", method="sms").status_code == 200

    def test_a_blocked_prefix_is_refused(self, alice: Caller, db: Database) -> None:
        with db.uow() as uow:
            fraud.block(uow, prefix="+4790")
        response = alice.post("/verify", number=MOBILE, method="voice")
        error(response, 17, 403)
        assert "FRAUDULENT" in response.json()["errorDetail"]

    def test_a_landline_by_voice_only(self, rest: Rest, db: Database) -> None:
        who, credential = rest.customer("grace", credit="1.00")
        with caller(rest.url, credential) as api:
            assert api.post("/verify", number=LANDLINE, method="voice").status_code == 200
            error(api.post("/verify", number=LANDLINE, method="sms"), 17, 403)
            error(api.post("/verify", number=LANDLINE, method="call"), 17, 403)
        assert world.available(db, who) == Decimal("0.92")
        assert requests_of(db, who) == 1


class TestConcurrentCharges:
    def test_no_lookup_without_its_cent(self, rest: Rest, db: Database) -> None:
        """Lookups and checks at once, in a random mix, from several clients: exactly as
        many answered as the credit pays for, each charged once, the rest error 6."""
        who, credential = rest.customer("ivan", credit="0.07")
        rng = random.Random()
        paths = [rng.choice(["/insight/hlr", "/insight/fraudcheck"]) for _ in range(16)]

        def one(path: str) -> int:
            with caller(rest.url, credential) as api:
                return api.post(path, number=MOBILE).status_code

        with ThreadPoolExecutor(4) as pool:
            codes = list(pool.map(one, paths))
        assert sorted(codes) == [200] * 7 + [403] * 9, paths
        assert world.balance(db, who) == Decimal("0.00")
        assert world.available(db, who) == Decimal("0.00")
        assert requests_of(db, who) == 7
