"""The sandbox clock's offset as a process reads it: on a connection of its own.

A clock is asked the time inside transactions, and on SQLite a writer holds the only write
lock; so the offset is read on a separate, single-connection engine, in one statement that
never starts a write transaction (no BEGIN IMMEDIATE), never through a unit of work.
"""

from __future__ import annotations

from sqlalchemy import select

from simhive.core.sandbox.models import ROW_ID, ClockOffset
from simhive.db.engine import make_engine, sqlite_begin
from simhive.kit.clock import SandboxClock

_OFFSET = select(ClockOffset.offset_s).where(ClockOffset.id == ROW_ID)


class OffsetReader:
    """Reads the offset with one SELECT; for `SandboxClock`'s `read_offset`."""

    def __init__(self, database_url: str) -> None:
        self.engine = make_engine(database_url, pool_size=1)

    def __call__(self) -> int:
        token = sqlite_begin.set("")
        try:
            with self.engine.connect() as conn:
                offset = conn.execute(_OFFSET).scalar()
        finally:
            sqlite_begin.reset(token)
        return int(offset or 0)

    def close(self) -> None:
        self.engine.dispose()


def sandbox_clock(database_url: str, *, refresh_s: float = 0.5) -> SandboxClock:
    """The wall clock plus the offset stored in this database, re-read every `refresh_s`."""
    return SandboxClock(OffsetReader(database_url), refresh_s=refresh_s)
