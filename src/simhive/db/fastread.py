"""Single-statement reads for hot paths, without a thread hop.

SQLite: a local indexed SELECT in WAL mode never waits for writers and costs
less than handing it to a thread, so it runs on the event loop. PostgreSQL: an
async psycopg pool in autocommit mode, so many reads overlap their round trips
on one event loop instead of queueing on threads and the GIL.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from simhive.db.engine import sqlite_begin


class FastReader:
    """Runs one read-only statement and returns its first row."""

    def __init__(self, engine: Engine, *, pool_size: int = 10) -> None:
        self.engine = engine
        self.dialect = engine.dialect
        self._pool_size = pool_size
        self._pool: Any = None
        self._lock: asyncio.Lock | None = None

    async def first(
        self, sql: str, order: Sequence[str] | None, params: Mapping[str, Any]
    ) -> tuple[Any, ...] | None:
        args: Any = tuple(params[name] for name in order) if order is not None else dict(params)
        if self.dialect.name == "postgresql":
            return await self._first_postgres(sql, args)
        return self._first_local(sql, args)

    def _first_local(self, sql: str, args: Any) -> tuple[Any, ...] | None:
        token = sqlite_begin.set("")
        raw = self.engine.raw_connection()
        try:
            cursor = raw.cursor()
            cursor.execute(sql, args)
            row = cursor.fetchone()
            cursor.close()
        finally:
            raw.close()
            sqlite_begin.reset(token)
        return tuple(row) if row is not None else None

    async def _first_postgres(self, sql: str, args: Any) -> tuple[Any, ...] | None:
        pool = await self._open()
        async with pool.connection() as conn, conn.cursor() as cursor:
            await cursor.execute(sql, args)
            row = await cursor.fetchone()
        return tuple(row) if row is not None else None

    async def _open(self) -> Any:
        if self._pool is not None:
            return self._pool
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            if self._pool is None:
                from psycopg_pool import AsyncConnectionPool

                url = make_url(self.engine.url).set(drivername="postgresql")
                pool = AsyncConnectionPool(
                    url.render_as_string(hide_password=False),
                    min_size=1,
                    max_size=self._pool_size,
                    kwargs={"autocommit": True},
                    open=False,
                )
                await pool.open()
                self._pool = pool
        return self._pool

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.close()
            self._pool = None
