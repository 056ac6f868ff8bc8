"""Long-term rentals (004 `ltr_*`): rent, renew, release, relabel, forward, and their status."""

from __future__ import annotations

import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import bindparam, select

from simhive.core.accounts.models import Account
from simhive.core.activations import lifecycle
from simhive.core.catalog import service as catalog
from simhive.core.catalog.models import Service
from simhive.core.errors import (
    InvalidAreaCode,
    InvalidMdn,
    InvalidParameter,
    InvalidState,
    MdnNotAvailable,
    MissingParameter,
    NoNumbers,
    NotUnlimited,
    RentalAwaitingMdn,
    RentalClosed,
    UnknownRental,
)
from simhive.core.events import service as events
from simhive.core.insight import fraud
from simhive.core.inventory import service as inventory
from simhive.core.inventory.models import Number
from simhive.core.ledger import service as ledger
from simhive.core.messages import service as messages
from simhive.core.rentals import packages
from simhive.core.rentals.models import OPEN_RENTAL_STATUSES, Rental, RentalStatus
from simhive.core.rotation import plan as rotation_plan
from simhive.core.rotation import service as rotation
from simhive.db.types import fixed, fixed_in
from simhive.db.uow import UnitOfWork
from simhive.kit.ids import parse_id
from simhive.kit.money import from_cents
from simhive.kit.phone import is_valid_state, is_valid_us_area_code, normalize_mdn, number_facts

DURATIONS = (3, 30)


@dataclass(frozen=True, slots=True)
class RentRequest:
    """An `ltr_rent` as a dialect parses it; core checks every rule."""

    service: str
    days: int = 30
    mdn: str | None = None
    area_code: str | None = None
    state: str | None = None
    reserve: bool = False
    autorenew: bool = False


@dataclass(frozen=True, slots=True)
class RentalView:
    id: int
    first_id: int
    mdn: str
    service: str
    price: Decimal
    expires_at: datetime | None
    carrier: str
    autorenew: bool
    status: RentalStatus
    online: bool


@dataclass(frozen=True, slots=True)
class RentalState:
    """`ltr_status` / `ltr_activate`: where the number stands, as of `now`."""

    state: str  # online, offline, awaiting mdn
    till_change: int  # seconds until it goes offline or comes online; 0: no change planned
    next_online: datetime | None  # now when online; the start of its next window; None: unknown
    now: datetime


def view(uow: UnitOfWork, rental: Rental) -> RentalView:
    service = uow.session.get(Service, rental.service_id)
    number = uow.session.get(Number, rental.number_id) if rental.number_id else None
    assert service is not None
    return RentalView(
        id=rental.id,
        first_id=rental.first_id or rental.id,
        mdn=number.mdn if number else "",
        service=service.name,
        price=from_cents(rental.price_cents),
        expires_at=rental.expires_at,
        carrier=number.carrier if number else "",
        autorenew=rental.autorenew,
        status=RentalStatus(rental.status),
        online=bool(number and number.online),
    )


def _price(uow: UnitOfWork, service: Service, days: int) -> int:
    cents = service.ltr_price_cents if days == 30 else service.ltr_short_price_cents
    if cents <= 0:
        raise InvalidParameter(
            "service", service.name, f"{service.name} is not offered for {days}-day rentals"
        )
    return cents


def number_wanted(
    *,
    account_id: int,
    service: Service,
    days: int,
    area_code: str = "",
    state: str = "",
    own_used_ok: bool = False,
    country: str = "US",
) -> inventory.Wanted:
    """What a rental asks of a number: unused for its service (any for Unlimited), 3-day
    capable for a 3-day rental, and where the customer asked."""
    any_service = service.name_key in catalog.ANY_SERVICE_NAMES
    return inventory.Wanted(
        account_id=account_id,
        service_ids=() if any_service else (service.id,),
        area_code=area_code,
        state=state,
        own_used_ok=own_used_ok,
        short_rental=days == 3,
        country=country,
    )


def _geo(request: RentRequest) -> tuple[str, str]:
    # 004: "mdn" beats "areacode", which beats "state"; the loser is ignored, not checked.
    if request.mdn:
        return "", ""
    if request.area_code:
        if not is_valid_us_area_code(request.area_code):
            raise InvalidAreaCode(request.area_code)
        return request.area_code, ""
    if request.state:
        if not is_valid_state(request.state):
            raise InvalidState(request.state)
        return "", request.state.strip().upper()
    return "", ""


