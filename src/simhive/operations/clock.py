"""The sandbox clock, as an operator shows and advances it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from simhive.core.errors import InvalidParameter
from simhive.core.sandbox import service as sandbox
from simhive.db.uow import Database
from simhive.kit.clock import SandboxClock, parse_duration


@dataclass(frozen=True)
class ClockInfo:
    now: datetime  # the sandbox time every process on the database uses
    offset_s: int  # how far ahead of the wall clock that is
    wall: datetime


def show_clock(db: Database) -> ClockInfo:
    """The sandbox time, its offset and the wall time (sandbox mode only)."""
    with db.uow(write=False) as uow:
        sandbox.require_sandbox(uow)
        offset_s = sandbox.read_offset(uow)
    return _info(db, offset_s)


def advance_clock(db: Database, *, by: str) -> ClockInfo:
    """Move the sandbox clock forward by a duration like `90s`, `45m`, `3d` or `1h30m`."""
    with db.uow() as uow:
        sandbox.require_sandbox(uow)
        try:
            seconds = parse_duration(by)
        except ValueError as exc:
            raise InvalidParameter("by", by[:40], str(exc)) from None
        offset_s = sandbox.advance(uow, seconds=seconds)
    return _info(db, offset_s)


def _info(db: Database, offset_s: int) -> ClockInfo:
    clock = db.clock
    if isinstance(clock, SandboxClock):
        clock.observe(offset_s)  # this process moves at once; the others within a refresh
        wall = clock.wall.now()
    else:
        wall = clock.now()
    return ClockInfo(now=wall + timedelta(seconds=offset_s), offset_s=offset_s, wall=wall)
