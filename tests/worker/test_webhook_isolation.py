"""One customer's slow endpoint never holds everyone's webhooks, nor gets an event twice."""

from __future__ import annotations

import socket
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import func, select

from simhive.core.accounts.models import Account
from simhive.core.events import service as events
from simhive.core.events.models import Event, EventAttempt
from simhive.db.uow import Database
from simhive.kit.clock import FrozenClock, SystemClock
from simhive.worker.runner import Worker
from tests.fixtures import world
from tests.fixtures.servers import webhook_receiver
from tests.fixtures.world import Customer


@dataclass
class Gate:
    """A receiver that records each POST at once and answers 200 only when let through."""

    url: str = ""
    ids: list[str] = field(default_factory=list)
    open: threading.Event = field(default_factory=threading.Event)
    delay: float = 0.0
    arrived: threading.Condition = field(default_factory=threading.Condition)

    def wait_for(self, count: int, timeout: float = 10.0) -> list[str]:
        with self.arrived:
            self.arrived.wait_for(lambda: len(self.ids) >= count, timeout=timeout)
            return list(self.ids)


@contextmanager
def gate() -> Iterator[Gate]:
    receiver = Gate()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - the http.server API
            self.rfile.read(int(self.headers.get("content-length") or 0))
            with receiver.arrived:
                receiver.ids.append(self.headers["webhook-id"])
                receiver.arrived.notify_all()
            if receiver.delay:
                threading.Event().wait(receiver.delay)
            else:
                receiver.open.wait(30)
            self.send_response(200)
            self.send_header("content-length", "0")
            self.end_headers()

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
        receiver.open.set()
        server.shutdown()
        server.server_close()


@dataclass
class Trickler:
    """Answers each request one byte per second, in the status line or in the body."""

    url: str = ""
    requests: int = 0
    abandoned: int = 0
    changed: threading.Condition = field(default_factory=threading.Condition)

    def wait_abandoned(self, count: int, timeout: float = 10.0) -> tuple[int, int]:
        """(requests, requests the client hung up on), once `count` were hung up on."""
        with self.changed:
            self.changed.wait_for(lambda: self.abandoned >= count, timeout=timeout)
            return self.requests, self.abandoned


@contextmanager
def trickler(phase: str, seconds: int = 30) -> Iterator[Trickler]:
    receiver = Trickler()
    listener = socket.create_server(("127.0.0.1", 0))
    receiver.url = f"http://127.0.0.1:{listener.getsockname()[1]}/hook"
    stop = threading.Event()
    body = b"x" * seconds
    head = b"HTTP/1.1 200 OK\r\ncontent-length: %d\r\n\r\n" % len(body)

    def answer(conn: socket.socket) -> None:
        with conn:
            request = b""
            while b"\r\n\r\n" not in request:
                request += conn.recv(65536)
            with receiver.changed:
                receiver.requests += 1
            if phase == "body":
                conn.sendall(head)
                slow = body
            else:
                slow = head + body
            try:
                for index in range(len(slow)):
                    if stop.wait(1):
                        return
                    conn.sendall(slow[index : index + 1])
            except OSError:
                with receiver.changed:
                    receiver.abandoned += 1
                    receiver.changed.notify_all()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            threading.Thread(target=answer, args=(conn,), daemon=True).start()

    threading.Thread(target=serve, daemon=True).start()
    try:
        yield receiver
    finally:
        stop.set()
        listener.close()


def subscribe(db: Database, who: Customer, url: str) -> None:
    with db.uow() as uow:
        account = uow.session.get(Account, who.id)
        assert account is not None
        account.webhook_url = url


def queue(db: Database, who: Customer, count: int) -> list[str]:
    """Queue `count` webhooks for an account; returns their webhook-ids."""
    with db.uow() as uow:
        account = uow.session.get(Account, who.id)
        assert account is not None
        queued = [
            events.enqueue_webhook(
                uow, account=account, event_type="incoming_message", fields={"n": str(n)}
            )
            for n in range(count)
        ]
        ids = [event_id for event_id in queued if event_id is not None]
        found = dict(
            uow.session.execute(select(Event.id, Event.public_id).where(Event.id.in_(ids))).all()
        )
        return [found[event_id] for event_id in ids]


