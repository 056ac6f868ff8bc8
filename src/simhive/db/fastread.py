"""Single-statement reads for hot paths, kept off the threads when they can be.

SQLite: a local indexed SELECT in WAL mode costs less than a thread hop, so it
runs on the event loop, on a connection of its own that never waits: its busy
timeout is 0, and a read that finds the database locked (another connection in
exclusive mode, a WAL recovery) is handed to a database thread, which may wait.
So the event loop never sleeps on a lock. PostgreSQL: asyncpg connections on the
event loop, so many reads overlap their round trips instead of queueing on threads
and the GIL. asyncpg keeps each statement prepared per connection and decodes rows
in C; the connections wait in a plain queue rather than a general-purpose pool,
whose bookkeeping costs more than the read itself (BENCHMARKS.md). A connection the
server closed is replaced when it is taken; a read that fails on a connection dying
under it is tried again on another.
"""

from __future__ import annotations

import asyncio
import collections
import logging
import sqlite3
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.dialects.postgresql.asyncpg import dialect as asyncpg_dialect
from sqlalchemy.engine import Dialect, make_url

from simhive.db.engine import sqlite_begin
from simhive.db.uow import to_thread

log = logging.getLogger(__name__)


class Slots:
    """A fixed set of slots taken in turn: a slot given back goes to the longest waiter.

    asyncio's queues are not fair: a waiter woken for a slot runs on the loop's next
    turn, and a task that asks in between takes the slot first; the waiter then queues
    again at the back. Under load that left a few reads waiting ten times the median
    for a connection (BENCHMARKS.md, "Turns for connections"). Here a slot given back is
    handed to the oldest waiter directly, and a newcomer takes a free slot only when
    nobody waits.
    """

    def __init__(self, items: Sequence[Any]) -> None:
        self._free = list(items)
        self._waiters: collections.deque[asyncio.Future[Any]] = collections.deque()
        self._closed = False

    async def take(self) -> Any:
        if self._free and not self._waiters:
            return self._free.pop()
        turn: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._waiters.append(turn)
        try:
            return await turn
        except asyncio.CancelledError:
            if turn.done() and not turn.cancelled():
                # Handed a slot as it was cancelled: pass the slot on.
                self.give(turn.result())
            elif turn in self._waiters:  # not yet passed over by `give`
                self._waiters.remove(turn)
            raise

    def give(self, item: Any) -> bool:
        """Hand `item` to the oldest waiter, or keep it; False when the slots are closed and
        nobody waits, and the caller disposes of it."""
        while self._waiters:
            turn = self._waiters.popleft()
            if not turn.done():
                turn.set_result(item)
                return True
        if self._closed:
            return False
        self._free.append(item)
        return True

    def close(self) -> list[Any]:
        """Keep no slot from now on; returns the free ones, for the caller to dispose of."""
        self._closed = True
        items, self._free = self._free, []
        return items


def _give_back(slots: Slots, conn: Any) -> None:
    if not slots.give(conn) and conn is not None:
        conn.terminate()  # the reader was closed while this read ran


class FastReader:
    """Runs one read-only statement and returns its first row."""

    def __init__(self, engine: Engine, *, pool_size: int = 10) -> None:
        self.engine = engine
        # The dialect to compile statements for: asyncpg's numbered parameters on PostgreSQL.
        self.dialect: Dialect = (
            asyncpg_dialect()  # type: ignore[no-untyped-call]
            if engine.dialect.name == "postgresql"
            else engine.dialect
        )
        self._pool_size = pool_size
        self._slots: Slots | None = None
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
        import asyncpg

        if self._slots is None:
            # Slots, not connections: a slot holds an open connection or None (open on use).
            self._slots = Slots([None] * self._pool_size)
        slots = self._slots
        # Every idle connection may be dead after a server restart: each try takes the next.
        for _ in range(self._pool_size + 1):
            conn = await slots.take()
            fresh = conn is None or conn.is_closed()
            try:
                if fresh:
                    conn = await asyncpg.connect(self._dsn())
                row = await conn.fetchrow(sql, *args)
            except (OSError, asyncpg.PostgresConnectionError, asyncpg.InterfaceError) as exc:
                if conn is not None:
                    conn.terminate()
                slots.give(None)
                if fresh:
                    raise
                # The connection died under the read: nothing was read, and a read is
                # safe to repeat.
                log.warning("read failed on a dead connection, retrying: %s", exc)
                continue
            except asyncio.CancelledError:
                # The caller went away mid-read: the connection's state is unknown.
                if conn is not None:
                    conn.terminate()
                slots.give(None)
                raise
            except BaseException:
                _give_back(slots, conn)
                raise
            _give_back(slots, conn)
            return tuple(row) if row is not None else None
        raise RuntimeError("no live connection to read on")

    def _dsn(self) -> str:
        url = make_url(self.engine.url).set(drivername="postgresql")
        return url.render_as_string(hide_password=False)

    async def close(self) -> None:
        if self._local is not None:
            self._local.close()
            self._local = None
        slots, self._slots = self._slots, None
        # A read still running gives its connection to a waiting read, or closes it.
        for conn in slots.close() if slots is not None else []:
            if conn is not None:
                await conn.close()
