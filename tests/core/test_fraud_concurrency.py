"""The fraud guard under concurrent verifications: no count lost, limits held exactly.

Many threads, each with its own connection and transaction, record attempts at once
(on PostgreSQL they truly overlap; SQLite queues its writers). Randomized: keys,
accounts, addresses and the interleaving change with the seed, printed on failure.
"""

from __future__ import annotations

import random
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from simhive.core.insight import fraud
from simhive.core.insight.fraud import FraudStatus
from simhive.core.insight.models import FraudCounter
from simhive.db.uow import Database
from simhive.kit.clock import FrozenClock
from tests.fixtures import world

THREADS = 8


def attempt(db: Database, account_id: int, number: str, ip: str) -> fraud.FraudVerdict:
    with db.uow() as uow:
        return fraud.check(uow, number, ip=ip, account_id=account_id, record_attempt=True)


def together(db: Database, jobs: list[tuple[int, str, str]]) -> list[fraud.FraudVerdict]:
    """Run the attempts on THREADS threads, all released at once."""
    start = threading.Barrier(THREADS)
    chunks = [jobs[i::THREADS] for i in range(THREADS)]

    def run(chunk: list[tuple[int, str, str]]) -> list[fraud.FraudVerdict]:
        start.wait()
        return [attempt(db, *job) for job in chunk]

    with ThreadPoolExecutor(THREADS) as pool:
        return [v for got in pool.map(run, chunks) for v in got]


def stored(db: Database) -> dict[tuple[int, str, str], int]:
    with db.uow(write=False) as uow:
        rows = uow.session.execute(
            select(
                FraudCounter.account_id,
                FraudCounter.kind,
                FraudCounter.key,
                func.sum(FraudCounter.attempts),
            ).group_by(FraudCounter.account_id, FraudCounter.kind, FraudCounter.key)
        ).all()
    return {(a, k, key): int(n) for a, k, key, n in rows}


class TestConcurrentGuard:
    @pytest.mark.parametrize("seed", [1, 2])
    def test_no_count_is_lost(self, db: Database, clock: FrozenClock, seed: int) -> None:
        rng = random.Random(seed)
        accounts = [world.customer(db, f"c{i}").id for i in range(3)]
        numbers = [f"+4790{r}00{n:03d}" for r in range(3) for n in rng.sample(range(1000), 8)]
        ips = [f"203.0.113.{i}" for i in range(6)] + ["2001:db8::1", "2001:db8::2"]
        expected: Counter[tuple[int, str, str]] = Counter()
        for _phase in range(3):
            jobs = [
                (rng.choice(accounts), rng.choice(numbers), rng.choice(ips)) for _ in range(160)
            ]
            for account_id, number, ip in jobs:
                digits = number[1:]
                key_ip = "2001:db8::/64" if ":" in ip else ip
                expected[(account_id, "number", digits)] += 1
                expected[(account_id, "range", digits[:-3])] += 1
                expected[(account_id, "ip", key_ip)] += 1
            together(db, jobs)
            clock.advance(rng.randint(1, 900))  # new buckets, same window
        assert stored(db) == dict(expected), f"seed {seed}"

    def test_limit_holds_exactly_while_racing(self, db: Database, clock: FrozenClock) -> None:
        """40 verifications of one number at once: exactly `fraud_number_limit` pass; half
        a window later none; once the window has slid past them, exactly as many again."""
        alice = world.customer(db)
        limit = db.settings.fraud_number_limit
        jobs = [(alice.id, "+916386535610", f"198.51.100.{i}") for i in range(40)]
        for wait, passes in ((0, limit), (1800, 0), (3600 + 60, limit)):
            clock.advance(wait)
            verdicts = together(db, jobs)
            assert sum(v.status is FraudStatus.PASSED for v in verdicts) == passes
            refused = [v for v in verdicts if v.status is not FraudStatus.PASSED]
            assert all(any(r.startswith("number_velocity:") for r in v.reasons) for v in refused)
