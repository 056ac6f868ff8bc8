"""Kill the server with SIGKILL while SMS arrive and webhooks go out: nothing is lost.

Every SMS is stored exactly once and every webhook is delivered at least once,
always with its original `webhook-id`.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from simhive.core.accounts.models import Account
from simhive.core.activations import service as activations
from simhive.core.activations.models import Activation
from simhive.core.messages.models import Message
from simhive.db.uow import Database
from simhive.kit.clock import FrozenClock
from tests.fixtures import processes, world
from tests.fixtures.servers import WebhookReceiver, free_port, webhook_receiver

pytestmark = pytest.mark.slow

TOKEN = "crash-test-token"
COUNT = 60


@pytest.fixture
def hook() -> Iterator[WebhookReceiver]:
    with webhook_receiver() as receiver:
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
        self, db: Database, clock: FrozenClock, hook: WebhookReceiver, tmp_path: Path
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
            # Let a third of the SMS in, with webhooks in flight, then pull the plug.
            hook.wait_for(COUNT // 3, timeout=30)
            processes.kill(server)
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
        assert refs == {f"crash-{i}" for i in range(COUNT)}
        assert completed == COUNT


def _diagnose(db: Database, log: Path) -> str:
    from simhive.core.events.models import Event, EventAttempt

    with db.uow(write=False) as uow:
        events = uow.session.execute(select(Event.id, Event.status, Event.attempts)).all()
        errors = uow.session.execute(
            select(EventAttempt.event_id, EventAttempt.error).limit(5)
        ).all()
    from simhive.core.messages.models import Message

    with db.uow(write=False) as uow:
        msgs = uow.session.execute(select(Message.id, Message.status, Message.to_mdn)).all()
    return f"events {events[:10]} attempts {errors} messages {msgs[:5]} {db.settings.database_url}"
