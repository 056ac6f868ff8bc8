"""Read and move the sandbox clock; only in sandbox mode, only forward."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from simhive.core.errors import Conflict, InvalidParameter
from simhive.core.sandbox.models import ROW_ID, ClockOffset
from simhive.db.uow import UnitOfWork
from simhive.kit.clock import format_duration

DAY_S = 86400
# One call moves at most a year (a leap year's worth), and all calls together a century:
# enough to test yearly renewals, and far from the end of the datetime range.
MAX_STEP_S = 366 * DAY_S
MAX_OFFSET_S = 100 * 366 * DAY_S
SANDBOX_OFF = "the sandbox clock needs SIMHIVE_SANDBOX=1"


def require_sandbox(uow: UnitOfWork) -> None:
    """Refuse unless this deployment runs in sandbox mode."""
    if not uow.settings.sandbox:
        raise Conflict(SANDBOX_OFF)


def read_offset(uow: UnitOfWork) -> int:
    """Seconds the sandbox clock runs ahead of the wall clock (0 before any advance)."""
    offset = uow.session.scalar(select(ClockOffset.offset_s).where(ClockOffset.id == ROW_ID))
    return int(offset or 0)


def advance(uow: UnitOfWork, *, seconds: int) -> int:
    """Move the sandbox clock forward by `seconds`; the new offset."""
    require_sandbox(uow)
    if seconds <= 0:
        raise InvalidParameter("by", str(seconds), "the sandbox clock only moves forward")
    if seconds > MAX_STEP_S:
        raise InvalidParameter(
            "by",
            format_duration(seconds),
            f"the sandbox clock moves at most {format_duration(MAX_STEP_S)} at a time",
        )
    # One statement adds to the offset, so two advances at once both count.
    module: Any = postgresql if uow.dialect == "postgresql" else sqlite
    statement = module.insert(ClockOffset).values(id=ROW_ID, offset_s=seconds)
    statement = statement.on_conflict_do_update(
        index_elements=[ClockOffset.id],
        set_={"offset_s": ClockOffset.offset_s + statement.excluded.offset_s},
    ).returning(ClockOffset.offset_s)
    offset = int(uow.session.execute(statement).scalar_one())
    if offset > MAX_OFFSET_S:
        raise InvalidParameter(
            "by",
            format_duration(seconds),
            f"the sandbox clock runs at most {format_duration(MAX_OFFSET_S)} ahead of the wall "
            f"clock; it is {format_duration(offset - seconds)} ahead already",
        )
    return offset