def rent(
    uow: UnitOfWork, *, account: Account, request: RentRequest, charge: bool = True
) -> RentalView:
    """Rent a number for 3 or 30 days, renew one that is or was the account's, or reserve.

    `charge=False` is the operator's free rental: no debit, a price of 0 (so nothing is
    refunded later); a renewal of it is charged as usual.
    """
    if request.days not in DURATIONS:
        raise InvalidParameter("duration", str(request.days), "duration must be 3 or 30")
    (service,) = catalog.find_services(uow, [request.service])
    any_service = service.name_key in catalog.ANY_SERVICE_NAMES
    if request.reserve and not any_service:
        raise InvalidParameter("reserve", "true", "reserve is for the Unlimited service only")
    area_code, state = _geo(request)
    price = _price(uow, service, request.days) if charge else 0
    now = uow.clock.now()
    if request.mdn:
        return _rent_mdn(uow, account, service, request, price)
    wanted = number_wanted(
        account_id=account.id, service=service, days=request.days, area_code=area_code, state=state
    )
    lease = secrets.randbits(62)
    number = None if request.reserve else inventory.take_free_number(uow, wanted, group_id=lease)
    if number is None and not request.reserve:
        raise NoNumbers()
    rental = Rental(
        account_id=account.id,
        service_id=service.id,
        number_id=number.id if number else None,
        lease_group=lease,
        status=RentalStatus.ACTIVE if number else RentalStatus.AWAITING_MDN,
        days=request.days,
        price_cents=price,
        autorenew=request.autorenew,
        want_area_code=area_code,
        want_state=state,
        created_at=now,
        starts_at=now if number else None,
        expires_at=now + timedelta(days=request.days) if number else None,
    )
    uow.session.add(rental)
    uow.session.flush()
    rental.first_id = rental.id
    fee = uow.settings.ltr_reserve_fee if request.reserve and charge else from_cents(0)
    _bill(uow, account, rental, service, number, extra=fee)
    return view(uow, rental)


def _rent_mdn(
    uow: UnitOfWork, account: Account, service: Service, request: RentRequest, price: int
) -> RentalView:
    """004: `mdn` rents that number, or renews it when it is (or was) the account's."""
    mdn = normalize_mdn(request.mdn or "")
    if mdn is None:
        raise InvalidMdn(request.mdn or "")
    number = uow.session.scalar(select(Number).where(Number.mdn == mdn))
    if number is None:
        raise MdnNotAvailable()
    # The rental first, then the number: the order of release, expiry and refunds, so
    # none of them can deadlock against this; and a renewal racing the sweep waits for
    # it, then continues the rental the sweep left active (never renewing one twice).
    current = _active_rental(uow, number.id)
    if current is None and number.lease_group is not None:
        current = _active_rental(uow, number.id)  # a renewal committed meanwhile
    uow.session.refresh(number, with_for_update={"key_share": True})
    now = uow.clock.now()
    if current is not None:
        if current.account_id != account.id or current.service_id != service.id:
            raise MdnNotAvailable()
        # Renewal ahead of time: a new rental continues the number from the current expiry.
        renewal = _continue(uow, current, days=request.days, price=price)
        renewal.autorenew = request.autorenew or current.autorenew
        _bill(uow, account, renewal, service, number)
        return view(uow, renewal)
    if number.lease_group is not None:
        raise MdnNotAvailable()
    wanted = number_wanted(
        account_id=account.id, service=service, days=request.days, own_used_ok=True
    )
    lease = secrets.randbits(62)
    if not inventory.can_offer(uow, number, wanted) or not inventory.lease(
        uow, number, group_id=lease
    ):
        raise MdnNotAvailable()
    earlier = uow.session.scalar(
        select(Rental.first_id)
        .where(
            Rental.number_id == number.id,
            Rental.account_id == account.id,
            Rental.service_id == service.id,
        )
        .order_by(Rental.id.desc())
        .limit(1)
    )
    rental = Rental(
        account_id=account.id,
        service_id=service.id,
        number_id=number.id,
        first_id=earlier,
        lease_group=lease,
        status=RentalStatus.ACTIVE,
        days=request.days,
        price_cents=price,
        autorenew=request.autorenew,
        created_at=now,
        starts_at=now,
        expires_at=now + timedelta(days=request.days),
    )
    uow.session.add(rental)
    uow.session.flush()
    rental.first_id = rental.first_id or rental.id
    _bill(uow, account, rental, service, number)
    return view(uow, rental)


