"""Admin API: the sandbox clock (only with SIMHIVE_SANDBOX=1; 409 otherwise).

No `from __future__ import annotations` here: FastAPI reads these annotations at run time.
"""

from datetime import datetime

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from simhive.db.uow import Database
from simhive.dialects.admin.auth import Guard, Scope
from simhive.kit.clock import format_duration
from simhive.operations import clock as ops
from simhive.operations.clock import ClockInfo


class ClockView(BaseModel):
    now: datetime = Field(description="The sandbox time every process on the database uses.")
    offset_s: int = Field(description="Seconds the sandbox time runs ahead of the wall clock.")
    offset: str = Field(description="The same, for people: `3d 15m`.")
    wall: datetime = Field(description="The wall clock's time.")


class Advance(BaseModel):
    by: str = Field(
        max_length=64, description="How far to move: `90s`, `45m`, `3d`, `1h30m` (up to 366d)."
    )


def _view(info: ClockInfo) -> ClockView:
    return ClockView(
        now=info.now, offset_s=info.offset_s, offset=format_duration(info.offset_s), wall=info.wall
    )


def router(db: Database, guard: Guard) -> APIRouter:
    """Routes under /clock."""
    routes = APIRouter(prefix="/clock", tags=["clock"], dependencies=[Depends(guard(Scope.CLOCK))])

    @routes.get("")
    def show_clock() -> ClockView:
        """The sandbox time, its offset and the wall time."""
        return _view(ops.show_clock(db))

    @routes.post("/advance")
    def advance_clock(body: Advance) -> ClockView:
        """Move the sandbox clock forward; every process follows within a second."""
        return _view(ops.advance_clock(db, by=body.by))

    return routes
