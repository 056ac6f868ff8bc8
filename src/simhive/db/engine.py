"""Engines from the URL a user writes: simhive picks the driver and tunes each database."""

from __future__ import annotations

import contextlib
import select
import weakref
from contextvars import ContextVar
from typing import Any

from sqlalchemy import Engine, create_engine, event, exc
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

# SQLite: write transactions start with BEGIN IMMEDIATE so two writers never deadlock
# on a lock upgrade; row locks do nothing there, so this is our claim mechanism.
# Reads start with a plain BEGIN (one snapshot for all their statements), and a
# single-statement read needs none at all ("" below).
sqlite_begin: ContextVar[str] = ContextVar("sqlite_begin", default="BEGIN")


def normalize_url(url: str) -> str:
    """`postgresql://...` → psycopg 3 driver; `sqlite:///x.db` stays as it is."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres", "postgresql+psycopg2"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def make_engine(url: str, *, pool_size: int = 10, echo: bool = False) -> Engine:
    """Create an engine for `url` with the settings each backend needs."""
    url = normalize_url(url)
    backend = make_url(url).get_backend_name()
    kwargs: dict[str, Any] = {"echo": echo, "future": True}
    if backend == "sqlite":
        memory = make_url(url).database in (None, "", ":memory:")
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
        if memory:
            from sqlalchemy.pool import StaticPool

            kwargs["poolclass"] = StaticPool
        else:
            kwargs["pool_size"] = pool_size
            kwargs["max_overflow"] = pool_size * 2
        engine = create_engine(url, **kwargs)
        _tune_sqlite(engine, memory=memory)
        return engine
    if backend == "postgresql":
        # Recycled rather than pinged: a ping is a round trip on every checkout. A connection
        # the server closed while it sat in the pool (a restart, pg_terminate_backend) is
        # caught on checkout by a poll of its socket instead, which costs no round trip.
        # At most twice `pool_size` under a burst, so a deployment can count its connections
        # (docs/configuration.md: SIMHIVE_DB_POOL_SIZE).
        kwargs.update(pool_size=pool_size, max_overflow=pool_size, pool_recycle=1800)
        engine = create_engine(url, **kwargs)
        event.listen(engine, "checkout", _refuse_hung_up)
        _track_backends(engine)
        return engine
    kwargs["poolclass"] = NullPool
    return create_engine(url, **kwargs)


_backends: weakref.WeakKeyDictionary[Engine, set[int]] = weakref.WeakKeyDictionary()


def backend_pids(engine: Engine) -> frozenset[int]:
    """The server process ids behind a PostgreSQL engine's open connections.

    A notification names the server process that sent it: a worker that is woken by
    its own process's commits already can tell those notifications apart with this.
    """
    return frozenset(_backends.get(engine, ()))


def _track_backends(engine: Engine) -> None:
    pids = _backends.setdefault(engine, set())

    def opened(dbapi_conn: Any, record: Any) -> None:
        pid = int(dbapi_conn.info.backend_pid)
        record.info["backend_pid"] = pid
        pids.add(pid)

    def closed(_dbapi_conn: Any, record: Any) -> None:
        pids.discard(record.info.get("backend_pid", -1))

    def detached_closed(dbapi_conn: Any) -> None:
        # A pid left behind only costs a wake-up that finds nothing new.
        with contextlib.suppress(Exception):
            pids.discard(int(dbapi_conn.info.backend_pid))

    event.listen(engine, "connect", opened)
    event.listen(engine, "close", closed)
    event.listen(engine, "close_detached", detached_closed)


def server_hung_up(conn: Any) -> bool:
    """Whether an idle psycopg connection heard from its server: a hang-up, or a message
    nobody asked for. Either way it is not worth keeping; one poll(2), no round trip."""
    if conn.closed or conn.broken:
        return True
    try:
        fd = conn.pgconn.socket
    except Exception:
        return True
    poller = select.poll()
    poller.register(fd, select.POLLIN | select.POLLERR | select.POLLHUP)
    return bool(poller.poll(0))


def _refuse_hung_up(dbapi_conn: Any, _record: Any, _proxy: Any) -> None:
    # DisconnectionError makes the pool drop this connection and check out another.
    if server_hung_up(dbapi_conn):
        raise exc.DisconnectionError("the server closed this pooled connection")


def _tune_sqlite(engine: Engine, *, memory: bool) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let us issue BEGIN ourselves (pysqlite's implicit BEGIN is DEFERRED).
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        if not memory:
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        statement = sqlite_begin.get()
        if statement:
            conn.exec_driver_sql(statement)
