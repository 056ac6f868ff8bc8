"""Kill the server with SIGKILL while SMS arrive and webhooks go out: nothing is lost.

Every SMS is stored exactly once, every request is charged exactly once, and
every webhook is delivered at least once, always with its original
`webhook-id`. The server is killed while a delivery is in flight (the receiver
holds its answer): that webhook is delivered again, with the same id and body.
"""

from __future__ import annotations

import json
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl

import httpx
import pytest
from sqlalchemy import func, select

from simhive.core.accounts.models import Account
from simhive.core.activations import service as activations
from simhive.core.activations.models import Activation
from simhive.core.events.models import Event, EventAttempt
from simhive.core.ledger import service as ledger
from simhive.core.ledger.models import EntryKind, LedgerEntry
from simhive.core.messages.models import Message
from simhive.db.uow import Database
from simhive.dialects.command.webhooks import render
from simhive.kit.clock import FrozenClock
from tests.fixtures import processes, world
from tests.fixtures.servers import Received, free_port

pytestmark = pytest.mark.slow

TOKEN = "crash-test-token"
COUNT = 60


@dataclass
class HoldingReceiver:
    """Records every webhook; while `hold` is set, keeps its answers back until `release`."""

    url: str = ""
    received: list[Received] = field(default_factory=list)
    held: list[str] = field(default_factory=list)
    hold: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    arrived: threading.Condition = field(default_factory=threading.Condition)

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Received]:
        with self.arrived:
            self.arrived.wait_for(lambda: len(self.received) >= count, timeout=timeout)
            return list(self.received)

    def wait_held(self, timeout: float = 30.0) -> str:
        """The webhook-id of a delivery whose answer is being held."""
        with self.arrived:
            assert self.arrived.wait_for(lambda: self.held, timeout=timeout), "nothing held"
            return self.held[0]


@contextmanager
def holding_receiver() -> Iterator[HoldingReceiver]:
    receiver = HoldingReceiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - the http.server API
            body = self.rfile.read(int(self.headers.get("content-length") or 0))
            item = Received(
                path=self.path,
                headers={k.lower(): v for k, v in self.headers.items()},
                body=body,
                form=dict(parse_qsl(body.decode(), keep_blank_values=True)),
            )
            held = receiver.hold.is_set()
            with receiver.arrived:
                receiver.received.append(item)
                if held:
                    receiver.held.append(item.headers["webhook-id"])
                receiver.arrived.notify_all()
            if held:
                receiver.release.wait(60)
            try:
                self.send_response(200)
                self.send_header("content-length", "2")
                self.end_headers()
                self.wfile.write(b"ok")
            except OSError:
                pass  # the caller was killed while we held its answer

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        receiver.release.set()
        server.shutdown()
        server.server_close()


@pytest.fixture
def hook() -> Iterator[HoldingReceiver]:
    with holding_receiver() as receiver:
        yield receiver


def prepare(db: Database, hook_url: str) -> list[tuple[str, int]]:
    """COUNT reserved numbers for one subscribed account; returns (mdn, activation id)."""
    world.service(db, "Google", "0.10")
    alice = world.customer(db, credit="100.00")
    mdns = world.numbers(db, COUNT)
    reserved = []
    with db.uow() as uow:
        account = uow.session.get(Account, alice.id)
        assert account is not None
        account.webhook_url = hook_url
        for mdn in mdns:
            (view,) = activations.request_number(
                uow,
                account=account,
                request=activations.NumberRequest(services=("Google",), mdn=mdn),
            )
            reserved.append((mdn, view.id))
    return reserved


def send_all(base_url: str, reserved: list[tuple[str, int]], stop: threading.Event) -> None:
    """A gateway that retries each SMS (same ref) until the server has answered."""
    with httpx.Client(timeout=2) as client:
        for index, (mdn, _) in enumerate(reserved):
            while not stop.is_set():
                try:
                    response = client.post(
                        base_url + "/gateway/v1/sms",
                        data={
                            "to": mdn,
                            "from": "22000",
                            "text": f"G-{100000 + index} is your Google verification code.",
                            "ref": f"crash-{index}",
                        },
                        headers={"authorization": f"Bearer {TOKEN}"},
                    )
                    if response.status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                time.sleep(0.05)
            time.sleep(0.02)


