"""Per-account request limits, counted with the `limits` package (as failed logins are).

The counts must be shared by every server process, so they live in the database
(`DatabaseStorage`, a `limits` storage on our own table, on the injected clock) or, when
SIMHIVE_REDIS_URL is set, in Redis through `limits`' own Redis storage. A fixed window:
the first request opens it, and it allows `amount` requests until it ends.
"""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Any

from limits import RateLimitItem, parse
from limits.storage import Storage, storage_from_string
from limits.strategies import FixedWindowRateLimiter
from sqlalchemy import case, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError

from simhive.core.errors import RateLimited
from simhive.core.ratelimits.models import RateCounter
from simhive.db.uow import Database
from simhive.kit.clock import SystemClock

NAMESPACE = "rest"


class DatabaseStorage(Storage):
    """A `limits` storage on the `rate_counters` table: one atomic upsert per hit."""

    STORAGE_SCHEME = None

    def __init__(self, db: Database) -> None:
        super().__init__()
        self.db = db

    @property
    def base_exceptions(self) -> type[Exception]:
        return SQLAlchemyError

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        """Add `amount` to the key's window, opening a new one if it has ended."""
        with self.db.uow() as uow:
            now = uow.clock.now()
            module = postgresql if uow.dialect == "postgresql" else sqlite
            table = RateCounter.__table__
            insert = module.insert(RateCounter).values(
                key=key, count=amount, expires_at=now + timedelta(seconds=expiry)
            )
            ended = table.c.expires_at <= now
            statement = insert.on_conflict_do_update(
                index_elements=["key"],
                set_={
                    "count": _if(ended, insert.excluded.count, table.c.count + amount),
                    "expires_at": _if(ended, insert.excluded.expires_at, table.c.expires_at),
                },
            ).returning(table.c.count)
            return int(uow.session.execute(statement).scalar_one())

    def _row(self, key: str) -> RateCounter | None:
        with self.db.uow(write=False) as uow:
            row = uow.session.scalar(select(RateCounter).where(RateCounter.key == key))
            if row is None or row.expires_at <= uow.clock.now():
                return None
            uow.session.expunge(row)
            return row

    def get(self, key: str) -> int:
        row = self._row(key)
        return 0 if row is None else int(row.count)

    def get_expiry(self, key: str) -> float:
        row = self._row(key)
        when = row.expires_at if row is not None else self.db.clock.now()
        return when.timestamp()

    def check(self) -> bool:
        try:
            self.get("-")
        except SQLAlchemyError:
            return False
        return True

    def reset(self) -> int | None:
        with self.db.uow() as uow:
            return int(uow.session.execute(delete(RateCounter)).rowcount)  # type: ignore[attr-defined]

    def clear(self, key: str) -> None:
        with self.db.uow() as uow:
            uow.session.execute(delete(RateCounter).where(RateCounter.key == key))


def _if(condition: Any, then: Any, otherwise: Any) -> Any:
    return case((condition, then), else_=otherwise)


class RequestLimiter:
    """`hit(account_id)`: count a request, or RateLimited with the seconds until the window ends."""

    def __init__(self, db: Database, *, rate: str, redis_url: str | None = None) -> None:
        self.item: RateLimitItem = parse(rate)
        self.rate = rate
        self.db = db
        storage = storage_from_string(redis_url) if redis_url else DatabaseStorage(db)
        self.shared_clock = redis_url is None
        self._limiter = FixedWindowRateLimiter(storage)

    def hit(self, account_id: int) -> None:
        if self._limiter.hit(self.item, NAMESPACE, str(account_id)):
            return
        raise RateLimited(self._retry_after(account_id), self.rate)

    def _retry_after(self, account_id: int) -> int:
        reset = self._limiter.get_window_stats(self.item, NAMESPACE, str(account_id)).reset_time
        # The database's windows run on the injected clock; Redis keeps wall-clock expiries.
        clock = self.db.clock if self.shared_clock else SystemClock()
        return max(1, min(math.ceil(reset - clock.now().timestamp()), self.item.get_expiry()))
