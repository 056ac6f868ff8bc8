"""The admin API's REST domains: access tokens, sender ids, policies, and the calls list."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from simhive.app import create_app
from simhive.db.uow import Database
from simhive.operations import operators
from tests.fixtures import world
from tests.fixtures.servers import serve


@pytest.fixture
def admin(db: Database) -> Iterator[httpx.Client]:
    secret = operators.create_admin_token(db, name="ops", scopes=["all"])[1]
    with (
        serve(create_app(db.settings, db=db, run_worker=False)) as url,
        httpx.Client(base_url=url, headers={"authorization": f"Bearer {secret}"}) as client,
    ):
        yield client


class TestTokens:
    def test_create_use_list_disable(self, db: Database, admin: httpx.Client) -> None:
        world.customer(db, "alice")
        created = admin.post("/admin/v1/accounts/alice/tokens")
        assert created.status_code == 201
        body = created.json()
        token_id, secret = body["token"].split(":")
        assert body["id"] == token_id and body["active"] is True
        rest = httpx.get(
            admin.base_url.join("/v1/requests/none"), auth=(token_id, secret), timeout=10
        )
        assert rest.json()["errorCode"] == 20
        listed = admin.get("/admin/v1/accounts/alice/tokens").json()
        assert [t["id"] for t in listed] == [token_id]
        assert "token" not in listed[0]
        disabled = admin.post(f"/admin/v1/tokens/{token_id}/disable").json()
        assert disabled["active"] is False and disabled["disabled_at"] is not None
        rest = httpx.get(
            admin.base_url.join("/v1/requests/none"), auth=(token_id, secret), timeout=10
        )
        assert rest.json()["errorCode"] == 5

    def test_unknown_account_and_token(self, admin: httpx.Client) -> None:
        assert admin.post("/admin/v1/accounts/nobody/tokens").status_code == 404
        assert admin.post("/admin/v1/tokens/0123456789abcdef0123/disable").status_code == 404


class TestSendersAndPolicy:
    def test_senders(self, db: Database, admin: httpx.Client) -> None:
        world.customer(db, "alice")
        assert admin.post("/admin/v1/accounts/alice/senders", json={"sender": "Acme"}).json()[
            "senders"
        ] == ["Acme"]
        bad = admin.post("/admin/v1/accounts/alice/senders", json={"sender": "Much Too Long Name"})
        assert bad.status_code == 422
        assert admin.delete("/admin/v1/accounts/alice/senders/Acme").json()["senders"] == []
        assert admin.delete("/admin/v1/accounts/alice/senders/Acme").status_code == 404

    def test_policy(self, db: Database, admin: httpx.Client) -> None:
        world.customer(db, "alice")
        default = admin.get("/admin/v1/accounts/alice/policy").json()
        assert default["countries"] is None and default["check_attempts"] == 3
        changed = admin.patch(
            "/admin/v1/accounts/alice/policy",
            json={"countries": ["gb", "US"], "verify_sms": "0.07", "code_expiry_s": 600},
        ).json()
        assert changed["countries"] == ["GB", "US"]
        assert changed["verify_sms"] == "0.07" and changed["code_expiry_s"] == 600
        for bad in ({"check_attempts": 0}, {"countries": ["XX"]}, {"verify_sms": "0.001"}):
            answer = admin.patch("/admin/v1/accounts/alice/policy", json=bad)
            assert answer.status_code == 422, bad
        reset = admin.patch(
            "/admin/v1/accounts/alice/policy", json={"reset": ["countries", "verify_sms"]}
        ).json()
        assert reset["countries"] is None and reset["verify_sms"] == "0.05"
        assert reset["code_expiry_s"] == 600