def _active_rental(uow: UnitOfWork, number_id: int) -> Rental | None:
    """The active rental of a number, locked."""
    return uow.session.scalar(
        select(Rental)
        .where(Rental.number_id == number_id, Rental.status == RentalStatus.ACTIVE)
        .with_for_update(key_share=True)
        .execution_options(populate_existing=True)
    )


def _continue(
    uow: UnitOfWork, current: Rental, *, days: int, price: int, package: str | None = None
) -> Rental:
    """A new rental id that continues `current`'s number from its expiry (a renewal).

    With a `package` (an order API contract) the period is that many calendar months.
    """
    assert current.expires_at is not None
    until = current.expires_at + timedelta(days=days)
    if package is not None:
        until = packages.end_of(current.expires_at, package, day=_contract_day(uow, current))
        days = (until - current.expires_at).days
    renewal = Rental(
        account_id=current.account_id,
        service_id=current.service_id,
        number_id=current.number_id,
        first_id=current.first_id or current.id,
        previous_id=current.id,
        lease_group=current.lease_group,
        status=RentalStatus.ACTIVE,
        days=days,
        price_cents=price,
        autorenew=current.autorenew,
        forward_to=current.forward_to,
        api=current.api,
        package=package,
        renewal_package=current.renewal_package,
        created_at=uow.clock.now(),
        starts_at=current.expires_at,
        expires_at=until,
    )
    current.status = RentalStatus.RENEWED
    current.ended_at = uow.clock.now()
    uow.session.add(renewal)
    uow.session.flush()
    return renewal


def _contract_day(uow: UnitOfWork, current: Rental) -> int | None:
    """The day of the month the contract `current` belongs to was bought on."""
    first_id = current.first_id or current.id
    started = (
        current.starts_at
        if first_id == current.id
        else uow.session.scalar(select(Rental.starts_at).where(Rental.id == first_id))
    )
    return started.day if started is not None else None


def _bill(
    uow: UnitOfWork,
    account: Account,
    rental: Rental,
    service: Service,
    number: Number | None,
    *,
    extra: Decimal = Decimal("0"),
) -> None:
    """Debit the rental now and log it as a `Billing` message (004), never read by read_sms."""
    amount = from_cents(rental.price_cents) + extra
    if amount > 0:
        ledger.charge(
            uow,
            account_id=account.id,
            amount=amount,
            reference=f"rental:{rental.id}",
            memo=f"rental {rental.id}",
        )
    what = f"{number.mdn}" if number else "the next free number"
    messages.record_billing(
        uow,
        account_id=account.id,
        to=number.mdn if number else "",
        service_id=service.id,
        price_cents=rental.price_cents + int(extra * 100),
        text=f"Long-term rental {rental.id}: {what} for {service.name}, {rental.days} days, "
        f"${amount:.2f}",
    )


def find(
    uow: UnitOfWork,
    *,
    account: Account,
    ltr_id: str | None = None,
    mdn: str | None = None,
    service: str | None = None,
    lock: bool = False,
) -> Rental:
    """One of the account's rentals: by id, or its open rental of an MDN (and service)."""
    locking = {"key_share": True} if lock else None
    if ltr_id is not None:
        key = parse_id(ltr_id)
        rental = uow.session.get(Rental, key, with_for_update=locking) if key else None
        if rental is None or rental.account_id != account.id:
            raise UnknownRental()
        return rental
    if not mdn:
        raise MissingParameter("ltr_id")
    normalized = normalize_mdn(mdn)
    if normalized is None:
        raise InvalidMdn(mdn)
    query = (
        select(Rental)
        .join(Number, Number.id == Rental.number_id)
        .where(
            Number.mdn == normalized,
            Rental.account_id == account.id,
            fixed_in(Rental.status, [s.value for s in OPEN_RENTAL_STATUSES]),
        )
        .order_by(Rental.id.desc())
        .limit(1)
    )
    if service:
        query = query.where(Rental.service_id == catalog.find_services(uow, [service])[0].id)
    if lock:
        query = query.with_for_update(key_share=True, of=Rental)
    found = uow.session.scalar(query)
    if found is None:
        raise UnknownRental()
    return found


def _open(rental: Rental, now: datetime | None = None) -> Rental:
    """The rental, if it still runs (past its expiry it has ended, sweep or not)."""
    if rental.status not in OPEN_RENTAL_STATUSES:
        raise RentalClosed(rental.status)
    if now is not None and rental.expires_at is not None and rental.expires_at <= now:
        raise RentalClosed(RentalStatus.EXPIRED)
    return rental


