"""Many customers of the order API at once, at random: orders in three countries, getsms,
cancel, skip, reuse and balances race SMS arriving on the numbers, command API requests,
sweeps and clock moves; then the invariants must hold: one open order per account, no
number in two open orders, no skipped number offered again, money exact to the cent.

The seed is printed; rerun one with SIMHIVE_TEST_SEED=<seed>.
"""

from __future__ import annotations

import random
import re
import threading
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

import httpx
from sqlalchemy import func, select

from simhive.app import create_app
from simhive.core.activations.models import OPEN_STATUSES, Activation, ActivationStatus, Api
from simhive.core.catalog import service as catalog
from simhive.core.catalog.models import Service
from simhive.core.inventory.models import Number, NumberSkip
from simhive.core.ledger import service as ledger
from simhive.core.ledger.models import EntryKind, Hold, HoldStatus, LedgerEntry
from simhive.db.uow import Database
from simhive.gateways.base import InboundSMS
from simhive.kit.clock import FrozenClock
from simhive.operations import numbers as number_ops
from simhive.operations import services as service_ops
from simhive.worker.inbound import receive
from simhive.worker.runner import Worker
from tests.fixtures import crowd, world
from tests.fixtures.servers import serve

# name: (order id, price, NL price, UK price); None: the service's price applies.
SERVICES = {
    "Google": (1, "1.00", "1.50", None),
    "Amazon": (2, "0.50", None, "0.80"),
    "Yahoo": (3, "0.35", None, None),
}
SMS = {
    "Google": ("22000", "G-{code} is your Google verification code."),
    "Amazon": ("AMZN", "{code} is your Amazon OTP. Do not share it with anyone."),
    "Yahoo": ("Yahoo", "{code} is your Yahoo verification code"),
}
COUNTRIES = ["NL", "nl", "UK", "uk", "USA", "us", ""]
ACTORS = 8
STEPS = 45
ORDER = re.compile(r"ORDER_ID_(\d+)_NUMBER_(\d+)")
TOKENS = re.compile(
    r"ORDER_ID_\d+_NUMBER_\d+|ORDER_ALREADY_OPEN_\d+|SUCCESS_.*|\d+(\.\d{1,2})?|"
    r"NO_PHONE_AVAILABLE|NO_BALANCE|WAITING|ORDER_EXPIRED|ORDER_ALREADY_EXPIRED|"
    r"ORDER_ALREADY_COMPLETED|ORDER_CANCELED|NUMBER_SKIPPED_ORDER_CANCELED|NUMBER_OFFLINE|"
    r"REUSE_EXPIRED|ORDER_NOT_COMPLETED",
    re.S,
)


