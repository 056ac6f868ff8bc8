"""A SIM bank with fewer slots than SIMs, in a crowd: customers ask for their rented numbers
(`ltr_activate`), read where they stand (`ltr_status`), release some and take one-time
numbers, over HTTP, while two workers turn the slots, the operator holds numbers and brings
them back, and the clock moves inside windows; then a few quiet windows. Throughout, the
bank never has more numbers online than slots, requests are honoured oldest first, every
honoured request keeps its window, and no number waits for ever.

The seed is printed; rerun one with SIMHIVE_TEST_SEED=<seed>.
"""

from __future__ import annotations

import math
import os
import random
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

import httpx
from sqlalchemy import func, select

from simhive.app import create_app
from simhive.core.catalog import service as catalog
from simhive.core.inventory.models import Number
from simhive.core.rentals import service as rentals
from simhive.core.rotation import service as rotation
from simhive.core.rotation.models import OnlineRequest, RequestStatus, Turn
from simhive.db.uow import Database
from simhive.kit.clock import FrozenClock
from simhive.worker.runner import Worker
from tests.fixtures import crowd, world
from tests.fixtures.servers import serve
from tests.fixtures.world import Customer

NUMBERS = 12
SLOTS = 3
WINDOW = 600
RENTED = 8
CUSTOMERS = 3
ROUNDS = int(os.environ.get("SIMHIVE_ROTATION_ROUNDS") or 50)
GATEWAY = "simulator"
STATE_KEYS = ["ltr_status", "till_change", "next_online", "timestamp"]
# The longest a number in rotation may wait offline: its own turn comes back after the
# others have had theirs, and only requests made before then can pass it; then a window
# to spare for the worker's timing.
PAUSE = WINDOW * math.ceil((NUMBERS - SLOTS) / SLOTS)
LONGEST_WAIT = PAUSE + WINDOW * (math.ceil((NUMBERS - 1) / SLOTS) + 2)