def set_autorenew(uow: UnitOfWork, *, rental: Rental, autorenew: bool) -> None:
    _open(rental).autorenew = autorenew
    uow.session.flush()


def state(uow: UnitOfWork, *, rental: Rental) -> RentalState:
    """Whether the rented number is online now, and when that changes (SIM banks swap SIMs in
    and out of their modem slots: see core.rotation)."""
    now = uow.clock.now()
    _open(rental, now)
    if rental.number_id is None:
        return RentalState("awaiting mdn", 0, None, now)
    number = uow.session.get(Number, rental.number_id)
    assert number is not None
    where = rotation_plan.plan(uow, number)
    till = 0
    if where.change_at is not None:
        till = max(math.ceil((where.change_at - where.now).total_seconds()), 0)
    return RentalState("online" if where.online else "offline", till, where.next_online, where.now)


def activate(uow: UnitOfWork, *, rental: Rental) -> RentalState:
    """Bring an offline rented number online.

    On a gateway with slots the request queues for one, oldest request first, and is
    honoured at once when one is free; a gateway without slots is asked to bring the
    number online itself.
    """
    _open(rental, uow.clock.now())
    number = uow.session.get(Number, rental.number_id) if rental.number_id else None
    if number is not None and not number.online:
        if rotation.rotating(uow, number.gateway):
            rotation.request_online(
                uow, number=number, rental_id=rental.id, account_id=rental.account_id
            )
        else:
            events.enqueue_gateway(
                uow,
                gateway=number.gateway,
                event_type="number.activate",
                payload={"mdn": number.mdn, "rental_id": str(rental.id)},
            )
    return state(uow, rental=rental)


def release(uow: UnitOfWork, *, rental: Rental) -> None:
    """End a rental early, without refund; the number goes back to the pool.

    A reservation that never got a number is cancelled: its price comes back, and the
    reserve fee is kept (004 prices the reservation as "the full price ... plus a flat
    fee"); without this, a reservation no number ever came to held its price for good.
    """
    _open(rental)
    if rental.status == RentalStatus.AWAITING_MDN and rental.price_cents > 0:
        ledger.refund(
            uow,
            account_id=rental.account_id,
            cents=rental.price_cents,
            reference=f"rental:{rental.id}",
        )
    rental.status = RentalStatus.RELEASED
    rental.ended_at = uow.clock.now()
    uow.session.flush()
    free_number(uow, rental)


def free_number(uow: UnitOfWork, rental: Rental) -> None:
    """Give the rental's number back to the pool (and to waiting bids when online)."""
    if rental.number_id is None:
        return
    number = uow.session.get(
        Number, rental.number_id, with_for_update={"key_share": True}, populate_existing=True
    )
    if number is not None and number.lease_group == rental.lease_group:
        rotation.withdraw(uow, number=number)
        inventory.release(uow, number)
        if number.online:
            lifecycle.offer_number(uow, number)


def switch_service(uow: UnitOfWork, *, rental: Rental, service: str) -> RentalView:
    """Relabel an Unlimited rental for one service."""
    _open(rental)
    current = uow.session.get(Service, rental.service_id)
    assert current is not None
    if current.name_key not in catalog.ANY_SERVICE_NAMES:
        raise NotUnlimited(rental.id, current.name)
    (target,) = catalog.find_services(uow, [service])
    if target.name_key in catalog.ANY_SERVICE_NAMES:
        raise InvalidParameter("service", service, "switch to one service, not Unlimited")
    rental.service_id = target.id
    uow.session.flush()
    return view(uow, rental)


def forward(uow: UnitOfWork, *, rental: Rental, destination: str) -> str:
    """Forward the rented number's voice calls to a valid number, through its gateway."""
    _open(rental)
    target = normalize_mdn(destination)
    if target is None:
        raise InvalidParameter("destination", destination, "not a valid phone number")
    # The rented SIM pays for the forwarded leg: only to US numbers, never premium-rate or
    # blocked ones (calling the rental would otherwise pay the caller's own 1-900 line).
    if number_facts("+" + target).country != "US":
        raise InvalidParameter("destination", target, "calls are forwarded to US numbers only")
    fraud.refuse_fraudulent(uow, "+" + target)
    if rental.number_id is None:
        raise RentalAwaitingMdn(rental.id)
    number = uow.session.get(Number, rental.number_id)
    assert number is not None
    if target == number.mdn:
        raise InvalidParameter("destination", target, "a number cannot forward to itself")
    rental.forward_to = target
    events.enqueue_gateway(
        uow,
        gateway=number.gateway,
        event_type="number.forward",
        payload={"mdn": number.mdn, "destination": target},
    )
    uow.session.flush()
    return target


