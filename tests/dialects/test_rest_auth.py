"""`/v1` authentication: access tokens as HTTP Basic, 003's errors 1, 2, 4 and 5."""

from __future__ import annotations

import base64
from collections.abc import Iterator

import httpx
import pytest

from simhive.core.accounts import service as accounts
from simhive.core.accounts.models import Account
from simhive.core.tokens import service as tokens
from simhive.core.tokens.models import AccessToken
from simhive.db.uow import Database
from simhive.kit.clock import FrozenClock
from tests.fixtures.rest import Rest, caller, rest_server

AUTH_REQUIRED = {"errorCode": 1, "errorReason": "Authentication required"}


@pytest.fixture
def rest(db: Database, clock: FrozenClock) -> Iterator[Rest]:
    with rest_server(db, clock) as server:
        yield server


def info(rest: Rest, credential: str) -> httpx.Response:
    with caller(rest.url, credential) as api:
        return api.post("/verify/info", requestId="x" * 32)


def reason(response: httpx.Response) -> dict[str, object]:
    body: dict[str, object] = response.json()
    return {k: body[k] for k in ("errorCode", "errorReason")}


class TestAccessTokens:
    def test_issued_as_id_colon_secret_and_stored_hashed(self, rest: Rest) -> None:
        _, credential = rest.customer("alice")
        token_id, secret = credential.split(":")
        assert len(token_id) == 20 and len(secret) == 32
        with rest.db.uow(write=False) as uow:
            row = uow.session.query(AccessToken).one()
            assert row.public_id == token_id
            assert secret not in row.secret_hash and len(row.secret_hash) == 64

    def test_a_good_token_opens_the_api(self, rest: Rest) -> None:
        _, credential = rest.customer("alice")
        # The request is unknown, so the answer is 20: the token itself was accepted.
        assert info(rest, credential).json()["errorCode"] == 20

    def test_the_header_as_003_shows_it(self, rest: Rest) -> None:
        _, credential = rest.customer("alice")
        header = "Basic " + base64.b64encode(credential.encode()).decode()
        response = httpx.get(
            rest.url + "/v1/requests/" + "x" * 32, headers={"authorization": header}
        )
        assert response.status_code == 404 and response.json()["errorCode"] == 20


class TestErrors:
    def test_missing_token_is_error_1(self, rest: Rest) -> None:
        response = httpx.post(rest.url + "/v1/verify", data={"number": "+18800000000"})
        assert response.status_code == 401
        assert reason(response) == AUTH_REQUIRED
        assert response.headers["www-authenticate"].startswith("Basic")

    @pytest.mark.parametrize(
        "header",
        ["Bearer abc", "Basic !!!", "Basic " + base64.b64encode(b"no-colon").decode(), "Basic"],
    )
    def test_malformed_headers_are_error_1(self, rest: Rest, header: str) -> None:
        response = httpx.post(rest.url + "/v1/verify", headers={"authorization": header})
        assert response.status_code == 401 and reason(response) == AUTH_REQUIRED

    def test_wrong_secret_and_unknown_id_are_error_1(self, rest: Rest) -> None:
        _, credential = rest.customer("alice")
        token_id, secret = credential.split(":")
        for wrong in (f"{token_id}:{'0' * 32}", f"{'a' * 20}:{secret}"):
            response = info(rest, wrong)
            assert response.status_code == 401 and reason(response) == AUTH_REQUIRED

    def test_disabled_token_is_error_5(self, rest: Rest) -> None:
        _, credential = rest.customer("alice")
        _, other = rest.customer("bob")
        with rest.db.uow() as uow:
            tokens.disable_token(uow, public_id=credential.split(":")[0])
        response = info(rest, credential)
        assert response.status_code == 401
        assert reason(response) == {"errorCode": 5, "errorReason": "Inactive token"}
        assert info(rest, other).json()["errorCode"] == 20  # bob's token still works

    def test_inactive_account_is_error_2(self, rest: Rest) -> None:
        who, credential = rest.customer("alice")
        with rest.db.uow() as uow:
            account = uow.session.get(Account, who.id)
            assert account is not None
            accounts.update_account(uow, account=account, active=False)
        response = info(rest, credential)
        assert response.status_code == 400
        assert reason(response) == {"errorCode": 2, "errorReason": "Inactive account"}

    def test_failed_logins_are_throttled_like_the_other_dialects(
        self, db: Database, clock: FrozenClock
    ) -> None:
        limit = db.settings.login_failures_per_address
        with rest_server(db, clock) as rest:
            _, credential = rest.customer("alice")
            token_id = credential.split(":")[0]
            answers = [info(rest, f"{token_id}:{i:032d}") for i in range(limit + 2)]
            codes = [a.json()["errorCode"] for a in answers]
            assert codes[:limit] == [1] * limit
            assert codes[limit:] == [4, 4]
            assert answers[-1].status_code == 429
            assert int(answers[-1].headers["retry-after"]) >= 1
            # From that address, even the right token waits; nothing was hashed for it.
            assert info(rest, credential).status_code == 429
