"""When a number's state is next expected to change, read from its gateway's slots and line."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select

from simhive.core.inventory.models import Number
from simhive.core.rotation import slots as moves
from simhive.core.rotation.models import GatewaySlots
from simhive.db.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class Plan:
    """Where a number stands in its gateway's rotation, as of `now`."""

    online: bool
    # When it is expected to go offline (online) or come online (offline); None: no
    # change is planned (nobody waits for its slot, no slots, or it is held offline).
    change_at: datetime | None
    # Online: now. Offline: the planned start of its next window; None when unknown.
    next_online: datetime | None
    now: datetime


def plan(uow: UnitOfWork, number: Number) -> Plan:
    """The number's place in rotation: its window's end, or when its next one starts.

    A prediction from the line as it stands: requests made later by other customers may
    pass a number that is in line by its own turn (never one in line by a request).
    """
    now = uow.clock.now()
    row = uow.session.get(GatewaySlots, number.gateway)
    if number.online:
        return Plan(True, _window_end(uow, row, number, now), now, now)
    if row is None or number.held:
        return Plan(False, None, None, now)
    start = _next_start(uow, row, number, now)
    return Plan(False, start, start, now)


def _window_end(
    uow: UnitOfWork, row: GatewaySlots | None, number: Number, now: datetime
) -> datetime | None:
    """An online number leaves its slot when its window ends and another number waits."""
    if row is None or number.online_until is None or number.id in moves.pinned(uow, row.gateway):
        return None
    waiting = select(Number.id).where(
        Number.gateway == row.gateway, Number.online.is_(False), Number.held.is_(False)
    )
    if uow.session.scalar(waiting.limit(1)) is None:
        return None
    return max(number.online_until, now)


def _next_start(uow: UnitOfWork, row: GatewaySlots, number: Number, now: datetime) -> datetime:
    """Slots free up as windows end; the k-th in line gets the (k mod slots)-th slot to free
    up, after k // slots whole windows."""
    gateway = row.gateway
    ahead = moves.count(
        uow, gateway, Number.online.is_(False), Number.held.is_(False), ahead_of(number)
    )
    empty = max(row.slots - moves.count(uow, gateway, Number.online.is_(True)), 0)
    rounds, slot = divmod(ahead, row.slots)
    free_at = now
    if slot >= empty:
        ends = uow.session.scalar(
            select(Number.online_until)
            .where(Number.gateway == gateway, Number.online.is_(True))
            .order_by(Number.online_until.asc().nulls_first(), Number.id)
            .offset(slot - empty)
            .limit(1)
        )
        free_at = max(ends or now, now)
    return free_at + timedelta(seconds=moves.window_s(uow, row) * rounds)


def ahead_of(number: Number) -> Any:
    """SQL: a number before `number` in its gateway's line for a slot."""
    if number.queue_at is None:
        return and_(Number.queue_at.is_(None), Number.id < number.id)
    return or_(
        Number.queue_at.is_(None),
        Number.queue_at < number.queue_at,
        and_(Number.queue_at == number.queue_at, Number.id < number.id),
    )
