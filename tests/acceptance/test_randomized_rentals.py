"""Many customers at once, at random: long-term rentals (rent, renew by MDN, reserve, release,
autorenew, switch, report) mixed with one-time requests, bids, rejects, SMS, sweeps, the
operator's report resolutions and clock moves of hours and days; then the invariants must hold.

The seed is printed; rerun one with SIMHIVE_TEST_SEED=<seed>.
"""

from __future__ import annotations

import contextlib
import random
import threading
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update

from simhive.app import create_app
from simhive.core.activations.models import OPEN_STATUSES, Activation, ActivationStatus
from simhive.core.catalog import service as catalog
from simhive.core.catalog.models import Service
from simhive.core.errors import CoreError
from simhive.core.inventory import service as inventory
from simhive.core.inventory.models import Number, Rejection
from simhive.core.ledger import service as ledger
from simhive.core.ledger.models import EntryKind, Hold, HoldStatus, LedgerEntry
from simhive.core.messages.models import Message, MessageStatus
from simhive.core.rentals import service as rental_service
from simhive.core.rentals.models import Rental, RentalReport, RentalStatus, ReportOutcome
from simhive.core.rotation import service as rotation
from simhive.db.uow import Database
from simhive.gateways.base import InboundSMS
from simhive.kit.clock import FrozenClock
from simhive.kit.money import to_cents
from simhive.operations import rentals as rental_ops
from simhive.worker.inbound import receive
from simhive.worker.runner import PassResult, Worker
from tests.fixtures import crowd, world
from tests.fixtures.servers import serve

# name: (one-time price, 30-day price, 3-day price); 0 means not offered.
SERVICES = {
    "Google": ("1.00", "20.00", "5.00"),
    "Amazon": ("0.50", "15.50", "4.00"),
    "Yahoo": ("0.35", "12.00", "0"),  # 30-day rentals only
    "Unlimited": ("0", "30.00", "8.00"),
    "Unknown": ("0.20", "10.00", "3.00"),
}
ONE_TIME = ["Google", "Amazon", "Yahoo", "Unknown"]
NAMED = ["Google", "Amazon", "Yahoo"]
SMS = {
    "Google": ("22000", "G-{code} is your Google verification code."),
    "Amazon": ("AMZN", "{code} is your Amazon OTP. Do not share it with anyone."),
    "Yahoo": ("Yahoo", "{code} is your Yahoo verification code"),
    "": ("55555", "Your code is {code}"),
}
# (area code, how many, of which only for 30-day rentals)
NUMBERS = [("212", 8, 3), ("415", 4, 1)]
ACTORS = 8
STEPS = 60
CREDITS = ["40.00", "60.00", "80.00", "100.00", "120.00", "150.00", "60.00", "90.00"]
SETTLE_PASSES = 200