@dataclass
class Log:
    errors: list[str] = field(default_factory=list)
    answers: int = 0
    most_online: int = 0
    # After each round: when, which numbers were online, and which were held offline.
    snapshots: list[tuple[datetime, set[str], set[str]]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def fail(self, what: str) -> None:
        with self.lock:
            self.errors.append(what)


@dataclass
class Renter:
    """A customer with rented numbers, acting at random."""

    who: Customer
    rng: random.Random
    rentals: list[str]  # open rental ids
    log: Log

    def check(self, answer: dict[str, object]) -> None:
        """An `ltr_status` / `ltr_activate` answer: DESIGN.md's keys and types, and sense."""
        if list(answer) != STATE_KEYS or not all(type(answer[k]) is int for k in STATE_KEYS[1:]):
            self.log.fail(f"shape: {answer}")
            return
        state, till, nxt, now = (answer[k] for k in STATE_KEYS)
        assert isinstance(till, int) and isinstance(nxt, int) and isinstance(now, int)
        if state == "online" and nxt != now:
            self.log.fail(f"online but next_online {nxt} is not now {now}")
        elif state == "offline" and (nxt < now or till != nxt - now):
            # A rented number is never held here: its next window is always known.
            self.log.fail(f"offline: till_change {till}, next_online {nxt}, now {now}")
        elif state not in ("online", "offline"):
            self.log.fail(f"state {state}")
        with self.log.lock:
            self.log.answers += 1

    def step(self, client: httpx.Client, url: str) -> None:
        auth = {"user": self.who.username, "api_key": self.who.api_key}
        roll = self.rng.random()

        def call(cmd: str, **params: str) -> dict[str, object]:
            body = client.get(url, params={**auth, "cmd": cmd, **params}).json()
            assert isinstance(body, dict)
            return body

        if roll < 0.85 and self.rentals:
            cmd = "ltr_activate" if roll < 0.55 else "ltr_status"
            body = call(cmd, ltr_id=self.rng.choice(self.rentals))
            if body["status"] != "ok" or not isinstance(body["message"], dict):
                self.log.fail(f"{cmd}: {body}")
                return
            self.check(body["message"])
        elif roll < 0.88 and len(self.rentals) > 1:
            rid = self.rentals.pop(self.rng.randrange(len(self.rentals)))
            body = call("ltr_release", ltr_id=rid)
            if body != {"status": "ok", "message": "MDN has been released"}:
                self.log.fail(f"release: {body}")
        else:
            # A one-time number, rejected at once: it keeps its slot while Reserved.
            body = call("request", service="Amazon")
            if body["status"] == "ok":
                assert isinstance(body["message"], list)
                call("reject", id=str(body["message"][0]["id"]))


def setup(db: Database) -> tuple[list[str], list[Renter], set[str]]:
    with db.uow() as uow:
        catalog.set_service(
            uow,
            catalog.ServiceSpec(name="Amazon", price=Decimal("0.10"), ltr_price=Decimal("15.00")),
        )
    mdns = world.numbers(db, NUMBERS)
    customers = [world.customer(db, f"user{i}", credit="500.00") for i in range(CUSTOMERS)]
    owned: list[list[str]] = [[] for _ in customers]
    for i, mdn in enumerate(mdns[:RENTED]):
        with db.uow() as uow:
            account = uow.session.get(world.Account, customers[i % CUSTOMERS].id)
            assert account is not None
            view = rentals.rent(
                uow, account=account, request=rentals.RentRequest(service="Amazon", mdn=mdn)
            )
            owned[i % CUSTOMERS].append(str(view.id))
    with db.uow() as uow:
        rotation.configure(uow, gateway=GATEWAY, slots=SLOTS, window_s=WINDOW, set_by="operator")
    actors = [
        Renter(who=c, rng=random.Random(), rentals=owned[i], log=Log())
        for i, c in enumerate(customers)
    ]
    return mdns, actors, set(mdns[RENTED:])


def online_and_held(db: Database) -> tuple[set[str], set[str]]:
    with db.uow(write=False) as uow:
        rows = uow.session.execute(
            select(Number.mdn, Number.online, Number.held).where(Number.gateway == GATEWAY)
        ).all()
    return {m for m, on, _ in rows if on}, {m for m, _, held in rows if held}


def watch(db: Database, log: Log, done: threading.Event) -> None:
    """Count the bank's online numbers, as any reader sees them, while the round runs."""
    while not done.is_set():
        with db.uow(write=False) as uow:
            count = uow.session.scalar(
                select(func.count()).where(Number.gateway == GATEWAY, Number.online.is_(True))
            )
        with log.lock:
            log.most_online = max(log.most_online, int(count or 0))
        done.wait(0.002)


def kept_windows(db: Database, now: datetime, log: Log) -> None:
    """Every honoured request's window still running is kept while its rental holds the number."""
    with db.uow(write=False) as uow:
        rows = uow.session.execute(
            select(OnlineRequest, Number)
            .join(Number, Number.id == OnlineRequest.number_id)
            .where(
                OnlineRequest.status == RequestStatus.HONOURED,
                OnlineRequest.online_until > now,
                Number.lease_group == OnlineRequest.lease_group,
            )
        ).all()
    for request, number in rows:
        if not number.online:
            log.fail(f"request {request.id}: {number.mdn} left its slot before its window ended")


class TestRandomizedRotation:
    def test_invariants_hold(self, db: Database, clock: FrozenClock, backend: str) -> None:
        seed = crowd.seed_for("rotation", backend)
        master = random.Random(seed)
        mdns, actors, pool = setup(db)
        log = Log()
        for actor in actors:
            actor.rng.seed(master.getrandbits(64))
            actor.log = log
        workers = [Worker(db), Worker(db)]
        rng = random.Random(master.getrandbits(64))
        try:
            with serve(create_app(db.settings, db=db, run_worker=False)) as base:
                url = base + "/api_command.php"
                for _ in range(ROUNDS):
                    self.round(db, actors, workers, pool, rng, url, log)
                    clock.advance(seconds=rng.choice([30, 60, 120, 200, 300]))
                    self.snapshot(db, clock, log)
                # Quiet windows: nothing asked, every number in rotation gets its turn.
                with db.uow() as uow:
                    for mdn in pool:
                        rotation.set_online(uow, mdn=mdn, online=True)
                quiet_from = len(log.snapshots)
                for _ in range(math.ceil(NUMBERS / SLOTS) + 2):
                    clock.advance(seconds=WINDOW)
                    workers[0].run_pending()
                    self.snapshot(db, clock, log)
        finally:
            for worker in workers:
                worker.stop()
        assert log.errors == [], f"seed {seed}: {log.errors[:10]}"
        assert log.answers > ROUNDS, f"seed {seed}: only {log.answers} answers"
        assert log.most_online <= SLOTS, f"seed {seed}: {log.most_online} online"
        check_fifo(db, seed)
        check_no_starvation(db, seed, log, mdns, quiet_from)

    @staticmethod
    def round(
        db: Database,
        actors: list[Renter],
        workers: list[Worker],
        pool: set[str],
        rng: random.Random,
        url: str,
        log: Log,
    ) -> None:
        """Customers, two workers and the operator at once; a reader counts meanwhile."""
        done = threading.Event()
        jobs: list[Callable[[], None]] = []
        for actor in actors:

            def play(actor: Renter = actor) -> None:
                with httpx.Client(timeout=60) as client:
                    for _ in range(4):
                        actor.step(client, url)

            jobs.append(play)
        for worker in workers:

            def turn(worker: Worker = worker) -> None:
                for _ in range(2):
                    worker.run_pending()

            jobs.append(turn)
        mdn, online = rng.choice(sorted(pool)), rng.random() < 0.6

        def operator() -> None:
            with db.uow() as uow:
                rotation.set_online(uow, mdn=mdn, online=online)

        jobs.append(operator)
        watcher = threading.Thread(target=watch, args=(db, log, done))
        watcher.start()
        try:
            with ThreadPoolExecutor(len(jobs)) as pool_:
                for future in [pool_.submit(job) for job in jobs]:
                    try:
                        future.result()
                    except Exception as exc:  # noqa: BLE001 - an invariant
                        log.fail(f"{type(exc).__name__}: {exc}")
        finally:
            done.set()
            watcher.join()

    @staticmethod
    def snapshot(db: Database, clock: FrozenClock, log: Log) -> None:
        now = clock.now()
        kept_windows(db, now, log)
        log.snapshots.append((now, *online_and_held(db)))


def check_fifo(db: Database, seed: int) -> None:
    """A request honoured by its place in line came after every request honoured or lapsed
    before it; none is left waiting."""
    with db.uow(write=False) as uow:
        requests = list(uow.session.scalars(select(OnlineRequest).order_by(OnlineRequest.id)))
    assert requests, f"seed {seed}: no requests"
    waiting = [r.id for r in requests if r.status == RequestStatus.PENDING]
    assert waiting == [], f"seed {seed}: requests {waiting} never honoured"
    by_request = [r for r in requests if r.turn == Turn.REQUEST]
    assert by_request, f"seed {seed}: no request placed a number in line"
    for later in by_request:
        assert later.closed_at is not None and later.online_until is not None
        assert later.online_until - later.closed_at == timedelta(seconds=WINDOW)
        for earlier in requests:
            if earlier.requested_at < later.requested_at:
                assert earlier.closed_at is not None and earlier.closed_at <= later.closed_at, (
                    f"seed {seed}: request {later.id} honoured before {earlier.id}"
                )


def check_no_starvation(
    db: Database, seed: int, log: Log, mdns: list[str], quiet_from: int
) -> None:
    """No number in rotation waited offline longer than the bound (a hold restarts its wait),
    requests or not; in the quiet windows every number had its turn."""
    for mdn in mdns:
        since = log.snapshots[0][0]
        for when, online, held in log.snapshots:
            if mdn in online or mdn in held:
                since = when
            assert when - since <= timedelta(seconds=LONGEST_WAIT), (
                f"seed {seed}: {mdn} offline in rotation from {since} to {when}"
            )
    seen = set().union(*(online for _, online, _ in log.snapshots[quiet_from:]))
    assert seen == set(mdns), f"seed {seed}: never online in the quiet windows: {set(mdns) - seen}"