class TestCrash:
    def test_sigkill_loses_no_sms_and_no_webhook(
        self, db: Database, clock: FrozenClock, hook: HoldingReceiver, tmp_path: Path
    ) -> None:
        # The server runs on the wall clock: reserve on it too, or the requests are long expired.
        clock.set(datetime.now(UTC))
        reserved = prepare(db, hook.url)
        port = free_port()
        base_url = f"http://127.0.0.1:{port}"
        env = {
            "SIMHIVE_DATABASE_URL": db.settings.database_url,
            "SIMHIVE_INGEST_TOKEN": TOKEN,
            "SIMHIVE_WEBHOOK_ALLOW_PRIVATE": "1",
            "SIMHIVE_SIMULATOR_ENABLED": "0",
            "SIMHIVE_WORKER_CLAIM_S": "2",
            "SIMHIVE_WEBHOOK_RETRY_INTERVAL_S": "1",
        }
        log = tmp_path / "server.log"
        server = processes.start(processes.server_command(port), env, log)
        stop = threading.Event()
        try:
            processes.wait_ready(base_url, server)
            sender = threading.Thread(target=send_all, args=(base_url, reserved, stop))
            sender.start()
            # Let a third of the SMS in, then hold the next webhook's answer and pull the plug.
            hook.wait_for(COUNT // 3, timeout=30)
            hook.hold.set()
            in_flight = hook.wait_held()
            processes.kill(server)
            hook.hold.clear()
            hook.release.set()
            time.sleep(0.5)
            server = processes.start(processes.server_command(port), env, log)
            processes.wait_ready(base_url, server)
            sender.join(timeout=60)
            assert not sender.is_alive()
            ids = {str(activation_id) for _, activation_id in reserved}
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                if ids <= {r.form.get("id") for r in hook.received}:
                    break
                time.sleep(0.2)
        finally:
            stop.set()
            processes.stop(server)
        webhook_ids: dict[str, set[str]] = defaultdict(set)
        for received in hook.received:
            webhook_ids[received.form["id"]].add(received.headers["webhook-id"])
        assert set(webhook_ids) == ids, _diagnose(db, log)
        assert all(len(v) == 1 for v in webhook_ids.values())
        with db.uow(write=False) as uow:
            assert uow.session.scalar(select(func.count()).select_from(Message)) == COUNT
            refs = set(uow.session.scalars(select(Message.gateway_ref)))
            completed = uow.session.scalar(
                select(func.count()).where(Activation.status == "completed")
            )
        # A ref is kept scoped to the number it came to (`to/ref`).
        assert {ref.rsplit("/", 1)[-1] for ref in refs} == {f"crash-{i}" for i in range(COUNT)}
        assert completed == COUNT
        check_money(db)
        check_redelivery(db, hook, in_flight)


def check_money(db: Database) -> None:
    """Each of the COUNT requests was charged once, at 0.10, and no hold is left open."""
    with db.uow(write=False) as uow:
        account_id = uow.session.scalar(select(Account.id).where(Account.username == "alice"))
        assert account_id is not None
        assert ledger.balance(uow, account_id) == Decimal("100.00") - COUNT * Decimal("0.10")
        assert ledger.held_cents(uow, account_id) == 0
        assert ledger.available(uow, account_id) == ledger.balance(uow, account_id)
        assert ledger.unbalanced(uow) == []
        captures = uow.session.scalars(
            select(LedgerEntry.amount_cents).where(
                LedgerEntry.account_id == account_id, LedgerEntry.kind == EntryKind.CAPTURE
            )
        ).all()
    assert sorted(captures) == [-10] * COUNT


def check_redelivery(db: Database, hook: HoldingReceiver, in_flight: str) -> None:
    """The webhook in flight at the kill came again, same id and body, and is recorded delivered."""
    with db.uow(write=False) as uow:
        events = {
            event.public_id: event
            for event in uow.session.scalars(select(Event).where(Event.kind == "webhook"))
        }
        last_attempt = uow.session.execute(
            select(EventAttempt.status_code)
            .join(Event, Event.id == EventAttempt.event_id)
            .where(Event.public_id == in_flight)
            .order_by(EventAttempt.id.desc())
            .limit(1)
        ).scalar_one()
    assert {event.status for event in events.values()} == {"delivered"}
    copies = [r for r in hook.received if r.headers["webhook-id"] == in_flight]
    assert len(copies) >= 2, "the delivery cut off by the kill was not made again"
    event = events[in_flight]
    recorded = render(event.event_type, json.loads(event.payload), db.settings)
    assert all(copy.body == copies[0].body for copy in copies)
    assert all(copy.form == recorded for copy in copies)
    assert last_attempt == 200
    for received in hook.received:
        sent = events[received.headers["webhook-id"]]
        assert received.form == render(sent.event_type, json.loads(sent.payload), db.settings)


def _diagnose(db: Database, log: Path) -> str:
    with db.uow(write=False) as uow:
        events = uow.session.execute(select(Event.id, Event.status, Event.attempts)).all()
        errors = uow.session.execute(
            select(EventAttempt.event_id, EventAttempt.error).limit(5)
        ).all()
    from simhive.core.messages.models import Message

    with db.uow(write=False) as uow:
        msgs = uow.session.execute(select(Message.id, Message.status, Message.to_mdn)).all()
    return f"events {events[:10]} attempts {errors} messages {msgs[:5]} {db.settings.database_url}"
