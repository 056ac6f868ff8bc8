"""The activation state machine, driven by requests, SMS and the clock.

Awaiting MDN → Reserved → Completed, or Rejected / Timed Out. Every change that
frees a number offers it to waiting bids first (highest markup, then earliest).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from sqlalchemy import BindParameter, ColumnElement, Select, bindparam, exists, or_, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from simhive.core.accounts.models import Account
from simhive.core.activations.models import OPEN_STATUSES, Activation, ActivationStatus
from simhive.core.activations.views import ActivationView, view
from simhive.core.catalog.models import Service
from simhive.core.events import service as events
from simhive.core.inventory import service as inventory
from simhive.core.inventory.models import Number, NumberSkip, NumberUsage, Rejection
from simhive.core.ledger import service as ledger
from simhive.core.messages.models import Message, MessageStatus
from simhive.core.rentals.models import OPEN_RENTAL_STATUSES, Rental
from simhive.db.detached import columns, detached
from simhive.db.types import fixed, fixed_in
from simhive.db.uow import UnitOfWork

log = logging.getLogger(__name__)

# PostgreSQL's SQLSTATE for a NOWAIT lock that another transaction holds.
LOCK_NOT_AVAILABLE = "55P03"


def current_view(uow: UnitOfWork, activation: Activation) -> ActivationView:
    """Describe a request as it stands now (read-only: a passed deadline reads as Timed Out)."""
    service = uow.session.get(Service, activation.service_id)
    assert service is not None
    number = uow.session.get(Number, activation.number_id) if activation.number_id else None
    return view(activation, service, number, uow.clock.now())


def settle_if_due(uow: UnitOfWork, activation: Activation) -> None:
    """Time out an open request past its deadline (the sweep does the same for all)."""
    if activation.status in OPEN_STATUSES and activation.expires_at <= uow.clock.now():
        close(uow, activation, ActivationStatus.TIMED_OUT)


def reserve(
    uow: UnitOfWork,
    activation: Activation,
    number: Number,
    *,
    markup: int,
    service: Service | None = None,
) -> None:
    """Give a leased number to an activation; its SMS clock starts now.

    `service` is the activation's, when the caller has it (read otherwise).
    """
    now = uow.clock.now()
    activation.number_id = number.id
    activation.status = ActivationStatus.RESERVED
    activation.reserved_at = now
    activation.expires_at = now + timedelta(seconds=uow.settings.reserved_lifetime_s)
    activation.markup = markup
    # Gateways that asked to hear of reservations (the simulator, to answer with the
    # service's SMS) get a notice addressed to the gateway that owns the number.
    if number.gateway in uow.settings.reservation_notice_gateways:
        if service is None:
            service = uow.session.get(Service, activation.service_id)
        assert service is not None and service.id == activation.service_id
        events.enqueue_gateway(
            uow,
            gateway=number.gateway,
            event_type="number.reserved",
            payload={"mdn": number.mdn, "service": service.name},
        )


def close(uow: UnitOfWork, activation: Activation, status: ActivationStatus) -> None:
    """End an open request: capture on Completed, release otherwise; free an idle number."""
    now = uow.clock.now()
    uow.run(_CLOSE, {"activation_id": activation.id, "status": status, "closed_at": now})
    set_committed_value(activation, "status", status)
    set_committed_value(activation, "closed_at", now)
    if activation.hold_id is not None:
        if status == ActivationStatus.COMPLETED:
            ledger.capture_hold(uow, activation.hold_id, memo=f"activation {activation.id}")
        else:
            ledger.release_hold(uow, activation.hold_id)
    if activation.number_id is not None:
        free_if_idle(uow, activation.number_id)


_CLOSE = (
    update(Activation)
    .where(Activation.id == bindparam("activation_id"))
    .values(status=bindparam("status"), closed_at=bindparam("closed_at"))
)


def free_if_idle(uow: UnitOfWork, number_id: int) -> bool:
    """Free a number when nothing open holds it any more, and offer it to bidders.

    The number row is locked first: two parts of one multi-service request closing at
    once (a reject racing the sweep) would otherwise each see the other still open, and
    neither would free the number. Locked, the second one sees the first's outcome.
    """
    leased = uow.run(_LOCK_NUMBER, {"number_id": number_id}).first()
    if leased is None or leased.lease_group is None:
        return False
    # With the row locked, one statement checks for holders (a new statement sees what
    # committed while the lock was awaited), frees the number if there are none, and
    # says whether any bid is waiting (most of the time none is: no auction to run).
    freed = uow.run(_FREE_NUMBER, {"number_id": number_id, "now": uow.clock.now()}).first()
    if freed is None:
        return False
    # The session may hold the number from earlier in this transaction: keep it true.
    number = uow.session.identity_map.get(identity_key(Number, number_id))
    if isinstance(number, Number):
        set_committed_value(number, "lease_group", None)
        set_committed_value(number, "freed_at", freed.freed_at)
    if freed.online and freed.bids:
        offered = uow.session.get(Number, number_id)
        assert offered is not None
        offer_number(uow, offered)
    return True


def _bids_waiting(now: datetime | BindParameter[datetime]) -> ColumnElement[bool]:
    return exists().where(
        Activation.status == fixed(ActivationStatus.AWAITING_MDN), Activation.expires_at > now
    )


def reclaim_idle_leases(uow: UnitOfWork, *, limit: int = 100) -> int:
    """Free leased numbers whose holders are all closed (a safety net under `free_if_idle`)."""
    held = _held()
    query = select(Number.id).where(Number.lease_group.is_not(None), ~held).limit(limit)
    if uow.dialect == "postgresql":
        query = query.with_for_update(skip_locked=True, key_share=True)
    freed = 0
    for number_id in uow.session.scalars(query).all():
        if _contained(uow, "reclaiming number", number_id, partial(free_if_idle, uow, number_id)):
            freed += 1
            log.warning("number %s was leased with nothing open on it; freed", number_id)
    return freed


def _held() -> ColumnElement[bool]:
    """Something open holds the number: a Reserved request, or a rental whose lease it is."""
    return or_(
        exists().where(
            Activation.number_id == Number.id,
            Activation.status == fixed(ActivationStatus.RESERVED),
        ),
        exists().where(
            Rental.number_id == Number.id,
            Rental.lease_group == Number.lease_group,
            fixed_in(Rental.status, [s.value for s in OPEN_RENTAL_STATUSES]),
        ),
    )


_LOCK_NUMBER = (
    select(Number.lease_group)
    .where(Number.id == bindparam("number_id"))
    .with_for_update(key_share=True)
)
_FREE_NUMBER = (
    update(Number)
    .where(Number.id == bindparam("number_id"), ~_held())
    .values(lease_group=None, freed_at=bindparam("now"))
    .returning(Number.freed_at, Number.online, _bids_waiting(bindparam("now")).label("bids"))
)


def _contained(uow: UnitOfWork, what: str, key: int, step: Callable[[], object]) -> object:
    """Run one step in a savepoint: its failure is logged and undone, the caller goes on.

    Auctions and sweeps act on many customers' rows inside one transaction; a fault
    in one row must not fail the others, nor the customer whose action set them off.
    """
    try:
        with uow.session.begin_nested():
            return step()
    except OperationalError as exc:
        if getattr(exc.orig, "sqlstate", None) != LOCK_NOT_AVAILABLE:
            log.exception("%s %s failed; left for the next sweep", what, key)
        return None
    except Exception:
        log.exception("%s %s failed; left for the next sweep", what, key)
        return None


def _group(uow: UnitOfWork, activation: Activation) -> list[Activation]:
    """Lock a waiting bid's group, or fail at once if another transaction holds it.

    Offers run while the offering transaction holds a number and requests of its own;
    waiting here for a bid that someone is rejecting or expiring (and who may be
    waiting for that number) would close a deadlock. NOWAIT fails the step instead
    (`_contained` undoes it); the bid gets the next freed number or the match sweep.
    """
    return list(
        uow.session.scalars(
            select(Activation)
            .where(
                Activation.group_id == activation.group_id,
                Activation.status == ActivationStatus.AWAITING_MDN,
            )
            .order_by(Activation.id)
            .with_for_update(key_share=True, nowait=True)
            .execution_options(populate_existing=True)
        )
    )


def _wanted(group: list[Activation]) -> inventory.Wanted:
    first = group[0]
    return inventory.Wanted(
        account_id=first.account_id,
        service_ids=tuple(a.service_id for a in group),
        area_code=first.want_area_code,
        state=first.want_state,
        country=BID_COUNTRY,
    )


def waiting_bids(uow: UnitOfWork, *, limit: int = 200) -> list[Activation]:
    """Open bids in auction order: highest markup, then earliest."""
    return _bids(uow, limit=limit)


def _bids(uow: UnitOfWork, *conditions: ColumnElement[bool], limit: int) -> list[Activation]:
    """Open bids that meet `conditions`, in auction order."""
    return list(
        uow.session.scalars(
            select(Activation)
            .where(
                Activation.status == ActivationStatus.AWAITING_MDN,
                Activation.expires_at > uow.clock.now(),
                *conditions,
            )
            .order_by(Activation.markup.desc(), Activation.created_at, Activation.id)
            .limit(limit)
        )
    )


# Bids that may have a freed number, tried in turn when one is freed (each a savepoint
# and a lock); past this many, the match sweep gives the number out instead. So a customer
# who places bids no number can fill cannot make every freed number cost hundreds of steps.
OFFER_TRIES = 10
# Bids are the command API's, which serves US numbers only.
BID_COUNTRY = "US"


def bids_for(uow: UnitOfWork, number: Number, *, limit: int = OFFER_TRIES) -> list[Activation]:
    """The waiting bids this number may serve, in auction order: asked of the database in
    one statement, rather than tried one by one (a UK number against every US bid)."""
    if number.country != BID_COUNTRY:
        return []
    account_id, service_id = Activation.account_id, Activation.service_id
    used = exists().where(NumberUsage.number_id == number.id, NumberUsage.service_id == service_id)
    rejected = exists().where(Rejection.number_id == number.id, Rejection.account_id == account_id)
    skipped = exists().where(
        NumberSkip.number_id == number.id,
        NumberSkip.account_id == account_id,
        NumberSkip.service_id == service_id,
    )
    return _bids(
        uow,
        Activation.want_area_code.in_(["", number.area_code or ""]),
        Activation.want_state.in_(["", number.state or ""]),
        ~used,
        ~rejected,
        ~skipped,
        limit=limit,
    )


def offer_number(uow: UnitOfWork, number: Number) -> bool:
    """Give a just-freed number to the best waiting bid that may have it."""
    for bid in bids_for(uow, number):
        outcome = _contained(
            uow, "offering a number to bid", bid.id, partial(_offer, uow, number, bid)
        )
        if outcome is not None:
            return bool(outcome)
    return False


def _offer(uow: UnitOfWork, number: Number, bid: Activation) -> bool | None:
    """True: the bid won; False: the number was taken meanwhile; None: try the next bid."""
    group = _group(uow, bid)
    if not group or not inventory.can_offer(uow, number, _wanted(group)):
        return None
    if inventory.lease(uow, number, group_id=bid.group_id):
        _win(uow, group, number)
        return True
    return False


def match_bids(uow: UnitOfWork, *, limit: int = 100) -> int:
    """Give free numbers to waiting bids, best bid first; returns how many groups won."""
    won = 0
    seen: set[int] = set()
    if not inventory.has_free_number(uow):
        return 0
    for bid in waiting_bids(uow, limit=limit):
        group_id = bid.group_id
        if group_id in seen:
            continue
        seen.add(group_id)
        if _contained(uow, "matching bid", bid.id, partial(_match, uow, bid)):
            won += 1
    return won


def _match(uow: UnitOfWork, bid: Activation) -> bool:
    group = _group(uow, bid)
    if not group:
        return False
    number = inventory.take_free_number(uow, _wanted(group), group_id=bid.group_id)
    if number is None:
        return False
    _win(uow, group, number)
    return True


def _win(uow: UnitOfWork, group: list[Activation], number: Number) -> None:
    account = uow.session.get(Account, group[0].account_id)
    assert account is not None
    for activation in group:
        reserve(uow, activation, number, markup=activation.markup)
        service = uow.session.get(Service, activation.service_id)
        assert service is not None
        # A domain fact; each dialect words it (the command API: priority_request).
        events.enqueue_webhook(
            uow,
            account=account,
            event_type=events.BID_WON,
            fields={
                "activation_id": str(activation.id),
                "mdn": number.mdn,
                "service": service.name,
                "price_cents": str(activation.price_cents),
            },
        )


def expire_due(uow: UnitOfWork, *, limit: int = 500) -> int:
    """Time out every open request past its deadline; returns how many.

    A request whose SMS arrived in time but is still waiting to be routed (routing
    failed and is being retried) is left open for a grace period, so that SMS can
    still complete it.

    The worker asks several times a second, and most of the time nothing is due: the
    question is one statement built once, and the requests come back detached (they
    change only through `close`'s statements).
    """
    now = uow.clock.now()
    grace = timedelta(seconds=uow.settings.stranded_grace_s)
    rows = uow.run(_EXPIRE_DUE, {"now": now, "cut": now - grace, "limit": limit}).all()
    expired = 0
    for row in rows:
        activation = detached(Activation, row._asdict())
        if _contained(uow, "expiring request", activation.id, partial(_expire, uow, activation)):
            expired += 1
    return expired


def _expire_due() -> Select[Any]:
    now: BindParameter[datetime] = bindparam("now")
    sms_waiting = (
        exists()
        .where(
            Message.status == fixed(MessageStatus.RECEIVED),
            # Correlated itself: uncorrelated, the subquery ranged over every request with
            # a number, and PostgreSQL refused it ("more than one row") on every sweep.
            Message.to_mdn
            == select(Number.mdn)
            .where(Number.id == Activation.number_id)
            .correlate(Activation)
            .scalar_subquery(),
            Message.received_at <= Activation.expires_at,
        )
        .correlate(Activation)
    )
    return (
        select(*columns(Activation))
        .where(
            fixed_in(Activation.status, [s.value for s in OPEN_STATUSES]),
            Activation.expires_at <= now,
            or_(~sms_waiting, Activation.expires_at <= bindparam("cut")),
        )
        .order_by(Activation.expires_at)
        .limit(bindparam("limit"))
        # Rows being completed or rejected right now are left for the next sweep.
        .with_for_update(skip_locked=True, key_share=True)
    )


_EXPIRE_DUE = _expire_due()


def _expire(uow: UnitOfWork, activation: Activation) -> bool:
    close(uow, activation, ActivationStatus.TIMED_OUT)
    return True
