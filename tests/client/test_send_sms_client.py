"""The SDK's send_sms against a real server, sync and async, with typed errors."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from decimal import Decimal

import pytest

from simhive.app import create_app
from simhive.client import (
    AsyncCommandClient,
    CommandClient,
    MdnNotRentedError,
    MdnOfflineError,
    NoRecentMessagesError,
)
from simhive.client.errors import error_for
from simhive.core.inventory import service as inventory
from simhive.db.uow import Database
from tests.fixtures import world
from tests.fixtures.outbound import heard_from
from tests.fixtures.servers import serve
from tests.fixtures.world import Customer


@pytest.fixture
def base_url(db: Database) -> Iterator[str]:
    with serve(create_app(db.settings, db=db, run_worker=False)) as url:
        yield url


@pytest.fixture
def alice(db: Database) -> Customer:
    world.service(db, "Google", "1.00")
    world.numbers(db, 2)
    return world.customer(db, "alice", credit="10.00")


class TestErrorTypes:
    @pytest.mark.parametrize(
        ("message", "kind"),
        [
            ("No incoming messages within past 30 minutes", NoRecentMessagesError),
            ("MDN is offline", MdnOfflineError),
            ("The MDN is not rented by you", MdnNotRentedError),
        ],
    )
    def test_each_message_has_its_type(self, message: str, kind: type[Exception]) -> None:
        error = error_for(message)
        assert type(error) is kind and error.message == message


class TestSendSms:
    def test_sync(self, base_url: str, db: Database, alice: Customer) -> None:
        mdn = heard_from(db, alice, sender="+1 415 555 0134")
        with CommandClient(base_url, alice.username, alice.api_key) as client:
            assert client.send_sms(mdn, "14155550134", "Thanks!") == "SMS has been queued"
            with pytest.raises(NoRecentMessagesError):
                client.send_sms(mdn, "22000", "Hello")
            bob = world.customer(db, "bob")
            other = CommandClient(base_url, bob.username, bob.api_key, method="POST")
            with other, pytest.raises(MdnNotRentedError):
                other.send_sms(mdn, "14155550134", "Hello")
            with db.uow() as uow:
                inventory.set_online(uow, mdn=mdn, online=False)
            with pytest.raises(MdnOfflineError):
                client.send_sms(mdn, "14155550134", "Hello")
        assert world.available(db, alice) == Decimal("8.90")

    def test_async(self, base_url: str, db: Database, alice: Customer) -> None:
        mdn = heard_from(db, alice, sender="22000")

        async def main() -> str:
            async with AsyncCommandClient(base_url, alice.username, alice.api_key) as client:
                with pytest.raises(NoRecentMessagesError):
                    await client.send_sms(mdn, "555", "Hello")
                return await client.send_sms(mdn, "22000", "Hello")

        assert asyncio.run(main()) == "SMS has been queued"
