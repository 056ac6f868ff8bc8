"""The delivery connects only to the address it vetted, whatever DNS answers next."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from urllib.parse import urlsplit

import httpcore
import pytest
from sqlalchemy import select

from simhive.core.accounts.models import Account
from simhive.core.events import service as events
from simhive.core.events.models import EventAttempt
from simhive.db.uow import Database
from simhive.kit.clock import FrozenClock
from simhive.worker import delivery
from simhive.worker.runner import Worker
from tests.fixtures import world
from tests.fixtures.servers import WebhookReceiver, webhook_receiver

PUBLIC = "93.184.216.34"


class Rebinding:
    """A resolver that answers each lookup with the next answer, as a rebinding DNS does."""

    def __init__(self, *answers: list[str]) -> None:
        self.answers = list(answers)
        self.asked: list[tuple[str, int]] = []

    def __call__(self, host: str, port: int) -> list[str]:
        self.asked.append((host, port))
        return self.answers[min(len(self.asked), len(self.answers)) - 1]


class Network(httpcore.NetworkBackend):
    """Stands in for the internet: notes the address asked for, reaches the loopback receiver."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.connected: list[str] = []
        self.real = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        self.connected.append(host)
        return self.real.connect_tcp("127.0.0.1", self.port, timeout)


@pytest.fixture
def hook() -> Iterator[WebhookReceiver]:
    with webhook_receiver() as receiver:
        yield receiver


def hostname_url(hook: WebhookReceiver) -> str:
    port = urlsplit(hook.url).port
    return f"http://hooks.example.com:{port}/hook"


def event(target: str) -> events.ClaimedEvent:
    return events.ClaimedEvent(
        id=1,
        public_id="msg_rebinding",
        kind="webhook",
        event_type="incoming_message",
        target=target,
        payload={"event": "incoming_message"},
        attempt=1,
        secret=None,
        token="t",
    )


def attempt(hook: WebhookReceiver, resolver: Rebinding, network: Network) -> delivery.Outcome:
    client = delivery.webhook_client(
        attempt_s=5, allow_private=False, resolve=resolver, network=network
    )
    with client:
        return delivery.deliver(
            client,
            event(hostname_url(hook)),
            now=FrozenClock().now(),
            allow_private=False,
            attempt_s=5,
        )


class TestVettedConnection:
    def test_connects_to_the_vetted_address_only(self, hook: WebhookReceiver) -> None:
        resolver = Rebinding([PUBLIC], ["127.0.0.1"])
        network = Network(urlsplit(hook.url).port or 0)
        outcome = attempt(hook, resolver, network)
        assert outcome.ok
        # One lookup, and the connection went to what it answered, not to a second lookup.
        assert len(resolver.asked) == 1
        assert network.connected == [PUBLIC]
        (got,) = hook.wait_for(1)
        assert got.headers["host"] == f"hooks.example.com:{urlsplit(hook.url).port}"

    def test_rebound_to_private_is_refused_at_connect(self, hook: WebhookReceiver) -> None:
        resolver = Rebinding(["127.0.0.1"])
        network = Network(urlsplit(hook.url).port or 0)
        outcome = attempt(hook, resolver, network)
        assert not outcome.ok
        assert outcome.status_code is None
        assert outcome.error == (
            "refused: the host hooks.example.com resolves to a non-public address (127.0.0.1)"
        )
        assert network.connected == []
        assert hook.received == []

    @pytest.mark.parametrize(
        "answer",
        [
            [PUBLIC, "10.0.0.7"],
            ["::ffff:127.0.0.1"],
            ["::127.0.0.1"],
            ["64:ff9b::7f00:1"],
            ["2002:7f00:1::1"],
            ["2001:0:4136:e378:8000:63bf:80ff:fffe"],
        ],
    )
    def test_any_private_answer_is_refused(self, hook: WebhookReceiver, answer: list[str]) -> None:
        network = Network(urlsplit(hook.url).port or 0)
        outcome = attempt(hook, Rebinding(answer), network)
        assert (outcome.error or "").startswith("refused: the host hooks.example.com resolves to")
        assert network.connected == []
        assert hook.received == []

    def test_credentials_are_refused_before_connecting(self, hook: WebhookReceiver) -> None:
        network = Network(urlsplit(hook.url).port or 0)
        client = delivery.webhook_client(
            attempt_s=5, allow_private=True, resolve=Rebinding(["127.0.0.1"]), network=network
        )
        with client:
            outcome = delivery.deliver(
                client,
                event(hook.url.replace("http://", "http://:@")),
                now=FrozenClock().now(),
                allow_private=True,
                attempt_s=5,
            )
        assert outcome.error == "refused: credentials in the URL are not allowed"
        assert network.connected == []


class TestWorkerRefusal:
    def test_refusal_is_the_attempts_error(
        self, db: Database, clock: FrozenClock, hook: WebhookReceiver
    ) -> None:
        strict = Database(
            db.engine, clock, db.settings.model_copy(update={"webhook_allow_private": False})
        )
        resolver = Rebinding(["10.9.8.7"])
        network = Network(urlsplit(hook.url).port or 0)
        client = delivery.webhook_client(
            attempt_s=5, allow_private=False, resolve=resolver, network=network
        )
        alice = world.customer(db)
        with db.uow() as uow:
            account = uow.session.get(Account, alice.id)
            assert account is not None
            # Written while the name was public; it points elsewhere now.
            account.webhook_url = hostname_url(hook)
            events.enqueue_webhook(uow, account=account, event_type="t", fields={"a": "b"})
        worker = Worker(strict, http=client)
        try:
            assert worker.run_pending().failed == 1
        finally:
            worker.stop()
        with db.uow(write=False) as uow:
            (logged,) = uow.session.scalars(select(EventAttempt))
            assert logged.status_code is None
            assert logged.error == (
                "refused: the host hooks.example.com resolves to a non-public address (10.9.8.7)"
            )
        assert network.connected == []
        assert hook.received == []
