"""SIM rotation: a gateway's numbers take turns in its modem slots, window by window.

A SIM bank holds more SIMs than modem slots, and only a SIM in a slot is online. For a
gateway with slots (`configure`), the worker runs `step`: numbers whose window ended
leave their slots, and each free slot goes to the number first in line. A number's place
in line is the earlier of its own turn (when it left its slot plus the windows the others
need to get theirs) and its customer's `ltr_activate` request. So requests are honoured
oldest first, ahead of every number whose turn comes after them, and a number that
requests pass by keeps its turn: none waits for ever. A number that comes online keeps
its slot for a whole window (`window_s`); one holding a Reserved one-time request keeps
it until the request closes. Numbers held offline (by the operator, their gateway or a
report) stay out of rotation until they are brought back online.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import exists, func, or_, select

from simhive.core.activations import lifecycle
from simhive.core.activations.models import Activation, ActivationStatus
from simhive.core.errors import InvalidParameter, NotFound
from simhive.core.inventory import service as inventory
from simhive.core.inventory.models import Number
from simhive.core.rotation import slots as moves
from simhive.core.rotation.models import GatewaySlots, OnlineRequest, RequestStatus
from simhive.db.uow import UnitOfWork
from simhive.db.upsert import insert_ignore

MAX_SLOTS = 100_000
MIN_WINDOW_S = 60
MAX_WINDOW_S = 7 * 86400
GATEWAY_NAME = 32


@dataclass(frozen=True, slots=True)
class SlotsView:
    """A gateway's slots and how its numbers stand."""

    gateway: str
    slots: int
    window_s: int
    own_window: bool  # False: the SIMHIVE_ROTATION_WINDOW_S default
    set_by: str
    updated_at: datetime
    online: int
    waiting: int  # offline, in line for a slot
    held: int  # offline, out of rotation
    requests: int  # customers' requests not honoured yet


def configure(
    uow: UnitOfWork, *, gateway: str, slots: int, window_s: int | None, set_by: str
) -> SlotsView:
    """Set how many numbers a gateway holds online at once, and for how long each.

    Numbers move at once: slots added are filled from the line, slots taken away are
    emptied (the numbers whose window ends first leave first).
    """
    name = gateway.strip()
    if not name or len(name) > GATEWAY_NAME:
        raise InvalidParameter("gateway", gateway[:40], "a gateway name is 1 to 32 characters")
    if not 1 <= slots <= MAX_SLOTS:
        raise InvalidParameter("slots", str(slots), f"slots must be 1 to {MAX_SLOTS}")
    if window_s is not None and not MIN_WINDOW_S <= window_s <= MAX_WINDOW_S:
        raise InvalidParameter("window", str(window_s), "a rotation window is 60 seconds to 7 days")
    now = uow.clock.now()
    values = {"gateway": name, "slots": slots, "window_s": window_s, "set_by": set_by}
    # Two operators setting one gateway at once: one inserts, both update under the lock.
    insert_ignore(uow.session, GatewaySlots, {**values, "updated_at": now}, conflict=("gateway",))
    row = moves.lock(uow, name)
    assert row is not None
    row.slots, row.window_s, row.set_by, row.updated_at = slots, window_s, set_by[:128], now
    uow.session.flush()
    _offer(uow, moves.rotate(uow, row, expire=True))
    return _view(uow, row)


def remove(uow: UnitOfWork, *, gateway: str) -> int:
    """Forget a gateway's slots: every number of it not held offline comes online for good.

    Returns how many came online.
    """
    row = moves.lock(uow, gateway)
    if row is None:
        raise NotFound(f"gateway {gateway} has no slots set")
    uow.session.delete(row)
    uow.session.flush()
    online = moves.locked_numbers(
        uow, select(Number).where(Number.gateway == gateway, Number.online.is_(True))
    )
    moves.assign(uow, online, online_until=None)
    waiting = moves.locked_numbers(
        uow,
        select(Number).where(
            Number.gateway == gateway, Number.online.is_(False), Number.held.is_(False)
        ),
    )
    moves.enter(uow, waiting, until=None)
    _offer(uow, moves.Moves(online=waiting))
    return len(waiting)


def list_slots(uow: UnitOfWork) -> list[SlotsView]:
    """Every gateway with slots, by name."""
    rows = uow.session.scalars(select(GatewaySlots).order_by(GatewaySlots.gateway))
    return [_view(uow, row) for row in rows]


def get_slots(uow: UnitOfWork, *, gateway: str) -> SlotsView:
    row = uow.session.get(GatewaySlots, gateway)
    if row is None:
        raise NotFound(f"gateway {gateway} has no slots set")
    return _view(uow, row)


def _view(uow: UnitOfWork, row: GatewaySlots) -> SlotsView:
    gateway = row.gateway
    requests = uow.session.scalar(
        select(func.count(OnlineRequest.id))
        .join(Number, Number.id == OnlineRequest.number_id)
        .where(Number.gateway == gateway, OnlineRequest.status == RequestStatus.PENDING)
    )
    return SlotsView(
        gateway=gateway,
        slots=row.slots,
        window_s=moves.window_s(uow, row),
        own_window=row.window_s is not None,
        set_by=row.set_by,
        updated_at=row.updated_at,
        online=moves.count(uow, gateway, Number.online.is_(True)),
        waiting=moves.count(uow, gateway, Number.online.is_(False), Number.held.is_(False)),
        held=moves.count(uow, gateway, Number.online.is_(False), Number.held.is_(True)),
        requests=int(requests or 0),
    )


