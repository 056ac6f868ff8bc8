"""The moves of SIM rotation: who leaves a modem slot, who takes one, all under one lock.

A gateway's slots change hands only while its `GatewaySlots` row is locked (on SQLite the
write transaction is the lock), and each number that moves is locked too, so a one-time
request leasing a number and a rotation taking it out of its slot wait for each other.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm.attributes import set_committed_value

from simhive.core.activations.models import Activation, ActivationStatus
from simhive.core.inventory.models import Number
from simhive.core.rotation.models import GatewaySlots, OnlineRequest, RequestStatus, Turn
from simhive.db.uow import UnitOfWork

_EARLIEST = datetime.min.replace(tzinfo=UTC)
# Numbers per statement: far under PostgreSQL's 65,535 parameters.
_BATCH = 5000


@dataclass
class Moves:
    """What one pass over a gateway's slots did."""

    online: list[Number] = field(default_factory=list)
    offline: list[Number] = field(default_factory=list)


def window_s(uow: UnitOfWork, slots: GatewaySlots) -> int:
    """Seconds a number stays in its slot on this gateway."""
    return slots.window_s or uow.settings.rotation_window_s


def lock(uow: UnitOfWork, gateway: str, *, skip_locked: bool = False) -> GatewaySlots | None:
    """The gateway's slots row, locked; None without one (or, skipping, when another holds it)."""
    return uow.session.scalar(
        select(GatewaySlots)
        .where(GatewaySlots.gateway == gateway)
        .with_for_update(skip_locked=skip_locked)
        .execution_options(populate_existing=True)
    )


def locked_numbers(uow: UnitOfWork, query: Any) -> list[Number]:
    """Numbers read and locked (NO KEY UPDATE: rows that only reference them stay writable)."""
    return list(
        uow.session.scalars(
            query.with_for_update(key_share=True, of=Number).execution_options(
                populate_existing=True
            )
        )
    )


def count(uow: UnitOfWork, gateway: str, *conditions: Any) -> int:
    query = select(func.count(Number.id)).where(Number.gateway == gateway, *conditions)
    return int(uow.session.scalar(query) or 0)


def pinned(uow: UnitOfWork, gateway: str) -> set[int]:
    """The gateway's online numbers holding a Reserved one-time request: they keep their slot
    until it closes, or its SMS would never arrive."""
    query = (
        select(Activation.number_id)
        .join(Number, Number.id == Activation.number_id)
        .where(
            Number.gateway == gateway,
            Number.online.is_(True),
            Activation.status == ActivationStatus.RESERVED,
        )
    )
    return {int(n) for n in uow.session.scalars(query) if n is not None}


def line() -> tuple[Any, ...]:
    """The order of the line for a slot: earliest place first, numbers waiting since before
    rotation began (no place yet) before all."""
    return (Number.queue_at.asc().nulls_first(), Number.id)


def rounds_behind(uow: UnitOfWork, slots: GatewaySlots) -> int:
    """Windows a number that leaves its slot waits before its own turn comes back: the
    others in rotation each get one first."""
    in_rotation = count(uow, slots.gateway, Number.held.is_(False))
    return math.ceil(max(in_rotation - slots.slots, 0) / slots.slots)


