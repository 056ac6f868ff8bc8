"""The delivery connects only to the address it vetted, whatever DNS answers next."""

from __future__ import annotations

import shutil
import ssl
import subprocess
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
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


def certificate(tmp_path: Path, name: str) -> tuple[Path, Path]:
    """A self-signed certificate for `name`; (certificate, key)."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl is needed to make a test certificate")
    cert, key = tmp_path / f"{name}.pem", tmp_path / f"{name}.key"
    request = f"req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN={name}".split()
    request += ["-addext", f"subjectAltName=DNS:{name}", "-keyout", str(key), "-out", str(cert)]
    subprocess.run([openssl, *request], check=True, capture_output=True)
    return cert, key


@contextmanager
def https_receiver(cert: Path, key: str | Path) -> Iterator[tuple[int, list[str | None]]]:
    """A loopback HTTPS server answering 200; yields its port and the SNI names it was sent."""
    names: list[str | None] = []
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)

    def note(sock: ssl.SSLObject, name: str | None, ctx: ssl.SSLContext) -> None:
        names.append(name)

    context.sni_callback = note

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - the http.server API
            self.rfile.read(int(self.headers.get("content-length") or 0))
            self.send_response(200)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield server.server_address[1], names
    finally:
        server.shutdown()
        server.server_close()


class TestTls:
    @pytest.mark.parametrize(("served", "ok"), [("hooks.example.com", True), ("other.test", False)])
    def test_tls_checks_the_host_name_not_the_address(
        self, tmp_path: Path, served: str, ok: bool
    ) -> None:
        cert, key = certificate(tmp_path, served)
        with https_receiver(cert, key) as (port, names):
            client = delivery.webhook_client(
                attempt_s=5,
                allow_private=True,
                resolve=Rebinding(["127.0.0.1"]),
                verify=ssl.create_default_context(cafile=str(cert)),
            )
            with client:
                outcome = delivery.deliver(
                    client,
                    event(f"https://hooks.example.com:{port}/hook"),
                    now=FrozenClock().now(),
                    allow_private=True,
                    attempt_s=5,
                )
        # Connected to 127.0.0.1, yet the server was asked for, and proved, the host name.
        assert names[:1] == ["hooks.example.com"]
        assert outcome.ok is ok
        if not ok:
            assert "certificate" in (outcome.error or "").lower()


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