@dataclass
class Log:
    answers: list[tuple[str, str]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    # (order id made by reuse, the order it reused)
    reused: list[tuple[int, int]] = field(default_factory=list)
    phones: dict[int, str] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def note(self, path: str, answer: str) -> None:
        with self.lock:
            self.answers.append((path, answer))


class Actor:
    def __init__(
        self,
        *,
        rng: random.Random,
        url: str,
        who: world.Customer,
        db: Database,
        clock: FrozenClock,
        worker: Worker,
        mdns: list[str],
        log: Log,
    ) -> None:
        self.rng, self.url, self.who, self.db = rng, url, who, db
        self.clock, self.worker, self.mdns, self.log = clock, worker, mdns, log
        self.mine: list[int] = []
        self.completed: list[int] = []

    def call(self, client: httpx.Client, path: str, **params: str) -> str:
        method = self.rng.choice(["GET", "POST"])
        data = {"key": self.who.api_key, **params}
        if method == "GET":
            response = client.get(f"{self.url}/api/{path}", params=data)
        else:
            response = client.post(f"{self.url}/api/{path}", data=data)
        if response.status_code != 200:
            self.log.errors.append(f"HTTP {response.status_code}: {response.text[:200]}")
            return ""
        answer = response.text
        self.log.note(path, answer)
        if answer.startswith("SUCCESS_"):
            self.completed.append(int(params["orderId"]))
        made = ORDER.fullmatch(answer)
        if made is not None:
            order_id = int(made[1])
            self.mine.append(order_id)
            with self.log.lock:
                self.log.phones[order_id] = made[2]
                if path == "reuse":
                    self.log.reused.append((order_id, int(params["orderId"])))
        return answer

    def step(self, client: httpx.Client) -> None:
        rng = self.rng
        roll = rng.random()
        mine = str(rng.choice(self.mine)) if self.mine else None
        if roll < 0.25:
            service = str(SERVICES[rng.choice(list(SERVICES))][0])
            self.call(client, "makeorder", serviceId=service, country=rng.choice(COUNTRIES))
        elif roll < 0.37 and mine:
            self.call(client, "getsms", orderId=mine)
        elif roll < 0.45 and mine:
            self.call(client, "cancelorder", orderId=mine)
        elif roll < 0.53 and mine:
            self.call(client, "skipnumber", orderId=mine)
        elif roll < 0.62 and mine:
            # Mostly an order whose SMS came: those are the ones reuse is for.
            done = self.completed if self.completed and rng.random() < 0.7 else self.mine
            self.call(client, "reuse", orderId=str(rng.choice(done)))
        elif roll < 0.67:
            self.call(client, "getbalance")
        elif roll < 0.70:
            # The command API on the same numbers and money.
            client.get(
                f"{self.url}/api_command.php",
                params={
                    "cmd": "request",
                    "user": self.who.username,
                    "api_key": self.who.api_key,
                    "service": rng.choice(list(SERVICES)),
                },
            )
        elif roll < 0.88:
            service = rng.choice(list(SMS))
            sender, text = SMS[service]
            to = rng.choice(self.mdns)
            # Half of them to the number of my latest order, as 002 wrote it (national form).
            mine_last = self.log.phones.get(self.mine[-1]) if self.mine else None
            sms = InboundSMS(
                to=rng.choice([to, "+" + to, mine_last or to]),
                sender=sender,
                text=text.format(code=rng.randint(100000, 999999)),
                received_at=self.clock.now(),
                gateway_ref=f"r{rng.getrandbits(40)}",
            )
            receive(self.db, sms, gateway="test")
        elif roll < 0.93:
            self.worker.run_pending()
        elif roll < 0.95:
            # SIM banks swap SIMs: a number goes offline, or comes back.
            number_ops.set_number_online(
                self.db, mdn=rng.choice(self.mdns), online=rng.random() < 0.6
            )
        else:
            self.clock.advance(rng.choice([30, 120, 450, 901, 3600, 14401]))
        self.check_one_open_order()

    def check_one_open_order(self) -> None:
        with self.db.uow(write=False) as uow:
            counts = uow.session.execute(
                select(Activation.account_id, func.count())
                .where(Activation.api == Api.ORDER, Activation.status == ActivationStatus.RESERVED)
                .group_by(Activation.account_id)
            ).all()
        if any(n > 1 for _, n in counts):
            self.log.errors.append(f"two open orders: {counts}")


class TestRandomizedOrders:
    def test_invariants_hold(self, db: Database, clock: FrozenClock, backend: str) -> None:
        seed = crowd.seed_for("orders", backend)
        master = random.Random(seed)
        for name, (order_id, price, nl, uk) in SERVICES.items():
            world.order_service(db, name, price, order_id)
            for country, own in (("NL", nl), ("UK", uk)):
                if own is not None:
                    service_ops.set_service(db, name=name, price=Decimal(own), country=country)
        mdns = world.foreign_numbers(db, "NL", 4) + world.foreign_numbers(db, "GB", 4)
        mdns += world.numbers(db, 4)
        customers = [world.customer(db, f"user{i}", credit="3.00") for i in range(ACTORS)]
        log = Log()
        worker = Worker(db)
        try:
            with serve(create_app(db.settings, db=db, run_worker=False)) as base:
                actors = [
                    Actor(
                        rng=random.Random(master.getrandbits(64)),
                        url=base,
                        who=who,
                        db=db,
                        clock=clock,
                        worker=worker,
                        mdns=mdns,
                        log=log,
                    )
                    for who in customers
                ]

                crowd.play(actors, STEPS, log.errors)
                # Every balance as the order API says it, before the quiet settles anything.
                with httpx.Client(timeout=60) as client:
                    shown = {
                        who.id: client.get(
                            base + "/api/getbalance", params={"key": who.api_key}
                        ).text
                        for who in customers
                    }
            for who in customers:
                assert Decimal(shown[who.id]) == world.available(db, who), f"seed {seed}"
            # Quiet now: let every deadline pass and the sweeps settle everything.
            clock.advance(3600)
            worker.run_pending()
            worker.run_pending()
        finally:
            worker.stop()
        assert log.errors == [], f"seed {seed}"
        odd = [(p, a) for p, a in log.answers if not TOKENS.fullmatch(a)]
        assert odd == [], f"seed {seed}"
        tally = Counter(p for p, _ in log.answers)
        assert tally["makeorder"] > ACTORS, f"seed {seed}: {tally}"
        made = sum(1 for p, a in log.answers if p == "makeorder" and ORDER.fullmatch(a))
        assert made > 0, f"seed {seed}"
        outcomes = Counter(re.sub(r"\d+", "N", a)[:30] for _, a in log.answers)
        print(f"seed {seed}: {dict(tally)}; {made} orders made, {len(log.reused)} reused")
        print(f"seed {seed}: answers {dict(outcomes)}")
        check_invariants(db, seed, log)


def check_invariants(db: Database, seed: int, log: Log) -> None:
    with db.uow(write=False) as uow:
        assert ledger.unbalanced(uow) == [], f"seed {seed}"
        s = uow.session
        acts = list(s.scalars(select(Activation)))
        numbers = {n.id: n for n in s.scalars(select(Number))}
        services = {sv.id: sv for sv in s.scalars(select(Service))}
        holds = {h.id: h for h in s.scalars(select(Hold))}
        entries = list(s.scalars(select(LedgerEntry)))
        skips = list(s.scalars(select(NumberSkip)))
        prices = {
            (sv.id, country): catalog.price_cents_for(uow, sv, country)
            for sv in services.values()
            for country in ("US", "NL", "GB")
        }
    assert not [a for a in acts if a.status in OPEN_STATUSES], f"seed {seed}: still open"
    orders = [a for a in acts if a.api == Api.ORDER]
    assert orders, f"seed {seed}: no orders"
    # No number was held by two requests at once: their reserved spans never overlap.
    spans: dict[int, list[Activation]] = defaultdict(list)
    for a in acts:
        if a.number_id is not None and a.reserved_at is not None and a.closed_at is not None:
            spans[a.number_id].append(a)
    for held in spans.values():
        held.sort(key=lambda a: (a.reserved_at, a.id))
        for before, after in zip(held, held[1:], strict=False):
            assert before.closed_at is not None and after.reserved_at is not None
            assert before.closed_at <= after.reserved_at, f"seed {seed}: {before.id}/{after.id}"
    for order in orders:
        number = numbers[order.number_id or -1]
        # An order's price is its service's on a number of that country.
        assert order.price_cents == prices[(order.service_id, number.country)], f"seed {seed}"
        phone = log.phones.get(order.id)
        if phone is not None:
            national = "0" + number.mdn[2:] if number.country != "US" else number.mdn
            assert phone == national, f"seed {seed}: order {order.id}"
    # A skipped number is never ordered again for its service by the account that skipped it.
    for skip in skips:
        again = [
            a
            for a in acts
            if a.account_id == skip.account_id
            and a.service_id == skip.service_id
            and a.number_id == skip.number_id
            and a.created_at > skip.skipped_at
        ]
        assert again == [], f"seed {seed}: skip {skip.id}"
    # A reuse is the same number, the same service, for the same account.
    by_id = {a.id: a for a in acts}
    for new, old in log.reused:
        assert (by_id[new].number_id, by_id[new].service_id, by_id[new].account_id) == (
            by_id[old].number_id,
            by_id[old].service_id,
            by_id[old].account_id,
        ), f"seed {seed}: reuse {new} of {old}"
        assert by_id[old].status == ActivationStatus.COMPLETED, f"seed {seed}"
    for a in acts:
        hold = holds.get(a.hold_id or -1)
        assert hold is not None and hold.amount_cents == a.price_cents, f"seed {seed}: {a.id}"
        expected = (
            HoldStatus.CAPTURED if a.status == ActivationStatus.COMPLETED else HoldStatus.RELEASED
        )
        assert hold.status == expected, f"seed {seed}: activation {a.id} is {a.status}"
    for account_id in {a.account_id for a in acts}:
        mine = [e for e in entries if e.account_id == account_id]
        credits = sum(e.amount_cents for e in mine if e.kind == EntryKind.CREDIT)
        captured = -sum(e.amount_cents for e in mine if e.kind == EntryKind.CAPTURE)
        completed = sum(
            a.price_cents
            for a in acts
            if a.account_id == account_id and a.status == ActivationStatus.COMPLETED
        )
        assert captured == completed, f"seed {seed}: account {account_id} captures"
        balance = sum(e.amount_cents for e in mine)
        assert balance == credits - captured >= 0, f"seed {seed}: account {account_id}"