def renew_due(uow: UnitOfWork, *, limit: int = 100) -> int:
    """At expiry: renew with autorenew and funds (a new id), else end the rental."""
    # The worker asks several times a second and most of the time none is due: the
    # question is one statement built once; the rentals are loaded only when some are.
    # On PostgreSQL it also locks them: two workers never take the same rental.
    due = uow.run(_DUE, {"now": uow.clock.now(), "limit": limit}).scalars().all()
    if not due:
        return 0
    rentals = uow.session.scalars(
        select(Rental).where(Rental.id.in_(due)).order_by(Rental.expires_at, Rental.id)
    ).all()
    done = 0
    for rental in rentals:
        with uow.session.begin_nested():
            _renew_or_end(uow, rental)
        done += 1
    return done


_DUE = (
    select(Rental.id)
    .where(Rental.status == fixed(RentalStatus.ACTIVE), Rental.expires_at <= bindparam("now"))
    .order_by(Rental.expires_at, Rental.id)
    .limit(bindparam("limit"))
    .with_for_update(skip_locked=True, key_share=True)
)


def _renew_or_end(uow: UnitOfWork, rental: Rental) -> None:
    account = uow.session.get(Account, rental.account_id)
    service = uow.session.get(Service, rental.service_id)
    number = uow.session.get(Number, rental.number_id) if rental.number_id else None
    assert account is not None and service is not None and number is not None
    facts = {
        "previous_ltr_id": str(rental.id),
        "mdn": number.mdn,
        "service": service.name,
    }
    if rental.autorenew:
        # A contract renews with its renewal package; a command API rental as it was.
        package = rental.renewal_package
        if package is not None:
            price = packages.price_cents(uow.settings, package)
        else:
            price = service.ltr_price_cents if rental.days == 30 else service.ltr_short_price_cents
        offered = price > 0 or package is not None
        if offered and ledger.available_cents(uow, account.id) >= price:
            renewal = _continue(uow, rental, days=rental.days, price=price, package=package)
            _bill(uow, account, renewal, service, number)
            assert renewal.expires_at is not None
            events.enqueue_webhook(
                uow,
                account=account,
                event_type=events.RENTAL_RENEWED,
                fields={
                    **facts,
                    "new_ltr_id": str(renewal.id),
                    "price_cents": str(price),
                    "expires_at": renewal.expires_at.isoformat(),
                },
            )
            return
        events.enqueue_webhook(
            uow,
            account=account,
            event_type=events.RENTAL_NOT_RENEWED,
            fields={**facts, "reason": "low_balance"},
        )
    rental.status = RentalStatus.EXPIRED
    rental.ended_at = uow.clock.now()
    uow.session.flush()
    free_number(uow, rental)


def assign_reserved(uow: UnitOfWork, *, limit: int = 50) -> int:
    """Give free numbers to reserved Unlimited rentals, the earliest first."""
    query = (
        select(Rental)
        .where(Rental.status == RentalStatus.AWAITING_MDN)
        .order_by(Rental.created_at, Rental.id)
        .limit(limit)
    )
    if uow.dialect == "postgresql":
        query = query.with_for_update(skip_locked=True, key_share=True)
    assigned = 0
    for rental in uow.session.scalars(query).all():
        service = uow.session.get(Service, rental.service_id)
        assert service is not None
        wanted = number_wanted(
            account_id=rental.account_id,
            service=service,
            days=rental.days,
            area_code=rental.want_area_code,
            state=rental.want_state,
        )
        number = inventory.take_free_number(uow, wanted, group_id=rental.lease_group)
        if number is None:
            # No number suits this one (3 days, an area code, ...); others may still fit.
            if not inventory.has_free_number(uow):
                break
            continue
        now = uow.clock.now()
        rental.number_id = number.id
        rental.status = RentalStatus.ACTIVE
        rental.starts_at = now
        rental.expires_at = now + timedelta(days=rental.days)
        assigned += 1
    uow.session.flush()
    return assigned


def list_rentals(
    uow: UnitOfWork, *, account_id: int | None = None, limit: int = 100
) -> list[Rental]:
    """Rentals, newest first (one account's, or all for the operator)."""
    query = select(Rental).order_by(Rental.id.desc()).limit(limit)
    if account_id is not None:
        query = query.where(Rental.account_id == account_id)
    return list(uow.session.scalars(query))
