"""The order API's rental contracts (002 `/api/rental/*`): numbers of the Netherlands or
the United Kingdom rented for any service, in packages of calendar months.

A contract is a chain of rentals, as 004's renewals are: its id is the first rental's,
and each extension or renewal is a new rental that continues the number from the
expiry before it. So the worker renews contracts with the command API's rentals, and
the operator sees them among the rentals (`api` order, with their packages).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from simhive.core.accounts.models import Account
from simhive.core.activations.models import Api
from simhive.core.catalog import service as catalog
from simhive.core.catalog.models import Service
from simhive.core.errors import InvalidParameter, NoNumbers, RentalClosed, UnknownRental
from simhive.core.inventory import service as inventory
from simhive.core.inventory.models import Number
from simhive.core.messages.models import Message, MessageStatus
from simhive.core.rentals import packages
from simhive.core.rentals.models import OPEN_RENTAL_STATUSES, Rental, RentalStatus
from simhive.core.rentals.service import _bill, _continue, number_wanted
from simhive.db.uow import UnitOfWork
from simhive.kit.ids import parse_id

# 002: "The country you wish the rental to be from (NL/UK)".
COUNTRIES = ("NL", "GB")


@dataclass(frozen=True, slots=True)
class ContractView:
    """A contract as it stands: its latest period, and the package it was bought with."""

    contract_id: int
    mdn: str
    country: str
    package: str  # bought with
    period_package: str  # of the latest period (an extension's)
    renewal_package: str
    auto_renew: bool
    expires_at: datetime
    running: bool


@dataclass(frozen=True, slots=True)
class ContractSms:
    sender: str
    body: str
    received_at: datetime


def new_contract(
    uow: UnitOfWork, *, account: Account, country: str, package: str = "1m", auto_renew: bool = True
) -> ContractView:
    """Rent a free number of the country for a package's months; the price is charged now."""
    packages.check(package)
    if country not in COUNTRIES:
        raise InvalidParameter("country", country, "country must be NL or UK")
    service = catalog.any_service(uow)
    now = uow.clock.now()
    until = packages.end_of(now, package)
    days = (until - now).days
    wanted = number_wanted(account_id=account.id, service=service, days=days, country=country)
    lease = secrets.randbits(62)
    number = inventory.take_free_number(uow, wanted, group_id=lease)
    if number is None:
        raise NoNumbers()
    rental = Rental(
        account_id=account.id,
        service_id=service.id,
        number_id=number.id,
        lease_group=lease,
        status=RentalStatus.ACTIVE,
        days=days,
        price_cents=packages.price_cents(uow.settings, package),
        autorenew=auto_renew,
        api=Api.ORDER,
        package=package,
        renewal_package=package,
        created_at=now,
        starts_at=now,
        expires_at=until,
    )
    uow.session.add(rental)
    uow.session.flush()
    rental.first_id = rental.id
    _bill(uow, account, rental, service, number)
    return _view(uow, rental)


def extend(
    uow: UnitOfWork, *, account: Account, contract_id: str, package: str = "1m"
) -> ContractView:
    """Add a package's months to a running contract (charged now); it renews with it after."""
    packages.check(package)
    current = _running(uow, _current(uow, account, contract_id, lock=True))
    service = uow.session.get(Service, current.service_id)
    number = uow.session.get(Number, current.number_id) if current.number_id else None
    assert service is not None and number is not None
    price = packages.price_cents(uow.settings, package)
    # 002: the extension's package "also updates the auto-renewal package".
    current.renewal_package = package
    extension = _continue(uow, current, days=0, price=price, package=package)
    _bill(uow, account, extension, service, number)
    return _view(uow, extension)


def set_auto_renew(
    uow: UnitOfWork, *, account: Account, contract_id: str, auto_renew: bool
) -> ContractView:
    """Turn a running contract's renewal at expiry on or off."""
    current = _running(uow, _current(uow, account, contract_id, lock=True))
    current.autorenew = auto_renew
    uow.session.flush()
    return _view(uow, current)


def view(uow: UnitOfWork, *, account: Account, contract_id: str) -> ContractView:
    """One of the account's contracts, running or ended."""
    return _view(uow, _current(uow, account, contract_id))


def received(uow: UnitOfWork, *, account: Account, contract_id: str) -> list[ContractSms]:
    """Every SMS the contract's number received for it, oldest first."""
    current = _current(uow, account, contract_id)
    chain = select(Rental.id).where(
        Rental.first_id == current.first_id, Rental.account_id == account.id
    )
    rows = uow.session.execute(
        select(Message.sender, Message.text, Message.received_at)
        .where(Message.rental_id.in_(chain), Message.status == MessageStatus.ROUTED)
        .order_by(Message.received_at, Message.id)
    ).all()
    return [ContractSms(sender=s, body=t, received_at=r) for s, t, r in rows]


def _current(uow: UnitOfWork, account: Account, contract_id: str, *, lock: bool = False) -> Rental:
    """The latest rental of one of the account's contracts (another account's is unknown).

    Locked, it is checked again after the lock: a renewal that committed meanwhile made a
    newer one, which is then the one to change.
    """
    key = parse_id(contract_id.strip())
    if key is None:
        raise UnknownRental()
    query = (
        select(Rental)
        .where(Rental.first_id == key, Rental.account_id == account.id, Rental.api == Api.ORDER)
        .order_by(Rental.id.desc())
        .limit(1)
    )
    if lock:
        query = query.with_for_update(key_share=True).execution_options(populate_existing=True)
    for _ in range(5):
        rental = uow.session.scalar(query)
        if rental is None:
            raise UnknownRental()
        if rental.status != RentalStatus.RENEWED:
            return rental
    raise RentalClosed(RentalStatus.RENEWED)


def _running(uow: UnitOfWork, rental: Rental) -> Rental:
    """The rental if it runs: not ended, and not past its expiry (sweep or not)."""
    if rental.status not in OPEN_RENTAL_STATUSES:
        raise RentalClosed(rental.status)
    if rental.expires_at is not None and rental.expires_at <= uow.clock.now():
        raise RentalClosed(RentalStatus.EXPIRED)
    return rental


def _view(uow: UnitOfWork, rental: Rental) -> ContractView:
    number = uow.session.get(Number, rental.number_id) if rental.number_id else None
    first = rental if rental.first_id == rental.id else uow.session.get(Rental, rental.first_id)
    assert first is not None and rental.expires_at is not None
    running = rental.status in OPEN_RENTAL_STATUSES and rental.expires_at > uow.clock.now()
    return ContractView(
        contract_id=first.id,
        mdn=number.mdn if number else "",
        country=number.country if number else "",
        package=first.package or "",
        period_package=rental.package or first.package or "",
        renewal_package=rental.renewal_package or first.package or "",
        auto_renew=rental.autorenew,
        expires_at=rental.expires_at,
        running=running,
    )