def with_settings(db: Database, clock: object, **changes: object) -> Database:
    return Database(db.engine, clock, db.settings.model_copy(update=changes))  # type: ignore[arg-type]


def statuses(db: Database) -> Counter[str]:
    with db.uow(write=False) as uow:
        return Counter(uow.session.scalars(select(Event.status)))


class TestAttemptDeadline:
    @pytest.mark.parametrize("phase", ["body", "headers"])
    def test_trickling_endpoint_is_abandoned_and_others_are_delivered(
        self, db: Database, clock: FrozenClock, phase: str
    ) -> None:
        tight = with_settings(
            db, clock, webhook_timeout_s=1.5, webhook_concurrency=3, webhook_account_concurrency=2
        )
        slow, healthy = world.customer(db, "slow"), world.customer(db, "healthy")
        with trickler(phase) as trickle, webhook_receiver() as hook:
            subscribe(db, slow, trickle.url)
            subscribe(db, healthy, hook.url)
            queue(db, slow, 3)
            (healthy_id,) = queue(db, healthy, 1)
            worker = Worker(tight)
            try:
                worker.run_pending(wait=False)
                # Delivered while the slow endpoint is still trickling its answers.
                (got,) = hook.wait_for(1)
                assert got.headers["webhook-id"] == healthy_id
            finally:
                worker.stop()
            # Two slow deliveries ran (the account's bound) and both were cut off.
            assert trickle.wait_abandoned(2) == (2, 2)
        with db.uow(write=False) as uow:
            slow_attempts = uow.session.execute(
                select(EventAttempt.status_code, EventAttempt.error, EventAttempt.duration_ms)
                .join(Event, Event.id == EventAttempt.event_id)
                .where(Event.account_id == slow.id)
            ).all()
        assert len(slow_attempts) == 2
        for status_code, error, duration_ms in slow_attempts:
            assert status_code is None
            assert error == "ReadTimeout: no complete answer within 1.5 s"
            assert duration_ms >= 1500
        assert statuses(db) == {"pending": 3, "delivered": 1}


class TestAccountConcurrency:
    def test_slow_account_holds_only_its_slots(self, db: Database, clock: FrozenClock) -> None:
        slow, healthy = world.customer(db, "slow"), world.customer(db, "healthy")
        with gate() as held, webhook_receiver() as hook:
            subscribe(db, slow, held.url)
            subscribe(db, healthy, hook.url)
            slow_ids = queue(db, slow, 5)
            healthy_ids = queue(db, healthy, 2)
            worker = Worker(with_settings(db, clock, webhook_account_concurrency=2))
            try:
                worker.run_pending(wait=False)
                assert {r.headers["webhook-id"] for r in hook.wait_for(2)} == set(healthy_ids)
                assert len(held.wait_for(2)) == 2
                # Only two of the slow target's deliveries run at once; the others wait
                # their turn in the worker, taking no delivery thread.
                worker.run_pending(wait=False)
                time.sleep(0.5)
                assert len(held.ids) == 2
                held.open.set()
            finally:
                worker.stop()
            again = Worker(db)
            try:
                while again.run_pending().delivered:
                    pass
            finally:
                again.stop()
        assert Counter(held.ids) == Counter({webhook_id: 1 for webhook_id in slow_ids})
        assert statuses(db) == {"delivered": 7}

    def test_many_urls_of_one_account_share_its_slots(
        self, db: Database, clock: FrozenClock
    ) -> None:
        # A REST callbackUrl per request: eight URLs of one slow host would each have had
        # slots of their own, and taken every delivery thread from everyone else.
        slow, healthy = world.customer(db, "slow"), world.customer(db, "healthy")
        with gate() as held, webhook_receiver() as hook:
            subscribe(db, healthy, hook.url)
            with db.uow() as uow:
                account = uow.session.get(Account, slow.id)
                assert account is not None
                for n in range(8):
                    events.enqueue_callback(
                        uow, account=account, url=f"{held.url}/{n}", event_type="sms", fields={}
                    )
            healthy_ids = queue(db, healthy, 2)
            settings = {"webhook_account_concurrency": 2, "webhook_concurrency": 4}
            worker = Worker(with_settings(db, clock, **settings))
            try:
                worker.run_pending(wait=False)
                assert {r.headers["webhook-id"] for r in hook.wait_for(2)} == set(healthy_ids)
                assert len(held.wait_for(2)) == 2
                time.sleep(0.5)
                assert len(held.ids) == 2
                held.open.set()
            finally:
                worker.stop()