def rotating(uow: UnitOfWork, gateway: str) -> bool:
    """Whether the gateway's numbers take turns in slots."""
    return uow.session.get(GatewaySlots, gateway) is not None


def gateways(uow: UnitOfWork) -> list[str]:
    """The gateways with slots."""
    return list(uow.run(_GATEWAYS).scalars().all())


_GATEWAYS = select(GatewaySlots.gateway).order_by(GatewaySlots.gateway)


def due(uow: UnitOfWork, *, gateway: str) -> bool:
    """Whether a step would move anything (a read: the worker asks before it locks)."""
    row = uow.session.get(GatewaySlots, gateway)
    if row is None:
        return False
    now = uow.clock.now()
    reserved = exists().where(
        Activation.number_id == Number.id, Activation.status == ActivationStatus.RESERVED
    )
    ended = select(Number.id).where(
        Number.gateway == gateway,
        Number.online.is_(True),
        or_(Number.online_until.is_(None), Number.online_until <= now),
        ~reserved,
    )
    if uow.session.scalar(ended.limit(1)) is not None:
        return True
    online = moves.count(uow, gateway, Number.online.is_(True))
    if online > row.slots:
        return True
    waiting = select(Number.id).where(
        Number.gateway == gateway, Number.online.is_(False), Number.held.is_(False)
    )
    return online < row.slots and uow.session.scalar(waiting.limit(1)) is not None


def step(uow: UnitOfWork, *, gateway: str) -> int:
    """One turn of a gateway's slots; returns how many numbers moved.

    A gateway another worker is turning is skipped (it is being done).
    """
    row = moves.lock(uow, gateway, skip_locked=True)
    if row is None:
        return 0
    done = moves.rotate(uow, row, expire=True)
    _offer(uow, done)
    return len(done.online) + len(done.offline)


def _offer(uow: UnitOfWork, done: moves.Moves) -> None:
    """Free numbers that came online go to waiting bids first (as any number coming online)."""
    for number in done.online:
        if number.lease_group is not None:
            continue
        if not lifecycle.waiting_bids(uow, limit=1):
            return  # a window's turn brings hundreds of numbers; bids are usually none
        lifecycle.offer_number(uow, number)


def set_online(uow: UnitOfWork, *, mdn: str, online: bool) -> Number:
    """The operator or the number's gateway brings a number online or takes it offline.

    Offline, it is held: out of its slot and out of rotation. Back online, on a gateway
    with slots it queues for a slot like a number whose turn is now (it is online at once
    when a slot is free); on one without, it is online at once. A free number that comes
    online goes to waiting bids first.
    """
    number = inventory.get_by_mdn(uow, mdn)
    row = moves.lock(uow, number.gateway)
    uow.session.refresh(number, with_for_update={"key_share": True})
    if not online:
        inventory.hold(uow, number)
        if row is not None:
            _offer(uow, moves.rotate(uow, row, expire=False))  # its slot goes to the next
        return number
    number.held = False
    if number.online:
        uow.session.flush()
        return number
    if row is None:
        moves.enter(uow, [number], until=None)
        _offer(uow, moves.Moves(online=[number]))
        return number
    now = uow.clock.now()
    number.turn_at = now
    number.queue_at = min([now, *(r.requested_at for r in moves.pending(uow, [number.id]))])
    uow.session.flush()
    _offer(uow, moves.rotate(uow, row, expire=False))
    return number


def request_online(uow: UnitOfWork, *, number: Number, rental_id: int, account_id: int) -> None:
    """A customer asks for their rented number to come online (`ltr_activate`).

    The request takes the number's place in line unless its own turn comes first, and is
    honoured at once when a slot is free. Asking again while a request waits changes
    nothing (the first one keeps its place).
    """
    row = moves.lock(uow, number.gateway)
    uow.session.refresh(number, with_for_update={"key_share": True})
    if row is None or number.online or number.lease_group is None:
        return
    now = uow.clock.now()
    waiting = [r for r in moves.pending(uow, [number.id]) if r.lease_group == number.lease_group]
    if not waiting:
        uow.session.add(
            OnlineRequest(
                number_id=number.id,
                rental_id=rental_id,
                account_id=account_id,
                lease_group=number.lease_group,
                status=RequestStatus.PENDING,
                requested_at=now,
            )
        )
        if number.queue_at is not None and now < number.queue_at:
            number.queue_at = now
    uow.session.flush()
    _offer(uow, moves.rotate(uow, row, expire=False))


def withdraw(uow: UnitOfWork, *, number: Number) -> None:
    """The rental let the number go: its waiting requests lapse, and it keeps its own turn."""
    lapsed = moves.pending(uow, [number.id])
    for request in lapsed:
        request.status = RequestStatus.CANCELLED
        request.closed_at = uow.clock.now()
    if lapsed and not number.online:
        number.queue_at = number.turn_at
    uow.session.flush()


def in_slots(uow: UnitOfWork, *, gateway: str) -> list[tuple[str, datetime | None]]:
    """The numbers a gateway holds in its slots now, each with its window's end (None: none
    planned), the first to leave first: what a SIM bank that follows this plan puts online."""
    if not rotating(uow, gateway):
        raise NotFound(f"gateway {gateway} has no slots set")
    rows = uow.session.execute(
        select(Number.mdn, Number.online_until)
        .where(Number.gateway == gateway, Number.online.is_(True))
        .order_by(Number.online_until.asc().nulls_last(), Number.mdn)
    ).all()
    return [(mdn, until) for mdn, until in rows]
