"""The fraud guard on a synthetic hour: normal sign-ups with an SMS-pumping attack inside.

    .venv/bin/python benchmarks/fraud_guard.py [--backend sqlite|postgresql] [--users 10000]
        [--seed 7] [--set fraud_ip_limit=20 ...]

One account's verifications over one simulated hour (a frozen clock moved per
request), each through `fraud.check(..., record_attempt=True)` in its own
transaction, as `/v1/verify` makes it:

- normal traffic: users in 25 countries, each a random valid mobile number of its
  country; 80% behind an address of their own, 20% behind shared addresses (carrier
  NAT, offices: one per 25 users, heavy-tailed, the busiest carrying a few dozen
  sign-ups an hour); one user in ten asks for a second code a minute later;
- the attack, spread through the same hour, from rotating addresses: a burst of
  sequential numbers in one mobile range, random numbers inside one range of
  1,000, premium-rate numbers and satellite (high-risk) numbers.

Prints how much of each attack got through, the false-positive rate on normal
traffic (verifications refused that a real user made) and checks per second.
Deterministic for a seed; see BENCHMARKS.md for the figures.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta

import phonenumbers
import sqlalchemy as sa
from phonenumbers import PhoneNumberType

from simhive.core.accounts import service as accounts
from simhive.core.insight import fraud
from simhive.db.engine import make_engine
from simhive.db.migrate import upgrade
from simhive.db.uow import Database
from simhive.kit.clock import FrozenClock
from simhive.settings import Settings

PG = "postgresql://postgres@127.0.0.1:5432/test"
COUNTRIES = ("US", "GB", "DE", "FR", "IN", "BR", "NG", "ID", "MX", "ES", "IT", "NL", "PL")
COUNTRIES += ("TR", "PH", "VN", "EG", "KE", "ZA", "AR", "CO", "SE", "NO", "JP", "AU")
HOUR = 3600.0


def mobile_number(rng: random.Random, region: str) -> str:
    """A random valid mobile (or NANP mobile-or-fixed) number of a country."""
    example = phonenumbers.example_number_for_type(region, PhoneNumberType.MOBILE)
    national = str(example.national_number)
    while True:
        keep = max(2, len(national) - 6)
        candidate = national[:keep] + "".join(rng.choice("0123456789") for _ in national[keep:])
        number = phonenumbers.parse(f"+{example.country_code}{candidate}")
        kind = phonenumbers.number_type(number)
        if phonenumbers.is_valid_number(number) and kind in (
            PhoneNumberType.MOBILE,
            PhoneNumberType.FIXED_LINE_OR_MOBILE,
        ):
            return f"+{example.country_code}{candidate}"


class Addresses:
    """Where users come from: 80% from an address of their own; 20% from shared ones
    (carrier NAT, offices, campuses), one per 25 users, each with a heavy-tailed share
    capped so the busiest carries a few dozen sign-ups an hour."""

    def __init__(self, rng: random.Random, users: int) -> None:
        self.rng = rng
        count = max(users // 25, 1)
        self.shared = [f"100.64.{i // 250}.{i % 250}" for i in range(count)]
        self.weights = [min(rng.paretovariate(1.5), 30.0) for _ in range(count)]

    def pick(self) -> str:
        rng = self.rng
        if rng.random() < 0.8:
            return f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"
        return rng.choices(self.shared, self.weights)[0]


def normal_traffic(rng: random.Random, users: int) -> list[tuple[float, str, str, str]]:
    events = []
    addresses = Addresses(rng, users)
    for _ in range(users):
        at = rng.uniform(0, HOUR)
        number = mobile_number(rng, rng.choice(COUNTRIES))
        ip = addresses.pick()
        events.append((at, number, ip, "normal"))
        if rng.random() < 0.1:  # "I did not get the code": a second try a minute later
            events.append((min(at + rng.uniform(30, 120), HOUR), number, ip, "normal"))
    return events


def attack_traffic(rng: random.Random) -> list[tuple[float, str, str, str]]:
    events = []
    start = rng.uniform(600, 1800)
    base = int(mobile_number(rng, "ID")[1:]) // 1000 * 1000
    for i in range(300):  # sequential numbers, 5 a second
        events.append((start + i * 0.2, f"+{base + i}", f"198.18.{i // 250}.{i % 250}", "seq"))
    block = int(mobile_number(rng, "NG")[1:]) // 1000 * 1000
    for i in range(200):  # random numbers within one range of 1,000
        number = f"+{block + rng.randrange(1000)}"
        events.append((start + 300 + i * 0.5, number, f"198.19.0.{i % 250}", "range"))
    for i in range(100):  # premium-rate numbers
        number = f"+1900{rng.randrange(2, 10)}{rng.randrange(10**6):06d}"
        events.append((rng.uniform(0, HOUR), number, f"198.20.0.{i}", "premium"))
    for i in range(100):  # satellite numbers (high-risk range)
        number = f"+8816{rng.randrange(10**8):08d}"
        events.append((rng.uniform(0, HOUR), number, f"198.21.0.{i}", "satellite"))
    return events


def database(backend: str) -> tuple[str, object]:
    if backend == "sqlite":
        folder = tempfile.mkdtemp()
        return f"sqlite:///{folder}/fraud.db", None
    name = f"simhive_bench_{uuid.uuid4().hex[:8]}"
    admin = make_engine(PG)
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    return sa.engine.make_url(PG).set(database=name).render_as_string(False), (admin, name)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a setting, e.g. fraud_ip_limit=20",
    )
    args = parser.parse_args()
    overrides = dict(item.split("=", 1) for item in args.set)
    rng = random.Random(args.seed)
    url, cleanup = database(args.backend)
    upgrade(url)
    settings = Settings(database_url=url, _env_file=None, **overrides)  # type: ignore[call-arg]
    start = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
    clock = FrozenClock(start)
    db = Database(make_engine(url), clock, settings)
    with db.uow() as uow:
        account_id = accounts.create_account(
            uow, username="shop", email="shop@example.com", password="p" * 12
        ).account.id
    events = sorted(normal_traffic(rng, args.users) + attack_traffic(rng))
    outcomes: Counter[tuple[str, bool]] = Counter()
    reasons: Counter[tuple[str, str]] = Counter()
    began = time.perf_counter()
    for at, number, ip, label in events:
        clock.set(start + timedelta(seconds=at))
        with db.uow() as uow:
            verdict = fraud.check(uow, number, ip=ip, account_id=account_id, record_attempt=True)
        outcomes[(label, verdict.passed)] += 1
        for reason in verdict.reasons:
            reasons[(label, reason.split(":", 1)[0])] += 1
    elapsed = time.perf_counter() - began
    db.engine.dispose()
    print(f"backend {args.backend}, seed {args.seed}, {len(events)} verifications {overrides}")
    print(f"{len(events) / elapsed:,.0f} checks/s ({elapsed * 1000 / len(events):.2f} ms each)")
    for label in ("normal", "seq", "range", "premium", "satellite"):
        passed, refused = outcomes[(label, True)], outcomes[(label, False)]
        total = passed + refused
        why = ", ".join(f"{r} {n}" for (lab, r), n in sorted(reasons.items()) if lab == label)
        print(
            f"{label:>9}: {total:6d} attempts, {passed:6d} passed, {refused:5d} refused "
            f"({100 * refused / total:.2f}%)  {why}"
        )
    if cleanup is not None:
        admin, name = cleanup  # type: ignore[misc]
        with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