class TestClaimOwnership:
    def test_delivery_slower_than_its_claim_is_posted_once(
        self, db: Database, clock: FrozenClock
    ) -> None:
        short = with_settings(db, clock, worker_claim_s=1)
        alice = world.customer(db)
        with gate() as held:
            subscribe(db, alice, held.url)
            (webhook_id,) = queue(db, alice, 1)
            worker, other = Worker(short), Worker(short)
            try:
                worker.run_pending(wait=False)
                held.wait_for(1)
                clock.advance(5)
                worker.run_pending(wait=False)
                other.run_pending(wait=False)
                held.open.set()
            finally:
                worker.stop()
                other.stop()
        assert held.ids == [webhook_id]
        assert statuses(db) == {"delivered": 1}

    def test_a_stalled_worker_does_not_post_what_another_recovered(
        self, db: Database, clock: FrozenClock
    ) -> None:
        # One slot: the second event waits in the worker behind a slow first. The worker
        # stalls (no heartbeat) past the claim, another worker recovers both events; the
        # stalled one must not post the second once its slot frees.
        short = with_settings(db, clock, worker_claim_s=1, webhook_account_concurrency=1)
        alice = world.customer(db)
        with gate() as held:
            subscribe(db, alice, held.url)
            first, second = queue(db, alice, 2)
            stalled, other = Worker(short), Worker(short)
            try:
                stalled.run_pending(wait=False)
                assert held.wait_for(1) == [first]
                clock.advance(5)
                other.run_pending(wait=False)
                assert held.wait_for(2) == [first, first]
                held.open.set()
                held.wait_for(3)
                time.sleep(0.5)
            finally:
                stalled.stop()
                other.stop()
        assert Counter(held.ids) == Counter({first: 2, second: 1})

    def test_queued_delivery_keeps_its_claim(self, db: Database, clock: FrozenClock) -> None:
        # One delivery slot: the healthy account's event waits behind the slow one.
        short = with_settings(db, clock, worker_claim_s=1, webhook_concurrency=1)
        slow, healthy = world.customer(db, "slow"), world.customer(db, "healthy")
        with gate() as held, webhook_receiver() as hook:
            subscribe(db, slow, held.url)
            subscribe(db, healthy, hook.url)
            queue(db, slow, 1)
            (healthy_id,) = queue(db, healthy, 1)
            worker = Worker(short)
            try:
                worker.run_pending(wait=False)
                held.wait_for(1)
                for _ in range(4):
                    clock.advance(2)
                    worker.run_pending(wait=False)
                held.open.set()
            finally:
                worker.stop()
            assert [r.headers["webhook-id"] for r in hook.wait_for(1)] == [healthy_id]
            assert len(hook.received) == 1
        assert statuses(db) == {"delivered": 2}


class TestTwoWorkers:
    def test_two_workers_never_deliver_one_event_twice(self, db: Database) -> None:
        # Wall clock, short claims, slow answers: claims would lapse without heartbeats.
        settings = {"worker_claim_s": 1, "webhook_concurrency": 2, "worker_poll_s": 0.05}
        first = with_settings(db, SystemClock(), **settings)
        second = with_settings(db, SystemClock(), **settings)
        customers = [world.customer(db, f"c{n}") for n in range(6)]
        with gate() as held:
            held.delay = 0.15
            ids: list[str] = []
            for who in customers:
                subscribe(db, who, held.url)
                ids += queue(db, who, 5)
            workers = [Worker(first), Worker(second)]
            for worker in workers:
                worker.start()
            try:
                held.wait_for(len(ids), timeout=60)
                deadline = threading.Event()
                for _ in range(200):
                    if statuses(db) == {"delivered": len(ids)}:
                        break
                    deadline.wait(0.1)
            finally:
                for worker in workers:
                    worker.stop()
        assert Counter(held.ids) == Counter({webhook_id: 1 for webhook_id in ids})
        assert statuses(db) == {"delivered": len(ids)}
        with db.uow(write=False) as uow:
            assert uow.session.scalar(select(func.count(EventAttempt.id))) == len(ids)