def rotate(uow: UnitOfWork, slots: GatewaySlots, *, expire: bool) -> Moves:
    """Fill free slots from the line; with `expire`, ended windows give their slots up first.

    The caller holds the gateway's lock.
    """
    now = uow.clock.now()
    window = timedelta(seconds=window_s(uow, slots))
    gateway = slots.gateway
    if expire:
        ended, forced, free = _ending(uow, slots, now)
    else:
        ended, forced = [], []
        free = slots.slots - count(uow, gateway, Number.online.is_(True))
    back = now + window * rounds_behind(uow, slots)
    waiting: list[Number] = []
    if free > 0:
        waiting = locked_numbers(
            uow,
            select(Number)
            .where(Number.gateway == gateway, Number.online.is_(False), Number.held.is_(False))
            .order_by(*line())
            .limit(free),
        )
    # Numbers whose window ended queue up behind everyone whose place comes before `back`;
    # among themselves, the latest to come online keep their slots first.
    ahead = [n for n in waiting if n.queue_at is None or n.queue_at <= back]
    stayers = sorted(ended, key=lambda n: n.online_until or _EARLIEST, reverse=True)
    picked = {n.id for n in (ahead + stayers + waiting[len(ahead) :])[: max(free, 0)]}
    moves = Moves(
        online=[n for n in waiting if n.id in picked],
        offline=[n for n in ended + forced if n.id not in picked],
    )
    assign(uow, [n for n in ended if n.id in picked], online_until=now + window)
    assign(uow, moves.offline, online=False, online_until=None, turn_at=back, queue_at=back)
    enter(uow, moves.online, until=now + window)
    return moves


def _ending(
    uow: UnitOfWork, slots: GatewaySlots, now: datetime
) -> tuple[list[Number], list[Number], int]:
    """The online numbers whose window ended (they may keep their slot if nobody waits),
    those that must leave anyway, and how many slots that frees; all of them locked."""
    current = locked_numbers(
        uow,
        select(Number)
        .where(Number.gateway == slots.gateway, Number.online.is_(True))
        .order_by(Number.online_until.asc().nulls_first(), Number.id),
    )
    keep = pinned(uow, slots.gateway)
    movable = [n for n in current if n.id not in keep]
    ended = [n for n in movable if n.online_until is None or n.online_until <= now]
    # More numbers online than slots (the operator took slots away): the ones whose
    # window ends first leave now.
    over = len(current) - slots.slots - len(ended)
    forced = [n for n in movable if n not in ended][: max(over, 0)]
    return ended, forced, slots.slots - (len(current) - len(ended) - len(forced))


def assign(uow: UnitOfWork, numbers: list[Number], **values: Any) -> None:
    """Give numbers the same values in a statement per few thousand; the loaded rows follow."""
    for start in range(0, len(numbers), _BATCH):
        batch = numbers[start : start + _BATCH]
        uow.session.execute(
            update(Number)
            .where(Number.id.in_([n.id for n in batch]))
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        for number in batch:
            for name, value in values.items():
                set_committed_value(number, name, value)


def enter(uow: UnitOfWork, numbers: list[Number], *, until: datetime | None) -> None:
    """Put numbers in slots until `until` (None: no end) and honour what their customers asked.

    A request the number's lease did not make (its rental let the number go) lapses.
    """
    if not numbers:
        return
    now = uow.clock.now()
    turns = {n.id: n.turn_at for n in numbers}
    leases = {n.id: n.lease_group for n in numbers}
    assign(uow, numbers, online=True, online_until=until, turn_at=None, queue_at=None)
    for request in pending(uow, list(turns)):
        request.closed_at = now
        if request.lease_group != leases[request.number_id]:
            request.status = RequestStatus.CANCELLED
            continue
        request.status = RequestStatus.HONOURED
        request.online_until = until
        # The request placed the number in line only when it came before the number's turn.
        turn_at = turns[request.number_id]
        by_request = turn_at is not None and request.requested_at < turn_at
        request.turn = Turn.REQUEST if by_request else Turn.ROTATION
    uow.session.flush()


def pending(uow: UnitOfWork, number_ids: list[int]) -> list[OnlineRequest]:
    """The numbers' requests not honoured yet, oldest first."""
    found: list[OnlineRequest] = []
    for start in range(0, len(number_ids), _BATCH):
        found += uow.session.scalars(
            select(OnlineRequest).where(
                OnlineRequest.number_id.in_(number_ids[start : start + _BATCH]),
                OnlineRequest.status == RequestStatus.PENDING,
            )
        )
    return sorted(found, key=lambda r: r.id)
