"""Reports of rented numbers that receive nothing, and the operator's resolutions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, select

from simhive.core.catalog.models import Service
from simhive.core.errors import (
    AlreadyReported,
    InvalidParameter,
    NoNumbers,
    NotFound,
    RentalAwaitingMdn,
    RentalClosed,
)
from simhive.core.inventory import service as inventory
from simhive.core.inventory.models import Number
from simhive.core.ledger import service as ledger
from simhive.core.rentals.models import (
    OPEN_RENTAL_STATUSES,
    Rental,
    RentalReport,
    RentalStatus,
    ReportOutcome,
    ReportStatus,
)
from simhive.core.rentals.service import free_number, number_wanted
from simhive.core.rotation import service as rotation
from simhive.db.uow import UnitOfWork


@dataclass(frozen=True, slots=True)
class ReportView:
    id: int
    rental_id: int
    account_id: int
    mdn: str
    status: ReportStatus
    outcome: ReportOutcome | None
    reason: str
    refund_cents: int
    created_at: datetime
    resolved_at: datetime | None


def _view(uow: UnitOfWork, report: RentalReport) -> ReportView:
    number = uow.session.get(Number, report.number_id) if report.number_id else None
    return ReportView(
        id=report.id,
        rental_id=report.rental_id,
        account_id=report.account_id,
        mdn=number.mdn if number else "",
        status=ReportStatus(report.status),
        outcome=ReportOutcome(report.outcome) if report.outcome else None,
        reason=report.reason,
        refund_cents=report.refund_cents,
        created_at=report.created_at,
        resolved_at=report.resolved_at,
    )


def report(uow: UnitOfWork, *, rental: Rental, reason: str = "") -> ReportView:
    """A customer reports that their rented number receives nothing (one open report each)."""
    if rental.status not in OPEN_RENTAL_STATUSES:
        raise RentalClosed(rental.status)
    if rental.number_id is None:
        raise RentalAwaitingMdn(rental.id)
    if len(reason) > 500:
        raise InvalidParameter("reason", reason[:40], "at most 500 characters")
    open_one = uow.session.scalar(
        select(RentalReport.id).where(
            RentalReport.rental_id == rental.id, RentalReport.status == ReportStatus.OPEN
        )
    )
    if open_one is not None:
        raise AlreadyReported()
    found = RentalReport(
        rental_id=rental.id,
        account_id=rental.account_id,
        number_id=rental.number_id,
        status=ReportStatus.OPEN,
        reason=reason,
        created_at=uow.clock.now(),
    )
    uow.session.add(found)
    uow.session.flush()
    return _view(uow, found)


def latest(uow: UnitOfWork, *, rental: Rental) -> ReportView:
    """The rental's latest report, as the customer sees it."""
    found = uow.session.scalar(
        select(RentalReport)
        .where(RentalReport.rental_id.in_(_chain(rental)))
        .order_by(RentalReport.id.desc())
        .limit(1)
    )
    if found is None:
        raise NotFound("The MDN has not been reported")
    return _view(uow, found)


def _chain(rental: Rental) -> Select[int]:
    return select(Rental.id).where(Rental.first_id == (rental.first_id or rental.id))


def list_reports(
    uow: UnitOfWork, *, status: ReportStatus | None = None, limit: int = 100
) -> list[ReportView]:
    query = select(RentalReport).order_by(RentalReport.id.desc()).limit(limit)
    if status is not None:
        query = query.where(RentalReport.status == status)
    return [_view(uow, r) for r in uow.session.scalars(query)]


def resolve(
    uow: UnitOfWork,
    *,
    report_id: int,
    outcome: ReportOutcome,
    reason: str = "",
    made_by: str | None = None,
) -> ReportView:
    """The operator's answer: another number, the unused days back, or dismissed with a reason."""
    found = uow.session.get(RentalReport, report_id, with_for_update={"key_share": True})
    if found is None:
        raise NotFound(f"no report {report_id}")
    if found.status != ReportStatus.OPEN:
        raise InvalidParameter("report", str(report_id), "the report is resolved already")
    if outcome == ReportOutcome.DISMISSED and not reason.strip():
        raise InvalidParameter("reason", "", "a dismissal needs a reason")
    rental = uow.session.get(Rental, found.rental_id, with_for_update={"key_share": True})
    assert rental is not None
    if outcome != ReportOutcome.DISMISSED:
        if rental.status not in OPEN_RENTAL_STATUSES:
            raise RentalClosed(rental.status)
        if outcome == ReportOutcome.REPLACED:
            _replace(uow, rental)
        else:
            found.refund_cents = _refund(uow, rental, made_by=made_by)
    found.status = ReportStatus.RESOLVED
    found.outcome = outcome
    found.reason = reason.strip()[:500] or found.reason
    found.resolved_by = made_by
    found.resolved_at = uow.clock.now()
    uow.session.flush()
    return _view(uow, found)


def _replace(uow: UnitOfWork, rental: Rental) -> None:
    """Move the rental to another free number; the silent one goes offline for a look."""
    service = uow.session.get(Service, rental.service_id)
    assert service is not None and rental.number_id is not None
    old = uow.session.get(Number, rental.number_id, with_for_update={"key_share": True})
    assert old is not None
    wanted = number_wanted(
        account_id=rental.account_id, service=service, days=rental.days, country=old.country
    )
    # The silent number leaves the pool (offline, for the operator to look at) before a
    # new one takes the rental's lease.
    rotation.withdraw(uow, number=old)
    old.lease_group = None
    old.freed_at = uow.clock.now()
    inventory.hold(uow, old)
    new = inventory.take_free_number(uow, wanted, group_id=rental.lease_group)
    if new is None:
        raise NoNumbers()
    rental.number_id = new.id
    uow.session.flush()


def _refund(uow: UnitOfWork, rental: Rental, *, made_by: str | None) -> int:
    """The unused part of the rental's price back, to the cent (rounded down); it ends now."""
    now = uow.clock.now()
    cents = 0
    if rental.starts_at is not None and rental.expires_at is not None:
        total = (rental.expires_at - rental.starts_at).total_seconds()
        left = max((rental.expires_at - max(now, rental.starts_at)).total_seconds(), 0)
        cents = int(rental.price_cents * left // total) if total > 0 else 0
    if cents > 0:
        ledger.refund(
            uow,
            account_id=rental.account_id,
            cents=cents,
            reference=f"rental:{rental.id}",
            made_by=made_by,
        )
    rental.status = RentalStatus.RELEASED
    rental.ended_at = now
    uow.session.flush()
    if rental.number_id is not None:
        number = uow.session.get(Number, rental.number_id, with_for_update={"key_share": True})
        assert number is not None
        inventory.hold(uow, number)  # it received nothing: not offered again until checked
    free_number(uow, rental)
    return cents
