"""Long-term rentals and their reports, as an operator sees and resolves them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from simhive.core.accounts import service as accounts
from simhive.core.accounts.models import Account
from simhive.core.catalog.models import Service
from simhive.core.inventory.models import Number
from simhive.core.rentals import reports
from simhive.core.rentals import service as rentals
from simhive.core.rentals.models import Rental, ReportOutcome, ReportStatus
from simhive.db.uow import Database, UnitOfWork
from simhive.kit.money import from_cents


@dataclass(frozen=True)
class RentalInfo:
    id: int
    first_id: int
    account: str
    mdn: str
    service: str
    status: str
    days: int
    price: Decimal
    autorenew: bool
    expires_at: datetime | None
    forward_to: str | None
    # The API it came through; an order API contract's id is `first_id`, and its
    # periods are packages (1m, 3m, 6m, 1y).
    api: str
    package: str | None
    renewal_package: str | None


def _info(uow: UnitOfWork, rental: Rental) -> RentalInfo:
    account = uow.session.get(Account, rental.account_id)
    service = uow.session.get(Service, rental.service_id)
    number = uow.session.get(Number, rental.number_id) if rental.number_id else None
    assert account is not None and service is not None
    return RentalInfo(
        id=rental.id,
        first_id=rental.first_id or rental.id,
        account=account.username,
        mdn=number.mdn if number else "",
        service=service.name,
        status=rental.status,
        days=rental.days,
        price=from_cents(rental.price_cents),
        autorenew=rental.autorenew,
        expires_at=rental.expires_at,
        forward_to=rental.forward_to,
        api=rental.api,
        package=rental.package,
        renewal_package=rental.renewal_package,
    )


def create_rental(
    db: Database,
    *,
    account: str,
    mdn: str,
    days: int = 30,
    service: str = "Unlimited",
    free: bool = False,
    autorenew: bool = False,
) -> RentalInfo:
    """Rent a number to an account, as the customer's `ltr_rent` with `mdn` would.

    Charged at the service's long-term price unless `free`; a free rental costs nothing
    now, is refunded nothing, and its renewals (if autorenew) are charged as usual.
    """
    with db.uow() as uow:
        holder = accounts.find_account(uow, account)
        made = rentals.rent(
            uow,
            account=holder,
            request=rentals.RentRequest(service=service, days=days, mdn=mdn, autorenew=autorenew),
            charge=not free,
        )
        rental = uow.session.get(Rental, made.id)
        assert rental is not None
        return _info(uow, rental)


def list_rentals(db: Database, *, limit: int = 100) -> list[RentalInfo]:
    """Rentals, newest first."""
    with db.uow(write=False) as uow:
        return [_info(uow, r) for r in rentals.list_rentals(uow, limit=limit)]


def list_reports(
    db: Database, *, status: ReportStatus | None = None, limit: int = 100
) -> list[reports.ReportView]:
    """Reports of silent rented numbers, newest first."""
    with db.uow(write=False) as uow:
        return reports.list_reports(uow, status=status, limit=limit)


def resolve_report(
    db: Database, *, report_id: int, outcome: ReportOutcome, reason: str, made_by: str
) -> reports.ReportView:
    """Replace the number, refund the unused days, or dismiss with a reason."""
    with db.uow() as uow:
        return reports.resolve(
            uow, report_id=report_id, outcome=outcome, reason=reason, made_by=made_by
        )