@dataclass
class Log:
    answers: list[dict[str, object]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    sms_refs: list[str] = field(default_factory=list)
    reserved: set[int] = field(default_factory=set)  # rentals rented with reserve=true
    reclaimed: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def note(self, answer: dict[str, object]) -> None:
        with self.lock:
            self.answers.append(answer)

    def passed(self, result: PassResult) -> None:
        with self.lock:
            self.reclaimed += result.reclaimed


def any_case(rng: random.Random, name: str) -> str:
    return "".join(c.upper() if rng.random() < 0.5 else c.lower() for c in name)


class Actor:
    def __init__(
        self,
        *,
        index: int,
        rng: random.Random,
        url: str,
        who: world.Customer,
        db: Database,
        clock: FrozenClock,
        worker: Worker,
        mdns: list[str],
        log: Log,
    ) -> None:
        self.index, self.rng, self.url, self.who, self.db = index, rng, url, who, db
        self.clock, self.worker, self.mdns, self.log = clock, worker, mdns, log
        self.mine: list[str] = []  # one-time request ids
        self.rentals: list[str] = []  # rental ids from ltr_rent answers
        self.rented: list[str] = []  # MDNs rented (they stay in the list after the end)
        self.sent = 0

    def call(self, client: httpx.Client, **params: str) -> dict[str, Any]:
        response = client.get(
            self.url, params={"user": self.who.username, "api_key": self.who.api_key, **params}
        )
        if response.status_code != 200:
            self.log.errors.append(f"{params}: HTTP {response.status_code}: {response.text[:200]}")
            return {}
        body: dict[str, Any] = response.json()
        self.log.note(body)
        if "Internal server error" in str(body.get("message")):
            self.log.errors.append(f"{params}: {body['message']}")
        if body.get("status") != "ok":
            return body
        if params["cmd"] == "request":
            self.mine.extend(str(entry["id"]) for entry in body["message"])
        if params["cmd"] == "ltr_rent":
            entry = body["message"]
            self.rentals.append(str(entry["id"]))
            if entry["mdn"]:
                self.rented.append(entry["mdn"])
            if params.get("reserve") == "true":
                with self.log.lock:
                    self.log.reserved.add(int(entry["id"]))
        return body

    def which_rental(self) -> dict[str, str]:
        """A rental of mine by id, or by MDN (with its service or not); sometimes a stranger's."""
        rng = self.rng
        if self.rented and rng.random() < 0.4:
            chosen = {"mdn": rng.choice(self.rented)}
            if rng.random() < 0.5:
                chosen["service"] = rng.choice(list(SERVICES))
            return chosen
        if self.rentals and rng.random() < 0.9:
            return {"ltr_id": rng.choice(self.rentals)}
        return {"ltr_id": str(rng.randint(1, 60))}

    def rent(self, client: httpx.Client) -> None:
        rng = self.rng
        params = {"cmd": "ltr_rent", "service": any_case(rng, rng.choice(list(SERVICES)))}
        roll = rng.random()
        if roll < 0.6:
            params["duration"] = "30"
        elif roll < 0.9:
            params["duration"] = "3"
        if rng.random() < 0.5:
            params["autorenew"] = rng.choice(["true", "false"])
        roll = rng.random()
        if roll < 0.3:
            # Renew one of mine, or try someone else's (or a free one).
            own = self.rented and rng.random() < 0.6
            params["mdn"] = rng.choice(self.rented) if own else rng.choice(self.mdns)
        elif roll < 0.45:
            params["reserve"] = "true"
            if rng.random() < 0.85:
                params["service"] = "Unlimited"
        if rng.random() < 0.2:
            params["areacode"] = rng.choice(["212", "415"])
        elif rng.random() < 0.1:
            params["state"] = rng.choice(["NY", "CA", "ca"])
        self.call(client, **params)

    def sms(self) -> None:
        rng = self.rng
        sender, text = SMS[rng.choice(list(SMS))]
        self.sent += 1
        ref = f"a{self.index}-{self.sent}"
        with self.log.lock:
            self.log.sms_refs.append(ref)
        pool = self.rented if self.rented and rng.random() < 0.4 else self.mdns
        receive(
            self.db,
            InboundSMS(
                to=rng.choice(pool),
                sender=sender,
                text=text.format(code=rng.randint(100000, 999999)),
                received_at=self.clock.now(),
                gateway_ref=ref,
            ),
            gateway="test",
        )

    def operate(self) -> None:
        """The operator: resolve an open report, or put an offline number back online."""
        rng = self.rng
        if rng.random() < 0.7:
            open_ones = rental_ops.list_reports(self.db, status=None)
            candidates = [r for r in open_ones if r.status == "open"]
            if not candidates:
                return
            outcome = rng.choice(list(ReportOutcome))
            # Resolved meanwhile, the rental ended, or no number to replace it with: refused.
            with contextlib.suppress(CoreError):
                rental_ops.resolve_report(
                    self.db,
                    report_id=rng.choice(candidates).id,
                    outcome=outcome,
                    reason="looked at it",
                    made_by="operator",
                )
        else:
            with self.db.uow() as uow:
                rotation.set_online(uow, mdn=rng.choice(self.mdns), online=True)

    def step(self, client: httpx.Client) -> None:
        rng = self.rng
        roll = rng.random()
        if roll < 0.10:
            self.call(client, cmd="request", service=any_case(rng, rng.choice(ONE_TIME)))
        elif roll < 0.15:
            self.call(
                client,
                cmd="request",
                service=rng.choice(NAMED),
                markup=str(rng.choice([10, 25, 50, 100])),
            )
        elif roll < 0.20:
            picked = rng.sample(ONE_TIME, rng.randint(2, 3))
            self.call(client, cmd="request", service=",".join(picked))
        elif roll < 0.26 and self.mine:
            self.call(client, cmd="reject", id=rng.choice(self.mine))
        elif roll < 0.42:
            self.rent(client)
        elif roll < 0.47:
            self.call(client, cmd="ltr_release", **self.which_rental())
        elif roll < 0.53:
            which = self.which_rental()
            if "mdn" in which and "service" not in which:
                which["service"] = rng.choice(list(SERVICES))
            flip = {"autorenew": rng.choice(["true", "false"])} if rng.random() < 0.8 else {}
            self.call(client, cmd="ltr_autorenew", **which, **flip)
        elif roll < 0.56:
            self.call(client, cmd="ltr_status", **self.which_rental())
        elif roll < 0.60:
            self.call(
                client,
                cmd="ltr_switch_service",
                **{**self.which_rental(), "service": rng.choice(list(SERVICES))},
            )
        elif roll < 0.62:
            self.call(client, cmd="ltr_report", reason="nothing arrives", **self.which_rental())
        elif roll < 0.64:
            self.call(client, cmd="read_sms", **self.which_rental())
        elif roll < 0.66:
            self.operate()
        elif roll < 0.82:
            self.sms()
        elif roll < 0.92:
            self.log.passed(self.worker.run_pending())
        elif roll < 0.97:
            self.clock.advance(hours=rng.choice([1, 2, 6, 12]))
        else:
            self.clock.advance(days=rng.choice([1, 2, 3, 4]))


def setup(db: Database) -> list[str]:
    with db.uow() as uow:
        for name, (price, ltr, short) in SERVICES.items():
            catalog.set_service(
                uow,
                catalog.ServiceSpec(
                    name=name,
                    price=Decimal(price),
                    ltr_price=Decimal(ltr),
                    ltr_short_price=Decimal(short),
                ),
            )
        mdns = []
        for area_code, count, long_only in NUMBERS:
            for i in range(count):
                mdn = f"1{area_code}300{i:04d}"
                inventory.add_number(
                    uow,
                    inventory.NumberSpec(
                        mdn=mdn,
                        gateway="simulator",
                        carrier="TMobile",
                        short_rentals=i >= long_only,
                    ),
                )
                mdns.append(mdn)
    return mdns


def settle(db: Database, clock: FrozenClock, worker: Worker, log: Log) -> None:
    """Quiet now: every request's deadline passes, then sweeps until nothing changes.

    Renewals continue each rental from its expiry, so a chain that autorenews catches up
    one period per pass; each pass moves the clock a little so every sweep is due.
    """
    clock.advance(days=31)
    for _ in range(SETTLE_PASSES):
        result = worker.run_pending()
        log.passed(result)
        clock.advance(seconds=10)
        if not (
            result.expired
            or result.matched
            or result.assigned
            or result.renewed
            or result.reclaimed
            or result.rerouted
        ):
            return
    raise AssertionError(f"the sweeps still change things after {SETTLE_PASSES} passes")


class TestRandomizedRentals:
    def test_invariants_hold(self, db: Database, clock: FrozenClock, backend: str) -> None:
        seed = crowd.seed_for("rentals", backend)
        master = random.Random(seed)
        mdns = setup(db)
        customers = [world.customer(db, f"user{i}", credit=CREDITS[i]) for i in range(ACTORS)]
        log = Log()
        worker = Worker(db)
        try:
            with serve(create_app(db.settings, db=db, run_worker=False)) as base:
                actors = [
                    Actor(
                        index=i,
                        rng=random.Random(master.getrandbits(64)),
                        url=base + "/api_command.php",
                        who=who,
                        db=db,
                        clock=clock,
                        worker=worker,
                        mdns=mdns,
                        log=log,
                    )
                    for i, who in enumerate(customers)
                ]

                crowd.play(actors, STEPS, log.errors)
            settle(db, clock, worker, log)
        finally:
            worker.stop()
        assert log.errors == [], f"seed {seed}: {log.errors}"
        assert len(log.answers) > ACTORS * STEPS // 3
        check_invariants(db, seed, log)


def check_invariants(db: Database, seed: int, log: Log) -> None:  # noqa: C901 - one list
    fee = to_cents(db.settings.ltr_reserve_fee)
    with db.uow(write=False) as uow:
        s = uow.session
        assert ledger.unbalanced(uow) == [], f"seed {seed}"
        now = uow.clock.now()
        acts = list(s.scalars(select(Activation)))
        rentals = {r.id: r for r in s.scalars(select(Rental))}
        numbers = {n.id: n for n in s.scalars(select(Number))}
        holds = {h.id: h for h in s.scalars(select(Hold))}
        entries = list(s.scalars(select(LedgerEntry)))
        messages = list(s.scalars(select(Message)))
        reports = list(s.scalars(select(RentalReport)))
        services = {sv.id: sv for sv in s.scalars(select(Service))}
        rejected = {(r.account_id, r.number_id) for r in s.scalars(select(Rejection))}
    where = f"seed {seed}"
    print(
        f"  {len(log.answers)} answers; {len(rentals)} rentals, "
        f"{sum(r.previous_id is not None for r in rentals.values())} of them renewals, "
        f"{len(log.reserved)} reserved, {len(reports)} reports; "
        f"{sum(a.status == ActivationStatus.COMPLETED for a in acts)}/{len(acts)} requests "
        f"completed; {sum(m.rental_id is not None for m in messages)} of "
        f"{len(log.sms_refs)} SMS to rentals"
    )

    # -- who holds each number --------------------------------------------------------------
    reserved_on: dict[int, list[Activation]] = defaultdict(list)
    for a in acts:
        if a.status == ActivationStatus.RESERVED and a.number_id is not None:
            reserved_on[a.number_id].append(a)
    rented_on: dict[int, list[Rental]] = defaultdict(list)
    for r in rentals.values():
        if r.status == RentalStatus.ACTIVE:
            assert r.number_id is not None, f"{where}: active rental {r.id} without a number"
            rented_on[r.number_id].append(r)
        elif r.status == RentalStatus.AWAITING_MDN:
            assert r.number_id is None, f"{where}: reserved rental {r.id} has a number"
    for n in numbers.values():
        acts_on, rents_on = reserved_on.get(n.id, []), rented_on.get(n.id, [])
        assert not (acts_on and rents_on), (
            f"{where}: {n.mdn} held by rental {rents_on[0].id} and activation {acts_on[0].id}"
        )
        assert len(rents_on) <= 1, (
            f"{where}: {n.mdn} held by active rentals {[r.id for r in rents_on]}"
        )
        assert all(a.group_id == n.lease_group for a in acts_on), (
            f"{where}: {n.mdn} reserved for a group that does not lease it"
        )
        assert all(r.lease_group == n.lease_group for r in rents_on), (
            f"{where}: active rental {rents_on[0].id if rents_on else ''} on {n.mdn} "
            "without its lease"
        )
        if n.lease_group is not None:
            assert acts_on or rents_on, f"{where}: {n.mdn} leased with nothing open on it"

    # -- renewal chains ------------------------------------------------------------------------
    successors: dict[int, list[Rental]] = defaultdict(list)
    active_in_chain: dict[int, list[int]] = defaultdict(list)
    for r in rentals.values():
        if r.previous_id is not None:
            successors[r.previous_id].append(r)
        if r.status == RentalStatus.ACTIVE:
            active_in_chain[r.first_id or r.id].append(r.id)
    for first, active in active_in_chain.items():
        assert len(active) == 1, f"{where}: chain {first} has active rentals {active}"
    for r in rentals.values():
        after = [x.id for x in successors.get(r.id, [])]
        if r.status == RentalStatus.RENEWED:
            assert len(after) == 1, f"{where}: rental {r.id} renewed by {after}"
            (succ,) = successors[r.id]
            # The renewal continues the lease and the number; the number changes only when a
            # report on the renewed rental was resolved by replacing that very number.
            replaced = any(
                p.rental_id == succ.id
                and p.outcome == ReportOutcome.REPLACED
                and p.number_id == r.number_id
                for p in reports
            )
            assert succ.lease_group == r.lease_group and (
                succ.number_id == r.number_id or replaced
            ), f"{where}: rental {succ.id} does not continue {r.id}'s number"
        else:
            assert after == [], f"{where}: rental {r.id} ({r.status}) continued by {after}"

    # -- quiescence: nothing left to sweep ---------------------------------------------------
    assert not [a.id for a in acts if a.status in OPEN_STATUSES], f"{where}: request still open"
    overdue = [r.id for r in rentals.values() if r.status == "active" and r.expires_at <= now]  # type: ignore[operator]
    assert overdue == [], f"{where}: rentals past expiry still active: {overdue}"
    for r in rentals.values():
        if r.status != RentalStatus.AWAITING_MDN:
            continue
        fits = [
            n.mdn
            for n in numbers.values()
            if n.lease_group is None
            and n.online
            and (r.account_id, n.id) not in rejected
            and (n.short_rentals or r.days != 3)
            and (not r.want_area_code or n.area_code == r.want_area_code)
            and (r.want_area_code or not r.want_state or n.state == r.want_state)
        ]
        assert fits == [], f"{where}: reserved rental {r.id} still waits; free for it: {fits}"

    # -- money ---------------------------------------------------------------------------------
    any_service = [sv for sv in services.values() if sv.name_key in catalog.ANY_SERVICE_NAMES]
    charges_by_rental: dict[int, list[int]] = defaultdict(list)
    for e in entries:
        if e.kind == EntryKind.CHARGE:
            assert e.reference and e.reference.startswith("rental:"), f"{where}: charge {e.id}"
            charges_by_rental[int(e.reference.removeprefix("rental:"))].append(-e.amount_cents)
    for r in rentals.values():
        billed = r.price_cents + (fee if r.id in log.reserved else 0)
        assert charges_by_rental.get(r.id) == [billed], (
            f"{where}: rental {r.id} charged {charges_by_rental.get(r.id)}, not [{billed}]"
        )
        # A switched Unlimited (or Unknown) rental keeps the price it was rented or renewed at.
        tariffs = {
            sv.ltr_price_cents if r.days == 30 else sv.ltr_short_price_cents
            for sv in [services[r.service_id], *any_service]
        }
        assert r.price_cents > 0 and r.price_cents in tariffs, (
            f"{where}: rental {r.id} priced {r.price_cents}, not one of {tariffs}"
        )
    assert set(charges_by_rental) <= set(rentals), f"{where}: charges for unknown rentals"
    billing = [m for m in messages if m.status == MessageStatus.BILLING]
    assert len(billing) == len(rentals), f"{where}: {len(billing)} Billing lines"
    for a in acts:
        hold = holds.get(a.hold_id or -1)
        assert hold is not None and hold.amount_cents == a.price_cents, f"{where}: act {a.id}"
        expected = {
            ActivationStatus.COMPLETED: HoldStatus.CAPTURED,
            ActivationStatus.REJECTED: HoldStatus.RELEASED,
            ActivationStatus.TIMED_OUT: HoldStatus.RELEASED,
        }.get(ActivationStatus(a.status), HoldStatus.OPEN)
        assert hold.status == expected, f"{where}: activation {a.id} is {a.status}"
    account_ids = {e.account_id for e in entries}
    for account_id in account_ids:
        mine = [e for e in entries if e.account_id == account_id]

        def total(kind: EntryKind, entries_: list[LedgerEntry] = mine) -> int:
            return sum(e.amount_cents for e in entries_ if e.kind == kind)

        credits, captures = total(EntryKind.CREDIT), -total(EntryKind.CAPTURE)
        charges, refunds = -total(EntryKind.CHARGE), total(EntryKind.REFUND)
        balance = sum(e.amount_cents for e in mine)
        assert balance == credits - captures - charges + refunds, f"{where}: {account_id} kinds"
        completed = sum(
            a.price_cents
            for a in acts
            if a.account_id == account_id and a.status == ActivationStatus.COMPLETED
        )
        assert captures == completed, f"{where}: account {account_id} captures"
        billed = sum(
            r.price_cents + (fee if r.id in log.reserved else 0)
            for r in rentals.values()
            if r.account_id == account_id
        )
        assert charges == billed, f"{where}: account {account_id} charged {charges}, not {billed}"
        refunded = sum(p.refund_cents for p in reports if p.account_id == account_id)
        # A reservation released before any number came gets its price back (not the fee).
        refunded += sum(
            r.price_cents
            for r in rentals.values()
            if r.account_id == account_id
            and r.id in log.reserved
            and r.status == RentalStatus.RELEASED
            and r.starts_at is None
        )
        assert refunds == refunded, f"{where}: account {account_id} refunds"
        held = sum(
            h.amount_cents
            for h in holds.values()
            if h.account_id == account_id and h.status == HoldStatus.OPEN
        )
        open_prices = sum(
            a.price_cents for a in acts if a.account_id == account_id and a.status in OPEN_STATUSES
        )
        assert held == open_prices, f"{where}: account {account_id} holds"
        assert balance - held >= 0, f"{where}: account {account_id} below zero"

    # -- SMS -----------------------------------------------------------------------------------
    inbound = [m for m in messages if m.gateway == "test"]
    refs = sorted(m.gateway_ref or "" for m in inbound)
    assert refs == sorted(log.sms_refs), f"{where}: SMS stored {len(refs)}/{len(log.sms_refs)}"
    by_id = {a.id: a for a in acts}
    for m in inbound:
        assert m.status in (MessageStatus.ROUTED, MessageStatus.UNROUTED), (
            f"{where}: SMS {m.id} is {m.status}"
        )
        if m.status == MessageStatus.UNROUTED:
            assert (m.account_id, m.activation_id, m.rental_id) == (None, None, None), (
                f"{where}: unrouted SMS {m.id} belongs to someone"
            )
            continue
        assert (m.activation_id is None) != (m.rental_id is None), f"{where}: SMS {m.id} twice"
        assert m.number_id is not None and numbers[m.number_id].mdn == m.to_mdn, (
            f"{where}: SMS {m.id} on the wrong number"
        )
        if m.activation_id is not None:
            owner = by_id[m.activation_id]
            assert owner.status == ActivationStatus.COMPLETED, f"{where}: SMS {m.id}"
            assert (owner.account_id, owner.number_id) == (m.account_id, m.number_id), (
                f"{where}: SMS {m.id} is not its request's"
            )
            assert m.price_cents == owner.price_cents, f"{where}: SMS {m.id} price"
        else:
            rental = rentals[m.rental_id]  # type: ignore[index]
            assert rental.account_id == m.account_id, (
                f"{where}: SMS {m.id} of rental {rental.id} carries account {m.account_id}, "
                f"not {rental.account_id}"
            )
            assert m.price_cents == 0, f"{where}: rental SMS {m.id} priced"
    completed_acts = [a for a in acts if a.status == ActivationStatus.COMPLETED]
    routed_to = [m.activation_id for m in inbound if m.activation_id is not None]
    assert sorted(routed_to) == sorted(a.id for a in completed_acts), (
        f"{where}: completed requests and their SMS differ"
    )
    assert log.reclaimed == 0, f"{where}: {log.reclaimed} leases had to be reclaimed"


def rent(db: Database, who: world.Customer, request: rental_service.RentRequest) -> int:
    with db.uow() as uow:
        account = uow.session.get(world.Account, who.id)
        assert account is not None
        return rental_service.rent(uow, account=account, request=request).id


def chain(db: Database) -> list[tuple[int, str, int | None]]:
    with db.uow(write=False) as uow:
        found = uow.session.scalars(select(Rental).order_by(Rental.id))
        return [(r.id, r.status, r.previous_id) for r in found]


def wait_for_a_lock_wait(db: Database) -> None:
    """Until a transaction on this database waits for a row lock (PostgreSQL), at most 15 s."""
    for _ in range(300):
        with db.engine.connect() as conn:
            waiting = conn.exec_driver_sql(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE wait_event_type = 'Lock' AND datname = current_database()"
            ).scalar_one()
        if waiting:
            return
        threading.Event().wait(0.05)


class TestRentalRaces:
    """Races met while writing the crowd above, which random runs reach only rarely,
    each pinned down on its own."""

    def test_a_renewal_by_mdn_racing_the_sweep_renews_once(
        self, db: Database, clock: FrozenClock, backend: str
    ) -> None:
        if backend != "postgresql":
            pytest.skip("SQLite runs one writer at a time")
        setup(db)
        alice = world.customer(db, "alice", credit="100.00")
        first = rent(db, alice, rental_service.RentRequest(service="Amazon", autorenew=True))
        with db.uow(write=False) as uow:
            mdn = uow.session.scalar(select(Number.mdn).join(Rental, Rental.number_id == Number.id))
        clock.advance(days=30, seconds=1)
        swept, go = threading.Event(), threading.Event()
        errors: list[BaseException] = []

        def sweep() -> None:
            try:
                with db.uow() as uow:
                    assert rental_service.renew_due(uow) == 1
                    swept.set()
                    go.wait(30)  # the sweep's transaction stays open meanwhile
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)
                swept.set()

        def renew() -> None:
            try:
                rent(db, alice, rental_service.RentRequest(service="Amazon", mdn=mdn))
            except CoreError:
                pass  # refusing the renewal is fine; renewing twice is not
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)

        sweeper = threading.Thread(target=sweep)
        sweeper.start()
        assert swept.wait(30)
        renewer = threading.Thread(target=renew)
        renewer.start()
        wait_for_a_lock_wait(db)  # the renewal waits on the sweep's row lock
        go.set()
        sweeper.join(30)
        renewer.join(30)
        assert errors == []
        rows = chain(db)
        active = [r for r in rows if r[1] == RentalStatus.ACTIVE]
        assert len(active) == 1, f"one rental renewed into {active}: {rows}"
        # The chain stays a line: the renewal by MDN waited for the sweep and continued
        # the rental the sweep left active (both were asked for, both are paid).
        previous = [r[2] for r in rows if r[2] is not None]
        assert len(previous) == len(set(previous)), f"a rental renewed twice: {rows}"
        assert [r for r in rows if r[2] == first][0][1] == RentalStatus.RENEWED

    def test_a_release_racing_a_renewal_by_mdn_answers_both(
        self, db: Database, clock: FrozenClock, backend: str
    ) -> None:
        if backend != "postgresql":
            pytest.skip("SQLite runs one writer at a time")
        setup(db)
        alice = world.customer(db, "alice", credit="100.00")
        first = rent(db, alice, rental_service.RentRequest(service="Amazon"))
        with db.uow(write=False) as uow:
            mdn = uow.session.scalar(select(Number.mdn).join(Rental, Rental.number_id == Number.id))
        locked = threading.Event()
        errors: list[BaseException] = []

        def release() -> None:  # what cmd_ltr_release does, paused between its two locks
            try:
                with db.uow() as uow:
                    account = uow.session.get(world.Account, alice.id)
                    assert account is not None
                    found = rental_service.find(uow, account=account, ltr_id=str(first), lock=True)
                    locked.set()
                    wait_for_a_lock_wait(db)
                    rental_service.release(uow, rental=found)
            except CoreError:
                pass
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)

        def renew() -> None:
            try:
                rent(db, alice, rental_service.RentRequest(service="Amazon", mdn=mdn))
            except CoreError:
                pass  # refusing the renewal is fine; failing is not
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)

        releaser = threading.Thread(target=release)
        releaser.start()
        assert locked.wait(30)
        renewer = threading.Thread(target=renew)
        renewer.start()
        releaser.join(30)
        renewer.join(30)
        assert [type(e).__name__ for e in errors] == []

    def test_a_reserved_rental_no_number_suits_holds_back_none_behind_it(
        self, db: Database, clock: FrozenClock
    ) -> None:
        setup(db)
        with db.uow() as uow:  # only numbers for 30-day rentals are free
            for number in uow.session.scalars(select(Number)):
                number.short_rentals = False
        alice = world.customer(db, "alice", credit="100.00")
        with db.uow() as uow:  # every number is taken while both reserve
            uow.session.execute(update(Number).values(lease_group=1))
        short = rental_service.RentRequest(service="Unlimited", days=3, reserve=True)
        long = rental_service.RentRequest(service="Unlimited", days=30, reserve=True)
        rent(db, alice, short)
        behind = rent(db, alice, long)
        with db.uow() as uow:
            uow.session.execute(update(Number).values(lease_group=None))
        with db.uow() as uow:
            rental_service.assign_reserved(uow)
        assert (behind, RentalStatus.ACTIVE, None) in chain(db)
