"""Per-account request limits: counted in the database on the injected clock, or in Redis."""

from __future__ import annotations

import os
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from simhive.core.errors import RateLimited
from simhive.core.ratelimits.service import RequestLimiter
from simhive.db.uow import Database
from simhive.kit.clock import FrozenClock

REDIS_URL = os.environ.get("SIMHIVE_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def outcomes(limiter: RequestLimiter, account_id: int, count: int) -> list[int | None]:
    """For each hit: None when let through, else the Retry-After it was given."""
    answers: list[int | None] = []
    for _ in range(count):
        try:
            limiter.hit(account_id)
            answers.append(None)
        except RateLimited as exc:
            answers.append(exc.retry_after)
    return answers


class TestDatabaseLimiter:
    def test_thirty_a_second_then_retry_after(self, db: Database, clock: FrozenClock) -> None:
        limiter = RequestLimiter(db, rate="30/second")
        got = outcomes(limiter, 1, 32)
        assert got[:30] == [None] * 30
        assert got[30:] == [1, 1]
        assert outcomes(limiter, 2, 1) == [None]  # another account has its own count
        clock.advance(1)
        assert outcomes(limiter, 1, 30) == [None] * 30

    def test_retry_after_counts_down_the_window(self, db: Database, clock: FrozenClock) -> None:
        limiter = RequestLimiter(db, rate="5/minute")
        assert outcomes(limiter, 1, 6)[-1] == 60
        clock.advance(45)
        assert outcomes(limiter, 1, 1) == [15]
        clock.advance(15)
        assert outcomes(limiter, 1, 5) == [None] * 5

    def test_concurrent_hits_never_let_more_through(self, db: Database, clock: FrozenClock) -> None:
        limiter = RequestLimiter(db, rate="25/hour")
        with ThreadPoolExecutor(8) as pool:
            got = list(pool.map(lambda _: outcomes(limiter, 7, 1)[0], range(80)))
        assert got.count(None) == 25


class TestRedisLimiter:
    def test_shared_through_redis(self, db: Database) -> None:
        redis = pytest.importorskip("redis")
        try:
            redis.Redis.from_url(REDIS_URL).ping()
        except redis.exceptions.ConnectionError:
            if os.environ.get("CI"):
                raise
            pytest.skip(f"Redis unreachable at {REDIS_URL}")
        account = uuid.uuid4().int % 10**9
        first = RequestLimiter(db, rate="10/hour", redis_url=REDIS_URL)
        second = RequestLimiter(db, rate="10/hour", redis_url=REDIS_URL)
        got = outcomes(first, account, 6) + outcomes(second, account, 6)
        assert got[:10] == [None] * 10
        assert all(r is not None and 1 <= r <= 3600 for r in got[10:])
