"""The activation state machine, driven by requests, SMS and the clock.

Awaiting MDN → Reserved → Completed, or Rejected / Timed Out. Every change that
frees a number offers it to waiting bids first (highest markup, then earliest).
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from simhive.core.accounts.models import Account
from simhive.core.activations.models import OPEN_STATUSES, Activation, ActivationStatus
from simhive.core.activations.views import ActivationView, view
from simhive.core.catalog.models import Service
from simhive.core.events import service as events
from simhive.core.inventory import service as inventory
from simhive.core.inventory.models import Number
from simhive.core.ledger import service as ledger
from simhive.db.uow import UnitOfWork
from simhive.kit.money import format_amount, from_cents

SIMULATOR = "simulator"


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


def reserve(uow: UnitOfWork, activation: Activation, number: Number, *, markup: int) -> None:
    """Give a leased number to an activation; its SMS clock starts now."""
    now = uow.clock.now()
    activation.number_id = number.id
    activation.status = ActivationStatus.RESERVED
    activation.reserved_at = now
    activation.expires_at = now + timedelta(seconds=uow.settings.reserved_lifetime_s)
    activation.markup = markup
    if number.gateway == SIMULATOR and uow.settings.simulator_auto_reply_s is not None:
        service = uow.session.get(Service, activation.service_id)
        assert service is not None
        events.enqueue_gateway(
            uow,
            gateway=SIMULATOR,
            event_type="number.reserved",
            payload={"mdn": number.mdn, "service": service.name},
        )


def close(uow: UnitOfWork, activation: Activation, status: ActivationStatus) -> None:
    """End an open request: capture on Completed, release otherwise; free an idle number."""
    activation.status = status
    activation.closed_at = uow.clock.now()
    if activation.hold_id is not None:
        if status == ActivationStatus.COMPLETED:
            ledger.capture_hold(uow, activation.hold_id, memo=f"activation {activation.id}")
        else:
            ledger.release_hold(uow, activation.hold_id)
    uow.session.flush()
    if activation.number_id is not None:
        free_if_idle(uow, activation.number_id)


def free_if_idle(uow: UnitOfWork, number_id: int) -> None:
    """Free a number when its group has no open request left, and offer it to bidders."""
    number = uow.session.get(Number, number_id)
    if number is None or number.lease_group is None:
        return
    # Only the leasing group's requests can be Reserved on a leased number.
    still_open = uow.session.scalar(
        select(Activation.id)
        .where(Activation.number_id == number_id, Activation.status == ActivationStatus.RESERVED)
        .limit(1)
    )
    if still_open is None:
        inventory.release(uow, number)
        if number.online:
            offer_number(uow, number)


def _group(uow: UnitOfWork, activation: Activation) -> list[Activation]:
    return list(
        uow.session.scalars(
            select(Activation)
            .where(
                Activation.group_id == activation.group_id,
                Activation.status == ActivationStatus.AWAITING_MDN,
            )
            .order_by(Activation.id)
            .with_for_update(key_share=True)
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
    )


def waiting_bids(uow: UnitOfWork, *, limit: int = 200) -> list[Activation]:
    """Open bids in auction order: highest markup, then earliest."""
    return list(
        uow.session.scalars(
            select(Activation)
            .where(
                Activation.status == ActivationStatus.AWAITING_MDN,
                Activation.expires_at > uow.clock.now(),
            )
            .order_by(Activation.markup.desc(), Activation.created_at, Activation.id)
            .limit(limit)
        )
    )


def offer_number(uow: UnitOfWork, number: Number) -> bool:
    """Give a just-freed number to the best waiting bid that may have it."""
    for bid in waiting_bids(uow):
        group = _group(uow, bid)
        if not group or not inventory.can_offer(uow, number, _wanted(group)):
            continue
        if inventory.lease(uow, number, group_id=bid.group_id):
            _win(uow, group, number)
            return True
        return False
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
        group = _group(uow, bid)
        if not group:
            continue
        number = inventory.take_free_number(uow, _wanted(group), group_id=group_id)
        if number is not None:
            _win(uow, group, number)
            won += 1
    return won


def _win(uow: UnitOfWork, group: list[Activation], number: Number) -> None:
    account = uow.session.get(Account, group[0].account_id)
    assert account is not None
    for activation in group:
        reserve(uow, activation, number, markup=activation.markup)
        service = uow.session.get(Service, activation.service_id)
        assert service is not None
        # 000 "Winning of a priority request" (004 names the event premium_request).
        events.enqueue_webhook(
            uow,
            account=account,
            event_type=uow.settings.priority_event_name,
            fields={
                "event": uow.settings.priority_event_name,
                "status": "ok",
                "id": str(activation.id),
                "mdn": number.mdn,
                "service": service.name,
                "price": format_amount(from_cents(activation.price_cents)),
            },
        )


def expire_due(uow: UnitOfWork, *, limit: int = 500) -> int:
    """Time out every open request past its deadline; returns how many."""
    due = list(
        uow.session.scalars(
            select(Activation)
            .where(
                Activation.status.in_([s.value for s in OPEN_STATUSES]),
                Activation.expires_at <= uow.clock.now(),
            )
            .order_by(Activation.expires_at)
            .limit(limit)
            # Rows being completed or rejected right now are left for the next sweep.
            .with_for_update(skip_locked=True, key_share=True)
        )
    )
    for activation in due:
        close(uow, activation, ActivationStatus.TIMED_OUT)
    return len(due)


def set_number_online(uow: UnitOfWork, *, mdn: str, online: bool) -> Number:
    """A number went online or offline; one that comes online free goes to bidders first."""
    number = inventory.set_online(uow, mdn=mdn, online=online)
    if online and number.lease_group is None:
        offer_number(uow, number)
    return number
