"""Single-statement reads for hot paths, kept off the threads when they can be.

SQLite: a local indexed SELECT in WAL mode costs less than a thread hop, so it
runs on the event loop, on a connection of its own that never waits: its busy
timeout is 0, and a read that finds the database locked (another connection in
exclusive mode, a WAL recovery) is handed to a database thread, which may wait.
So the event loop never sleeps on a lock. PostgreSQL: an async psycopg pool in
autocommit mode, so many reads overlap their round trips on one event loop
instead of queueing on threads and the GIL. A connection the server closed is
dropped when it is taken from the pool (one poll of its socket, no round trip);
a read that fails on a connection dying under it is tried once more.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from simhive.db.engine import server_hung_up, sqlite_begin
from simhive.db.uow import to_thread

log = logging.getLogger(__name__)


class FastReader:
    """Runs one read-only statement and returns its first row."""

    def __init__(self, engine: Engine, *, pool_size: int = 10) -> None:
        self.engine = engine
        self.dialect = engine.dialect
        self._pool_size = pool_size
        self._pool: Any = None
        self._lock: asyncio.Lock | None = None
        self._local: sqlite3.Connection | None = None
        database = make_url(engine.url).database
        self._path = database if database not in (None, "", ":memory:") else None

    async def first(
        self, sql: str, order: Sequence[str] | None, params: Mapping[str, Any]
    ) -> tuple[Any, ...] | None:
        args: Any = tuple(params[name] for name in order) if order is not None else dict(params)
        if self.dialect.name == "postgresql":
            return await self._first_postgres(sql, args)
        if self._path is not None:
            try:
                return self._first_on_loop(sql, args)
            except sqlite3.OperationalError as exc:
                log.debug("read handed to a thread: %s", exc)
        return await to_thread(self._first_pooled, sql, args)

    def _first_on_loop(self, sql: str, args: Any) -> tuple[Any, ...] | None:
        if self._local is None:
            assert self._path is not None
            # timeout=0: a locked database raises at once instead of sleeping on the loop.
            self._local = sqlite3.connect(
                self._path, timeout=0, isolation_level=None, check_same_thread=False
            )
            self._local.execute("PRAGMA query_only=ON")
        cursor = self._local.execute(sql, args)
        try:
            row = cursor.fetchone()
        finally:
            cursor.close()  # ends the read at once, so checkpoints never wait for this snapshot
        return tuple(row) if row is not None else None

    def _first_pooled(self, sql: str, args: Any) -> tuple[Any, ...] | None:
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
        import psycopg

        pool = await self._open()
        try:
            return await self._read_postgres(pool, sql, args)
        except psycopg.OperationalError as exc:
            # The connection died under the read (the server went away after the check below):
            # nothing was read, and a read is safe to repeat, so read once more.
            log.warning("read failed on a dead connection, retrying once: %s", exc)
            return await self._read_postgres(pool, sql, args)

    async def _read_postgres(self, pool: Any, sql: str, args: Any) -> tuple[Any, ...] | None:
        # Every idle connection may be dead after a restart: skip (and close) each one found so.
        for _ in range(self._pool_size + 1):
            async with pool.connection() as conn:
                if server_hung_up(conn):
                    await conn.close()  # the pool replaces a closed connection
                    continue
                async with conn.cursor() as cursor:
                    await cursor.execute(sql, args)
                    row = await cursor.fetchone()
                return tuple(row) if row is not None else None
        raise RuntimeError("no live connection in the pool")

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
        if self._local is not None:
            self._local.close()
            self._local = None
        if self._pool is not None:
            await self._pool.close()
            self._pool = None
